// Follows WatchEvents over HTTP: a long GET whose body is one JSON message per line (or
// server-sent events, "data: {...}"). fetch() rather than EventSource, because EventSource
// cannot send the Authorization header. On a dropped stream it reconnects after a pause, from
// the last sequence it received, so no change is missed or repeated.
import { ApiError, authHeaders, codeName, errorFromResponse, unreachable } from './api.js';
import { watchEvents } from './routes.js';

// A message of the stream: the WatchEventsResponse itself, or grpc-gateway's {"result": ...}
// wrapping; {"error": status} ends the stream with that status.
function parseLine(line) {
  let text = line.trim();
  if (!text || text.startsWith(':') || text.startsWith('event:') || text.startsWith('id:')) return null;
  if (text.startsWith('data:')) text = text.slice(5).trim();
  if (!text) return null;
  const message = JSON.parse(text);
  if (message.error) {
    const code = codeName(message.error.code);
    throw new ApiError(`The live stream ended: ${code}${message.error.message ? ` – ${message.error.message}` : ''}.`,
      code === 'UNAUTHENTICATED' ? 401 : code === 'PERMISSION_DENIED' ? 403 : 200, code);
  }
  return message.result || message;
}

// Calls onChange(message) for each change after afterSequence; onState('live' | 'reconnecting' |
// 'error', detail). Returns a function that stops watching.
//
// The stream is not filtered by country: its first message should arrive at once, because the
// HTTP answer (and so the knowledge that the stream is open) leaves with the first message. So
// it starts one change early, at afterSequence itself, which it does not report; the caller
// picks the changes it cares about (an event that moved to another country is one of them,
// which a filtered stream would not send).
export function watch({ afterSequence, changeLogId, onChange, onState }) {
  const from = Number(afterSequence || 0);
  const controller = new AbortController();
  let sequence = String(Math.max(0, from - 1));
  let logId = changeLogId || '';
  let stopped = false;
  let pause = 500;

  async function once() {
    const route = watchEvents({ afterSequence: sequence, changeLogId: logId });
    let response;
    try {
      response = await fetch(`${route.path}?${route.query}`, {
        headers: authHeaders(), signal: controller.signal, cache: 'no-store',
      });
    } catch (err) {
      if (controller.signal.aborted) return;
      throw unreachable('follow new events');
    }
    if (!response.ok) throw await errorFromResponse(response, 'follow new events');
    onState('live');
    pause = 500;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const message = parseLine(line);
        if (!message) continue;
        if (message.changeLogId) logId = message.changeLogId;
        if (message.sequence) sequence = message.sequence;
        if (message.event && Number(message.sequence) > from) onChange(message);
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
        if (stopped) return;
        onState('reconnecting', 'the stream ended');
      } catch (err) {
        if (stopped || controller.signal.aborted) return;
        // A refused key will not get better by retrying.
        if (err.badKey || err.status === 403) {
          onState('error', err);
          return;
        }
        // The log was recreated or restored: its sequences mean something else now, and the
        // caller must start again from a fresh report.
        if (err.code === 'FAILED_PRECONDITION') {
          onState('error', err);
          return;
        }
        onState('reconnecting', err.message);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 10000);
    }
  })();

  return () => {
    stopped = true;
    controller.abort();
  };
}
