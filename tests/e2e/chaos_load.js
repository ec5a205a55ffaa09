// Mixed load through the gateway for the chaos test (tests/e2e/chaos_test.sh), with
// @grpc/grpc-js: creates with request_ids, updates and deletes (with etags), ImportEvents
// streams, gets, lists, aggregates, and one follow watcher that resumes after the last sequence
// it received. Calls are counted by the phase they started and ended in (the text of the file
// LOOKOUT_PHASE_FILE, which the script rewrites); every 200 ms the counts of failed calls by
// status code and of successful calls go to LOOKOUT_PHASE_FILE.codes as JSON, so the script can
// wait for a fault to show and for the load to succeed again after it.
//
// Every write's outcome is tracked: an acknowledged one must be there at the end; one that
// failed may or may not have applied (the reply may be what was lost), so for it either the state
// before or the state after is accepted, and the event is not written again; except an update or
// create, update or delete refused with RESOURCE_EXHAUSTED (the disk full), which must not have
// applied at all.
// When the phase becomes "stop" the load ends and the checks run:
//   - every tracked event is in a state its writes allow (an acknowledged update's notes,
//     fatalities and etag, NOT_FOUND after an acknowledged delete);
//   - a sample of acknowledged request_ids sent again returns the same event;
//   - every row of an acknowledged import is there exactly once (by its external id), a row of
//     a failed import at most once;
//   - the watcher saw exactly the change log (read whole again at the end): nothing skipped,
//     nothing repeated;
//   - the stats service's total (as of the last change) equals the event store's total_size.
// Prints one JSON report; exit status 0 when the checks hold.
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
// Generous: the contract is the outcome of each call, not its latency.
const callTimeoutMs = 15000;

// Reconnect back-off capped at 2 s (grpc-js' default grows to 120 s): the gateway is killed too.
const {events, actors, stats} = connect(gatewayAddr, {'grpc.max_reconnect_backoff_ms': 2000});
const phases = new PhaseFile(phaseFile);

// counts[bucket][method] = {ok, failed}; codes[bucket][code] = n; failures keep the first 100.
const counts = {};
const codes = {};
const failures = [];
const codeTimer = setInterval(() => {
  try {
    const ok = {};
    for (const [bucket, methods] of Object.entries(counts)) {
      ok[bucket] = Object.values(methods).reduce((sum, c) => sum + c.ok, 0);
    }
    fs.writeFileSync(`${phaseFile}.codes.new`, JSON.stringify({codes, ok}));
    fs.renameSync(`${phaseFile}.codes.new`, `${phaseFile}.codes`);
  } catch (e) { /* the directory is going away */ }
}, 200);

function record(startPhase, label, err) {
  const endPhase = phases.phase;
  // A call belongs to every phase it was part of: "full>freed" began while the disk was full.
  // The checks' own calls are counted apart (NOT_FOUND is their expected answer for a delete).
  let bucket = startPhase === endPhase ? endPhase : `${startPhase}>${endPhase}`;
  if (label.startsWith('verify.')) bucket = 'verify';
  counts[bucket] = counts[bucket] || {};
  const c = counts[bucket][label] = counts[bucket][label] || {ok: 0, failed: 0};
  if (!err) {
    c.ok++;
    return;
  }
  c.failed++;
  const code = grpc.status[err.code] || String(err.code);
  codes[bucket] = codes[bucket] || {};
  codes[bucket][code] = (codes[bucket][code] || 0) + 1;
  // The first few of each phase and code.
  if (codes[bucket][code] <= 3) failures.push({phase: bucket, method: label, code, details: err.details});
}

function call(client, method, request, key, label) {
  const startPhase = phases.phase;
  return new Promise((resolve) => {
    const deadline = new Date(Date.now() + callTimeoutMs);
    client[method](request, metadata(key), {deadline}, (err, response) => {
      record(startPhase, label || method, err);
      resolve(err ? {err} : {response});
    });
  });
}

// A client stream of `rows` ImportEvents messages.
function importCall(rows) {
  const startPhase = phases.phase;
  return new Promise((resolve) => {
    const deadline = new Date(Date.now() + callTimeoutMs);
    const stream = events.ImportEvents(metadata(editorKey), {deadline}, (err, response) => {
      record(startPhase, 'ImportEvents', err);
      resolve(err ? {err} : {response});
    });
    for (const event of rows) stream.write({event});
    stream.end();
  });
}


let actorId = '';
let writeCount = 0;

function eventBody(notes, externalId) {
  const body = baseEventBody(writeCount, actorId, notes);
  if (externalId) body.externalIds = [{scheme: 'CHAOS', value: externalId}];
  return body;
}

// Tracked events: id -> {states, uncertain, busy}. states lists what the event may be at the
// end: {notes, fatalities, etag} (etag null when the write's reply was lost) or 'deleted'.
const tracked = new Map();
const ackedRequests = [];  // [requestId, id, body] of acknowledged creates
const writes = {acknowledged: {create: 0, update: 0, delete: 0, importRows: 0},
                unknown: {create: 0, update: 0, delete: 0, importRows: 0},
                refused: {create: 0, update: 0, delete: 0}};
const refusedNotes = new Set();  // notes of creates refused with RESOURCE_EXHAUSTED
const importedAcked = new Set();    // external ids of rows of acknowledged imports
const importedUnknown = new Set();  // ... of failed imports

async function create(worker) {
  const n = writeCount++;
  const requestId = `chaos-${process.pid}-${worker}-${n}`;
  const body = eventBody(`chaos create ${n}`);
  const {response, err} = await call(events, 'CreateEvent', {event: body, requestId}, editorKey);
  if (err && err.code === grpc.status.RESOURCE_EXHAUSTED) {
    writes.refused.create++;
    refusedNotes.add(body.notes);
    return;
  }
  if (!response) {
    writes.unknown.create++;
    return;
  }
  writes.acknowledged.create++;
  const e = response.event;
  tracked.set(e.id, {states: [{notes: body.notes, fatalities: Number(e.fatalities || 0), etag: e.etag}],
                     uncertain: false, busy: false});
  ackedRequests.push([requestId, e.id, body]);
}

// A tracked event no other worker is writing, whose state is known.
function pickWritable() {
  const candidates = [];
  for (const [id, t] of tracked) {
    if (!t.busy && !t.uncertain && t.states[0] !== 'deleted') candidates.push([id, t]);
  }
  return candidates.length ? candidates[Math.floor(Math.random() * candidates.length)] : null;
}

async function update() {
  const picked = pickWritable();
  if (!picked) return;
  const [id, t] = picked;
  t.busy = true;
  const n = writeCount++;
  const notes = `chaos update ${n}`;
  // A new death toll too, so the stats service has to apply the update (its sums change).
  const casualties = [{kind: 'CASUALTY_KIND_KILLED', count: {best: String(n % 7)}}];
  const {response, err} = await call(
      events, 'UpdateEvent',
      {event: {id, etag: t.states[0].etag, notes, casualties},
       updateMask: {paths: ['notes', 'casualties']}}, editorKey);
  if (response) {
    writes.acknowledged.update++;
    t.states = [{notes, fatalities: n % 7, etag: response.event.etag}];
  } else if (err.code === grpc.status.RESOURCE_EXHAUSTED) {
    // Refused for lack of disk space: not applied, so the event stays as it was (a later
    // update with the same etag succeeds, or the final check finds the notes).
    writes.refused.update++;
  } else {
    writes.unknown.update++;
    t.states.push({notes, fatalities: n % 7, etag: null});
    t.uncertain = true;
  }
  t.busy = false;
}

async function remove() {
  const picked = pickWritable();
  if (!picked) return;
  const [id, t] = picked;
  t.busy = true;
  const {response, err} = await call(events, 'DeleteEvent', {id, etag: t.states[0].etag}, editorKey);
  if (response) {
    writes.acknowledged.delete++;
    t.states = ['deleted'];
  } else if (err.code === grpc.status.RESOURCE_EXHAUSTED) {
    writes.refused.delete++;
  } else {
    writes.unknown.delete++;
    t.states.push('deleted');
    t.uncertain = true;
  }
  t.busy = false;
}

async function importRows(worker, rows) {
  const externalIds = [];
  const bodies = [];
  for (let i = 0; i < rows; i++) {
    const externalId = `imp-${process.pid}-${worker}-${writeCount}`;
    externalIds.push(externalId);
    bodies.push(eventBody(`chaos import ${writeCount++}`, externalId));
  }
  const {response} = await importCall(bodies);
  const whole = response && Number(response.created || 0) === rows;
  for (const x of externalIds) (whole ? importedAcked : importedUnknown).add(x);
  if (whole) writes.acknowledged.importRows += rows;
  else writes.unknown.importRows += rows;
  if (response && !whole) {
    failures.push({phase: phases.phase, method: 'ImportEvents', code: 'OK',
                   details: `created ${response.created} of ${rows}: ${JSON.stringify(response.errors || [])}`});
  }
}

// A tracked event that is there for certain (not deleted, no write in flight or unknown).
function randomReadable() {
  const picked = pickWritable();
  return picked ? picked[0] : '';
}

async function worker(index) {
  let step = 0;
  while (phases.phase !== 'stop') {
    switch (step++ % 20) {
      case 0: case 4: case 8: case 12: case 16:
        await create(index);
        break;
      case 1: case 9: case 17:
        await update();
        break;
      case 5:
        await remove();
        break;
      case 13:
        await importRows(index, 5);
        break;
      case 2: case 6: case 10: case 14: case 18: {
        const id = randomReadable();
        if (id) await call(events, 'GetEvent', {id}, readerKey);
        break;
      }
      case 3: case 11:
        await call(events, 'ListEvents', {pageSize: 10}, readerKey);
        break;
      case 7: case 15:
        await call(stats, 'AggregateEvents', {groupBy: ['DIMENSION_EVENT_TYPE']}, readerKey);
        break;
      case 19:
        await call(actors, 'GetActor', {id: actorId}, readerKey);
        break;
    }
    await sleep(pauseMs);
  }
}

// The follow watcher: resumes after the last sequence it received whenever its stream ends (a
// killed event service ends it with UNAVAILABLE).
const watchEnds = {};
const watch = new ChangeWatcher(events, readerKey, (err) => {
  const code = grpc.status[err.code] || err.code;
  const key = `${phases.phase} ${code}`;
  watchEnds[key] = (watchEnds[key] || 0) + 1;
  if (watchEnds[key] <= 2) {
    failures.push({phase: phases.phase, method: 'WatchEvents', code, details: err.details});
  }
});
const seen = watch.seen;

// The whole change log as it is now, read again from the start (no follow); retried while a
// restarted service is not yet reachable.
async function readLog() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const sequences = await new Promise((resolve) => {
      const got = [];
      const stream = events.WatchEvents({afterSequence: '0', follow: false}, metadata(readerKey),
                                        {deadline: new Date(Date.now() + 60000)});
      stream.on('data', (change) => got.push(Number(change.sequence)));
      stream.on('error', () => resolve(null));
      stream.on('end', () => resolve(got));
    });
    if (sequences) return sequences;
    await sleep(500);
  }
  return null;
}

// Every event as the event store lists it now, and its total_size.
async function listAll() {
  const all = [];
  let pageToken = '';
  let totalSize = -1;
  do {
    let page = null;
    for (let attempt = 0; attempt < 20 && !page; attempt++) {
      page = (await call(events, 'ListEvents', {pageSize: 1000, pageToken}, readerKey,
                         'verify.ListEvents')).response;
      if (!page) await sleep(500);
    }
    if (!page) return null;
    if (totalSize < 0) totalSize = Number(page.totalSize || 0);
    all.push(...(page.events || []));
    pageToken = page.nextPageToken || '';
  } while (pageToken);
  return {all, totalSize};
}

function sameRows(a, b) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k] || {events: 0, fatalities: 0};
    const y = b[k] || {events: 0, fatalities: 0};
    if (x.events !== y.events || x.fatalities !== y.fatalities) return false;
  }
  return true;
}

function sameFigures(a, b) {
  return a.total === b.total && a.fatalities === b.fatalities && sameRows(a.byType, b.byType);
}

async function verify() {
  const problems = [];
  // 1. Every tracked event is in a state its writes allow.
  let checked = 0;
  let notFound = 0;
  for (const [id, t] of tracked) {
    let got;
    for (let attempt = 0; attempt < 20; attempt++) {
      got = await call(events, 'GetEvent', {id}, readerKey, 'verify.GetEvent');
      if (got.response || got.err.code === grpc.status.NOT_FOUND) break;
      await sleep(500);
    }
    checked++;
    if (got.err) {
      if (got.err.code !== grpc.status.NOT_FOUND) {
        problems.push(`event ${id} could not be read: ${got.err.details}`);
      } else {
        notFound++;
        if (!t.states.includes('deleted')) problems.push(`event ${id} is gone; its writes allow ${JSON.stringify(t.states)}`);
      }
      continue;
    }
    const e = got.response.event;
    const allowed = t.states.some((s) => s !== 'deleted' && s.notes === e.notes &&
                                         s.fatalities === Number(e.fatalities || 0) &&
                                         (s.etag === null || s.etag === e.etag));
    if (!allowed) {
      problems.push(`event ${id} has notes "${e.notes}", fatalities ${e.fatalities || 0}, etag ${e.etag}; its writes allow ${JSON.stringify(t.states)}`);
    }
  }
  // 2. A sample of request_ids sent again: the first result, no second event.
  let replayedSame = 0;
  for (const [requestId, id, body] of ackedRequests.slice(0, 20)) {
    const {response} = await call(events, 'CreateEvent', {event: body, requestId}, editorKey,
                                  'verify.CreateEvent');
    if (response && response.event.id === id) replayedSame++;
    else problems.push(`request_id ${requestId} sent again did not return ${id}`);
  }
  // 3. Imported rows by external id; and the event store's total.
  const listed = await listAll();
  let importedFound = 0;
  let totalSize = -1;
  if (!listed) {
    problems.push('ListEvents failed at the end');
  } else {
    totalSize = listed.totalSize;
    if (totalSize !== listed.all.length) problems.push(`total_size ${totalSize} but ${listed.all.length} events listed`);
    const byExternal = new Map();
    for (const e of listed.all) {
      for (const x of e.externalIds || []) {
        if (x.scheme === 'CHAOS') byExternal.set(x.value, (byExternal.get(x.value) || 0) + 1);
      }
    }
    for (const x of importedAcked) {
      const n = byExternal.get(x) || 0;
      if (n === 1) importedFound++;
      else problems.push(`imported row ${x} (acknowledged) is there ${n} times`);
    }
    for (const e of listed.all) {
      if (refusedNotes.has(e.notes)) problems.push(`a create refused with RESOURCE_EXHAUSTED is there: ${e.id} "${e.notes}"`);
    }
    for (const x of importedUnknown) {
      const n = byExternal.get(x) || 0;
      if (n > 1) problems.push(`imported row ${x} (import failed) is there ${n} times`);
    }
  }
  // 4. The watcher saw exactly the change log (bounded wait for it to reach the head).
  const log = await readLog();
  let gaps = 0;
  let repeats = 0;
  let logGaps = 0;
  const head = log && log.length ? log[log.length - 1] : 0;
  if (!log) {
    problems.push('the change log could not be read at the end');
  } else {
    for (let i = 0; i < 600 && watch.last() < head; i++) await sleep(100);
    for (let i = 1; i < log.length; i++) if (log[i] !== log[i - 1] + 1) logGaps++;
    const inLog = new Set(log);
    const seenSet = new Set();
    for (const s of seen) {
      if (seenSet.has(s)) repeats++;
      seenSet.add(s);
    }
    for (const s of log) if (!seenSet.has(s)) gaps++;
    for (const s of seenSet) if (!inLog.has(s)) problems.push(`the watcher saw sequence ${s}, which is not in the log`);
    if (gaps) problems.push(`the watcher skipped ${gaps} changes of the log`);
    if (repeats) problems.push(`the watcher saw ${repeats} changes twice`);
    if (logGaps) problems.push(`the change log itself has ${logGaps} gaps`);
  }
  watch.stop();
  // 5. The stats service's figures as of the head equal those of the events the store lists:
  // the total, and events and fatalities per event type (it may still be catching up after its
  // restart: asked again for up to 60 s).
  const typeName = (t) => String(t).replace(/^EVENT_TYPE_/, '');
  const want = {total: totalSize, fatalities: 0, byType: {}};
  for (const e of listed ? listed.all : []) {
    const k = typeName(e.eventType);
    const row = want.byType[k] = want.byType[k] || {events: 0, fatalities: 0};
    row.events++;
    row.fatalities += Number(e.fatalities || 0);
    want.fatalities += Number(e.fatalities || 0);
  }
  let got = null;
  for (let i = 0; i < 120; i++) {
    const {response} = await call(stats, 'AggregateEvents',
                                  {asOfSequence: String(head), groupBy: ['DIMENSION_EVENT_TYPE']},
                                  readerKey, 'verify.AggregateEvents');
    if (response) {
      got = {total: Number(response.totalEvents || 0),
             fatalities: Number(response.totalFatalities || 0), byType: {}};
      for (const r of response.rows || []) {
        got.byType[typeName(r.keys[0])] = {events: Number(r.eventCount || 0),
                                           fatalities: Number(r.fatalities || 0)};
      }
      if (sameFigures(got, want)) break;
    }
    await sleep(500);
  }
  const statsTotal = got ? got.total : -1;
  if (!got || !sameFigures(got, want)) {
    problems.push(`stats says ${JSON.stringify(got)}, the event store's events ${JSON.stringify(want)}`);
  }
  return {checked, notFound, replayedSame, importedFound, totalSize, statsTotal,
          statsFatalities: got ? got.fatalities : -1, storeFatalities: want.fatalities, head,
          logLength: log ? log.length : 0, watched: seen.length, gaps, repeats, logGaps, problems};
}

async function main() {
  const actor = (await call(actors, 'CreateActor',
                            {actor: {name: 'Chaos Brigade', type: 'ACTOR_TYPE_POLITICAL_MILITIA',
                                     countryCode: 'HTI'},
                             requestId: `chaos-actor-${process.pid}`},
                            editorKey)).response;
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
  clearInterval(codeTimer);
  const totals = {};
  for (const [bucket, methods] of Object.entries(counts)) {
    let ok = 0;
    let failed = 0;
    for (const c of Object.values(methods)) { ok += c.ok; failed += c.failed; }
    totals[bucket] = {ok, failed};
  }
  console.log(JSON.stringify({totals, counts, codes, failures, writes, watchStreams: watch.streams, watchEnds,
                              ...result}));
  events.close(); actors.close(); stats.close();
  process.exit(result.problems.length ? 1 : 0);
}

main().catch((e) => {
  console.log(JSON.stringify({error: String(e && e.stack || e)}));
  process.exit(2);
});
