// Argument values: specs, the generic pool of malformed values, constants.
import { BAD_FD_SPECS, slotSpec } from './fds.mjs';
import { address, DATA, host, view } from './parameters.mjs';
import { K, trap } from '../world.mjs';

/** An argument: a label for the log, and make() for a fresh value each time (calls may mutate it). */
export function spec(label, make, meta) {
  return { label, make, meta };
}

export const LONG = 'a'.repeat(70_000);
const TRAPS = {
  get: trap, set: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap,
  setPrototypeOf: trap, defineProperty: trap, deleteProperty: trap, isExtensible: trap, preventExtensions: trap,
};
const TRAPPED_FIELDS = ['address', 'port', 'path', 'family', 'flowinfo', 'scopeId', 'fd', 'events', 'signal', 'timeout', 'onoff', 'linger', 'flags', 'type', 'protocol'];

export function throwingGetters() {
  const object = {};
  for (const field of TRAPPED_FIELDS) Object.defineProperty(object, field, { get: trap, enumerable: true });
  return object;
}

export function detached(wrap) {
  const buffer = new ArrayBuffer(16);
  const view = wrap(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

/** A view whose resizable buffer shrank under it: out of bounds, length 0. */
export function outOfBounds() {
  const buffer = new ArrayBuffer(16, { maxByteLength: 32 });
  const view = new Uint8Array(buffer, 8, 8);
  buffer.resize(4);
  return view;
}

export function numberLabel(value) {
  if (Object.is(value, -0)) return '-0';
  if (value === 2 ** 31) return '2**31';
  if (value === 2 ** 31 - 1) return '2**31-1';
  if (value === -(2 ** 31)) return '-(2**31)';
  if (value === 2 ** 32) return '2**32';
  if (value === 2 ** 53) return '2**53';
  if (value === -(2 ** 53)) return '-(2**53)';
  return String(value);
}

export function hex(value) {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}

export function constant(label, value, meta) {
  return spec(label, () => value, meta);
}

/** Small non-negative integers could be fd numbers the fuzzer does not own (0, 1, 2): marked. */
function generic_number(value) {
  const fdLike = Number.isInteger(value) && value >= 0 && value < 2 ** 31 - 1;
  return constant(numberLabel(value), value, fdLike ? { fdLike: true } : undefined);
}

let GENERIC = [];

export function buildGenericPool() {
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
export function generic(rng) {
  if (rng.chance(0.08)) return slotSpec(rng);
  return rng.pick(GENERIC);
}

/** The pool without small non-negative integers, for places an fd number could go. */
export function safeGeneric(rng) {
  const entry = generic(rng);
  return entry.meta?.fdLike ? rng.pick(BAD_FD_SPECS) : entry;
}

/** The pool without strings, where a string would be a host name to resolve. */
export function nonString(rng) {
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
export const lookupCallback = arg(
  (rng) => (rng.chance(0.9) ? constant('callback', () => {}) : spec('throwing callback', () => trap)),
  (rng) => {
    const entry = generic(rng);
    return entry.label === 'class' ? constant('callback', () => {}) : entry;
  },
);

/** Mostly a plausible value for the parameter, sometimes anything from the pool. */
export function arg(plausible, fallback = generic) {
  return (rng) => (rng.chance(0.7) ? plausible(rng) : fallback(rng));
}

export function oneOf(prefix, values, metaFor) {
  return (rng) => {
    const value = rng.pick(values);
    const shown = typeof value === 'number' ? numberLabel(value) : typeof value === 'string' ? JSON.stringify(value).slice(0, 24) : String(value);
    return constant(`${prefix}:${shown}`, value, metaFor?.(value));
  };
}


export function labels(args) {
  return args.map((entry) => entry.label).join(', ');
}
