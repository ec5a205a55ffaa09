// The situation dashboard: a country and a period in, the situation report, the events on a
// map and the reported figures out, refreshed when the watch stream reports a change.
import { ApiError, forgetKey, getJson, savedKey, saveKey } from './api.js';
import { renderMonths, renderTypes } from './charts.js';
import { renderFigures } from './figures.js';
import { el, int, num, periodText } from './format.js';
import { loadShapes, renderMap } from './map.js';
import { renderRecent } from './recent.js';
import { listEvents, situationReport } from './routes.js';
import { watch } from './watch.js';

const $ = (id) => document.getElementById(id);
// Events drawn on the map: one ListEvents page of the largest size the service allows.
const MAP_PAGE_SIZE = 1000;

let countries = [];
let stopWatching = null;
let loadGeneration = 0;
// The highest event sequence the watch stream has reported; a report older than it is fetched
// again (the stats read model follows the event log a moment behind).
let seenSequence = 0;
let refreshTimer = null;
// Whether the error shown is the watch stream's lost server (cleared when it is back).
let watchLost = false;

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

function setLive(state, detail) {
  const live = $('live');
  live.dataset.state = state;
  live.textContent = { live: 'live', reconnecting: 'reconnecting…', error: 'not live', off: 'offline' }[state];
  live.title = detail ? String(detail.message || detail) : '';
}

function askForKey(message) {
  if (stopWatching) stopWatching();
  stopWatching = null;
  setLive('off');
  $('key-panel').hidden = false;
  $('dashboard').hidden = true;
  $('query').hidden = true;
  $('forget-key').hidden = true;
  showError(message || '');
  $('key').focus();
}

// The query from the address bar's fragment (#country=HTI&from=...&to=...), so a view can be
// bookmarked and reloaded; defaults: Haiti over the last five calendar years.
function readQuery() {
  const params = new URLSearchParams(location.hash.slice(1));
  const today = new Date().toISOString().slice(0, 10);
  const from = `${new Date().getUTCFullYear() - 4}-01-01`;
  return {
    country: (params.get('country') || 'HTI').toUpperCase(),
    from: params.get('from') ?? from,
    to: params.get('to') ?? today,
  };
}

function writeQuery(q) {
  const hash = new URLSearchParams({ country: q.country, from: q.from, to: q.to }).toString();
  if (location.hash.slice(1) !== hash) history.replaceState(null, '', `#${hash}`);
}

function fillForm(q) {
  const select = $('country');
  if (!select.options.length) {
    for (const c of countries) select.append(el('option', { value: c.code }, `${c.name} (${c.code})`));
  }
  select.value = q.country;
  $('from').value = q.from;
  $('to').value = q.to;
}

async function fetchReport(q) {
  const route = situationReport({ country: q.country, from: q.from, to: q.to, recentEvents: 10 });
  return getJson(route.path, route.query, 'load the situation report');
}

async function fetchMapEvents(q) {
  const route = listEvents({ country: q.country, from: q.from, to: q.to, pageSize: MAP_PAGE_SIZE });
  return getJson(route.path, route.query, 'list the events for the map');
}

function renderWarnings(report) {
  const box = $('warnings');
  const warnings = report.warnings || [];
  box.replaceChildren(...warnings.map((w) => el('p', {}, `Partial report: ${w}`)));
  box.hidden = !warnings.length;
}

function render(q, report, events, live) {
  const country = countries.find((c) => c.code === q.country);
  document.title = `${country ? country.name : q.country} – Lookout`;
  document.querySelector('[data-testid="as-of"]').textContent =
    `${country ? country.name : q.country}, ${periodText(report.period || { startDate: q.from, endDate: q.to })}` +
    ` · as of change ${num(report.asOfSequence)}`;
  document.querySelector('[data-testid="as-of"]').dataset.sequence = int(report.asOfSequence);
  document.querySelector('[data-testid="event-count"]').textContent = num(report.eventCount);
  document.querySelector('[data-testid="fatalities"]').textContent = num(report.fatalities);
  const figures = report.figures || [];
  document.querySelector('[data-testid="figure-count"]').textContent = num(figures.length);
  renderMonths($('by-month'), report.byMonth || []);
  renderTypes($('by-type'), report.byEventType || []);
  renderMap($('map'), $('map-note'), country ? country.numeric : -1, events.events || []);
  if (int(events.totalSize) > (events.events || []).length) {
    $('map-note').append(` Showing the ${num((events.events || []).length)} newest of ${num(events.totalSize)}.`);
  }
  $('top-actors').replaceChildren(...(report.topActors || []).map((a) => el('tr', {
    dataset: { actorId: a.actor && a.actor.id, events: int(a.eventCount), fatalities: int(a.fatalities) },
  }, el('td', {}, a.actor ? a.actor.name : '(unknown actor)'),
  el('td', { class: 'num' }, num(a.eventCount)), el('td', { class: 'num' }, num(a.fatalities)))));
  if (!(report.topActors || []).length) {
    $('top-actors').append(el('tr', {}, el('td', { colspan: 3, class: 'note' }, 'No actors in this period.')));
  }
  renderFigures($('figures'), figures);
  const before = new Set([...$('recent').querySelectorAll('li[data-event-id]')].map((li) => li.dataset.eventId));
  renderRecent($('recent'), report.recentEvents || []);
  // After a live refresh, mark what arrived since the last drawing.
  if (live && before.size) {
    for (const li of $('recent').querySelectorAll('li[data-event-id]')) {
      if (!before.has(li.dataset.eventId)) li.classList.add('fresh');
    }
  }
  renderWarnings(report);
}

// Loads everything for q; `live` keeps the watch stream running (a refresh after a change).
async function load(q, { live = false } = {}) {
  const generation = ++loadGeneration;
  document.body.classList.add('loading');
  try {
    let [report, events] = await Promise.all([fetchReport(q), fetchMapEvents(q), loadShapes()]);
    // The report lags the change that triggered this refresh: ask again briefly.
    for (let i = 0; i < 10 && int(report.asOfSequence) < seenSequence; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      report = await fetchReport(q);
    }
    if (generation !== loadGeneration) return;
    showError('');
    $('key-panel').hidden = true;
    $('dashboard').hidden = false;
    $('query').hidden = false;
    $('forget-key').hidden = false;
    render(q, report, events, live);
    document.body.dataset.loaded = String(generation);
    if (!live) startWatching(q, report);
  } catch (err) {
    if (generation !== loadGeneration) return;
    if (err instanceof ApiError && err.badKey) {
      forgetKey();
      askForKey(err.message);
      return;
    }
    showError(err.message || String(err));
  } finally {
    if (generation === loadGeneration) document.body.classList.remove('loading');
  }
}

function startWatching(q, report) {
  if (stopWatching) stopWatching();
  seenSequence = int(report.asOfSequence);
  setLive('reconnecting');
  stopWatching = watch({
    afterSequence: report.asOfSequence || '0',
    changeLogId: report.asOfChangeLogId || '',
    onChange(message) {
      // A change to an event of this country, or to one on the page (it may have moved away).
      const { event } = message;
      const here = event.location && event.location.countryCode === q.country;
      const shown = document.querySelector(`[data-event-id="${CSS.escape(event.id || '')}"]`);
      if (!here && !shown) return;
      seenSequence = Math.max(seenSequence, int(message.sequence));
      // Changes come in bursts (an import): one refresh for a burst.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => load(q, { live: true }), 150);
    },
    onState(state, detail) {
      setLive(state, detail);
      // A server that stopped answering is said on the page, and unsaid once the stream is back.
      if (state === 'reconnecting' && detail instanceof ApiError && detail.status === 0) {
        showError(`Live updates paused: ${detail.message.replace(/^Could not follow new events: /, '')} Retrying.`);
        watchLost = true;
      } else if (state === 'live' && watchLost) {
        showError('');
        watchLost = false;
      }
      if (state === 'error' && detail instanceof ApiError && detail.badKey) {
        forgetKey();
        askForKey(detail.message);
      } else if (state === 'error' && detail instanceof ApiError && detail.code === 'FAILED_PRECONDITION') {
        load(q);
      }
    },
  });
}

function showQuery() {
  const q = readQuery();
  fillForm(q);
  load(q);
}

async function start() {
  try {
    const response = await fetch('countries.json');
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    countries = await response.json();
  } catch (err) {
    showError(`The dashboard's country list did not load from ${location.origin} (${err.message}). ` +
      'Is the Lookout server running?');
    return;
  }
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    saveKey($('key').value.trim());
    $('key').value = '';
    showQuery();
  });
  $('query').addEventListener('submit', (event) => {
    event.preventDefault();
    const q = { country: $('country').value, from: $('from').value, to: $('to').value };
    if (q.from && q.to && q.from > q.to) {
      showError(`The period starts (${q.from}) after it ends (${q.to}).`);
      return;
    }
    writeQuery(q);
    load(q);
  });
  $('forget-key').addEventListener('click', () => {
    forgetKey();
    askForKey('');
  });
  window.addEventListener('hashchange', showQuery);
  if (savedKey()) showQuery();
  else askForKey('');
}

start();
