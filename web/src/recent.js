// The latest events of the report, each with its actors and its sources.
import { el, eventDateText, eventTypeLabel, int, num, placeText } from './format.js';

export function renderRecent(container, recent) {
  container.replaceChildren();
  if (!recent.length) {
    container.append(el('li', { class: 'note' }, 'No events in this period.'));
    return;
  }
  for (const { event, actors = [] } of recent) {
    if (!event) continue;
    const sources = event.sources || [];
    container.append(el('li', { dataset: { eventId: event.id, fatalities: int(event.fatalities) } },
      el('div', { class: 'recent-head' },
        el('time', { datetime: event.eventDate }, eventDateText(event)),
        el('span', { class: 'type' }, eventTypeLabel(event.eventType)),
        event.subEventType ? el('span', { class: 'sub' }, event.subEventType) : null,
        int(event.fatalities) ? el('span', { class: 'killed' }, `${num(event.fatalities)} killed`) : null),
      el('div', { class: 'place' }, placeText(event.location)),
      actors.length ? el('div', { class: 'actors' }, actors.map((a) => a.name).join(' · ')) : null,
      event.notes ? el('p', { class: 'notes' }, event.notes) : null,
      el('div', { class: 'sources' }, sources.length ? 'Sources: ' : 'No source given.',
        sources.map((s, i) => [i ? '; ' : '',
          s.url ? el('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank' }, s.name || s.url) : (s.name || '(unnamed)'),
          s.publishedDate ? ` (${s.publishedDate})` : '']))));
  }
}
