// The child's shared state: the loaded library, the sockets calls aim at, the counts and findings.
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { ROOT } from './options.mjs';

export let B; // require('sockcall')
export let P; // require('sockcall/promises')
export let native; // the raw binding
export let K; // the constants

/** Loads both flavours and the raw binding from the built tree (dist/). */
export function loadSockcall() {
  const require = createRequire(import.meta.url);
  B = require(ROOT);
  P = require(join(ROOT, 'dist', 'promises.js'));
  native = require(join(ROOT, 'dist', 'native.js')).native;
  K = B;
}

/** The sockets calls aim at, re-made every REFRESH calls; both flavours have one of each kind. */
export const KINDS = [
  'tcp4', 'tcp4-listen', 'tcp4-client', 'tcp4-server', 'tcp4-pending',
  'tcp6-listen', 'tcp6-client', 'tcp6-server',
  'udp4', 'udp6',
  'unix-stream-a', 'unix-stream-b', 'unix-dgram-a', 'unix-dgram-b', 'unix-seqpacket-a', 'unix-seqpacket-b',
  'unix-listen', 'unix-pending',
  'closed',
];
/** Blocking-flavour sockets left in blocking mode (the rest are non-blocking): their waits last GUARD_MS. */
export const BLOCKING_KINDS = new Set(['tcp4-client', 'unix-stream-a', 'unix-dgram-a']);
export const FLAVOURS = ['B', 'P'];
export const PORT_NAMES = ['B:tcp4', 'P:tcp4', 'B:tcp6', 'P:tcp6', 'B:udp4', 'P:udp4', 'B:udp6', 'P:udp6'];

export const world = {
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
  /**
   * The ready fifo again, under an fd no call is given (so none can read it dry, or take it out of
   * an epoll set): each epoll instance a raw call creates watches it, so that an epoll_wait on one
   * with no timeout (any negative one, as epoll_wait(2) takes it) returns at once.
   */
  wakeFd: -1,
  /** A regular file of a few KiB, open for reading: what sendfile sends from. */
  sourceFile: -1,
  /** Never aborted: shared by many calls, so a listener a call forgets to remove piles up and warns. */
  live: new AbortController(),
  generation: 0,
  fresh: 0,
  /** Sockets and fds the current call's arguments referred to: re-guarded after it, closed to rescue it. */
  touched: new Set(),
};

/** Counted since the last COUNTS line. */
export const stats = { calls: 0, skipped: 0, rescued: 0, classes: new Map(), notes: new Map(), findings: 0 };
export const current = { index: -1, key: '', text: '' };

export class FuzzTrap extends Error {
  constructor() {
    super('a trap the fuzzer set off');
  }
}

export function trap() {
  throw new FuzzTrap();
}

export function count(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * Reports a finding against the current call, at once: a later crash of this process must not lose
 * it. `sig` groups repeats of the same finding.
 */
export function finding(kind, key, detail, sig = `${kind}|${key}`, resume = undefined) {
  if (++stats.findings > 500) return;
  const index = current.index < 0 ? undefined : current.index;
  writeSync(1, `FINDING ${JSON.stringify({ kind, key, sig, index, resume, text: current.text, detail })}\n`);
}

/** Reports what the calls since the last report did; `next` is the first call not yet counted. */
export function flushCounts(next) {
  const { calls, skipped, rescued } = stats;
  const record = { next, calls, skipped, rescued, classes: Object.fromEntries(stats.classes), notes: Object.fromEntries(stats.notes) };
  writeSync(1, `COUNTS ${JSON.stringify(record)}\n`);
  stats.calls = 0;
  stats.skipped = 0;
  stats.rescued = 0;
  stats.classes.clear();
  stats.notes.clear();
}

export function note(text) {
  count(stats.notes, text);
}
