// Steady load through the gateway for the rollout test (tests/e2e/rollout_test.sh), with
// @grpc/grpc-js: creates with request_ids, gets, lists, aggregates, situation reports, and one
// follow watcher. Every call is counted by the phase it started and ended in; the phase is the
// text of the file LOOKOUT_PHASE_FILE, which the test script rewrites (rollout, kill, ...).
// When the phase becomes "stop" the load ends, then it checks the contract and prints counts:
//   - every acknowledged create is readable (GetEvent) and a repeat of its request_id returns
//     the same event (nothing acknowledged was lost or applied twice);
//   - the watcher saw every change exactly once: sequences 1..head, no gap, no repeat.
// Exit status 0 when the checks hold; the per-phase failure counts are judged by the script.
'use strict';

const fs = require('fs');
const {grpc, connect, PhaseFile, metadata, sleep, eventBody: baseEventBody, ChangeWatcher} =
    require('./load_common');

const gatewayAddr = process.env.LOOKOUT_GATEWAY_ADDR;
const editorKey = process.env.LOOKOUT_EDITOR_KEY;
const readerKey = process.env.LOOKOUT_READER_KEY;
const phaseFile = process.env.LOOKOUT_PHASE_FILE;
const workers = Number(process.env.LOOKOUT_LOAD_WORKERS || 4);
const pauseMs = Number(process.env.LOOKOUT_LOAD_PAUSE_MS || 20);
// Generous: the contract is "no failed call", not a latency; a loaded 2-core machine is slow.
const callTimeoutMs = 15000;

const {events, actors, stats, gateway} = connect(gatewayAddr);
const phases = new PhaseFile(phaseFile);

// counts[phase][method] = {ok, failed}; failures keep their phase pair, method and status.
const counts = {};
const failures = [];
let inFlight = 0;
let maxInFlight = 0;

function call(client, method, request, key, label) {
  const startPhase = phases.phase;
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  return new Promise((resolve) => {
    const deadline = new Date(Date.now() + callTimeoutMs);
    client[method](request, metadata(key), {deadline}, (err, response) => {
      inFlight--;
      const endPhase = phases.phase;
      // A call belongs to the later phase it was part of: one that began in "rollout" and ended
      // in "kill" may have been in flight on the killed process.
      const bucket = startPhase === endPhase ? endPhase : `${startPhase}>${endPhase}`;
      counts[bucket] = counts[bucket] || {};
      const c = counts[bucket][label] = counts[bucket][label] || {ok: 0, failed: 0};
      if (err) {
        c.failed++;
        failures.push({phase: bucket, method: label, code: grpc.status[err.code] || err.code,
                       details: err.details});
        resolve(null);
      } else {
        c.ok++;
        resolve(response);
      }
    });
  });
}


// Acknowledged creates: request_id -> {id, sequence, body}.
const acked = new Map();
let actorId = '';
let createCount = 0;

function eventBody(n) {
  return baseEventBody(n, actorId, `rollout load ${n}`);
}

async function create(worker) {
  const n = createCount++;
  const requestId = `rollout-${process.pid}-${worker}-${n}`;
  const body = eventBody(n);
  const response = await call(events, 'CreateEvent', {event: body, requestId}, editorKey,
                              'CreateEvent');
  if (response) acked.set(requestId, {id: response.event.id, sequence: Number(response.event.sequence), body});
}

function randomAcked() {
  const ids = [...acked.values()];
  return ids.length ? ids[Math.floor(Math.random() * ids.length)].id : '';
}

async function worker(index) {
  let step = 0;
  while (phases.phase !== 'stop') {
    switch (step++ % 10) {
      case 0: case 3: case 6:
        await create(index);
        break;
      case 1: case 4: case 7: {
        const id = randomAcked();
        if (id) await call(events, 'GetEvent', {id}, readerKey, 'GetEvent');
        break;
      }
      case 2:
        await call(events, 'ListEvents', {pageSize: 10}, readerKey, 'ListEvents');
        break;
      case 5:
        await call(stats, 'AggregateEvents', {groupBy: ['DIMENSION_EVENT_TYPE']}, readerKey,
                   'AggregateEvents');
        break;
      case 8:
        await call(actors, 'GetActor', {id: actorId}, readerKey, 'GetActor');
        break;
      case 9:
        if (index === 0) {
          await call(gateway, 'GetSituationReport',
                     {countryCode: 'HTI',
                      period: {startDate: '2024-01-01', endDate: '2024-12-31'}},
                     readerKey, 'GetSituationReport');
        }
        break;
    }
    await sleep(pauseMs);
  }
}

// The follow watcher: resumes after the last sequence it received whenever its stream ends (a
// stopping event replica ends follow streams with UNAVAILABLE; that is the API's contract).
const watchEnds = {};
const watch = new ChangeWatcher(events, readerKey, (err) => {
  const code = grpc.status[err.code] || err.code;
  watchEnds[code] = (watchEnds[code] || 0) + 1;
});
const seen = watch.seen;

async function verify() {
  const problems = [];
  // Every acknowledged create is there, and its request_id is applied once.
  let readable = 0;
  let replayedSame = 0;
  for (const [requestId, ack] of acked) {
    const got = await call(events, 'GetEvent', {id: ack.id}, readerKey, 'verify.GetEvent');
    if (got && got.event.id === ack.id) readable++;
    else problems.push(`acknowledged create ${ack.id} (${requestId}) is not readable`);
  }
  // A sample of request_ids sent again: the first result, no second event.
  for (const [requestId, ack] of [...acked].slice(0, 20)) {
    const again = await call(events, 'CreateEvent', {event: ack.body, requestId}, editorKey,
                             'verify.CreateEvent');
    if (again && again.event.id === ack.id) replayedSame++;
    else problems.push(`request_id ${requestId} sent again did not return ${ack.id}`);
  }
  // The watcher reaches the last acknowledged change (bounded wait; not a speed check).
  const head = Math.max(0, ...[...acked.values()].map((a) => a.sequence));
  for (let i = 0; i < 600 && watch.last() < head; i++) await sleep(100);
  watch.stop();
  let gaps = 0;
  let repeats = 0;
  for (let i = 0; i < seen.length; i++) {
    const want = i === 0 ? 1 : seen[i - 1] + 1;
    if (seen[i] < want) repeats++;
    else if (seen[i] > want) gaps++;
  }
  if (seen.length === 0 || seen[0] !== 1) problems.push(`the watcher's first sequence is ${seen[0]}, not 1`);
  if (gaps) problems.push(`the watcher saw ${gaps} gaps`);
  if (repeats) problems.push(`the watcher saw ${repeats} repeats`);
  const last = seen.length ? seen[seen.length - 1] : 0;
  if (last < head) problems.push(`the watcher stopped at ${last}, below the head ${head}`);
  return {readable, replayedSame, head, watched: seen.length, lastWatched: last, gaps, repeats,
          problems};
}

async function main() {
  // Set-up: one actor (with a request_id), before the phases start.
  const actor = await call(actors, 'CreateActor',
                           {actor: {name: 'Rollout Brigade', type: 'ACTOR_TYPE_POLITICAL_MILITIA',
                                    countryCode: 'HTI'},
                            requestId: `rollout-actor-${process.pid}`},
                           editorKey, 'CreateActor');
  if (!actor) {
    console.log(JSON.stringify({error: 'cannot create the actor', failures}));
    process.exit(2);
  }
  actorId = actor.actor.id;
  const watching = watch.run();
  fs.writeFileSync(`${phaseFile}.ready`, 'ready\n');
  await Promise.all([...Array(workers).keys()].map((i) => worker(i)));
  const result = await verify();
  await watching;
  phases.stop();
  const totals = {};
  for (const [bucket, methods] of Object.entries(counts)) {
    let ok = 0;
    let failed = 0;
    for (const c of Object.values(methods)) { ok += c.ok; failed += c.failed; }
    totals[bucket] = {ok, failed};
  }
  const report = {totals, counts, failures: failures.slice(0, 50), acknowledgedCreates: acked.size,
                  maxInFlight, watchStreams: watch.streams, watchEnds, ...result};
  console.log(JSON.stringify(report));
  events.close(); actors.close(); stats.close(); gateway.close();
  process.exit(result.problems.length ? 1 : 0);
}

main().catch((e) => {
  console.log(JSON.stringify({error: String(e && e.stack || e)}));
  process.exit(2);
});
