// What the end-to-end load programs (rollout_load.js, chaos_load.js) share: the API's clients
// through the gateway with @grpc/grpc-js, the phase the test script announces in a file, a
// key's metadata, an event body, and a follow watcher that resumes after the last sequence it
// received.
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const root = path.resolve(__dirname, '../..');

// Clients of every public service on `address`; `options` are added to the channel options.
function connect(address, options = {}) {
  const definition = protoLoader.loadSync(
      ['lookout/event/v1/event_service.proto', 'lookout/actor/v1/actor_service.proto',
       'lookout/stats/v1/stats_service.proto', 'lookout/gateway/v1/gateway_service.proto'],
      {includeDirs: [path.join(root, 'proto')], longs: String, enums: String, defaults: false});
  const api = grpc.loadPackageDefinition(definition).lookout;
  const credentials = grpc.credentials.createInsecure();
  // The test judges every call: no retry of the client's own hides a failure.
  const channelOptions = {'grpc.keepalive_time_ms': 10000, 'grpc.enable_retries': 0, ...options};
  return {
    events: new api.event.v1.EventService(address, credentials, channelOptions),
    actors: new api.actor.v1.ActorService(address, credentials, channelOptions),
    stats: new api.stats.v1.StatsService(address, credentials, channelOptions),
    gateway: new api.gateway.v1.GatewayService(address, credentials, channelOptions),
  };
}

// The phase named by the text of `file`, read again every 20 ms ("start" until it exists).
class PhaseFile {
  constructor(file) {
    this.file = file;
    this.phase = 'start';
    this.read();
    this.timer = setInterval(() => this.read(), 20);
  }
  read() {
    try {
      this.phase = fs.readFileSync(this.file, 'utf8').trim() || this.phase;
    } catch (e) { /* not written yet */ }
  }
  stop() { clearInterval(this.timer); }
}

function metadata(key) {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${key}`);
  return md;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A valid event numbered `n` (its date, type and toll follow n) naming `actorId`.
function eventBody(n, actorId, notes) {
  return {
    eventDate: `2024-0${1 + (n % 9)}-${String(1 + (n % 28)).padStart(2, '0')}`,
    eventType: n % 2 ? 'EVENT_TYPE_BATTLES' : 'EVENT_TYPE_RIOTS',
    subEventType: n % 2 ? 'Armed clash' : 'Violent demonstration',
    participants: [{actorId, role: 'PARTICIPANT_ROLE_PRIMARY'}],
    location: {countryCode: 'HTI', admin1: 'Ouest'},
    casualties: [{kind: 'CASUALTY_KIND_KILLED', count: {best: String(n % 5)}}],
    notes,
  };
}

// WatchEvents with follow, opened again 100 ms after each end, from after the last sequence
// received (and the change log id seen), as a client resuming after a failure does. `onEnd`
// gets each stream's error, if any.
class ChangeWatcher {
  constructor(events, key, onEnd = () => {}) {
    this.events = events;
    this.key = key;
    this.onEnd = onEnd;
    this.seen = [];
    this.streams = 0;
    this.changeLogId = '';
    this.watching = false;
    this.active = null;
  }
  last() { return this.seen.length ? this.seen[this.seen.length - 1] : 0; }
  once() {
    return new Promise((resolve) => {
      this.streams++;
      const stream = this.events.WatchEvents(
          {afterSequence: String(this.last()), follow: true, changeLogId: this.changeLogId},
          metadata(this.key));
      this.active = stream;
      stream.on('data', (change) => {
        if (change.changeLogId) this.changeLogId = change.changeLogId;
        this.seen.push(Number(change.sequence));
      });
      stream.on('error', (err) => this.onEnd(err));
      stream.on('close', () => resolve());
      stream.on('end', () => {});
    });
  }
  async run() {
    this.watching = true;
    while (this.watching) {
      await this.once();
      if (this.watching) await sleep(100);
    }
  }
  stop() {
    this.watching = false;
    if (this.active) this.active.cancel();
  }
}

module.exports = {grpc, connect, PhaseFile, metadata, sleep, eventBody, ChangeWatcher};
