// The child: planning and making the calls, classifying their outcomes, the world's lifecycle.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getSystemErrorName } from 'node:util';

import { batchSeed, DEFAULTS, integerOption, LOOKUP_SETTLE_MS, REFRESH, RING_SLOTS, RING_WIDTH, Rng, SETTLE_MS, SLOW_MS } from './options.mjs';
import { NO_PARAMETERS, RAW, REGUARD, SIGNATURES } from './tables/calls.mjs';
import { forgetRaw, guardFd, guardTouched, keepRaw, slot, slotSpec, want } from './tables/fds.mjs';
import { anyFd, buildParameterPools, epollEvents, epollOp, epollWaitTimeout, flags, maxEvents, domain, hints, host, list, listItem, metaOf, ownedFd, pendDirection, pendKind, pollEntry, rawSenders, pollerEvents, protocol, service, shape, timeoutMs, type, view, waitOptions } from './tables/parameters.mjs';
import { isCount, isSocket, rawReturnOk, RETURNS } from './tables/returns.mjs';
import { buildGenericPool, constant, generic, labels, safeGeneric, spec } from './tables/values.mjs';
import { B, BLOCKING_KINDS, count, current, finding, FLAVOURS, flushCounts, FuzzTrap, K, loadSockcall, native, note, P, stats, world } from './world.mjs';

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

function planCall(rng) {
  const r = rng.next();
  if (r < 0.22) return planMethod(rng, 'B');
  if (r < 0.44) return planMethod(rng, 'P');
  if (r < 0.54) return planModule(rng, 'B');
  if (r < 0.64) return planModule(rng, 'P');
  if (r < 0.67) return planPending(rng);
  if (r < 0.70) return planEpoll(rng, r < 0.685 ? 'B' : 'P');
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

/**
 * One method of a fresh Epoll of `flavour` (ctl, wait, close), closed after. It watches a slot
 * socket and the always-readable fifo first, so that a blocking wait given no timeout returns at
 * once; a promise wait is ended by close() 10 ms on, and must settle then (ECANCELED).
 */
function planEpoll(rng, flavour) {
  const module = flavour === 'B' ? B : P;
  const method = rng.pick(['ctl', 'ctl', 'wait', 'wait', 'close', 'Symbol.dispose']);
  const watched = slotSpec(rng, flavour);
  let args = [];
  if (method === 'ctl') args = [epollOp(rng), listItem(rng), epollEvents(rng)];
  if (method === 'wait') args = [maxEvents(rng), flavour === 'B' ? epollWaitTimeout(rng) : timeoutMs(rng), ...(flavour === 'P' ? [waitOptions(rng)] : [])];
  args = shape(rng, args);
  const key = `${flavour}.Epoll#${method}`;
  return {
    key,
    keys: [key],
    name: `Epoll#${method}`,
    flavour,
    kind: 'module',
    text: `${flavour} new Epoll() watching ${watched.label} and the fifo, .${method}(${labels(args)})`,
    meta: metaOf(args),
    run(plan) {
      const ep = new module.Epoll();
      try {
        const socket = watched.make();
        if (socket !== undefined && !socket.closed) ep.ctl(K.EPOLL_CTL_ADD, socket, K.EPOLLIN | K.EPOLLOUT);
        ep.ctl(K.EPOLL_CTL_ADD, world.readyFifo, K.EPOLLIN);
        plan.values = args.map((entry) => entry.make());
        const result = method === 'Symbol.dispose' ? ep[Symbol.dispose](...plan.values) : ep[method](...plan.values);
        if (result instanceof Promise) {
          const timer = setTimeout(() => ep.close(), 10);
          return result.finally(() => {
            clearTimeout(timer);
            ep.close();
          });
        }
        ep.close();
        return result;
      } catch (error) {
        ep.close();
        throw error;
      }
    },
  };
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
    if (method === 'pend') return { method, args: shape(rng, [pendDirection(rng), pendKind(rng), view(rng), flags(rng), rawSenders(rng)]) };
    if (method === 'unpend') return { method, args: shape(rng, [pendDirection(rng)]) };
    if (method === 'reopen') return { method, args: shape(rng, [anyFd(rng), spec('noop', () => () => {}), pollerEvents(rng)]) };
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
 * sends. The calls must each settle as usual, and a recvInto (or recvfromInto) must never report more bytes than its
 * view still had: the kernel would have written into memory the view no longer owns.
 */
function planPending(rng) {
  const [kind, peerKind] = rng.pick(PEERS);
  const ops = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(['recvInto', 'recvInto', 'recvfromInto', 'recv', 'recvfrom']));
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
      const calls = ops.map((name) =>
        name === 'recvInto' ? socket.recvInto(view, options) : name === 'recvfromInto' ? socket.recvfromInto(view, { ...options, senders: [] }) : socket[name](64, options),
      );
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
    if ((name === 'recvInto' || name === 'recvfromInto') && plan.waiting[i] && result.ok && result.value > plan.limit) {
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
  } else if (plan.kind === 'raw' && plan.name === 'getsockoptInt' && isCount(value) && plan.values[1] === K.SOL_SOCKET && plan.values[2] === K.SO_PEERPIDFD) {
    fds = [value];
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

function check(plan, outcome) {
  const { meta } = plan;
  const error = outcome.ok ? undefined : outcome.error;
  // A recv length past MAX_RECV_LENGTH is refused before anything is allocated.
  if (meta.hugeLength && ['recv', 'recvfrom', 'tryRecv', 'tryRecvfrom'].includes(plan.name) && plan.kind === 'method') {
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
    // An extra argument to socket or own can be a holder (native/environment.h): when that object is
    // collected, lib's handler closes the fd. The fuzzer keeps the fd, so it takes it back from any
    // holder: disown drops the holder, own tracks the fd again.
    const held = plan.name === 'socket' ? (isCount(value) ? value : -1) : plan.name === 'own' ? fd : -1;
    if (Number.isInteger(held) && held >= 0 && plan.values.length > (plan.name === 'socket' ? 3 : 1)) {
      native.disown(held);
      native.own(held);
    }
    if ((plan.name === 'socket' || plan.name === 'accept4' || plan.name === 'epollCreate1') && isCount(value)) keepRaw(value);
    if (plan.name === 'epollCreate1' && isCount(value)) native.epollCtl(value, K.EPOLL_CTL_ADD, world.wakeFd, K.EPOLLIN);
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

const KEEP_FILES = new Set(['ready.fifo', 'victim.fifo', 'ring', 'source.bin']);

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
  // The first libuv stream of the loop (here process.stderr, a pipe from the parent, made on first
  // use by --trace and by Node's printing of a warning) makes libuv open /dev/null and keep it for
  // the loop's life: the fd it frees to accept and drop a connection when accept() says EMFILE.
  void process.stderr;
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

export async function childMain(options) {
  loadSockcall();
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
  world.wakeFd = openSync(join(world.dir, 'ready.fifo'), 'r+');
  writeFileSync(join(world.dir, 'source.bin'), Buffer.alloc(12_345, 'sendfile'));
  world.sourceFile = openSync(join(world.dir, 'source.bin'), 'r');
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
  closeSync(world.wakeFd);
  closeSync(world.sourceFile);
  closeSync(ringFd);
  flushCounts(first + callCount);
  writeSync(1, `SUMMARY ${JSON.stringify({ stopped, ms: Math.round(performance.now() - started) })}\n`);
  // Everything is closed: the process must now exit by itself. If a handle keeps it alive, say so.
  setTimeout(() => {
    writeSync(1, 'KEPTALIVE\n');
    process.exit(3);
  }, 3000).unref();
}
