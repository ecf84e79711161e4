// Argument checks shared by every public function. Each throws the Node-style error before any
// syscall is made, and returns the value narrowed to its type.
import {
  MSG_CMSG_CLOEXEC,
  MSG_CONFIRM,
  MSG_DONTROUTE,
  MSG_DONTWAIT,
  MSG_EOR,
  MSG_ERRQUEUE,
  MSG_FASTOPEN,
  MSG_MORE,
  MSG_NOSIGNAL,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  MSG_WAITALL,
  MSG_ZEROCOPY,
  MSG_WAITFORONE,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
} from './constants';
import { invalidArgType, invalidArgValue, outOfRange } from './errors';
import { bitNames, msgFlagNames } from './names';

export const INT32_MAX = 2 ** 31 - 1;
export const INT32_MIN = -(2 ** 31);

/** An integer in [min, max]; `name` is how the error message calls it. */
export function validateInt(value: unknown, name: string, min = INT32_MIN, max = INT32_MAX): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/**
 * A timeout in milliseconds: a finite number >= 0 up to `max`, or null/undefined for "wait forever"
 * (returned as -1). `max` defaults to INT32_MAX, the largest poll(2) can take.
 */
export function validateTimeout(value: unknown, name = 'timeoutMs', max = INT32_MAX): number {
  if (value === null || value === undefined) return -1;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number, null or undefined', value);
  if (!(value >= 0 && value <= max)) throw outOfRange(name, `>= 0 && <= ${max} (null waits forever)`, value);
  return value;
}

/** Buffer, any TypedArray or DataView. */
export function validateView(value: unknown, name: string): ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value);
  return value;
}

/** Data to send: a string (sent as UTF-8) or any ArrayBufferView. */
export function toSendable(value: unknown, name = 'data'): ArrayBufferView {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (ArrayBuffer.isView(value)) return value;
  throw invalidArgType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', value);
}

/**
 * A view's length in bytes: 0 once its buffer is detached, as the binding sees it. A TypedArray's
 * byteLength says 0 then; a DataView's getter throws a TypeError instead.
 */
export function byteLengthOf(view: ArrayBufferView): number {
  try {
    return view.byteLength;
  } catch {
    return 0;
  }
}

/**
 * A byte view over any ArrayBufferView, sharing its memory (for slicing partial sends). A view of a
 * detached buffer has no bytes, as the binding sees it (a DataView's getters throw instead).
 */
export function asBytes(view: ArrayBufferView): Uint8Array {
  if (view instanceof Uint8Array) return view;
  try {
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  } catch {
    return new Uint8Array(0);
  }
}

/**
 * An object (not null, not an array). With `known`, every key must be one of `known` or `alsoKnown`:
 * a misspelt option (`{ timout: 100 }`) or a key from another API (`{ host }`) would otherwise be
 * ignored without a word. `aliases` maps such foreign keys to the one meant.
 */
export function validateObject(
  value: unknown,
  name: string,
  known?: readonly string[],
  alsoKnown?: readonly string[],
  aliases?: Readonly<Record<string, string>>,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value);
  }
  if (known !== undefined) validateKeys(value, name, known, alsoKnown, aliases);
  return value as Record<string, unknown>;
}

/** Refuses a key of `object` that is in neither `known` nor `alsoKnown` (see validateObject). */
export function validateKeys(
  object: object,
  name: string,
  known: readonly string[],
  alsoKnown?: readonly string[],
  aliases?: Readonly<Record<string, string>>,
): void {
  for (const key in object) {
    if (!known.includes(key) && !alsoKnown?.includes(key)) throw unknownKey(object, name, key, alsoKnown ? [...known, ...alsoKnown] : known, aliases);
  }
}

function unknownKey(value: object, name: string, key: string, known: readonly string[], aliases?: Readonly<Record<string, string>>): TypeError {
  const meant = aliases?.[key] ?? nearest(key, known);
  const hint = meant === undefined ? '' : ` (did you mean \`${meant}\`?)`;
  return invalidArgValue(name, value, `has an unknown key \`${key}\`${hint}; the known keys are ${known.map((k) => `\`${k}\``).join(', ')}`);
}

/** The known key `key` is most likely a slip of: the same but for case, or at most two edits away. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(key.length / 2));
  for (const candidate of known) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= bestDistance) {
      best = candidate;
      bestDistance = distance - 1;
    }
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The MSG_* flags Linux's send(2), sendto(2) and sendmsg(2) take. */
export const SEND_FLAGS = MSG_OOB | MSG_DONTROUTE | MSG_DONTWAIT | MSG_EOR | MSG_NOSIGNAL | MSG_MORE | MSG_CONFIRM | MSG_FASTOPEN | MSG_ZEROCOPY;
/** The MSG_* flags Linux's recv(2) and recvfrom(2) take. */
export const RECV_FLAGS = MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT | MSG_WAITALL | MSG_ERRQUEUE;
/** recvmsg(2) takes MSG_CMSG_CLOEXEC as well. */
export const RECVMSG_FLAGS = RECV_FLAGS | MSG_CMSG_CLOEXEC;
/** recvmmsg(2) takes MSG_WAITFORONE as well (MSG_CMSG_CLOEXEC too, of no use without msg_control). */
export const RECVMMSG_FLAGS = RECV_FLAGS | MSG_WAITFORONE;
/** The flags of accept4(2). */
export const ACCEPT_FLAGS = SOCK_NONBLOCK | SOCK_CLOEXEC;
const acceptFlagNames: [number, string][] = [
  [SOCK_NONBLOCK, 'SOCK_NONBLOCK'],
  [SOCK_CLOEXEC, 'SOCK_CLOEXEC'],
];

/**
 * A flags argument: a 32-bit integer with no bit outside `known`, the flags `syscall` takes (one mask
 * test). An unknown bit is refused, not passed on: the kernel ignores most of them without a word,
 * and a number meant as something else can hold one that changes the call (a timeout of 5000 in
 * recv's flags is MSG_WAITALL, among others).
 */
export function validateFlags(value: unknown, name: string, known: number, syscall: string): number {
  if (typeof value !== 'number' || (value | 0) !== value || (value & ~known) !== 0) {
    const flags = validateInt(value, name);
    const table = known === ACCEPT_FLAGS ? acceptFlagNames : msgFlagNames;
    const unknown = bitNames(table, flags & ~known);
    // Bits no constant names: most likely a number that is not flags at all (recv(10, 5000)).
    const hint = table === msgFlagNames && unknown.includes('0x') ? '; flags are MSG_* constants or\'ed together, and a timeout is not one' : '';
    throw invalidArgValue(name, value, `has flags ${syscall}(2) does not take: ${unknown} (it takes ${bitNames(table, known)}${hint})`);
  }
  return value;
}

/**
 * A file to send from, as {@link Socket.sendfile} takes it: an fd number (`fs.openSync`), or an
 * object that holds one in `fd` (a `FileHandle` of `node:fs/promises`).
 *
 * @category Sockets
 */
export type FileInput =
  | number
  | {
      /** The file's descriptor (a closed `FileHandle` has -1: the call then fails with EBADF). */
      readonly fd: number;
    };

/**
 * sendfile's arguments: the file's fd, the offset (null: the file's own position) and the count,
 * offset and count integers from 0 to 2^53 - 1. A FileHandle's fd is taken as it is: a closed one
 * (fd -1) reaches the kernel, which says EBADF, as for any closed fd.
 */
export function sendfileArguments(file: unknown, offset: unknown, count: unknown): [number, number | null, number] {
  let fd: number;
  if (typeof file === 'object' && file !== null && 'fd' in file) fd = validateInt(file.fd, 'file.fd', -1);
  else if (typeof file === 'number') fd = validateInt(file, 'file', 0);
  else throw invalidArgType('file', 'of type number or an object with an fd (FileHandle)', file);
  if (offset !== null) {
    if (typeof offset !== 'number') throw invalidArgType('offset', 'of type number or null', offset);
    validateInt(offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
  }
  return [fd, offset, validateInt(count, 'count', 0, Number.MAX_SAFE_INTEGER)];
}
