// Bar charts drawn as SVG with a viewBox, so they scale to any width (a phone's too). Each bar
// carries its row's figures in data- attributes and a <title> for a tooltip.
import { el, eventTypeLabel, int, num } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

// One band of month bars for `field` ("eventCount" or "fatalities").
function band(rows, field, { y0, height, width, label, cls }) {
  const max = Math.max(1, ...rows.map((r) => int(r[field])));
  const step = width / Math.max(1, rows.length);
  const g = svg('g', { class: `band ${cls}` });
  g.append(svg('text', { x: 0, y: y0 + 11, class: 'band-label' }, `${label} (max ${num(max)})`));
  rows.forEach((row, i) => {
    const value = int(row[field]);
    const h = (value / max) * (height - 16);
    const rect = svg('rect', {
      x: i * step + step * 0.1,
      y: y0 + height - h,
      width: Math.max(1, step * 0.8),
      height: Math.max(value > 0 ? 1 : 0, h),
    }, svg('title', {}, `${row.keys[0]}: ${num(value)} ${label.toLowerCase()}`));
    g.append(rect);
  });
  return g;
}

// rows: the report's by_month (gap-filled, keys ["2024-01"]).
export function renderMonths(container, rows) {
  container.replaceChildren();
  if (!rows.length) {
    container.append(el('p', { class: 'note' }, 'No months in this period.'));
    return;
  }
  // Drawn at the container's own width, so text keeps its size; the viewBox scales it after.
  const width = Math.max(300, container.clientWidth || 600);
  const bandHeight = 90;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${bandHeight * 2 + 24}`, class: 'bars', role: 'img',
    'aria-label': 'Events and fatalities by month',
  });
  chart.append(band(rows, 'eventCount', { y0: 0, height: bandHeight, width, label: 'Events', cls: 'events' }));
  chart.append(band(rows, 'fatalities', { y0: bandHeight + 4, height: bandHeight, width, label: 'Fatalities', cls: 'fatalities' }));
  // A tick label at each January (and the first month), so long periods stay readable.
  const step = width / rows.length;
  rows.forEach((row, i) => {
    const month = row.keys[0];
    if (i === 0 || month.endsWith('-01')) {
      chart.append(svg('text', { x: i * step, y: bandHeight * 2 + 20, class: 'tick' },
        rows.length > 24 ? month.slice(0, 4) : month));
    }
  });
  container.append(chart);
  // The same figures as a table for screen readers and for checking (the browser test reads it).
  const table = el('table', { class: 'visually-hidden', 'data-testid': 'by-month-table' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Month'), el('th', {}, 'Events'), el('th', {}, 'Fatalities'))),
    el('tbody', {}, rows.map((row) => el('tr', {
      dataset: { month: row.keys[0], events: int(row.eventCount), fatalities: int(row.fatalities) },
    }, el('td', {}, row.keys[0]), el('td', {}, num(row.eventCount)), el('td', {}, num(row.fatalities))))));
  container.append(table);
}

// rows: the report's by_event_type (keys ["BATTLES"]), as horizontal bars.
export function renderTypes(container, rows) {
  container.replaceChildren();
  if (!rows.length) {
    container.append(el('p', { class: 'note' }, 'No events in this period.'));
    return;
  }
  const sorted = [...rows].sort((a, b) => int(b.eventCount) - int(a.eventCount));
  const max = Math.max(1, ...sorted.map((r) => int(r.eventCount)));
  container.append(el('ul', { class: 'hbars' }, sorted.map((row) => el('li', {
    dataset: { type: row.keys[0], events: int(row.eventCount), fatalities: int(row.fatalities) },
  },
  el('span', { class: 'hbar-label' }, eventTypeLabel(row.keys[0])),
  el('span', { class: 'hbar-track' },
    el('span', { class: 'hbar', style: `width:${(int(row.eventCount) / max) * 100}%` })),
  el('span', { class: 'hbar-value' }, num(row.eventCount),
    int(row.fatalities) ? el('small', {}, ` · ${num(row.fatalities)} killed`) : null)))));
}
