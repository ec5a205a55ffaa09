// Drives the dashboard in headless Chromium against a running Lookout (dashboard_browser_test.sh
// starts it): a refused key is shown; with the reader key every number on the page equals what
// the HTTP/JSON API answers to the same requests; an event created through the API shows up
// within two seconds; a stopped server is shown. Screenshots at desktop and 390-pixel widths.
// Environment: DASHBOARD_URL, LOOKOUT_READER_KEY, LOOKOUT_EDITOR_KEY, DASHBOARD_ARTIFACTS,
// DASHBOARD_GATEWAY_PID_FILE, LOOKOUT_CHROMIUM.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.DASHBOARD_URL;
const READER = process.env.LOOKOUT_READER_KEY;
const EDITOR = process.env.LOOKOUT_EDITOR_KEY;
const ARTIFACTS = process.env.DASHBOARD_ARTIFACTS;
// A fixed period holding every Haitian event of the demo, so the page is the same on every run.
const QUERY = { country: 'HTI', from: '2022-01-01', to: '2024-12-31' };
const PAGE_URL = `${BASE}/#country=${QUERY.country}&from=${QUERY.from}&to=${QUERY.to}`;

let failed = 0;
let passed = 0;
function check(ok, what, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok: ${what}`);
  } else {
    failed++;
    console.log(`FAIL: ${what}${detail ? `: ${detail}` : ''}`);
  }
}
function checkEq(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  check(g === w, what, `expected ${w}, got ${g}`);
}

const int = (v) => Number(v || 0);
const fmt = (v) => new Intl.NumberFormat('en-US').format(int(v));

// The same requests the page makes, over HTTP with the reader key.
async function api(path, params, { key = READER, method = 'GET', body } = {}) {
  const query = params ? `?${new URLSearchParams(params)}` : '';
  const response = await fetch(`${BASE}${path}${query}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}${query}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}
const report = () => api(`/v1/countries/${QUERY.country}/situationReport`, {
  'period.start_date': QUERY.from, 'period.end_date': QUERY.to, recent_events: '10',
});
const mapEvents = () => api('/v1/events', {
  'filter.country_codes': QUERY.country, 'filter.date_range.start_date': QUERY.from,
  'filter.date_range.end_date': QUERY.to, page_size: '1000',
});

// Everything the page shows, read from the DOM (text and the data- attributes the page sets).
function readPage(page) {
  return page.evaluate(() => {
    const text = (id) => document.querySelector(`[data-testid="${id}"]`).textContent.trim();
    const rows = (selector, fields) => [...document.querySelectorAll(selector)].map((n) =>
      Object.fromEntries(fields.map((f) => [f, n.dataset[f]])));
    return {
      eventCount: text('event-count'),
      fatalities: text('fatalities'),
      figureCount: text('figure-count'),
      months: rows('[data-testid="by-month-table"] tbody tr', ['month', 'events', 'fatalities']),
      monthBars: document.querySelectorAll('[data-testid="by-month"] svg .events rect').length,
      types: rows('[data-testid="by-type"] li', ['type', 'events', 'fatalities']),
      actors: rows('[data-testid="top-actors"] tbody tr', ['actorId', 'events', 'fatalities']),
      actorNames: [...document.querySelectorAll('[data-testid="top-actors"] tbody tr td:first-child')]
        .map((n) => n.textContent),
      figures: rows('[data-testid="figures"] article', ['metric', 'low', 'high', 'consensus', 'sources']),
      notes: [...document.querySelectorAll('[data-testid="figures"] .discrepancies li')].map((n) => n.textContent),
      observations: [...document.querySelectorAll('[data-testid="figures"] article')].map((a) =>
        [...a.querySelectorAll('tbody tr')].map((r) => r.dataset.observationId)),
      recent: rows('[data-testid="recent-events"] li', ['eventId', 'fatalities']),
      recentSources: [...document.querySelectorAll('[data-testid="recent-events"] .sources')].map((n) => n.textContent),
      located: document.querySelector('[data-testid="map-located"]').dataset.count,
      dots: [...document.querySelectorAll('[data-testid="map"] circle')].map((c) => c.dataset.eventId),
      error: document.querySelector('[data-testid="error"]').hidden ? '' : text('error'),
    };
  });
}

// The page against the API's answers to the same requests.
function compare(shown, rep, list, label) {
  checkEq(shown.eventCount, fmt(rep.eventCount), `${label}: total events`);
  checkEq(shown.fatalities, fmt(rep.fatalities), `${label}: total fatalities`);
  checkEq(shown.figureCount, fmt((rep.figures || []).length), `${label}: number of figures`);
  checkEq(shown.months, (rep.byMonth || []).map((r) => ({
    month: r.keys[0], events: String(int(r.eventCount)), fatalities: String(int(r.fatalities)),
  })), `${label}: events and fatalities by month`);
  checkEq(shown.monthBars, (rep.byMonth || []).length, `${label}: one bar a month`);
  const types = [...(rep.byEventType || [])].sort((a, b) => int(b.eventCount) - int(a.eventCount));
  checkEq(shown.types.map((t) => `${t.type}:${t.events}:${t.fatalities}`).sort(),
    types.map((r) => `${r.keys[0]}:${int(r.eventCount)}:${int(r.fatalities)}`).sort(),
    `${label}: events by type`);
  checkEq(shown.actors, (rep.topActors || []).map((a) => ({
    actorId: a.actor.id, events: String(int(a.eventCount)), fatalities: String(int(a.fatalities)),
  })), `${label}: top actors`);
  checkEq(shown.actorNames, (rep.topActors || []).map((a) => a.actor.name), `${label}: top actors' names`);
  checkEq(shown.figures, (rep.figures || []).map((f) => ({
    metric: f.metric, low: String(int(f.low)), high: String(int(f.high)),
    consensus: String(Number(f.consensus || 0)), sources: String(f.sourceCount || 0),
  })), `${label}: figures' range, consensus and sources`);
  checkEq(shown.notes, (rep.figures || []).flatMap((f) => f.discrepancyNotes || []),
    `${label}: reconciliation notes`);
  checkEq(shown.observations, (rep.figures || []).map((f) => (f.observations || []).map((o) => o.id)),
    `${label}: each figure's observations`);
  checkEq(shown.recent, (rep.recentEvents || []).map((r) => ({
    eventId: r.event.id, fatalities: String(int(r.event.fatalities)),
  })), `${label}: recent events`);
  checkEq(shown.recentSources.length, (rep.recentEvents || []).length, `${label}: sources per recent event`);
  const located = (list.events || []).filter((e) => e.location && e.location.latitude !== undefined);
  checkEq(shown.located, String(located.length), `${label}: events with coordinates on the map`);
  checkEq([...shown.dots].sort(), located.map((e) => e.id).sort(), `${label}: one circle per located event`);
  checkEq(shown.error, '', `${label}: no error shown`);
}

async function enterKey(page, key) {
  await page.fill('[data-testid="key"]', key);
  await page.click('[data-testid="key-submit"]');
}

const consoleLines = [];
const browser = await chromium.launch({
  executablePath: process.env.LOOKOUT_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => consoleLines.push(`[desktop ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => { consoleLines.push(`[desktop pageerror] ${e.message}`); check(false, 'no script error', e.message); });

  // A wrong key: the page says so and asks again.
  await page.goto(PAGE_URL);
  await page.waitForSelector('[data-testid="key"]', { state: 'visible' });
  await enterKey(page, 'not-a-key');
  await page.waitForSelector('[data-testid="error"]:not([hidden])', { timeout: 10000 });
  const refused = await page.textContent('[data-testid="error"]');
  check(/refused the API key/.test(refused) && /401/.test(refused), 'a wrong key is shown as refused', refused);
  check(await page.isVisible('[data-testid="key"]'), 'the key is asked for again');
  check(await page.evaluate(() => sessionStorage.getItem('lookout.apiKey')) === null,
    'a refused key is not kept');

  // The reader key: the page shows what the API says.
  await enterKey(page, READER);
  await page.waitForSelector('body[data-loaded]', { timeout: 15000 });
  check(await page.evaluate(() => sessionStorage.getItem('lookout.apiKey')) === READER,
    'the key is kept in session storage');
  const [rep, list] = await Promise.all([report(), mapEvents()]);
  check(int(rep.eventCount) >= 4 && (rep.figures || []).length >= 3,
    'the Haiti demo is there (4+ events, 3+ figures in the period)',
    `${rep.eventCount} events, ${(rep.figures || []).length} figures`);
  compare(await readPage(page), rep, list, 'demo');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });

  // Live: an event created through the API appears within two seconds.
  await page.waitForSelector('[data-testid="live"][data-state="live"]', { timeout: 10000 });
  const gangs = (rep.topActors || []).find((a) => a.actor.name === 'Armed gangs of Port-au-Prince');
  check(Boolean(gangs), 'the demo lists the Port-au-Prince gangs among the top actors');
  const created = await api('/v1/events', null, {
    key: EDITOR, method: 'POST', body: {
      requestId: `dashboard-e2e-${Date.now()}`,
      event: {
        eventDate: '2024-03-09', eventType: 'EVENT_TYPE_BATTLES', subEventType: 'Armed clash',
        participants: gangs ? [{ actorId: gangs.actor.id, role: 'PARTICIPANT_ROLE_PRIMARY' }] : [],
        location: { countryCode: 'HTI', admin1: 'Ouest', place: 'Cabaret', latitude: 18.735,
          longitude: -72.419, geoPrecision: 'GEO_PRECISION_NEAR' },
        casualties: [{ kind: 'CASUALTY_KIND_KILLED', count: { best: '3' } }],
        sources: [{ name: 'Dashboard browser test', url: 'https://example.org/e2e' }],
        notes: 'Created by the dashboard browser test.',
      },
    },
  });
  const createdAt = Date.now();
  const id = created.event.id;
  const wantCount = fmt(int(rep.eventCount) + 1);
  const wantFatalities = fmt(int(rep.fatalities) + 3);
  try {
    await page.waitForFunction(([count, fatalities, eventId]) =>
      document.querySelector('[data-testid="event-count"]').textContent === count &&
      document.querySelector('[data-testid="fatalities"]').textContent === fatalities &&
      document.querySelector(`[data-testid="recent-events"] li[data-event-id="${eventId}"]`) &&
      document.querySelector(`[data-testid="map"] circle[data-event-id="${eventId}"]`),
    [wantCount, wantFatalities, id], { timeout: 2000, polling: 50 });
    check(true, `the new event shows within two seconds (${Date.now() - createdAt} ms): ` +
      'totals, recent events and the map');
  } catch (err) {
    const shown = await readPage(page);
    check(false, 'the new event shows within two seconds',
      `events ${shown.eventCount} (want ${wantCount}), fatalities ${shown.fatalities} (want ${wantFatalities})`);
  }
  const [rep2, list2] = await Promise.all([report(), mapEvents()]);
  checkEq(int(rep2.eventCount), int(rep.eventCount) + 1, 'the API counts the new event');
  compare(await readPage(page), rep2, list2, 'after the new event');

  // Phone width: the same page at 390 pixels, nothing wider than the screen.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const small = await phone.newPage();
  small.on('console', (m) => consoleLines.push(`[phone ${m.type()}] ${m.text()}`));
  await small.goto(PAGE_URL);
  await enterKey(small, READER);
  await small.waitForSelector('body[data-loaded]', { timeout: 15000 });
  compare(await readPage(small), rep2, list2, 'at 390 pixels');
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 390, 'nothing is wider than a 390-pixel screen', `page is ${overflow} px wide`);
  await small.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
  await phone.close();

  // The server stops: the page says it does not answer.
  const pid = Number(readFileSync(process.env.DASHBOARD_GATEWAY_PID_FILE, 'utf8'));
  process.kill(pid, 'SIGTERM');
  // It drains for a moment first: wait until it is gone (or a zombie nobody reaps).
  const gone = () => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
    } catch (err) {
      return true;
    }
  };
  for (let i = 0; i < 300 && !gone(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  check(gone(), 'the gateway stopped on SIGTERM');
  await page.click('form#query button[type="submit"]');
  try {
    await page.waitForFunction(() => /does not answer/.test(
      document.querySelector('[data-testid="error"]').textContent), null, { timeout: 30000 });
    check(true, 'a stopped server is shown as not answering');
  } catch (err) {
    check(false, 'a stopped server is shown as not answering',
      await page.textContent('[data-testid="error"]'));
  }
  check(await page.getAttribute('[data-testid="live"]', 'data-state') !== 'live',
    'the live indicator no longer says live');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-server-down.png') });
} finally {
  writeFileSync(join(ARTIFACTS, 'console.log'), consoleLines.join('\n') + '\n');
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failed} failed; screenshots in ${ARTIFACTS}`);
process.exit(failed ? 1 : 0);
