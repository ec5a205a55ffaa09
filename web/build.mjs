// Bundles the dashboard into one folder the gateway serves (--dashboard_dir): index.html, the
// JavaScript bundle, the stylesheet, the world's country shapes (world-atlas) and the list of
// countries. Everything comes from node_modules and this repository, so it builds offline.
//   node web/build.mjs OUT_DIR
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const root = join(web, '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node web/build.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(web, 'src/main.js')],
  bundle: true,
  format: 'esm',
  target: ['es2020'],
  minify: true,
  sourcemap: true,
  outfile: join(out, 'app.js'),
  nodePaths: [join(root, 'node_modules')],
  logLevel: 'warning',
});
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
copyFileSync(join(web, 'style.css'), join(out, 'style.css'));

// 1:50m shapes: Haiti and other small countries keep a recognisable outline (1:110m drops
// islands such as La Gonâve).
const atlasPath = join(root, 'node_modules/world-atlas/countries-50m.json');
copyFileSync(atlasPath, join(out, 'countries-50m.json'));

// The country list: the alpha-3 codes the services accept (common/country_codes.cc, so the two
// cannot disagree) with the names world-atlas gives their ISO numeric codes.
const codes = readFileSync(join(root, 'common/country_codes.cc'), 'utf8');
const atlas = JSON.parse(readFileSync(atlasPath, 'utf8'));
const names = new Map(
  atlas.objects.countries.geometries.map((g) => [Number(g.id), g.properties.name]));
const countries = [];
for (const [, alpha3, numeric] of codes.matchAll(/\{"([A-Z]{3})",\s*(\d+)\}/g)) {
  countries.push({ code: alpha3, numeric: Number(numeric), name: names.get(Number(numeric)) || alpha3 });
}
if (countries.length < 200) {
  console.error(`web/build.mjs: read only ${countries.length} countries from common/country_codes.cc`);
  process.exit(1);
}
countries.sort((a, b) => a.name.localeCompare(b.name));
writeFileSync(join(out, 'countries.json'), JSON.stringify(countries));
