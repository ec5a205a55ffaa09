// Follows WatchEvents over HTTP: a long GET whose body is one JSON message per line (or
// server-sent events, "data: {...}"). fetch() rather than EventSource, because EventSource
// cannot send the Authorization header. On a dropped stream it reconnects after a pause, from
// the last sequence it received, so no change is missed or repeated.
import { authHeaders, errorFromResponse, unreachable } from './api.js';
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
    const err = new Error(message.error.message || 'the stream ended with an error');
    err.status = message.error;
    throw err;
  }
  return message.result || message;
}

// Calls onChange(message) for each change; onState('live' | 'reconnecting' | 'error', detail).
// Returns a function that stops watching.
export function watch({ country, afterSequence, changeLogId, onChange, onState }) {
  const controller = new AbortController();
  let sequence = afterSequence || '0';
  let logId = changeLogId || '';
  let stopped = false;
  let pause = 500;

  async function once() {
    const route = watchEvents({ country, afterSequence: sequence, changeLogId: logId });
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
        if (message.event) onChange(message);
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
        if (err.status === 401 || err.status === 403) {
          onState('error', err);
          return;
        }
        // The log was recreated or restored: its sequences mean something else now.
        if (err.code === 'FAILED_PRECONDITION') {
          sequence = '0';
          logId = '';
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
