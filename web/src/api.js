// Calls Lookout's HTTP/JSON API with the key from session storage. Every failure becomes an
// ApiError whose message a reader can act on: a refused key, a server that does not answer,
// or the server's own google.rpc.Status message.

const KEY_STORAGE = 'lookout.apiKey';

export function savedKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

export function saveKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

export class ApiError extends Error {
  // status: the HTTP status (0 when the server could not be reached); code: the gRPC code name.
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }

  get badKey() {
    return this.status === 401 || this.code === 'UNAUTHENTICATED';
  }
}

// gRPC code numbers as google.rpc.Status carries them.
const CODE_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND',
  'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED',
  'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

export function codeName(code) {
  return typeof code === 'number' ? CODE_NAMES[code] || String(code) : String(code || '');
}

// The error for a response that is not 2xx, from its google.rpc.Status body when it has one.
export async function errorFromResponse(response, what) {
  let code = '';
  let detail = '';
  try {
    // A body that never ends (a server that keeps the connection open without a length) must not
    // leave the page waiting: after 3 s the HTTP status alone is reported.
    const body = await Promise.race([
      response.json(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no body')), 3000)),
    ]);
    const status = body.error || body;
    code = codeName(status.code);
    detail = status.message || '';
  } catch (_) {
    // Not JSON (a proxy's page, an empty body): the HTTP status says enough.
  }
  const label = code ? `${response.status} ${code}` : `HTTP ${response.status}`;
  if (response.status === 401) {
    return new ApiError(`The server refused the API key (${label}${detail ? `: ${detail}` : ''}). ` +
      'Enter a valid key.', 401, code);
  }
  if (response.status === 403) {
    return new ApiError(`This API key may not ${what} (${label}${detail ? `: ${detail}` : ''}).`,
      403, code);
  }
  return new ApiError(`Could not ${what}: ${label}${detail ? ` – ${detail}` : ''}.`,
    response.status, code);
}

export function unreachable(what) {
  return new ApiError(`Could not ${what}: the Lookout server at ${location.origin} does not ` +
    'answer. Is it running (scripts/run.sh)?', 0, 'UNAVAILABLE');
}

export function authHeaders(key = savedKey()) {
  return { Authorization: `Bearer ${key}`, Accept: 'application/json' };
}

// GET path?query and parse the JSON answer. `what` completes "Could not ..." in errors.
export async function getJson(path, query, what, { signal } = {}) {
  const url = query ? `${path}?${query}` : path;
  let response;
  try {
    response = await fetch(url, { headers: authHeaders(), signal, cache: 'no-store' });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw unreachable(what);
  }
  if (!response.ok) throw await errorFromResponse(response, what);
  return response.json();
}
