#!/usr/bin/env node
// fuzz/fuzz.mjs (`npm run fuzz`): every public method of both flavours of sockcall and every entry
// point of the raw binding, called with malformed arguments. Each call must return, or throw (reject)
// a TypeError, a RangeError, a system error (an Error with string `code`, number `errno`, string
// `syscall`) or an AbortError. Anything else is a finding: another kind of throw, a crash or abort, a
// hang, a promise that never settles, an fd leak, a Socket left for the garbage collector, a warning.
//
//   node fuzz/fuzz.mjs [--calls N] [--seed S] [--seconds T] [--batch-size B] [--jobs J]
//   node fuzz/fuzz.mjs --seed S --calls N --batch K [--resume I] [--trace]      (replay one batch)
//
// The calls run in child processes, one batch of --batch-size calls each, so that a crash takes down
// one child only. Before each call the child writes it to a ring file; when a child dies or stops
// making progress (a hang), the parent reads the last calls from there, reports them, and starts a
// new child at the call after. Every batch is deterministic from the seed: its PRNG (mulberry32) draws
// the calls and never depends on what a call did, so --batch/--resume replays the same calls (the
// outcomes can differ where they depend on timing). A call that crashed or hung twice is skipped by
// later children, so that one bug does not stop the rest of the run.
//
// Ground rules the world of the child follows (see also fuzz/README.md):
// - Only fds the child owns are passed where an fd number goes: never 0/1/2 (the child's stdio), never
//   an fd a Socket owns to anything that closes or adopts it. Raw close() and Socket.fromFd() get only
//   fds the fuzzer holds outside any Socket (raw sockets, dups, detached fds, a plain file, a fifo).
// - Traffic stays on loopback: addresses are 127.0.0.1, ::1, ::ffff:127.0.0.1 or Unix paths in the
//   child's own temporary directory (its cwd, so relative paths land there too); encoded sockaddrs
//   and byte buffers are fixed so none can decode to another internet or multicast address; hosts
//   that could resolve are 'localhost', numeric ones or null. Sockets are only AF_INET/AF_INET6/AF_UNIX
//   of type stream, datagram or seqpacket (never raw or packet sockets).
// - Nothing blocks for long: every socket has SO_RCVTIMEO/SO_SNDTIMEO of 1 ms, most are non-blocking,
//   and both are put back (with SO_LINGER off and SO_RCVLOWAT 1) after any call that could change
//   them. select/poll get a timeout of at most 5 ms, or else an always-readable fifo among their fds.
//   Promise calls get one turn of the event loop (a few ms if they were given a short timeout); then
//   their sockets are closed, and they must settle within 3 s.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, constants as osConstants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

const FUZZ = fileURLToPath(import.meta.url);
const ROOT = join(dirname(FUZZ), '..');

const DEFAULTS = { calls: 100_000, seconds: 120, batchSize: 10_000, stall: 15 };
/** Calls between two re-makings of the sockets (and fd-leak checks). */
const REFRESH = 250;
/** SO_RCVTIMEO/SO_SNDTIMEO of every socket, in ms. */
const GUARD_MS = 1;
/** How long a promise call may take to settle once its sockets are closed (a lookup: longer). */
const SETTLE_MS = 3000;
const LOOKUP_SETTLE_MS = 15_000;
/**
 * A single synchronous call slower than this is a finding. Under AddressSanitizer (npm run
 * test:asan preloads libasan) allocating is far slower: a 2 GiB recv buffer takes ~1 s, not 7 ms.
 */
const SLOW_MS = /libasan/.test(process.env.LD_PRELOAD ?? '') ? 10_000 : 2000;
/** A call that crashed or hung this often is skipped by later children. */
const SKIP_AFTER = 2;
const MAX_RESTARTS = 50;
const RING_SLOTS = 16;
const RING_WIDTH = 512;

// ---------------------------------------------------------------------------------------------
// Command line

const USAGE = `usage: node fuzz/fuzz.mjs [--calls N] [--seed S] [--seconds T] [--batch-size B] [--jobs J] [--stall S]
       node fuzz/fuzz.mjs --seed S --calls N --batch K [--resume I] [--trace]   (replay one batch)`;

function parseArguments(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) usage(`unexpected argument '${arg}'`);
    const name = arg.slice(2);
    if (name === 'trace' || name === 'child' || name === 'help') {
      options[name] = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) usage(`--${name} needs a value`);
    options[name] = value;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return options;
}

function usage(message) {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function integerOption(options, name, fallback, min = 0, max = Number.MAX_SAFE_INTEGER) {
  if (options[name] === undefined) return fallback;
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < min || value > max) usage(`--${name} must be an integer in ${min}..${max}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32, one stream per batch

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function batchSeed(seed, batch) {
  return (mulberry32((seed ^ Math.imul(batch + 1, 0x9e3779b1)) >>> 0)() * 2 ** 32) >>> 0;
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  pick(array) {
    return array[this.int(array.length)];
  }
  chance(p) {
    return this.next() < p;
  }
  /** 32 random bits as a signed int32 (flags with random bits). */
  bits() {
    return (this.next() * 2 ** 32) | 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The parent: batches in child processes, crashes, hangs, the report

async function parentMain(options) {
  const calls = integerOption(options, 'calls', DEFAULTS.calls, 1);
  const seed = options.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : integerOption(options, 'seed', 0, 0, 2 ** 32 - 1);
  const seconds = integerOption(options, 'seconds', DEFAULTS.seconds, 1);
  const batchSize = integerOption(options, 'batch-size', DEFAULTS.batchSize, 1);
  const jobs = integerOption(options, 'jobs', Math.min(2, availableParallelism()), 1, 64);
  const stall = integerOption(options, 'stall', DEFAULTS.stall, 1);
  const batches = Math.ceil(calls / batchSize);
  const only = options.batch === undefined ? undefined : integerOption(options, 'batch', 0, 0, batches - 1);
  const trace = options.trace === true;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const layout = `--seed ${seed} --calls ${calls}${batchSize === DEFAULTS.batchSize ? '' : ` --batch-size ${batchSize}`}`;
  const requested = only === undefined ? calls : Math.min(batchSize, calls - only * batchSize);

  process.stdout.write(
    `sockcall fuzz: seed ${seed}, ${requested} calls${only === undefined ? ` in ${batches} batches of ${batchSize}, ${jobs} at a time` : ` (batch ${only})`}, bound ${seconds} s\n`,
  );

  const report = {
    made: 0,
    skipped: 0,
    rescued: 0,
    stopped: false,
    classes: new Map(),
    findings: new Map(),
    notes: new Map(),
  };
  const crashes = new Map();
  const skip = new Set();
  const dir = mkdtempSync(join(tmpdir(), 'sockcall-fuzz-'));
  const children = new Set();
  // However this process ends (a signal, a closed stdout), its children and files go with it.
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const onSignal = (signal) => {
    process.stderr.write(`fuzz: stopped by ${signal}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  function addFinding(finding) {
    const known = report.findings.get(finding.sig);
    if (known) known.count += finding.count ?? 1;
    else report.findings.set(finding.sig, { ...finding, count: finding.count ?? 1 });
  }

  async function runBatch(batch) {
    const first = batch * batchSize;
    const count = Math.min(batchSize, calls - first);
    let resume = only === batch && options.resume !== undefined ? integerOption(options, 'resume', first, first, first + count - 1) : first;
    const batchDir = join(dir, `b${batch}`);
    mkdirSync(batchDir);
    for (let restarts = 0; resume < first + count; restarts++) {
      if (Date.now() > deadline) {
        report.stopped = true;
        return;
      }
      if (restarts > MAX_RESTARTS) {
        addFinding({ kind: 'gave-up', key: `batch ${batch}`, sig: `gave-up|${batch}`, detail: `more than ${MAX_RESTARTS} crashes; calls from #${resume} not run` });
        return;
      }
      const child = await runChild({ batch, first, count, resume, batchDir, seed, deadline, skip, trace, stall, children });
      mergeRecords(report, child.records, batch, layout, addFinding);
      if (child.summary) {
        if (child.summary.stopped) report.stopped = true;
        if (child.keptAlive) {
          addFinding({ kind: 'kept-alive', key: 'exit', sig: 'kept-alive', batch, detail: 'the child did not exit within 3 s after closing everything: a handle keeps the loop alive' });
        } else if (child.signal || child.code !== 0) {
          addFinding({ kind: 'exit-crash', key: 'exit', sig: `exit-crash|${child.signal ?? child.code}`, batch, detail: `after its summary, the child ${describeExit(child)}\n${child.stderr}` });
        }
        return;
      }
      const last = child.ring.at(-1);
      if (last === undefined || last.index < resume) {
        addFinding({
          kind: 'child-failed',
          key: `batch ${batch}`,
          sig: `child-failed|${child.signal ?? child.code}`,
          batch,
          detail: `the child ${describeExit(child)} before its first call\n${child.stderr}`,
        });
        return;
      }
      const kind = child.hung ? 'hang' : child.signal ? `crash ${child.signal}` : `exit ${child.code}`;
      // The calls since the child's last count, the fatal one included, were made but not classified.
      const counted = child.records.filter((record) => record.type === 'COUNTS').at(-1)?.next ?? resume;
      report.made += last.index - counted + 1;
      addFinding({
        kind,
        key: last.key,
        sig: `${kind}|${last.key}`,
        batch,
        index: last.index,
        text: last.text,
        before: child.ring.slice(-4, -1).map((entry) => `#${entry.index} ${entry.text}`),
        detail: child.hung ? `no progress for ${stall} s: killed` : `the child ${describeExit(child)}\n${child.stderr}`,
        reproduce: `node fuzz/fuzz.mjs ${layout} --batch ${batch} --resume ${last.index} --trace`,
      });
      const times = (crashes.get(last.key) ?? 0) + 1;
      crashes.set(last.key, times);
      if (times >= SKIP_AFTER) skip.add(last.key);
      resume = last.index + 1;
    }
  }

  try {
    const queue = only === undefined ? [...Array(batches).keys()] : [only];
    const workers = Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      while (queue.length > 0) await runBatch(queue.shift());
    });
    await Promise.all(workers);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const elapsed = ((Date.now() - started) / 1000).toFixed(1);
  printReport(report, { requested, skip, seconds: elapsed });
  const failed = report.findings.size > 0;
  process.stdout.write(
    `FUZZ ${failed ? 'FAILED' : 'OK'} seed=${seed} calls=${report.made}/${requested} findings=${report.findings.size} seconds=${elapsed}${report.stopped ? ' (stopped at the time bound)' : ''}\n`,
  );
  process.exitCode = failed ? 1 : 0;
}

function describeExit(child) {
  return child.hung ? 'hung' : child.signal ? `was killed by ${child.signal}` : `exited with code ${child.code}`;
}

/** Runs one child until it exits; resolves with its summary, or how it died and its last calls. */
function runChild({ batch, first, count, resume, batchDir, seed, deadline, skip, trace, stall, children }) {
  const ringPath = join(batchDir, 'ring');
  const args = [
    '--expose-gc',
    '--no-warnings',
    FUZZ,
    '--child',
    '--seed', String(seed),
    '--batch', String(batch),
    '--first', String(first),
    '--count', String(count),
    '--resume', String(resume),
    '--deadline', String(deadline),
    '--ring', ringPath,
  ];
  if (skip.size > 0) args.push('--skip', [...skip].join(','));
  if (trace) args.push('--trace');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: batchDir, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let hung = false;
    let progress = -1;
    let progressAt = Date.now();
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      if (trace) process.stderr.write(chunk);
      stderr = (stderr + chunk).slice(-6000);
    });
    const monitor = setInterval(() => {
      const last = readRing(ringPath).at(-1);
      const now = Date.now();
      if (last !== undefined && last.index !== progress) {
        progress = last.index;
        progressAt = now;
      } else if (now - progressAt > stall * 1000 || now > deadline + 30_000) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 500);
    child.on('close', (code, signal) => {
      clearInterval(monitor);
      children.delete(child);
      const records = [];
      for (const line of stdout.split('\n')) {
        const space = line.indexOf(' ');
        const type = space < 0 ? line : line.slice(0, space);
        if (type !== 'FINDING' && type !== 'COUNTS' && type !== 'SUMMARY') continue;
        try {
          records.push({ type, ...JSON.parse(line.slice(space + 1)) });
        } catch {
          // cut short by the child's death
        }
      }
      const summary = hung ? undefined : records.find((record) => record.type === 'SUMMARY');
      const tail = stderr.trim().split('\n').slice(-12).join('\n');
      resolve({ records, summary, keptAlive: stdout.includes('KEPTALIVE'), code, signal, hung, stderr: tail, ring: readRing(ringPath) });
    });
  });
}

function readRing(path) {
  let text;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return [];
  }
  const entries = [];
  for (let offset = 0; offset + RING_WIDTH <= text.length; offset += RING_WIDTH) {
    const [index, key, ...rest] = text.slice(offset, offset + RING_WIDTH).trimEnd().split('\t');
    if (index !== '' && Number.isInteger(Number(index))) entries.push({ index: Number(index), key, text: rest.join('\t') });
  }
  return entries.sort((a, b) => a.index - b.index);
}

/** What a child wrote as it went: FINDING lines at once, COUNTS at every re-making of its sockets. */
function mergeRecords(report, records, batch, layout, addFinding) {
  for (const record of records) {
    if (record.type === 'COUNTS') {
      report.made += record.calls;
      report.skipped += record.skipped;
      report.rescued += record.rescued;
      for (const [name, count] of Object.entries(record.classes)) report.classes.set(name, (report.classes.get(name) ?? 0) + count);
      for (const [note, count] of Object.entries(record.notes)) report.notes.set(note, (report.notes.get(note) ?? 0) + count);
    } else if (record.type === 'FINDING') {
      const { type, ...finding } = record;
      const from = finding.resume ?? finding.index;
      addFinding({ ...finding, batch, reproduce: from === undefined ? undefined : `node fuzz/fuzz.mjs ${layout} --batch ${batch} --resume ${from} --trace` });
    }
  }
}

function printReport(report, { requested, skip, seconds }) {
  const out = [];
  out.push(`calls made: ${report.made} of ${requested}${report.skipped ? ` (${report.skipped} skipped: known crashers ${[...skip].join(', ')})` : ''} in ${seconds} s`);
  if (report.rescued) out.push(`promise calls ended by closing their sockets: ${report.rescued}`);
  out.push('outcomes:');
  const classes = [...report.classes].sort((a, b) => b[1] - a[1]);
  for (const [name, count] of classes) out.push(`  ${String(count).padStart(8)}  ${name}`);
  if (report.notes.size > 0) {
    out.push('notes (allowed, but worth a look):');
    for (const [note, count] of [...report.notes].sort((a, b) => b[1] - a[1]).slice(0, 40)) out.push(`  ${String(count).padStart(8)}  ${note}`);
  }
  out.push(`findings: ${report.findings.size}`);
  let n = 0;
  for (const finding of report.findings.values()) {
    n++;
    out.push(`FINDING ${n} [${finding.kind}] ${finding.key}${finding.count > 1 ? ` (${finding.count} times)` : ''}`);
    if (finding.index !== undefined) out.push(`  call #${finding.index} (batch ${finding.batch}): ${finding.text}`);
    else if (finding.text) out.push(`  during ${finding.text} (batch ${finding.batch})`);
    for (const before of finding.before ?? []) out.push(`  after ${before}`);
    if (finding.detail) out.push(...String(finding.detail).split('\n').map((line) => `  ${line}`));
    if (finding.reproduce) out.push(`  reproduce: ${finding.reproduce}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// The child: the sockets, the argument pool, the calls and what they must do

let B; // require('sockcall')
let P; // require('sockcall/promises')
let native; // the raw binding
let K; // the constants

/** The sockets calls aim at, re-made every REFRESH calls; both flavours have one of each kind. */
const KINDS = [
  'tcp4', 'tcp4-listen', 'tcp4-client', 'tcp4-server', 'tcp4-pending',
  'tcp6-listen', 'tcp6-client', 'tcp6-server',
  'udp4', 'udp6',
  'unix-stream-a', 'unix-stream-b', 'unix-dgram-a', 'unix-dgram-b', 'unix-seqpacket-a', 'unix-seqpacket-b',
  'unix-listen', 'unix-pending',
  'closed',
];
/** Blocking-flavour sockets left in blocking mode (the rest are non-blocking): their waits last GUARD_MS. */
const BLOCKING_KINDS = new Set(['tcp4-client', 'unix-stream-a', 'unix-dgram-a']);
const FLAVOURS = ['B', 'P'];
const PORT_NAMES = ['B:tcp4', 'P:tcp4', 'B:tcp6', 'P:tcp6', 'B:udp4', 'P:udp4', 'B:udp6', 'P:udp6'];

const world = {
  dir: '',
  slots: { B: new Map(), P: new Map() },
  slotSet: new Set(),
  /** fd -> the blocking mode it is put back in after a call that may have changed it. */
  wantBlocking: new Map(),
  /** Sockets calls returned (accepted, adopted, paired ...): closed right after the call. */
  extras: [],
  /** fds the fuzzer owns outside any Socket: raw sockets, dups, detached fds, the victim file and fifo. */
  raw: [],
  ports: {},
  paths: { B: '', P: '' },
  readyFifo: -1,
  /** Never aborted: shared by many calls, so a listener a call forgets to remove piles up and warns. */
  live: new AbortController(),
  generation: 0,
  fresh: 0,
  /** Sockets and fds the current call's arguments referred to: re-guarded after it, closed to rescue it. */
  touched: new Set(),
};

/** Counted since the last COUNTS line. */
const stats = { calls: 0, skipped: 0, rescued: 0, classes: new Map(), notes: new Map(), findings: 0 };
const current = { index: -1, key: '', text: '' };

class FuzzTrap extends Error {
  constructor() {
    super('a trap the fuzzer set off');
  }
}

function trap() {
  throw new FuzzTrap();
}

function count(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Reports a finding against the current call, at once: a later crash of this process must not lose
 * it. `sig` groups repeats of the same finding.
 */
function finding(kind, key, detail, sig = `${kind}|${key}`, resume = undefined) {
  if (++stats.findings > 500) return;
  const index = current.index < 0 ? undefined : current.index;
  writeSync(1, `FINDING ${JSON.stringify({ kind, key, sig, index, resume, text: current.text, detail })}\n`);
}

/** Reports what the calls since the last report did; `next` is the first call not yet counted. */
function flushCounts(next) {
  const { calls, skipped, rescued } = stats;
  const record = { next, calls, skipped, rescued, classes: Object.fromEntries(stats.classes), notes: Object.fromEntries(stats.notes) };
  writeSync(1, `COUNTS ${JSON.stringify(record)}\n`);
  stats.calls = 0;
  stats.skipped = 0;
  stats.rescued = 0;
  stats.classes.clear();
  stats.notes.clear();
}

function note(text) {
  count(stats.notes, text);
}

// --- values -----------------------------------------------------------------------------------

/** An argument: a label for the log, and make() for a fresh value each time (calls may mutate it). */
function spec(label, make, meta) {
  return { label, make, meta };
}

const LONG = 'a'.repeat(70_000);
const TRAPS = {
  get: trap, set: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap,
  setPrototypeOf: trap, defineProperty: trap, deleteProperty: trap, isExtensible: trap, preventExtensions: trap,
};
const TRAPPED_FIELDS = ['address', 'port', 'path', 'family', 'flowinfo', 'scopeId', 'fd', 'events', 'signal', 'timeout', 'onoff', 'linger', 'flags', 'type', 'protocol'];

function throwingGetters() {
  const object = {};
  for (const field of TRAPPED_FIELDS) Object.defineProperty(object, field, { get: trap, enumerable: true });
  return object;
}

function detached(wrap) {
  const buffer = new ArrayBuffer(16);
  const view = wrap(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

/** A view whose resizable buffer shrank under it: out of bounds, length 0. */
function outOfBounds() {
  const buffer = new ArrayBuffer(16, { maxByteLength: 32 });
  const view = new Uint8Array(buffer, 8, 8);
  buffer.resize(4);
  return view;
}

function numberLabel(value) {
  if (Object.is(value, -0)) return '-0';
  if (value === 2 ** 31) return '2**31';
  if (value === 2 ** 31 - 1) return '2**31-1';
  if (value === -(2 ** 31)) return '-(2**31)';
  if (value === 2 ** 32) return '2**32';
  if (value === 2 ** 53) return '2**53';
  if (value === -(2 ** 53)) return '-(2**53)';
  return String(value);
}

function hex(value) {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

function constant(label, value, meta) {
  return spec(label, () => value, meta);
}

/** Small non-negative integers could be fd numbers the fuzzer does not own (0, 1, 2): marked. */
function generic_number(value) {
  const fdLike = Number.isInteger(value) && value >= 0 && value < 2 ** 31 - 1;
  return constant(numberLabel(value), value, fdLike ? { fdLike: true } : undefined);
}

let GENERIC = [];

function buildGenericPool() {
  GENERIC = [
    constant('undefined', undefined),
    constant('null', null),
    constant('true', true),
    constant('false', false),
    ...[0, -0, -1, 1, 2, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53, -(2 ** 53), NaN, Infinity, -Infinity, 1.5].map(generic_number),
    constant("''", '', { string: true }),
    constant("'x'", 'x', { string: true }),
    constant("'127.0.0.1'", '127.0.0.1', { string: true }),
    constant('long string', LONG, { string: true }),
    constant("'a\\0b'", 'a\0b', { string: true }),
    constant('lone surrogate', '\ud800x', { string: true }),
    spec('symbol', () => Symbol('fuzz')),
    constant('10n', 10n),
    constant('-1n', -1n),
    spec('{}', () => ({})),
    spec('[]', () => []),
    spec('sparse [,,]', () => [, ,]), // eslint-disable-line no-sparse-arrays
    spec('Array(2**32-1)', () => new Array(2 ** 32 - 1)),
    spec('[-1 x 70000]', () => new Array(70_000).fill(-1)),
    spec('array with a throwing getter', () => {
      const array = [1, 2];
      Object.defineProperty(array, 0, { get: trap });
      return array;
    }),
    spec('throwing Proxy', () => new Proxy({}, TRAPS)),
    spec('throwing array Proxy', () => new Proxy([], TRAPS)),
    spec('revoked Proxy', () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    }),
    spec('throwing valueOf/toString', () => ({ valueOf: trap, toString: trap, [Symbol.toPrimitive]: trap })),
    spec('throwing getters', throwingGetters),
    spec('function', () => function fuzz() {}),
    spec('class', () => class Fuzz {}),
    spec('Date', () => new Date(0)),
    spec('RegExp', () => /x/g),
    spec('pending Promise', () => new Promise(() => {})),
    spec('Buffer(0)', () => Buffer.alloc(0), { view: true }),
    spec('Buffer hello', () => Buffer.from('hello'), { view: true }),
    spec('Buffer 64 KiB', () => Buffer.alloc(65_536, 0x61), { view: true }),
    spec('Int32Array', () => Int32Array.of(1, -1, 7), { view: true }),
    spec('Float64Array', () => Float64Array.of(1.5, -0), { view: true }),
    spec('BigInt64Array', () => BigInt64Array.of(1n, -1n), { view: true }),
    spec('DataView', () => new DataView(new ArrayBuffer(8)), { view: true }),
    spec('detached Uint8Array', () => detached((buffer) => new Uint8Array(buffer)), { view: true }),
    spec('detached Buffer', () => detached((buffer) => Buffer.from(buffer)), { view: true }),
    spec('detached DataView', () => detached((buffer) => new DataView(buffer)), { view: true }),
    spec('SharedArrayBuffer view', () => new Uint8Array(new SharedArrayBuffer(16)), { view: true }),
    spec('out-of-bounds view', outOfBounds, { view: true }),
    spec('ArrayBuffer', () => new ArrayBuffer(8)),
    spec('aborted AbortSignal', () => AbortSignal.abort()),
  ];
  // Raw bind/connect/sendto take any bytes as a sockaddr, setsockoptBytes any bytes as an option
  // value: none of the pool's views may read as an internet address (family AF_INET/AF_INET6) or a
  // multicast group (first byte 224-239 or 255), or a call could send off this machine.
  for (const entry of [...GENERIC, ...DATA]) {
    if (!entry.meta?.view) continue;
    let bytes;
    try {
      const view = entry.make();
      bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    } catch {
      continue; // detached: no bytes at all
    }
    if (bytes.length < 2) continue;
    const family = bytes[0] | (bytes[1] << 8);
    if (family === K.AF_INET || family === K.AF_INET6 || (bytes[0] >= 224 && bytes[0] <= 239) || bytes[0] === 255) {
      throw new Error(`fuzz pool: ${entry.label} could address another host`);
    }
  }
}

/** Any value of the pool (now and then one of the sockets). */
function generic(rng) {
  if (rng.chance(0.08)) return slotSpec(rng);
  return rng.pick(GENERIC);
}

/** The pool without small non-negative integers, for places an fd number could go. */
function safeGeneric(rng) {
  const entry = generic(rng);
  return entry.meta?.fdLike ? rng.pick(BAD_FD_SPECS) : entry;
}

/** The pool without strings, where a string would be a host name to resolve. */
function nonString(rng) {
  const entry = safeGeneric(rng);
  return entry.meta?.string ? constant('null', null) : entry;
}

/**
 * The raw async getaddrinfo's result callback: a no-op, mostly; sometimes one that throws, or anything
 * from the pool but a class. A callback that throws does so on the event loop, later, as an uncaught
 * exception, as Node's own callbacks do (dns.lookup, setTimeout): it is the caller's exception, not
 * sockcall's. The fuzzer's own (a FuzzTrap) is recognised as such; a class constructor (a function
 * that throws TypeError when called) could not be told from a TypeError of sockcall's own.
 */
const lookupCallback = arg(
  (rng) => (rng.chance(0.9) ? constant('callback', () => {}) : spec('throwing callback', () => trap)),
  (rng) => {
    const entry = generic(rng);
    return entry.label === 'class' ? constant('callback', () => {}) : entry;
  },
);

/** Mostly a plausible value for the parameter, sometimes anything from the pool. */
function arg(plausible, fallback = generic) {
  return (rng) => (rng.chance(0.7) ? plausible(rng) : fallback(rng));
}

function oneOf(prefix, values, metaFor) {
  return (rng) => {
    const value = rng.pick(values);
    const shown = typeof value === 'number' ? numberLabel(value) : typeof value === 'string' ? JSON.stringify(value).slice(0, 24) : String(value);
    return constant(`${prefix}:${shown}`, value, metaFor?.(value));
  };
}

// --- sockets and fds ---------------------------------------------------------------------------

function slot(flavour, kind) {
  const socket = world.slots[flavour].get(kind);
  if (socket !== undefined) world.touched.add(socket);
  return socket;
}

function slotSpec(rng, flavour = rng.pick(FLAVOURS)) {
  const kind = rng.pick(KINDS);
  return spec(`${flavour}:${kind}`, () => slot(flavour, kind));
}

function want(fd) {
  return world.wantBlocking.get(fd) ?? false;
}

/** Bounds what a syscall on `fd` can wait for, and undoes options that make close() wait. */
function guardFd(fd, blocking) {
  if (!Number.isInteger(fd) || fd < 0) return;
  native.setsockoptTimeval(fd, K.SO_RCVTIMEO, GUARD_MS);
  native.setsockoptTimeval(fd, K.SO_SNDTIMEO, GUARD_MS);
  native.setsockoptLinger(fd, 0, 0);
  native.setsockoptInt(fd, K.SOL_SOCKET, K.SO_RCVLOWAT, 1);
  native.setBlocking(fd, blocking ? 1 : 0);
}

function guardTouched() {
  for (const item of world.touched) {
    if (typeof item === 'number') {
      if (world.raw.includes(item) || item === world.readyFifo || isSlotFd(item)) guardFd(item, want(item));
    } else if (item instanceof B.Socket || item instanceof P.Socket) {
      if (!item.closed) guardFd(item.fd, want(item.fd));
    }
  }
}

function isSlotFd(fd) {
  for (const socket of world.slotSet) if (socket.fd === fd) return true;
  return false;
}

/** Takes an fd a call created (raw socket, accept4, dup, detach) into the fuzzer's keeping. */
function keepRaw(fd, blocking = false) {
  if (!Number.isInteger(fd) || fd < 3 || world.raw.includes(fd)) return;
  world.raw.push(fd);
  world.wantBlocking.set(fd, blocking);
  guardFd(fd, blocking);
}

function forgetRaw(fd) {
  const at = world.raw.indexOf(fd);
  if (at >= 0) world.raw.splice(at, 1);
}

const BAD_FDS = [-1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1.5, NaN, Infinity, -0.5, 1023, 1024, 65_535];
const BAD_FDS_DESTRUCTIVE = [-1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1.5, NaN, Infinity, -0.5];
const BAD_FD_SPECS = BAD_FDS_DESTRUCTIVE.map((fd) => constant(`fd:${numberLabel(fd)}`, fd));

/** The k-th (modulo their count) of the fds the fuzzer holds outside any Socket. */
function rawFdSpec(rng) {
  const k = rng.int(64);
  return spec(`fd(raw#${k})`, () => {
    const fd = world.raw.length > 0 ? world.raw[k % world.raw.length] : -1;
    world.touched.add(fd);
    return fd;
  });
}

function dupSpec(rng) {
  const source = slotSpec(rng);
  return spec(`dup(${source.label})`, () => {
    const socket = source.make();
    if (socket === undefined || socket.closed) return -1;
    const fd = native.dup(socket.fd, 0);
    keepRaw(fd, want(socket.fd));
    world.touched.add(fd);
    return fd;
  });
}

/** An fd for calls that only use it: any the fuzzer owns, or a number that is not open. */
function fdAny(rng) {
  const r = rng.int(10);
  if (r < 4) {
    const source = slotSpec(rng);
    return spec(`fd(${source.label})`, () => source.make()?.fd ?? -1);
  }
  if (r < 7) return rawFdSpec(rng);
  if (r === 7) {
    return spec('fd(ready fifo)', () => {
      world.touched.add(world.readyFifo);
      return world.readyFifo;
    });
  }
  const fd = rng.pick(BAD_FDS);
  return constant(`fd:${numberLabel(fd)}`, fd);
}

/** An fd for calls that close or adopt it: only ones no Socket owns. */
function fdOwned(rng) {
  const r = rng.int(10);
  if (r < 5) return rawFdSpec(rng);
  if (r < 8) return dupSpec(rng);
  return rng.pick(BAD_FD_SPECS);
}

// --- parameters ------------------------------------------------------------------------------

let FLAG_VALUES = [];
let LENGTHS = [];
let OPTION_PAIRS = [];
let ADDRESSES = [];
let SOCKADDRS = [];

function buildParameterPools() {
  const { MSG_PEEK, MSG_DONTWAIT, MSG_OOB, MSG_TRUNC, MSG_WAITALL, MSG_DONTROUTE, MSG_MORE } = K;
  // 5000: a timeout put where the flags go (MSG_WAITALL among its bits).
  FLAG_VALUES = [0, 0, MSG_PEEK, MSG_DONTWAIT, MSG_OOB, MSG_TRUNC, MSG_WAITALL, MSG_PEEK | MSG_DONTWAIT, MSG_TRUNC | MSG_DONTWAIT, MSG_DONTROUTE, MSG_MORE, K.MSG_EOR, K.SOCK_NONBLOCK, 5000];
  LENGTHS = [0, 1, 5, 100, 4096, 65_536, B.MAX_RECV_LENGTH, B.MAX_RECV_LENGTH + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -1, 1.5, NaN, Infinity, -0];
  const pairs = [
    ['SOL_SOCKET', 'SO_REUSEADDR'], ['SOL_SOCKET', 'SO_REUSEPORT'], ['SOL_SOCKET', 'SO_KEEPALIVE'], ['SOL_SOCKET', 'SO_RCVBUF'],
    ['SOL_SOCKET', 'SO_SNDBUF'], ['SOL_SOCKET', 'SO_RCVLOWAT'], ['SOL_SOCKET', 'SO_LINGER'], ['SOL_SOCKET', 'SO_RCVTIMEO'],
    ['SOL_SOCKET', 'SO_SNDTIMEO'], ['SOL_SOCKET', 'SO_ERROR'], ['SOL_SOCKET', 'SO_TYPE'], ['SOL_SOCKET', 'SO_BINDTODEVICE'],
    ['SOL_SOCKET', 'SO_BROADCAST'], ['SOL_SOCKET', 'SO_PEERCRED'], ['SOL_SOCKET', 'SO_OOBINLINE'], ['IPPROTO_TCP', 'TCP_NODELAY'],
    ['SOL_SOCKET', 'SO_PEERPIDFD'], ['SOL_SOCKET', 'SO_PASSPIDFD'], ['SOL_SOCKET', 'SO_PASSCRED'],
    ['IPPROTO_TCP', 'TCP_CONGESTION'], ['IPPROTO_TCP', 'TCP_KEEPIDLE'], ['IPPROTO_TCP', 'TCP_INFO'], ['IPPROTO_TCP', 'TCP_MAXSEG'],
    ['IPPROTO_IPV6', 'IPV6_V6ONLY'], ['IPPROTO_IP', 'IP_TTL'], ['IPPROTO_IP', 'IP_TOS'],
  ];
  OPTION_PAIRS = pairs.filter(([level, name]) => K[level] !== undefined && K[name] !== undefined).map(([level, name]) => [K[level], K[name], name]);

  const inet = (label, make) => () => spec(label, make);
  const port = (name) => world.ports[name] ?? 0;
  ADDRESSES = [
    inet('{127.0.0.1:0}', () => ({ address: '127.0.0.1', port: 0 })),
    inet('{host:127.0.0.1, port:0}', () => ({ host: '127.0.0.1', port: 0 })),
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`{127.0.0.1:${name}}`, () => ({ address: '127.0.0.1', port: port(name) }));
    },
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`{::1:${name}}`, () => ({ address: '::1', port: port(name) }));
    },
    inet('{AF_INET6 ::ffff:127.0.0.1:0}', () => ({ family: 'AF_INET6', address: '::ffff:127.0.0.1', port: 0 })),
    (rng) => {
      const flavour = rng.pick(FLAVOURS);
      return spec(`{path:${flavour} listener}`, () => ({ path: world.paths[flavour] }));
    },
    inet('{path:fresh}', () => ({ path: freshPath() })),
    inet('{path:relative}', () => ({ path: `r${world.fresh++}.sock` })),
    inet("{path:''}", () => ({ path: '' })),
    inet('{path:abstract}', () => ({ path: `\0sockcall-fuzz-${process.pid}-${world.generation}` })),
    inet('{path:Uint8Array abstract}', () => ({ path: Buffer.from(`\0sockcall-fuzz-${process.pid}-u`) })),
    inet('{path:200 bytes}', () => ({ path: `${world.dir}/${'p'.repeat(200)}` })),
    inet("{path:'a\\0b'}", () => ({ path: 'a\0b' })),
    inet('{path:detached Uint8Array}', () => ({ path: detached((buffer) => new Uint8Array(buffer)) })),
    inet('{path:SharedArrayBuffer view}', () => ({ path: new Uint8Array(new SharedArrayBuffer(8)) })),
    inet('{path:42}', () => ({ path: 42 })),
    inet("{127.0.0.1, family:'AF_UNIX'}", () => ({ family: 'AF_UNIX', address: '127.0.0.1', port: 0 })),
    inet('{nonsense:0}', () => ({ address: 'nonsense', port: 0 })),
    inet('{127.0.0.1:-1}', () => ({ address: '127.0.0.1', port: -1 })),
    inet('{127.0.0.1:65536}', () => ({ address: '127.0.0.1', port: 65_536 })),
    inet('{127.0.0.1:1.5}', () => ({ address: '127.0.0.1', port: 1.5 })),
    inet('{127.0.0.1:NaN}', () => ({ address: '127.0.0.1', port: NaN })),
    inet("{127.0.0.1:'80'}", () => ({ address: '127.0.0.1', port: '80' })),
    inet('{address:127}', () => ({ address: 127, port: 0 })),
    inet("{'127.0.0.1\\0x':0}", () => ({ address: '127.0.0.1\0x', port: 0 })),
    inet('{AF_INET6 127.0.0.1}', () => ({ family: 'AF_INET6', address: '127.0.0.1', port: 0 })),
    inet('{AF_INET ::1}', () => ({ family: 'AF_INET', address: '::1', port: 0 })),
    inet('{family:AF_INET number}', () => ({ family: K.AF_INET, address: '127.0.0.1', port: 0 })),
    inet("{family:'AF_BOGUS'}", () => ({ family: 'AF_BOGUS', address: '127.0.0.1', port: 0 })),
    inet('{family:12345}', () => ({ family: 12_345, address: '127.0.0.1', port: 0 })),
    inet("{family:'AF_UNSPEC'}", () => ({ family: 'AF_UNSPEC', sa_family: 0 })),
    inet("{family:'AF_UNSPEC', sa_family:17}", () => ({ family: 'AF_UNSPEC', sa_family: 17 })),
    inet('{family:AF_UNSPEC number}', () => ({ family: K.AF_UNSPEC })),
    inet('{path:abstract, not UTF-8}', () => ({ path: Buffer.from([0, 0x73, 0x63, 0xff, 0xfe, 0, 0xc0, world.generation & 0x7f]) })),
    inet('{path:fresh, not UTF-8}', () => ({ path: Buffer.concat([Buffer.from(`${freshPath()}-`), Buffer.from([0xff, 0x80])]) })),
    inet('{::1 flowinfo 2**20}', () => ({ address: '::1', port: 0, flowinfo: 2 ** 20 })),
    inet('{::1 scopeId -1}', () => ({ address: '::1', port: 0, scopeId: -1 })),
    inet('{::1 scopeId 2**31-1}', () => ({ address: '::1', port: 0, scopeId: 2 ** 31 - 1 })),
    inet('{long address}', () => ({ address: LONG, port: 0 })),
    (rng) => {
      const source = slotSpec(rng);
      return spec(`getsockname(${source.label})`, () => {
        const socket = source.make();
        const address = socket === undefined || socket.closed ? -1 : native.getsockname(socket.fd);
        if (typeof address !== 'object' || address === null) return {};
        // Never a wildcard address: bind + listen on it would listen beyond loopback.
        if (address.address === '0.0.0.0') return { ...address, address: '127.0.0.1' };
        if (address.address === '::') return { ...address, address: '::1' };
        return address;
      });
    },
  ];

  const sa = (label, make) => () => spec(label, make);
  const unix = (path) => native.sockaddrUnix(Buffer.from(path));
  const inetSockaddr = (family, text, portNumber) => {
    const into = Buffer.alloc(28);
    const length = native.sockaddrInet(family, text, portNumber, 0, 0, into);
    return length === 0 ? null : into.subarray(0, length);
  };
  SOCKADDRS = [
    sa('sa(127.0.0.1:0)', () => inetSockaddr(K.AF_INET, '127.0.0.1', 0)),
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`sa(127.0.0.1:${name})`, () => inetSockaddr(K.AF_INET, '127.0.0.1', port(name)));
    },
    (rng) => {
      const name = rng.pick(PORT_NAMES);
      return spec(`sa(::1:${name})`, () => inetSockaddr(K.AF_INET6, '::1', port(name)));
    },
    (rng) => {
      const flavour = rng.pick(FLAVOURS);
      return spec(`sa(path:${flavour} listener)`, () => unix(world.paths[flavour]));
    },
    sa('sa(path:fresh)', () => unix(freshPath())),
    sa('sa(abstract)', () => unix(`\0sockcall-fuzz-${process.pid}-raw`)),
    sa("sa(path:'')", () => native.sockaddrUnix(Buffer.alloc(0))),
    sa('sa(AF_UNSPEC)', () => Buffer.alloc(16)),
    sa('sa(1 byte)', () => Buffer.alloc(1)),
    sa('sa(129 bytes)', () => Buffer.alloc(129, 0xaa)),
    sa('sa(family 0xaaaa)', () => Buffer.alloc(16, 0xaa)),
    sa('sa(inet, 8 bytes)', () => inetSockaddr(K.AF_INET, '127.0.0.1', 0)?.subarray(0, 8)),
    sa('sa(inet6, 20 bytes)', () => inetSockaddr(K.AF_INET6, '::1', 0)?.subarray(0, 20)),
  ];
}

function freshPath() {
  return join(world.dir, `f${world.fresh++}.sock`);
}

const flags = arg((rng) => {
  const r = rng.int(4);
  if (r < 2) return oneOf('flags', FLAG_VALUES)(rng);
  if (r === 2) {
    const value = rng.bits();
    return constant(`flags:${hex(value)}`, value);
  }
  return oneOf('flags', [-1, 2 ** 31, 1.5, NaN, 2 ** 32])(rng);
});
const length = arg((rng) => oneOf('len', LENGTHS, (value) => (value > B.MAX_RECV_LENGTH ? { hugeLength: true } : undefined))(rng));
const address = arg((rng) => rng.pick(ADDRESSES)(rng));
const sockaddr = arg((rng) => rng.pick(SOCKADDRS)(rng));
const backlog = arg((rng) => oneOf('backlog', [undefined, 0, 1, 128, K.SOMAXCONN, -1, 2 ** 31 - 1, 2 ** 31, 1.5])(rng));
const how = arg((rng) => oneOf('how', [K.SHUT_RD, K.SHUT_WR, K.SHUT_RDWR, 3, -1, 1.5])(rng));
const bool = arg((rng) => oneOf('blocking', [true, false])(rng));
const domain = arg((rng) => oneOf('domain', [K.AF_INET, K.AF_INET6, K.AF_UNIX, K.AF_UNSPEC, -1, 2 ** 31 - 1, 12_345])(rng), safeGeneric);
const type = arg(
  (rng) => oneOf('type', [K.SOCK_STREAM, K.SOCK_DGRAM, K.SOCK_SEQPACKET, K.SOCK_STREAM | K.SOCK_NONBLOCK, K.SOCK_DGRAM | K.SOCK_CLOEXEC, 0, 99, -1, 2 ** 31 - 1])(rng),
  safeGeneric,
);
const protocol = arg((rng) => oneOf('protocol', [0, 0, K.IPPROTO_TCP, K.IPPROTO_UDP, 999, -1, 2 ** 31 - 1])(rng), safeGeneric);
const anyFd = arg(fdAny, safeGeneric);
const ownedFd = arg(fdOwned, safeGeneric);

/** What send/sendto (and raw setsockoptBytes) get; the bytes are checked like the pool's. */
const DATA = [
  spec('Buffer hello', () => Buffer.from('hello'), { view: true }),
  spec('Buffer(0)', () => Buffer.alloc(0), { view: true }),
  spec('Buffer 64 KiB', () => Buffer.alloc(65_536, 0x62), { view: true }),
  constant("'x'", 'x'),
  constant("''", ''),
  constant('long string', LONG),
  spec('Int32Array', () => Int32Array.of(1, 2, 3), { view: true }),
  spec('Float64Array', () => Float64Array.of(1.5), { view: true }),
  spec('DataView', () => new DataView(new ArrayBuffer(4)), { view: true }),
  spec('detached view', () => detached((buffer) => new Uint8Array(buffer)), { view: true }),
  spec('SharedArrayBuffer view', () => new Uint8Array(new SharedArrayBuffer(8)), { view: true }),
  spec('out-of-bounds view', outOfBounds, { view: true }),
  spec('Buffer slice at 3', () => Buffer.from('0123456789').subarray(3, 7), { view: true }),
];
const data = arg((rng) => rng.pick(DATA));

const view = arg((rng) =>
  rng.pick([
    spec('Buffer(16)', () => Buffer.alloc(16)),
    spec('Buffer(0)', () => Buffer.alloc(0)),
    spec('Buffer(64 KiB)', () => Buffer.alloc(65_536)),
    spec('Int32Array(3)', () => new Int32Array(3)),
    spec('Float64Array(2)', () => new Float64Array(2)),
    spec('BigInt64Array(2)', () => new BigInt64Array(2)),
    spec('DataView(8)', () => new DataView(new ArrayBuffer(8))),
    spec('detached Uint8Array', () => detached((buffer) => new Uint8Array(buffer))),
    spec('detached DataView', () => detached((buffer) => new DataView(buffer))),
    spec('SharedArrayBuffer view', () => new Uint8Array(new SharedArrayBuffer(16))),
    spec('out-of-bounds view', outOfBounds),
    spec('subarray(3, 9)', () => Buffer.alloc(16).subarray(3, 9)),
    spec('length-tracking view, shrunk to 0', () => {
      const buffer = new ArrayBuffer(16, { maxByteLength: 32 });
      const tracking = new Uint8Array(buffer);
      buffer.resize(0);
      return tracking;
    }),
  ]),
);

const outView = arg((rng) =>
  rng.pick([
    spec('Int32Array(2)', () => new Int32Array(2)),
    spec('Int32Array(1)', () => new Int32Array(1)),
    spec('Float64Array(1)', () => new Float64Array(1)),
    spec('Buffer(8)', () => Buffer.alloc(8)),
    spec('Buffer(3)', () => Buffer.alloc(3)),
    spec('DataView(8) at 1', () => new DataView(new ArrayBuffer(9), 1)),
    spec('detached Int32Array', () => detached((buffer) => new Int32Array(buffer))),
    spec('Uint8Array(0)', () => new Uint8Array(0)),
    spec('SharedArrayBuffer Int32Array(2)', () => new Int32Array(new SharedArrayBuffer(8))),
  ]),
);

const level = arg((rng) => oneOf('level', [K.SOL_SOCKET, K.IPPROTO_TCP, K.IPPROTO_IP, K.IPPROTO_IPV6, K.IPPROTO_UDP, -1, 2 ** 31 - 1, 999])(rng));
const optionName = arg((rng) => {
  if (rng.chance(0.7)) return oneOf('name', OPTION_PAIRS.map((pair) => pair[1]))(rng);
  const value = rng.int(80);
  return constant(`name:${value}`, value);
});

/** (level, name) for get/setsockopt: mostly a pair that belongs together. */
function optionLevelName(rng) {
  if (rng.chance(0.6)) {
    const [levelValue, nameValue, label] = rng.pick(OPTION_PAIRS);
    return [constant(`level:${levelValue}`, levelValue), constant(label, nameValue)];
  }
  return [level(rng), optionName(rng)];
}

const optionValue = arg((rng) =>
  rng.pick([
    ...[0, 1, -1, 4096, 2 ** 31 - 1, 2 ** 31, 1.5, NaN, 0.0001, 1e14, 1e15, 2 ** 31 * 1000, Infinity].map((value) => constant(`value:${numberLabel(value)}`, value)),
    constant('value:true', true),
    constant('value:false', false),
    spec('{onoff:true, linger:0}', () => ({ onoff: true, linger: 0 })),
    spec('{onoff:1, linger:2**31-1}', () => ({ onoff: 1, linger: 2 ** 31 - 1 })),
    spec("{onoff:'yes', linger:1}", () => ({ onoff: 'yes', linger: 1 })),
    spec('{onoff:true, linger:-1}', () => ({ onoff: true, linger: -1 })),
    spec('{onoff:false}', () => ({ onoff: false })),
    constant("'lo'", 'lo'),
    constant("'cubic'", 'cubic'),
    constant("'reno'", 'reno'),
    constant("'x'", 'x'),
    constant("''", ''),
    constant('300 chars', 'y'.repeat(300)),
    constant("'a\\0b'", 'a\0b'),
    spec('Int32Array [1]', () => Int32Array.of(1)),
    spec('Buffer(0)', () => Buffer.alloc(0)),
  ]),
);

const getLength = arg((rng) => oneOf('length', [undefined, 0, 4, 256, 65_536, 65_537, -1, 1.5])(rng));

const SMALL_TIMEOUTS = [0, 0, 0, 0, 1, 2, 5, -0, 0.5];
const OTHER_TIMEOUTS = [null, undefined, -1, NaN, Infinity, -Infinity, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e15, 1.5, 6, '5'];

/** A select/poll timeout. Anything but a small one makes the call get an always-ready fd too. */
const timeoutMs = arg((rng) => {
  const value = rng.chance(0.6) ? rng.pick(SMALL_TIMEOUTS) : rng.pick(OTHER_TIMEOUTS);
  const small = typeof value === 'number' && value >= 0 && value <= 5;
  const meta = { small, timer: small && value > 0, hugeTimeout: typeof value === 'number' && value > 2 ** 31 - 1 };
  return constant(`timeout:${typeof value === 'number' ? numberLabel(value) : String(value)}`, value, meta);
});

const WAIT_OPTIONS = [
  () => constant('undefined', undefined),
  () => spec('{}', () => ({})),
  () => spec('{timeout:0}', () => ({ timeout: 0 }), { timer: true }),
  () => spec('{timeout:1}', () => ({ timeout: 1 }), { timer: true }),
  () => spec('{timeout:5}', () => ({ timeout: 5 }), { timer: true }),
  () => spec('{timeout:2**31-1}', () => ({ timeout: 2 ** 31 - 1 })),
  () => spec('{timeout:2**31}', () => ({ timeout: 2 ** 31 }), { hugeTimeout: true }),
  () => spec('{timeout:1e15}', () => ({ timeout: 1e15 }), { hugeTimeout: true }),
  () => spec('{timeout:Infinity}', () => ({ timeout: Infinity }), { hugeTimeout: true }),
  () => spec('{timeout:-1}', () => ({ timeout: -1 })),
  () => spec('{timeout:NaN}', () => ({ timeout: NaN })),
  () => spec("{timeout:'1'}", () => ({ timeout: '1' })),
  () => spec('{signal:aborted}', () => ({ signal: AbortSignal.abort() })),
  () => spec('{signal:timeout(1)}', () => ({ signal: AbortSignal.timeout(1) }), { timer: true }),
  () => spec('{signal:live}', () => ({ signal: world.live.signal })),
  () => spec('{signal:{}}', () => ({ signal: {} })),
  () => spec('{signal:live, timeout:1}', () => ({ signal: world.live.signal, timeout: 1 }), { timer: true }),
  () => spec('{signal:aborted, timeout:2**31}', () => ({ signal: AbortSignal.abort(), timeout: 2 ** 31 }), { hugeTimeout: true }),
  () => spec('{timout:1}', () => ({ timout: 1 })),
];
const waitOptions = arg((rng) => rng.pick(WAIT_OPTIONS)());

/** The trailing parameters of a call that can wait: `flags` (blocking), `flags, options` or `options` (promises). */
function flagsAndOptions(rng, flavour) {
  if (flavour === 'B') return [flags(rng)];
  const r = rng.int(3);
  if (r === 0) return [flags(rng), waitOptions(rng)];
  if (r === 1) return [waitOptions(rng)];
  return [flags(rng)];
}

const listItem = (rng) => {
  const r = rng.int(10);
  if (r < 4) return slotSpec(rng);
  if (r < 8) return fdAny(rng);
  return safeGeneric(rng);
};

function list(rng, item) {
  const r = rng.int(10);
  if (r < 7) {
    const items = Array.from({ length: rng.int(4) }, () => item(rng));
    return spec(`[${labels(items)}]`, () => items.map((entry) => entry.make()));
  }
  if (r < 8) return constant('null', null);
  return safeGeneric(rng);
}

const pollEvents = (rng) => oneOf('events', [K.POLLIN, K.POLLOUT, K.POLLPRI, K.POLLIN | K.POLLOUT, 0, K.POLLRDHUP, 0xffff, 0x10000, -1, 1.5])(rng);

const pollEntry = (rng) => {
  if (rng.chance(0.15)) return safeGeneric(rng);
  const fd = rng.chance(0.5) ? slotSpec(rng) : fdAny(rng);
  const events = rng.chance(0.85) ? pollEvents(rng) : generic(rng);
  return spec(`{${fd.label}, ${events.label}}`, () => ({ fd: fd.make(), events: events.make() }));
};

const HINTS = [
  () => spec('{}', () => ({})),
  () => constant('undefined', undefined),
  () => spec('{AF_INET}', () => ({ family: K.AF_INET }), { hints: true }),
  () => spec('{AF_INET6, SOCK_STREAM}', () => ({ family: K.AF_INET6, type: K.SOCK_STREAM }), { hints: true }),
  () => spec('{AF_UNIX}', () => ({ family: K.AF_UNIX }), { hints: true }),
  () => spec('{AI_PASSIVE}', () => ({ flags: K.AI_PASSIVE }), { hints: true }),
  (rng) => {
    const value = rng.bits();
    return spec(`{flags:${hex(value)}}`, () => ({ flags: value }), { hints: true });
  },
  () => spec('{AI_CANONNAME}', () => ({ flags: K.AI_CANONNAME }), { hints: true }),
  () => spec('{family:12345}', () => ({ family: 12_345 }), { hints: true }),
  () => spec('{type:-1}', () => ({ type: -1 }), { hints: true }),
  () => spec('{protocol:999}', () => ({ protocol: 999 }), { hints: true }),
  () => spec('{flags:2**31}', () => ({ flags: 2 ** 31 }), { hints: true }),
  () => spec("{family:'AF_INET'}", () => ({ family: 'AF_INET' }), { hints: true }),
  () => spec('throwing getters', throwingGetters),
  () => constant('null', null),
];
const hints = arg((rng) => rng.pick(HINTS)(rng));

/** Hosts that cannot reach a name server with anything but 'localhost'. */
const host = arg((rng) => oneOf('host', [null, 'localhost', '127.0.0.1', '127.0.0.1', '::1', '::1', '127.0.0.1\0a', 'localhost\0x'])(rng), nonString);
const rawHost = arg((rng) => oneOf('host', [null, 'localhost', '127.0.0.1', '::1', '127.0.0.1\0evil'])(rng), nonString);
const service = arg((rng) => oneOf('port', [null, undefined, 0, 80, 65_535, 65_536, -1, 1.5, 'http', 'x', '', '80\0', 'a'.repeat(300)])(rng));
const aiFlags = arg((rng) => {
  if (rng.chance(0.3)) {
    const value = rng.bits();
    return constant(`aiflags:${hex(value)}`, value);
  }
  return oneOf('aiflags', [0, K.AI_PASSIVE, K.AI_NUMERICHOST, K.AI_NUMERICSERV, K.AI_ADDRCONFIG, K.AI_V4MAPPED | K.AI_ALL, K.AI_CANONNAME, -1, 2 ** 31])(rng);
});
const int = arg((rng) => oneOf('int', [0, 1, -1, 2, 2 ** 31 - 1, -(2 ** 31), 1.5, NaN])(rng));
const dupMinimum = arg((rng) => oneOf('min', [0, 3, 1024, 1500, 20_000, 2 ** 31 - 1, -1])(rng));
/** sendmsg/recvmsg's own arguments: buffer lists, ancillary data, fd lists. */
const buffers = (rng) => list(rng, data);
const sizes = arg((rng) => (rng.chance(0.5) ? length(rng) : list(rng, length)));
const controlItems = arg((rng) =>
  oneOf('control', [undefined, [], [{ level: K.SOL_SOCKET, type: K.SCM_RIGHTS, data: Buffer.alloc(4) }], [{ level: 1.5, type: 0, data: Buffer.alloc(0) }], [{}], 'x'])(rng),
);
const msgOptions = arg((rng) => {
  const [control, flagsItem] = [controlItems(rng), flags(rng)];
  const to = rng.chance(0.5) ? address(rng) : undefined;
  return spec(`{control:${control.label}, flags:${flagsItem.label}${to ? `, address:${to.label}` : ''}}`, () => ({
    control: control.make(),
    flags: flagsItem.make(),
    ...(to ? { address: to.make() } : {}),
  }));
});
const controlLength = arg((rng) => oneOf('controlLength', [0, 24, 64, 4096, 1 << 20, (1 << 20) + 1, -1, 1.5])(rng));
const fdCount = arg((rng) => oneOf('maxFds', [1, 2, 253, 0, 254, -1, 1.5])(rng));
const rawControl = arg((rng) => (rng.chance(0.5) ? constant('null', null) : data(rng)));
const rawSockaddr = arg((rng) => (rng.chance(0.5) ? constant('null', null) : sockaddr(rng)));
const pollerEvents = arg((rng) =>
  rng.chance(0.75) ? oneOf('events', [1, 2, 3, 4, 5, 8, 15, 0])(rng) : oneOf('events', [0x10, 0x100, -1, 2 ** 31, 'x'])(rng),
);
const pendDirection = arg((rng) => oneOf('direction', [0, 1, 0, 1, 2, -1, 'x'])(rng));
const pendKind = arg((rng) => oneOf('kind', [1, 2, 3, 4, 1, 2, 0, 5, -1, 1.5])(rng));

/** Args with the count changed now and then: missing trailing ones, extra ones. */
function shape(rng, args) {
  const r = rng.int(20);
  if (r === 0) return [];
  if (r <= 2 && args.length > 0) return args.slice(0, rng.int(args.length));
  if (r <= 4) return [...args, ...Array.from({ length: 1 + rng.int(2) }, () => generic(rng))];
  return args;
}

function metaOf(args) {
  const meta = {};
  for (const entry of args) if (entry.meta) Object.assign(meta, entry.meta);
  return meta;
}

// --- what to call -----------------------------------------------------------------------------

/** Parameters of the public Socket methods, by name; methods not listed get a few pool values. */
const SIGNATURES = {
  accept: (rng, flavour) => (flavour === 'B' ? [flags(rng)] : [waitOptions(rng)]),
  connect: (rng, flavour) => (flavour === 'B' ? [address(rng)] : [address(rng), waitOptions(rng)]),
  send: (rng, flavour) => [data(rng), ...flagsAndOptions(rng, flavour)],
  sendAll: (rng, flavour) => [data(rng), ...flagsAndOptions(rng, flavour)],
  sendto: (rng, flavour) => [data(rng), address(rng), ...flagsAndOptions(rng, flavour)],
  recv: (rng, flavour) => [length(rng), ...flagsAndOptions(rng, flavour)],
  recvfrom: (rng, flavour) => [length(rng), ...flagsAndOptions(rng, flavour)],
  recvInto: (rng, flavour) => [view(rng), ...flagsAndOptions(rng, flavour)],
  sendmsg: (rng) => [buffers(rng), msgOptions(rng)],
  // The blocking flavour takes no wait options: { timeout } there would be an unknown key, ignored.
  recvmsg: (rng, flavour) => [sizes(rng), flavour === 'P' && rng.chance(0.5) ? waitOptions(rng) : msgOptions(rng)],
  sendFds: (rng) => [list(rng, anyFd), data(rng), msgOptions(rng)],
  recvFds: (rng, flavour) => [fdCount(rng), flavour === 'P' ? waitOptions(rng) : msgOptions(rng)],
  recvCredentials: (rng, flavour) => [length(rng), flavour === 'P' ? waitOptions(rng) : msgOptions(rng)],
  sendCredentials: (rng) => [data(rng), msgOptions(rng)],
  bind: (rng) => [address(rng)],
  listen: (rng) => [backlog(rng)],
  shutdown: (rng) => [how(rng)],
  setsockopt: (rng) => [...optionLevelName(rng), optionValue(rng)],
  getsockopt: (rng) => [...optionLevelName(rng), getLength(rng)],
  setBlocking: (rng) => [bool(rng)],
  encode: (rng) => [address(rng), generic(rng)],
  closeOnCollect: (rng) => [generic(rng)],
};
const NO_PARAMETERS = new Set(['close', 'Symbol.dispose', 'getsockname', 'getpeername', 'getBlocking', 'detach', 'toBlocking', 'ref', 'unref', 'unnamedPeer', 'fd', 'closed']);

/** Parameters of the raw binding's functions, by name; functions not listed get a few pool values. */
const RAW = {
  socket: (rng) => [domain(rng), type(rng), protocol(rng)],
  socketpair: (rng) => [domain(rng), type(rng), protocol(rng)],
  bind: (rng) => [anyFd(rng), sockaddr(rng)],
  listen: (rng) => [anyFd(rng), backlog(rng)],
  accept4: (rng) => [anyFd(rng), flags(rng)],
  connect: (rng) => [anyFd(rng), sockaddr(rng)],
  send: (rng) => [anyFd(rng), data(rng), flags(rng)],
  sendto: (rng) => [anyFd(rng), data(rng), flags(rng), sockaddr(rng)],
  recv: (rng) => [anyFd(rng), view(rng), flags(rng)],
  recvfrom: (rng) => [anyFd(rng), view(rng), flags(rng)],
  sendmsg: (rng) => [anyFd(rng), list(rng, data), rawControl(rng), flags(rng), rawSockaddr(rng)],
  recvmsg: (rng) => [anyFd(rng), list(rng, view), controlLength(rng), flags(rng)],
  shutdown: (rng) => [anyFd(rng), how(rng)],
  close: (rng) => [ownedFd(rng)],
  getsockname: (rng) => [anyFd(rng)],
  getpeername: (rng) => [anyFd(rng)],
  getsockoptInt: (rng) => [anyFd(rng), ...optionLevelName(rng), outView(rng)],
  setsockoptInt: (rng) => [anyFd(rng), ...optionLevelName(rng), int(rng)],
  getsockoptBytes: (rng) => [anyFd(rng), ...optionLevelName(rng), view(rng)],
  setsockoptBytes: (rng) => [anyFd(rng), ...optionLevelName(rng), data(rng)],
  getsockoptLinger: (rng) => [anyFd(rng), outView(rng)],
  setsockoptLinger: (rng) => [anyFd(rng), int(rng), int(rng)],
  getsockoptTimeval: (rng) => [anyFd(rng), optionName(rng), outView(rng)],
  setsockoptTimeval: (rng) => [anyFd(rng), optionName(rng), optionValue(rng)],
  getBlocking: (rng) => [anyFd(rng)],
  setBlocking: (rng) => [anyFd(rng), int(rng)],
  dup: (rng) => [anyFd(rng), dupMinimum(rng)],
  select: (rng) => [list(rng, anyFd), list(rng, anyFd), list(rng, anyFd), timeoutMs(rng)],
  poll: (rng) => [list(rng, anyFd), list(rng, arg(pollEvents)), timeoutMs(rng)],
  getaddrinfo: (rng) => [rawHost(rng), service(rng), int(rng), int(rng), int(rng), aiFlags(rng)],
  getaddrinfoAsync: (rng) => [rawHost(rng), service(rng), int(rng), int(rng), int(rng), aiFlags(rng), lookupCallback(rng)],
  sockaddrInet: (rng) => [domain(rng), generic(rng), int(rng), int(rng), int(rng), arg(view)(rng)],
  sockaddrUnix: (rng) => [arg(view)(rng)],
  own: (rng) => [ownedFd(rng)],
  disown: (rng) => [anyFd(rng)],
};

/** Calls after which the sockets they touched are put back in their guarded state. */
const REGUARD = /set|Blocking|fromFd|Poller/;

let METHODS; // flavour -> [name]
let DESCRIPTORS; // flavour -> Map(name -> property descriptor)
let RAW_NAMES;
let POLLER_METHODS;

function enumerate() {
  METHODS = {};
  DESCRIPTORS = {};
  for (const flavour of FLAVOURS) {
    const descriptors = new Map();
    for (let proto = (flavour === 'B' ? B : P).Socket.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const key of Reflect.ownKeys(proto)) {
        const name = key === Symbol.dispose ? 'Symbol.dispose' : key;
        if (typeof name !== 'string' || name === 'constructor' || descriptors.has(name)) continue;
        descriptors.set(name, Object.getOwnPropertyDescriptor(proto, key));
      }
    }
    DESCRIPTORS[flavour] = descriptors;
    METHODS[flavour] = [...descriptors.keys()].sort();
  }
  RAW_NAMES = Object.keys(native).filter((name) => typeof native[name] === 'function').sort();
  POLLER_METHODS = Object.getOwnPropertyNames(native.Poller.prototype).filter((name) => name !== 'constructor').sort();
}

function labels(args) {
  return args.map((entry) => entry.label).join(', ');
}

function planCall(rng) {
  const r = rng.next();
  if (r < 0.22) return planMethod(rng, 'B');
  if (r < 0.44) return planMethod(rng, 'P');
  if (r < 0.54) return planModule(rng, 'B');
  if (r < 0.64) return planModule(rng, 'P');
  if (r < 0.67) return planPending(rng);
  return planRaw(rng);
}

function genericArgs(rng) {
  return Array.from({ length: rng.int(4) }, () => generic(rng));
}

function receiver(rng, flavour) {
  if (rng.chance(0.9)) return slotSpec(rng, flavour);
  const other = flavour === 'B' ? 'P' : 'B';
  const source = slotSpec(rng, flavour);
  const foreign = rng.pick([
    slotSpec(rng, other),
    constant('{}', {}),
    constant('null', null),
    constant('undefined', undefined),
    spec(`Object.create(${source.label})`, () => Object.create(source.make() ?? null)),
    spec(`Proxy(${source.label})`, () => new Proxy(source.make() ?? {}, {})),
    generic(rng),
  ]);
  return { ...foreign, foreign: true };
}

function planMethod(rng, flavour) {
  const name = rng.pick(METHODS[flavour]);
  const self = receiver(rng, flavour);
  const signature = SIGNATURES[name];
  const args = shape(rng, signature ? signature(rng, flavour) : NO_PARAMETERS.has(name) ? [] : genericArgs(rng));
  const key = `${flavour}.${name}`;
  const descriptor = DESCRIPTORS[flavour].get(name);
  return {
    key,
    keys: [key],
    name,
    flavour,
    kind: 'method',
    foreign: self.foreign === true,
    text: `${flavour}[${self.label}].${name}(${labels(args)})`,
    meta: metaOf(args),
    run(plan) {
      plan.target = self.make();
      plan.values = args.map((entry) => entry.make());
      if (descriptor.get) return descriptor.get.call(plan.target);
      return descriptor.value.apply(plan.target, plan.values);
    },
  };
}

const MODULE_NAMES = {
  B: ['new Socket', 'Socket.pair', 'Socket.fromFd', 'select', 'poll', 'getaddrinfo'],
  P: ['new Socket', 'Socket.pair', 'Socket.fromFd', 'Socket.fromBlocking', 'select', 'poll', 'getaddrinfo'],
};

/** `this` for a static method: mostly its class; else what an unbound or borrowed call would give. */
function staticThis(rng, flavour) {
  const own = flavour === 'B' ? B : P;
  const other = flavour === 'B' ? P : B;
  if (rng.chance(0.75)) return spec(`${flavour}.Socket`, () => own.Socket);
  const foreign = rng.pick([
    constant('undefined (unbound)', undefined),
    spec('{}', () => ({})),
    spec('function F() {}', () => function F() {}),
    spec(`${flavour === 'B' ? 'P' : 'B'}.Socket`, () => other.Socket),
  ]);
  return { ...foreign, foreign: true };
}

function planModule(rng, flavour) {
  const module = flavour === 'B' ? B : P;
  const name = rng.pick(MODULE_NAMES[flavour]);
  const promises = flavour === 'P';
  let args;
  let self;
  if (name === 'new Socket' || name === 'Socket.pair') args = [domain(rng), type(rng), protocol(rng)];
  else if (name === 'Socket.fromFd') args = [ownedFd(rng)];
  else if (name === 'Socket.fromBlocking') args = [rng.chance(0.7) ? slotSpec(rng, 'B') : generic(rng)];
  else if (name === 'select') args = [list(rng, listItem), list(rng, listItem), list(rng, listItem), timeoutMs(rng), ...(promises ? [waitOptions(rng)] : [])];
  else if (name === 'poll') args = [list(rng, pollEntry), timeoutMs(rng), ...(promises ? [waitOptions(rng)] : [])];
  else args = [host(rng), service(rng), hints(rng), ...(promises ? [waitOptions(rng)] : [])];
  args = shape(rng, args);
  if (name.startsWith('Socket.')) self = staticThis(rng, flavour);
  const key = `${flavour}.${name}`;
  const waits = name === 'select' || name === 'poll';
  const meta = metaOf(args);
  return {
    key,
    keys: [key],
    name,
    flavour,
    kind: 'module',
    // With another `this`, a static method builds whatever that is (JS subclassing): no return check.
    foreign: self?.foreign === true,
    text: `${flavour}.${self && self.label !== `${flavour}.Socket` ? `${name}.call(${self.label}, ` : `${name}(`}${labels(args)})`,
    meta: { ...meta, lookup: name === 'getaddrinfo' },
    run(plan) {
      const values = args.map((entry) => entry.make());
      plan.values = values;
      if (waits && !meta.small) addReadyFd(name, values, false);
      if (waits && promises) plan.blockingBefore = blockingModes();
      if (name === 'getaddrinfo') maskCanonname(values, args, false);
      if (name === 'new Socket') return Reflect.construct(module.Socket, values);
      if (self) {
        const fn = module.Socket[name.slice('Socket.'.length)];
        return fn.apply(self.make(), values);
      }
      return module[name](...values);
    },
  };
}

/**
 * Gives a select/poll whose timeout may be long or forever something ready at once (the fifo, which
 * always holds a byte): a long wait is not what is being tested, and would only stall the run.
 */
function addReadyFd(name, values, raw) {
  const fd = world.readyFifo;
  try {
    if (name === 'select') {
      if (values[0] === null || values[0] === undefined) values[0] = [fd];
      else if (Array.isArray(values[0])) values[0].push(fd);
    } else if (raw) {
      if (Array.isArray(values[0]) && Array.isArray(values[1])) {
        values[0].push(fd);
        values[1].push(K.POLLIN);
      }
    } else if (Array.isArray(values[0])) {
      values[0].push({ fd, events: K.POLLIN });
    }
  } catch {
    // A trapped or revoked list: the call refuses it before it can wait.
  }
}

/** Keeps getaddrinfo('::1', AI_CANONNAME) from asking a name server for the reverse name. */
function maskCanonname(values, args, raw) {
  if (values[0] !== '::1') return;
  if (raw) {
    if (typeof values[5] === 'number') values[5] &= ~K.AI_CANONNAME;
  } else if (args[2]?.meta?.hints && typeof values[2]?.flags === 'number') {
    values[2] = { ...values[2], flags: values[2].flags & ~K.AI_CANONNAME };
  }
}

function planRaw(rng) {
  const name = rng.pick(RAW_NAMES);
  if (name === 'Poller') return planPoller(rng);
  const signature = RAW[name];
  const args = shape(rng, signature ? signature(rng) : genericArgs(rng));
  const key = `raw.${name}`;
  const meta = metaOf(args);
  return {
    key,
    keys: [key],
    name,
    kind: 'raw',
    text: `raw.${name}(${labels(args)})`,
    meta: { ...meta, lookup: name === 'getaddrinfo' || name === 'getaddrinfoAsync' },
    run(plan) {
      const values = args.map((entry) => entry.make());
      plan.values = values;
      if ((name === 'select' || name === 'poll') && !meta.small) addReadyFd(name, values, true);
      if (name === 'getaddrinfo' || name === 'getaddrinfoAsync') maskCanonname(values, args, true);
      return native[name](...values);
    },
  };
}

/** new Poller(fd, callback), one to three of its methods, then close(), all in one call. */
function planPoller(rng) {
  const fd = anyFd(rng);
  const callback = rng.chance(0.85) ? spec('noop', () => () => {}) : safeGeneric(rng);
  const steps = Array.from({ length: 1 + rng.int(3) }, () => {
    const method = rng.pick(POLLER_METHODS);
    if (method === 'start') return { method, args: shape(rng, [pollerEvents(rng)]) };
    if (method === 'pend') return { method, args: shape(rng, [pendDirection(rng), pendKind(rng), view(rng), flags(rng)]) };
    if (method === 'unpend') return { method, args: shape(rng, [pendDirection(rng)]) };
    return { method, args: rng.chance(0.8) ? [] : genericArgs(rng) };
  });
  const text = `raw new Poller(${fd.label}, ${callback.label})${steps.map((step) => `.${step.method}(${labels(step.args)})`).join('')}`;
  return {
    key: 'raw.Poller',
    keys: ['raw.Poller', ...steps.map((step) => `raw.Poller#${step.method}`)],
    name: 'Poller',
    kind: 'raw',
    text,
    meta: {},
    run(plan) {
      plan.values = [fd.make(), callback.make()];
      const poller = new native.Poller(...plan.values);
      try {
        for (const step of steps) {
          ring(current.index, `raw.Poller#${step.method}`, text);
          const result = poller[step.method](...step.args.map((entry) => entry.make()));
          if (step.method !== 'close' && result !== undefined && typeof result !== 'number') {
            finding('bad-return', `raw.Poller#${step.method}`, `returned ${describe(result)}`);
          }
        }
      } finally {
        poller.close();
      }
      return undefined;
    },
  };
}

/** Connected promise sockets and their peers, for calls left waiting. */
const PEERS = [
  ['tcp4-client', 'tcp4-server'], ['tcp4-server', 'tcp4-client'], ['tcp6-client', 'tcp6-server'],
  ['unix-stream-a', 'unix-stream-b'], ['unix-dgram-a', 'unix-dgram-b'], ['unix-seqpacket-b', 'unix-seqpacket-a'],
];
const MUTATIONS = ['none', 'detach', 'shrink to 0', 'shrink to 8', 'grow', 'abort', 'close', 'shut the peer down', 'time out'];

/**
 * One to three receives left waiting on one promise socket (its data drained first), then their
 * view's buffer detached or resized, their signal aborted, the socket closed ... and then the peer
 * sends. The calls must each settle as usual, and a recvInto must never report more bytes than its
 * view still had: the kernel would have written into memory the view no longer owns.
 */
function planPending(rng) {
  const [kind, peerKind] = rng.pick(PEERS);
  const ops = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(['recvInto', 'recvInto', 'recv', 'recvfrom']));
  const viewKind = rng.pick(['fixed-length view', 'length-tracking view', 'DataView']);
  const mutation = rng.pick(MUTATIONS);
  const signalled = rng.chance(0.5);
  return {
    key: 'P.pending',
    keys: ['P.pending'],
    name: 'pending',
    flavour: 'P',
    kind: 'pending',
    text: `P[P:${kind}] waiting ${ops.join(', ')} on a resizable ${viewKind}${signalled ? ' with a signal' : ''}; then ${mutation}; then P:${peerKind} sends`,
    meta: { timer: mutation === 'time out' },
    async run(plan) {
      const socket = slot('P', kind);
      const peer = slot('P', peerKind);
      if (!socket.closed) drain(socket.fd);
      const buffer = new ArrayBuffer(64, { maxByteLength: 128 });
      const view = viewKind === 'DataView' ? new DataView(buffer) : viewKind === 'fixed-length view' ? new Uint8Array(buffer, 0, 64) : new Uint8Array(buffer);
      const controller = new AbortController();
      const options = mutation === 'time out' ? { timeout: 1 } : signalled ? { signal: controller.signal } : undefined;
      const calls = ops.map((name) => (name === 'recvInto' ? socket.recvInto(view, options) : socket[name](64, options)));
      // Which calls are still waiting when the buffer changes: only those the rule below is about.
      const settled = calls.map(() => false);
      calls.forEach((call, i) => call.then(() => (settled[i] = true), () => (settled[i] = true)));
      for (let i = 0; i < 3; i++) await null;
      plan.waiting = settled.map((done) => !done);
      if (mutation === 'detach') structuredClone(buffer, { transfer: [buffer] });
      else if (mutation === 'shrink to 0') buffer.resize(0);
      else if (mutation === 'shrink to 8') buffer.resize(8);
      else if (mutation === 'grow') buffer.resize(128);
      else if (mutation === 'abort') controller.abort();
      else if (mutation === 'close') closeSocket(socket, 'waiting');
      else if (mutation === 'shut the peer down' && !peer.closed) native.shutdown(peer.fd, K.SHUT_WR);
      if (!peer.closed) native.send(peer.fd, Buffer.alloc(48, 0x70), K.MSG_DONTWAIT | K.MSG_NOSIGNAL);
      plan.ops = ops;
      plan.limit = mutation === 'detach' || mutation === 'shrink to 0' ? 0 : mutation === 'shrink to 8' ? 8 : viewKind === 'fixed-length view' ? 64 : 128;
      return Promise.all(calls.map((call) => call.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }))));
    },
  };
}

const EAGAIN = -osConstants.errno.EAGAIN;

/**
 * Reads what is queued on a socket, so that the next receive waits: until EAGAIN, since a pending
 * error (ECONNRESET) or an empty datagram can come before the data.
 */
function drain(fd) {
  const scratch = Buffer.allocUnsafe(65_536);
  for (let i = 0; i < 16 && native.recv(fd, scratch, K.MSG_DONTWAIT) !== EAGAIN; i++);
}

/** The calls of a P.pending plan, each classified as the call it is. */
function classifyPending(plan, results) {
  results.forEach((result, i) => {
    const name = plan.ops[i];
    const sub = { ...plan, name, key: `P.${name} (waiting)`, kind: 'method', values: [64] };
    count(stats.classes, result.ok ? classifyReturn(sub, result.value) : classifyError(sub, result.error));
    if (name === 'recvInto' && plan.waiting[i] && result.ok && result.value > plan.limit) {
      finding('past-the-view', sub.key, `resolved ${result.value} bytes, but its view had at most ${plan.limit} left`);
    }
  });
}

// --- making the calls --------------------------------------------------------------------------

let ringFd = -1;
const ringBuffer = Buffer.alloc(RING_WIDTH);
let traceCalls = false;

/** Writes the call about to be made where the parent finds it if this process dies during it. */
function ring(index, key, text) {
  ringBuffer.fill(0x20);
  ringBuffer.write(`${index}\t${key}\t${text}`.slice(0, RING_WIDTH - 1), 0, RING_WIDTH - 1, 'latin1');
  ringBuffer[RING_WIDTH - 1] = 0x0a;
  writeSync(ringFd, ringBuffer, 0, RING_WIDTH, (index % RING_SLOTS) * RING_WIDTH);
}

function nextTurn() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves true if `promise` settles within `ms`, false if not. */
function within(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  return Promise.race([promise.then(() => true, () => true), timeout]).finally(() => clearTimeout(timer));
}

async function execute(plan, index) {
  current.index = index;
  current.key = plan.key;
  current.text = plan.text;
  ring(index, plan.key, plan.text);
  if (traceCalls) process.stderr.write(`#${index} ${plan.text}\n`);
  world.touched.clear();
  let outcome;
  const started = performance.now();
  try {
    const value = plan.run(plan);
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_MS && !plan.meta.lookup) finding('slow', plan.key, `took ${Math.round(elapsed)} ms`);
    outcome = value instanceof Promise ? await settle(value, plan) : { ok: true, value };
  } catch (error) {
    const elapsed = performance.now() - started;
    if (elapsed > SLOW_MS && !plan.meta.lookup) finding('slow', plan.key, `took ${Math.round(elapsed)} ms`);
    outcome = { ok: false, error };
  }
  if (traceCalls) process.stderr.write(`   -> ${outcome.pending ? 'pending' : outcome.ok ? `returned ${describe(outcome.value)}` : `threw ${describeError(outcome.error)}`}\n`);
  if (outcome.pending) {
    // reported by settle()
  } else if (plan.kind === 'pending' && outcome.ok) {
    classifyPending(plan, outcome.value);
  } else {
    const name = outcome.ok ? classifyReturn(plan, outcome.value) : classifyError(plan, outcome.error);
    count(stats.classes, name);
    check(plan, outcome);
  }
  keepResults(plan, outcome);
  if (REGUARD.test(plan.name)) guardTouched();
  closeExtras();
  if (traceCalls) traceFds();
}

let tracedFds = -1;

/** In a --trace replay: says when the fds the fuzzer does not know about change, to pin a leak on a call. */
function traceFds() {
  const known = world.raw.length + [...world.slotSet].filter((socket) => !socket.closed).length;
  const unknown = readdirSync('/proc/self/fd').length - known;
  if (tracedFds >= 0 && unknown !== tracedFds) process.stderr.write(`   !! fds not held by the fuzzer: ${tracedFds} -> ${unknown}\n`);
  tracedFds = unknown;
}

/**
 * Waits for a promise call: a few microtasks (most settle at once), one turn of the loop (the fd may
 * be ready), a little longer if it was given a short timeout; then its sockets are closed, which must
 * settle it.
 */
async function settle(promise, plan) {
  let result;
  promise.then(
    (value) => {
      result = { ok: true, value };
    },
    (error) => {
      result = { ok: false, error };
    },
  );
  for (let i = 0; i < 4 && result === undefined; i++) await null;
  if (result === undefined) await nextTurn();
  if (result === undefined && plan.meta.timer) await within(promise, 40);
  if (result === undefined) {
    stats.rescued++;
    // The call's own socket is among them: slot() noted it when the receiver was made.
    for (const item of world.touched) if (typeof item !== 'number') closeSocket(item, 'touched');
    await within(promise, plan.meta.lookup ? LOOKUP_SETTLE_MS : SETTLE_MS);
    // Its reactions run one microtask after the race is decided.
    await null;
  }
  if (result === undefined) {
    finding('never-settled', plan.key, `still pending ${plan.meta.lookup ? LOOKUP_SETTLE_MS : SETTLE_MS} ms after its sockets were closed`);
    return { pending: true };
  }
  return result;
}

function describe(value) {
  if (value === null || value === undefined) return String(value);
  if (Buffer.isBuffer(value)) return `Buffer(${value.length})`;
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return `${typeof value} ${String(value)}`;
}

function describeError(error) {
  if (!(error instanceof Error)) return `a non-Error: ${describe(error)}`;
  const fields = ['code', 'errno', 'syscall'].filter((field) => error[field] !== undefined).map((field) => `${field}=${error[field]}`);
  return `${error.constructor.name}${fields.length ? ` (${fields.join(', ')})` : ''}: ${error.message.slice(0, 160)}`;
}

function errnoName(value) {
  try {
    return getSystemErrorName(value);
  } catch {
    return `E${-value}`;
  }
}

/**
 * Closes the fds a call brought in: the ones an SCM_RIGHTS item carried (an earlier sendFds passed
 * them), the pidfd of an SCM_PIDFD item (SO_PASSPIDFD on) and the one getsockopt SO_PEERPIDFD
 * installs. They are the caller's, and the fuzzer, as caller, closes them, so that an fd left open at
 * the end is sockcall's leak.
 */
function closeReceived(plan, value) {
  let fds = [];
  if (plan.kind === 'raw' && plan.name === 'recvmsg' && Array.isArray(value) && Buffer.isBuffer(value[2])) {
    const control = value[2];
    for (let offset = 0; offset + 16 <= control.length; ) {
      const length = Number(control.readBigUInt64LE(offset));
      if (length < 16 || offset + length > control.length) break;
      const type = control.readInt32LE(offset + 12);
      if (control.readInt32LE(offset + 8) === K.SOL_SOCKET && (type === K.SCM_RIGHTS || type === K.SCM_PIDFD)) {
        for (let at = offset + 16; at + 4 <= offset + length; at += 4) fds.push(control.readInt32LE(at));
      }
      offset += (length + 7) & ~7;
    }
  } else if (plan.kind === 'raw' && plan.name === 'getsockoptInt' && value === 0 && plan.values[1] === K.SOL_SOCKET && plan.values[2] === K.SO_PEERPIDFD) {
    const out = plan.values[3];
    fds = [Buffer.from(out.buffer, out.byteOffset, 4).readInt32LE(0)];
  } else if (plan.kind !== 'raw' && plan.name === 'getsockopt' && typeof value === 'number' && plan.values[0] === K.SOL_SOCKET && plan.values[1] === K.SO_PEERPIDFD) {
    fds = [value];
  } else if (plan.kind !== 'raw' && (plan.name === 'recvmsg' || plan.name === 'recvFds') && Array.isArray(value?.fds)) {
    fds = typeof value.pidfd === 'number' ? [...value.fds, value.pidfd] : value.fds;
  }
  for (const fd of fds) closeSync(fd);
}

function classifyReturn(plan, value) {
  closeReceived(plan, value);
  if (plan.kind === 'raw') {
    if (!rawReturnOk(plan.name, value)) finding('bad-return', plan.key, `returned ${describe(value)}`);
    if (typeof value === 'number' && value < 0) return `errno ${errnoName(value)} (raw)`;
    return 'returned';
  }
  const expected = plan.foreign ? undefined : RETURNS[plan.name];
  if (expected && !expected(value, plan)) finding('bad-return', plan.key, `returned ${describe(value)}`);
  return 'returned';
}

function classifyError(plan, error) {
  if (error instanceof FuzzTrap) return 'propagated (a trap in an argument)';
  if (error instanceof Error && error.name === 'AbortError') {
    if (error.code !== 'ABORT_ERR') finding('bad-throw', plan.key, `AbortError with code ${error.code}`, `bad-throw|${plan.key}|AbortError`);
    return 'AbortError';
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    const kind = error instanceof TypeError ? 'TypeError' : 'RangeError';
    // Without a code from the library itself (not V8's brand check on a foreign receiver): worth a look.
    if (plan.kind !== 'raw' && !plan.foreign && typeof error.code !== 'string' && !/revoked/.test(error.message)) note(`${plan.key}: ${kind} without a code: ${error.message.replace(/\d+/g, 'N').slice(0, 90)}`);
    return kind;
  }
  if (error instanceof Error && typeof error.code === 'string' && typeof error.errno === 'number' && typeof error.syscall === 'string') {
    checkSystemError(plan, error);
    return `SocketError ${error.code}`;
  }
  const shown = describeError(error);
  finding('bad-throw', plan.key, `threw ${shown}`, `bad-throw|${plan.key}|${error?.constructor?.name}|${error?.code}`);
  return 'bad throw';
}

/** A system error must read back: util.getSystemErrorName(errno) === code, where Node knows the errno. */
function checkSystemError(plan, error) {
  if (!Number.isInteger(error.errno) || error.errno >= 0) {
    finding('bad-errno', plan.key, `${error.code} with errno ${error.errno}`, `bad-errno|${plan.key}|${error.code}`);
    return;
  }
  const name = errnoName(error.errno);
  if (!name.startsWith('Unknown') && name !== error.code) {
    finding('bad-errno', plan.key, `code ${error.code} but errno ${error.errno} reads as ${name}`, `bad-errno|${error.code}|${name}`);
  }
}

const isCount = (value) => Number.isInteger(value) && value >= 0;
const isSocket = (value) => value instanceof B.Socket || value instanceof P.Socket;
const isAddress = (value) => typeof value === 'object' && value !== null && typeof value.family === 'string';

/** What a public call that returned must have returned. */
const RETURNS = {
  recv: (value, plan) => Buffer.isBuffer(value) && (typeof plan.values[0] !== 'number' || value.length <= plan.values[0]),
  recvfrom: (value, plan) =>
    typeof value === 'object' && value !== null && Buffer.isBuffer(value.data) && (typeof plan.values[0] !== 'number' || value.data.length <= plan.values[0]) &&
    (value.address === null || isAddress(value.address)),
  recvInto: isCount,
  recvmsg: (value) => typeof value === 'object' && value !== null && isCount(value.bytes) && Array.isArray(value.buffers) && Array.isArray(value.fds),
  recvFds: (value, plan) =>
    typeof value === 'object' && value !== null && Buffer.isBuffer(value.data) && Array.isArray(value.fds) && (typeof plan.values[0] !== 'number' || value.fds.length <= plan.values[0]),
  recvCredentials: (value) => typeof value === 'object' && value !== null && Buffer.isBuffer(value.data) && (value.credentials === null || Number.isInteger(value.credentials.pid)),
  sendmsg: isCount,
  sendFds: isCount,
  sendCredentials: isCount,
  send: isCount,
  sendto: isCount,
  sendAll: isCount,
  accept: isSocket,
  getsockname: isAddress,
  getpeername: isAddress,
  getBlocking: (value) => typeof value === 'boolean',
  closed: (value) => typeof value === 'boolean',
  fd: (value) => Number.isInteger(value) && value >= -1,
  detach: (value) => Number.isInteger(value) && value >= 0,
  toBlocking: isSocket,
  'new Socket': isSocket,
  'Socket.fromFd': isSocket,
  'Socket.fromBlocking': isSocket,
  'Socket.pair': (value) => Array.isArray(value) && value.length === 2 && value.every(isSocket),
  select: (value) => typeof value === 'object' && value !== null && ['read', 'write', 'except'].every((key) => Array.isArray(value[key])),
  poll: (value) => Array.isArray(value) && value.every((entry) => Number.isInteger(entry.revents) && entry.revents !== 0),
  getaddrinfo: (value) => Array.isArray(value) && value.every((entry) => isAddress(entry.address)),
};

const isErrno = (value) => Number.isInteger(value) && value < 0 && value >= -4095;

/** What the raw binding returns when it does not throw. */
function rawReturnOk(name, value) {
  switch (name) {
    case 'socketpair':
      return isErrno(value) || (Array.isArray(value) && value.length === 2 && value.every(isCount));
    case 'recvfrom':
      return isErrno(value) || (Array.isArray(value) && value.length === 2 && isCount(value[0]) && (value[1] === null || isAddress(value[1])));
    case 'recvmsg':
      return isErrno(value) || (Array.isArray(value) && value.length === 4 && isCount(value[0]) && Buffer.isBuffer(value[2]) && (value[3] === null || isAddress(value[3])));
    case 'getsockname':
    case 'getpeername':
      return isErrno(value) || isAddress(value);
    case 'select':
      return isErrno(value) || (Array.isArray(value) && value.length === 3 && value.every(Array.isArray));
    case 'poll':
      return isErrno(value) || (Array.isArray(value) && value.every(Number.isInteger));
    case 'getaddrinfo':
      return Array.isArray(value) || (typeof value === 'object' && value !== null && typeof value.eai === 'number');
    case 'getaddrinfoAsync':
      return value === undefined; // the result goes to the callback
    case 'sockaddrInet':
      return value === 0 || value === 16 || value === 28;
    case 'sockaddrUnix':
      return value === null || Buffer.isBuffer(value);
    case 'own':
    case 'disown':
    case 'Poller':
      return value === undefined;
    default:
      return isErrno(value) || isCount(value) || (RAW[name] === undefined && value !== null);
  }
}

/** The rules of docs/guarantees.md ("Bad input is an error"), checked on the calls they concern. */
function check(plan, outcome) {
  const { meta } = plan;
  const error = outcome.ok ? undefined : outcome.error;
  // A recv length past MAX_RECV_LENGTH is refused before anything is allocated.
  if (meta.hugeLength && (plan.name === 'recv' || plan.name === 'recvfrom') && plan.kind === 'method') {
    if (outcome.ok) finding('huge-length', plan.key, `a length above MAX_RECV_LENGTH was accepted`);
    else if (error instanceof RangeError && error.code !== 'ERR_OUT_OF_RANGE') finding('huge-length', plan.key, `reached the allocator: ${describeError(error)}`);
  }
  // A timeout above INT_MAX ms is refused (or clamped), never wrapped into a short or endless one.
  if (meta.hugeTimeout && plan.kind !== 'raw') {
    if (outcome.ok) finding('huge-timeout', plan.key, 'a timeout above 2**31-1 ms was accepted');
    else if (error?.code === 'ETIMEDOUT') finding('huge-timeout', plan.key, 'a timeout above 2**31-1 ms expired at once (wrapped)');
  }
  // select() only says EINVAL for a negative or malformed timeout: a timeout that got through wrong.
  if (plan.name === 'select' && error?.code === 'EINVAL') finding('select-einval', plan.key, describeError(error));
  // A receive/send timeout set to a positive value must not read back as 0 (no timeout at all).
  if (outcome.ok && plan.name === 'setsockopt' && plan.values?.[0] === K.SOL_SOCKET && (plan.values[1] === K.SO_RCVTIMEO || plan.values[1] === K.SO_SNDTIMEO)) {
    const ms = plan.values[2];
    const socket = plan.target;
    if (typeof ms === 'number' && ms > 0 && world.slotSet.has(socket) && !socket.closed) {
      const out = new Float64Array(1);
      if (native.getsockoptTimeval(socket.fd, plan.values[1], out) === 0 && !(out[0] > 0)) {
        finding('timeout-wrapped', plan.key, `set to ${ms} ms, reads back as ${out[0]} ms`);
      }
    }
  }
  // A promise select()/poll() restores the blocking mode of the fds it waited on.
  for (const [socket, before] of plan.blockingBefore ?? []) {
    if (!socket.closed && native.getBlocking(socket.fd) !== before) {
      finding('blocking-not-restored', plan.key, `fd ${socket.fd} was ${before === 1 ? '' : 'non-'}blocking before the call and is not after it`);
    }
  }
}

/** The blocking mode of each slot socket the call's arguments refer to, by fd number or object. */
function blockingModes() {
  const modes = new Map();
  for (const socket of world.slotSet) {
    if (!socket.closed && (world.touched.has(socket) || world.touched.has(socket.fd))) modes.set(socket, native.getBlocking(socket.fd));
  }
  return modes;
}

/** Takes what a call created (Sockets, fds) into the fuzzer's keeping, so that all of it is closed. */
function keepResults(plan, outcome) {
  if (plan.kind === 'raw') {
    const fd = plan.values?.[0];
    if (plan.name === 'close') forgetRaw(fd);
    if (!outcome.ok) return;
    const value = outcome.value;
    if ((plan.name === 'socket' || plan.name === 'accept4') && isCount(value)) keepRaw(value);
    if (plan.name === 'dup' && isCount(value)) keepRaw(value, want(fd));
    if (plan.name === 'socketpair' && Array.isArray(value)) for (const each of value) keepRaw(each);
    return;
  }
  if (!outcome.ok) return;
  const value = outcome.value;
  if (plan.name === 'detach' && isCount(value)) {
    keepRaw(value, want(value));
    return;
  }
  const found = [];
  if (isSocket(value)) found.push(value);
  else if (Array.isArray(value)) found.push(...value.filter(isSocket));
  for (const socket of found) {
    if (world.slotSet.has(socket) || world.extras.includes(socket)) continue;
    world.extras.push(socket);
    forgetRaw(socket.fd); // fromFd adopted it: the Socket closes it now
  }
}

function closeSocket(socket, what) {
  if (socket.closed) return;
  native.setsockoptLinger(socket.fd, 0, 0);
  try {
    socket.close();
  } catch (error) {
    finding('close-failed', `${what} close()`, describeError(error));
  }
}

function closeExtras() {
  for (const socket of world.extras.splice(0)) closeSocket(socket, 'result');
}

// --- the world: making, guarding and closing the sockets ---------------------------------------

function openWorld() {
  world.generation++;
  for (const flavour of FLAVOURS) {
    for (const [kind, socket] of makeSockets(flavour)) {
      world.slots[flavour].set(kind, socket);
      world.slotSet.add(socket);
      if (socket.closed) continue;
      const blocking = flavour === 'B' && BLOCKING_KINDS.has(kind);
      world.wantBlocking.set(socket.fd, blocking);
      guardFd(socket.fd, blocking);
    }
  }
  keepRaw(openSync(join(world.dir, 'plain.txt'), 'w+'));
  keepRaw(openSync(join(world.dir, 'victim.fifo'), 'r+'));
}

function makeSockets(flavour) {
  const { Socket } = B;
  const made = new Map();
  const adopt = (socket) => (flavour === 'B' ? socket : P.Socket.fromBlocking(socket));
  const g = world.generation;
  try {
    made.set('tcp4', new Socket(K.AF_INET, K.SOCK_STREAM));
    for (const [name, family, host_] of [['tcp4', K.AF_INET, '127.0.0.1'], ['tcp6', K.AF_INET6, '::1']]) {
      const listener = new Socket(family, K.SOCK_STREAM);
      made.set(`${name}-listen`, listener);
      listener.bind({ address: host_, port: 0 });
      listener.listen(8);
      const where = listener.getsockname();
      world.ports[`${flavour}:${name}`] = where.port;
      const client = new Socket(family, K.SOCK_STREAM);
      made.set(`${name}-client`, client);
      client.connect(where);
      const server = listener.accept();
      made.set(`${name}-server`, server);
      if (name === 'tcp4') {
        // Left in the backlog, for accept() to find.
        const pending = new Socket(family, K.SOCK_STREAM);
        made.set('tcp4-pending', pending);
        pending.connect(where);
      }
      client.send('prime from the client');
      server.send('prime from the server');
      client.send('!', K.MSG_OOB);
    }
    for (const [name, family, host_] of [['udp4', K.AF_INET, '127.0.0.1'], ['udp6', K.AF_INET6, '::1']]) {
      const socket = new Socket(family, K.SOCK_DGRAM);
      made.set(name, socket);
      socket.bind({ address: host_, port: 0 });
      world.ports[`${flavour}:${name}`] = socket.getsockname().port;
      socket.sendto('prime datagram', socket.getsockname());
    }
    for (const [name, type] of [['unix-stream', K.SOCK_STREAM], ['unix-dgram', K.SOCK_DGRAM], ['unix-seqpacket', K.SOCK_SEQPACKET]]) {
      const [a, b] = Socket.pair(K.AF_UNIX, type);
      made.set(`${name}-a`, a);
      made.set(`${name}-b`, b);
      a.send('prime a');
      b.send('prime b');
    }
    const path = join(world.dir, `g${g}-${flavour}.sock`);
    world.paths[flavour] = path;
    const listener = new Socket(K.AF_UNIX, K.SOCK_STREAM);
    made.set('unix-listen', listener);
    listener.bind({ path });
    listener.listen(8);
    const pending = new Socket(K.AF_UNIX, K.SOCK_STREAM);
    made.set('unix-pending', pending);
    pending.connect({ path });
    for (const [kind, socket] of made) made.set(kind, adopt(socket));
    const closed = flavour === 'B' ? new Socket(K.AF_INET, K.SOCK_DGRAM) : new P.Socket(K.AF_INET, K.SOCK_DGRAM);
    closed.close();
    made.set('closed', closed);
    return made;
  } catch (error) {
    for (const socket of made.values()) if (!socket.closed) socket.close();
    throw error;
  }
}

function closeWorld() {
  for (const flavour of FLAVOURS) {
    for (const socket of world.slots[flavour].values()) closeSocket(socket, 'slot');
    world.slots[flavour].clear();
  }
  world.slotSet.clear();
  closeExtras();
  for (const fd of world.raw.splice(0)) {
    native.setsockoptLinger(fd, 0, 0);
    const result = native.close(fd);
    if (result < 0) finding('fd-stolen', 'raw fd', `an fd the fuzzer owned (${fd}) was already closed: ${errnoName(result)}`, 'fd-stolen');
  }
  world.wantBlocking.clear();
  for (const name of readdirSync(world.dir)) {
    if (!KEEP_FILES.has(name)) rmSync(join(world.dir, name), { force: true, recursive: true });
  }
}

const KEEP_FILES = new Set(['ready.fifo', 'victim.fifo', 'ring']);

/** The open fds and what they are, without the listing's own directory fd (closed by then). */
function fdTable() {
  const table = new Map();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      table.set(name, readlinkSync(`/proc/self/fd/${name}`));
    } catch {
      // closed since the listing
    }
  }
  return table;
}

let fdBaseline;

/**
 * After everything was closed: the same fds as at the start, or a finding naming the new ones. A
 * lookup abandoned on a timeout still runs on the thread pool and may hold a file or a socket for a
 * moment, so an excess is counted again before it is reported.
 */
async function checkFds(from, to) {
  let now = fdTable();
  for (let i = 0; i < 5 && now.size > fdBaseline.size; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = fdTable();
  }
  if (now.size > fdBaseline.size) {
    const extra = [...now].filter(([name]) => !fdBaseline.has(name)).map(([name, target]) => `${name} -> ${target}`);
    const kinds = [...new Set(extra.map((entry) => entry.replace(/^\d+ -> /, '').replace(/\[\d+\]/, '')))].join(',');
    const saved = { ...current };
    current.index = -1;
    current.text = `the calls #${from}..#${to - 1}`;
    finding('fd-leak', 'open fds', `${now.size - fdBaseline.size} more fds open than at the start after closing everything: ${extra.join(', ')}`, `fd-leak|${kinds}`, from);
    Object.assign(current, saved);
  }
  fdBaseline = now;
}

async function settleLoop() {
  for (let i = 0; i < 3; i++) await nextTurn();
}

/** Makes Node's lazily made fds and handles (thread pool, timers, poll) exist before the fd baseline. */
async function warmUp() {
  openWorld();
  const socket = world.slots.P.get('unix-stream-a');
  await P.select([socket, world.slots.B.get('unix-stream-b')], [], [], 0);
  await P.poll([{ fd: world.readyFifo, events: K.POLLIN }], 0);
  await P.getaddrinfo('127.0.0.1', null).catch(() => {});
  await P.getaddrinfo('localhost', null, { family: K.AF_INET6 }).catch(() => {});
  try {
    B.getaddrinfo('localhost', 80, { family: K.AF_INET6 });
  } catch {
    // no IPv6 entry for localhost: fine
  }
  await world.slots.P.get('udp4').recv(10, { signal: AbortSignal.timeout(1) }).catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, 5));
  closeWorld();
  await settleLoop();
}

function installProcessHooks() {
  process.on('warning', (warning) => {
    finding('warning', `${warning.name}${warning.code ? ` ${warning.code}` : ''}`, warning.message);
  });
  process.on('uncaughtException', (error) => {
    // The fuzzer's own callback (lookupCallback) threw, as it was told to.
    if (error instanceof FuzzTrap) return;
    finding('uncaught', current.key, describeError(error), `uncaught|${current.key}|${error?.constructor?.name}`);
  });
  process.on('unhandledRejection', (error) => {
    finding('unhandled-rejection', current.key, describeError(error), `unhandled-rejection|${current.key}|${error?.constructor?.name}`);
  });
}

async function childMain(options) {
  const require = createRequire(import.meta.url);
  B = require(ROOT);
  P = require(join(ROOT, 'dist', 'promises.js'));
  native = require(join(ROOT, 'dist', 'native.js')).native;
  K = B;
  traceCalls = options.trace === true;
  const seed = integerOption(options, 'seed', 0, 0, 2 ** 32 - 1);
  const batch = integerOption(options, 'batch', 0);
  const first = integerOption(options, 'first', 0);
  const callCount = integerOption(options, 'count', 0);
  const resume = integerOption(options, 'resume', first);
  const deadline = integerOption(options, 'deadline', Date.now() + DEFAULTS.seconds * 1000);
  const skip = new Set(options.skip ? options.skip.split(',') : []);

  world.dir = process.cwd();
  enumerate();
  buildGenericPool();
  buildParameterPools();
  installProcessHooks();
  for (const name of ['ready.fifo', 'victim.fifo']) {
    try {
      execFileSync('mkfifo', [join(world.dir, name)], { stdio: 'ignore' });
    } catch {
      // made by an earlier child of this batch
    }
  }
  world.readyFifo = openSync(join(world.dir, 'ready.fifo'), 'r+');
  writeSync(world.readyFifo, 'r');
  ringFd = openSync(options.ring ?? join(world.dir, 'ring'), 'w+');

  await warmUp();
  fdBaseline = fdTable();
  const started = performance.now();
  const rng = new Rng(batchSeed(seed, batch));
  let stopped = false;
  let windowStart = resume;
  openWorld();
  for (let index = first; index < first + callCount; index++) {
    const plan = planCall(rng); // drawn for every index, so the stream does not depend on --resume
    if (index < resume) continue;
    if (index !== resume && (index - first) % REFRESH === 0) {
      closeWorld();
      await settleLoop();
      if (globalThis.gc && (index - first) % (REFRESH * 8) === 0) {
        globalThis.gc();
        await settleLoop();
      }
      await checkFds(windowStart, index);
      flushCounts(index);
      windowStart = index;
      openWorld();
    }
    if (Date.now() > deadline) {
      stopped = true;
      break;
    }
    if (plan.keys.some((key) => skip.has(key))) {
      stats.skipped++;
      continue;
    }
    await execute(plan, index);
    stats.calls++;
    if (stats.calls % 64 === 0) await nextTurn();
  }
  current.index = -1;
  current.key = 'end';
  current.text = 'closing everything at the end';
  closeWorld();
  await settleLoop();
  globalThis.gc?.();
  await settleLoop();
  await checkFds(windowStart, first + callCount);
  closeSync(world.readyFifo);
  closeSync(ringFd);
  flushCounts(first + callCount);
  writeSync(1, `SUMMARY ${JSON.stringify({ stopped, ms: Math.round(performance.now() - started) })}\n`);
  // Everything is closed: the process must now exit by itself. If a handle keeps it alive, say so.
  setTimeout(() => {
    writeSync(1, 'KEPTALIVE\n');
    process.exit(3);
  }, 3000).unref();
}

// ---------------------------------------------------------------------------------------------

const options = parseArguments(process.argv.slice(2));
if (options.child) await childMain(options);
else await parentMain(options);
