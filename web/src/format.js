// Turning the API's canonical JSON (int64 as strings, enums by name) into text for the page.

const numberFormat = new Intl.NumberFormat('en-US');

// int64 values arrive as strings, absent ones not at all (proto3 JSON omits zeros).
export function int(value) {
  if (value === undefined || value === null || value === '') return 0;
  return Number(value);
}

export function num(value) {
  return numberFormat.format(int(value));
}

// "EVENT_TYPE_VIOLENCE_AGAINST_CIVILIANS" -> "Violence against civilians".
export function enumLabel(value, prefix) {
  if (!value) return 'Unspecified';
  let text = String(value);
  if (prefix && text.startsWith(prefix)) text = text.slice(prefix.length);
  text = text.replace(/_/g, ' ').toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// AggregateRow keys for DIMENSION_EVENT_TYPE are "BATTLES"; events carry "EVENT_TYPE_BATTLES".
export function eventTypeLabel(value) {
  return enumLabel(value, 'EVENT_TYPE_');
}

const QUALIFIER_WORDS = {
  QUALIFIER_AT_LEAST: 'at least ',
  QUALIFIER_AT_MOST: 'at most ',
  QUALIFIER_APPROXIMATELY: 'about ',
};

// A Count: "at least 105,000 (100,000–110,000)".
export function countText(count) {
  if (!count) return '0';
  let text = (QUALIFIER_WORDS[count.qualifier] || '') + num(count.best);
  if (count.low !== undefined || count.high !== undefined) {
    text += ` (${count.low !== undefined ? num(count.low) : '…'}–` +
      `${count.high !== undefined ? num(count.high) : '…'})`;
  }
  return text;
}

export function periodText(period) {
  if (!period) return 'any time';
  const { startDate, endDate } = period;
  if (startDate && endDate) return startDate === endDate ? startDate : `${startDate} to ${endDate}`;
  if (startDate) return `from ${startDate}`;
  if (endDate) return `until ${endDate}`;
  return 'any time';
}

export function eventDateText(event) {
  const end = event.endDate && event.endDate !== event.eventDate ? ` to ${event.endDate}` : '';
  return `${event.eventDate}${end}`;
}

// At sea a location has no country: its maritime levels name it, smallest first.
export function placeText(location) {
  if (!location) return '';
  const sea = location.maritime || {};
  return [location.place, sea.subBasin, sea.bodyOfWater, sea.basin, location.admin2,
    location.admin1, location.countryCode]
    .filter((part, i, all) => part && all.indexOf(part) === i).join(', ');
}

// Builds an element: el('td', { class: 'num', dataset: { x: 1 } }, 'text', child).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
