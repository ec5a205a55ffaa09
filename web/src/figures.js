// Reported figures: for each metric, every source's claim, the range they span, their median
// (the consensus), what the events add up to, and the notes on where sources disagree.
import { countText, el, enumLabel, int, num, periodText } from './format.js';

function sourceCell(source) {
  if (!source) return '(no source)';
  const name = source.name || source.url || '(unnamed source)';
  const link = source.url ? el('a', { href: source.url, rel: 'noopener noreferrer', target: '_blank' }, name) : name;
  return [link, source.publishedDate ? el('small', {}, ` ${source.publishedDate}`) : null];
}

function consensusText(value) {
  const n = Number(value || 0);
  return Number.isInteger(n) ? num(n) : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function renderFigures(container, figures) {
  container.replaceChildren();
  if (!figures.length) {
    container.append(el('p', { class: 'note' }, 'No reported figures for this country and period.'));
    return;
  }
  for (const f of figures) {
    const card = el('article', {
      class: 'figure',
      dataset: {
        metric: f.metric, low: int(f.low), high: int(f.high), consensus: Number(f.consensus || 0),
        sources: f.sourceCount || 0,
      },
    });
    card.append(el('h3', {}, enumLabel(f.metric, 'METRIC_')),
      el('p', { class: 'figure-summary' },
        el('span', { class: 'range' }, `Range ${num(f.low)}–${num(f.high)}`),
        ' · ',
        el('span', { class: 'consensus' }, `consensus ${consensusText(f.consensus)}`),
        ` · ${num(f.sourceCount)} source${f.sourceCount === 1 ? '' : 's'}`,
        f.computedFromEvents !== undefined
          ? el('span', { class: 'computed' }, ` · events add up to ${num(f.computedFromEvents)}`) : null,
        el('small', {}, ` (${periodText(f.period)})`)));
    const notes = f.discrepancyNotes || [];
    if (notes.length) {
      card.append(el('ul', { class: 'discrepancies' }, notes.map((n) => el('li', {}, n))));
    }
    card.append(el('table', { class: 'rows' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Source'), el('th', { class: 'num' }, 'Value'), el('th', {}, 'Period'))),
      el('tbody', {}, (f.observations || []).map((o) => el('tr', { dataset: { observationId: o.id, best: int(o.value && o.value.best) } },
        el('td', {}, sourceCell(o.source), o.notes ? el('div', { class: 'obs-notes' }, o.notes) : null),
        el('td', { class: 'num' }, countText(o.value), o.unit && o.unit !== 'UNIT_PERSONS'
          ? el('small', {}, ` ${enumLabel(o.unit, 'UNIT_').toLowerCase()}`) : null),
        el('td', {}, periodText(o.period)))))));
    container.append(card);
  }
}
