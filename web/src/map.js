// The events on a map of country shapes (world-atlas, drawn with d3-geo): no tiles, no network
// beyond this server. The projection fits the chosen country; events with coordinates are
// circles sized by fatalities.
import { geoMercator, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import { el, eventDateText, eventTypeLabel, int, num } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
let shapes = null;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

// The country features, fetched once (a static file beside the page).
export async function loadShapes() {
  if (!shapes) {
    const response = await fetch('countries-50m.json');
    if (!response.ok) throw new Error(`the country shapes did not load (HTTP ${response.status})`);
    const topology = await response.json();
    shapes = feature(topology, topology.objects.countries).features;
  }
  return shapes;
}

// numeric: the chosen country's ISO numeric code (world-atlas ids); events: ListEvents' events.
export function renderMap(container, note, numeric, events) {
  container.replaceChildren();
  const width = 600;
  const height = 420;
  const target = shapes.find((f) => Number(f.id) === numeric);
  const located = events.filter((e) => e.location && e.location.latitude !== undefined &&
    e.location.longitude !== undefined);
  const projection = geoMercator();
  if (target) {
    projection.fitExtent([[16, 16], [width - 16, height - 16]], target);
  } else if (located.length) {
    projection.fitExtent([[16, 16], [width - 16, height - 16]], {
      type: 'MultiPoint', coordinates: located.map((e) => [e.location.longitude, e.location.latitude]),
    });
  } else {
    projection.fitExtent([[0, 0], [width, height]], { type: 'Sphere' });
  }
  const path = geoPath(projection);
  const map = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'map-svg', role: 'img',
    'aria-label': 'Map of the events' });
  map.append(svg('rect', { width, height, class: 'sea' }));
  const land = svg('g', { class: 'land' });
  for (const f of shapes) {
    const d = path(f);
    if (d) land.append(svg('path', { d, class: f === target ? 'country chosen' : 'country' },
      svg('title', {}, f.properties.name)));
  }
  map.append(land);
  const dots = svg('g', { class: 'dots' });
  // Largest first, so small circles stay on top and clickable.
  const maxFatalities = Math.max(1, ...located.map((e) => int(e.fatalities)));
  for (const e of [...located].sort((a, b) => int(b.fatalities) - int(a.fatalities))) {
    const [x, y] = projection([e.location.longitude, e.location.latitude]);
    const r = 5 + 14 * Math.sqrt(int(e.fatalities) / maxFatalities);
    dots.append(svg('circle', { cx: x, cy: y, r, class: 'dot', 'data-event-id': e.id },
      svg('title', {}, `${eventDateText(e)} · ${eventTypeLabel(e.eventType)} · ` +
        `${e.location.place || e.location.admin1 || ''} · ${num(e.fatalities)} killed`)));
  }
  map.append(dots);
  container.append(map);
  const unlocated = events.length - located.length;
  note.replaceChildren(el('span', { 'data-testid': 'map-located', dataset: { count: located.length } },
    `${num(located.length)} event${located.length === 1 ? '' : 's'} with coordinates`),
  unlocated ? `; ${num(unlocated)} without (located only to a region or the country).` : '.');
}
