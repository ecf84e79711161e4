// The buffers of the receiving calls that return bytes (recv, recvfrom, recvmsg, recvFds; both
// flavours): each returned Buffer holds about what arrived, never a view that keeps a much larger
// allocation alive. recvInto and recvfromInto read into the caller's buffer: only the syscall of
// recvfromInto, shared by both flavours, is here. docs/receiving.md
// tells users the cost model.
//
// A read of up to SCRATCH_LENGTH bytes goes into this thread's scratch buffer (module state is per
// thread: each worker loads its own copy), and the bytes that arrived are copied into a Buffer of
// exactly their size, from Node's pool below 4 KiB as Buffer.allocUnsafe serves them. Why, measured
// on a socketpair with 64-byte messages (send + receive, in one process): allocating 64 KiB per call
// cost ~1.5x recvInto into a reused buffer; reading into a scratch and copying out in JS ~1.1x; the
// same copy made natively (napi_create_buffer_copy, one ArrayBuffer per message) ~1.35x. A longer
// read allocates its buffer once and reads into it: up to 64 KiB, allocating per call cost more than
// the copy even for full reads, and above it neither way wins for full reads, while a per-thread
// scratch of any length is memory held for good. That buffer is kept when at least half full (it
// holds at most twice its bytes), else its bytes are copied out.
//
// The scratch is taken only for the synchronous span of one syscall and its copy-out: a promise
// call that would block gives it back before it waits. A trace sink (lib/trace.ts) runs JS while the
// bytes are still in the scratch; a receiving call it makes finds the scratch taken and allocates.
import type { SocketAddress } from './address';
import { MSG_TRUNC } from './constants';
import { type NativeAddress, native } from './native';
import type { Received } from './socket-base';

/** The largest read that goes through the scratch buffer. */
const SCRATCH_LENGTH = 65536;

/** The longest batch buffer kept between recvmmsg calls: 64 datagrams of a jumbo frame's 9,000 bytes. */
const MAX_BATCH_KEPT = 64 * 9000;

let scratch: Buffer | null = null;
let scratchTaken = false;
/** The last view of the scratch handed out: a loop reading one length reuses it. */
let view: Buffer | null = null;

/**
 * A buffer for a read of `length` bytes that nobody else will see. Uninitialised memory is safe
 * only where the kernel writes every byte it reports: with MSG_TRUNC on a stream socket, Linux
 * discards bytes without copying them and still counts them, so that buffer is zeroed rather than
 * leak old heap contents (or old messages from the scratch).
 */
export function allocateFor(length: number, flags: number): Buffer {
  return flags & MSG_TRUNC ? Buffer.alloc(length) : Buffer.allocUnsafe(length);
}

/** The first `length` bytes of the scratch, zeroed for MSG_TRUNC (see allocateFor). */
function scratchView(length: number, flags: number): Buffer {
  scratch ??= Buffer.allocUnsafeSlow(SCRATCH_LENGTH);
  if (view === null || view.length !== length) view = length === SCRATCH_LENGTH ? scratch : scratch.subarray(0, length);
  if (flags & MSG_TRUNC) view.fill(0);
  return view;
}

/**
 * `length` bytes of `from` at `start`, in a Buffer of their own. TypedArray set from a plain view:
 * measurably cheaper per small message than Buffer's copy(), which checks its arguments first.
 */
function copyOut(from: Buffer, start: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  out.set(new Uint8Array(from.buffer, from.byteOffset + start, length));
  return out;
}

/**
 * The filled part of a buffer allocated for a read (one recv, or the several of a MSG_WAITALL recv
 * in the promise flavour): itself if at least half full, else a copy.
 */
export function fit(buffer: Buffer, used: number): Buffer {
  if (used === buffer.length) return buffer;
  return used >= buffer.length / 2 ? buffer.subarray(0, used) : copyOut(buffer, 0, used);
}

/**
 * Makes one read of up to `length` bytes: `read` gets the buffer to pass to the syscall and
 * returns its count (with MSG_TRUNC on a datagram, the datagram's real length, which may exceed
 * `length`), or a negative errno, which is returned as it is. On success, the bytes received.
 *
 * No try/finally around the read: the binding returns errors rather than throwing them, and should
 * it throw all the same (a worker being terminated), the scratch only stays taken, and later reads
 * on this thread allocate their own buffers.
 */
function receiveThrough(length: number, flags: number, read: (into: Buffer) => number): Buffer | number {
  if (length > SCRATCH_LENGTH || scratchTaken) {
    const buffer = allocateFor(length, flags);
    const result = read(buffer);
    return result < 0 ? result : fit(buffer, Math.min(result, length));
  }
  const into = scratchView(length, flags);
  scratchTaken = true;
  const result = read(into);
  scratchTaken = false;
  return result < 0 ? result : copyOut(into, 0, Math.min(result, length));
}

/** recv(2) of up to `length` bytes on `fd`, for either flavour: the bytes, or the negative errno. */
export function receive(fd: number, length: number, flags: number): Buffer | number {
  return receiveThrough(length, flags, (into) => native.recv(fd, into, flags));
}

/**
 * recvfrom(2) of up to `length` bytes on `fd`, for either flavour: the bytes and the sender's
 * address (null when the kernel gave none), or the negative errno.
 */
export function receiveFrom(fd: number, length: number, flags: number): Received | number {
  let address: SocketAddress | null = null;
  const data = receiveThrough(length, flags, (into) => {
    const result = native.recvfrom(fd, into, flags);
    if (typeof result === 'number') return result;
    address = result[1];
    return result[0];
  });
  return typeof data === 'number' ? data : { data, address };
}

/**
 * recvfrom(2) into `view` on `fd`, for either flavour (recvfromInto): the count, or the negative
 * errno. The sender goes into `senders[0]`, `unnamed` when the kernel gave no address (see
 * SocketBase.unnamedPeer). Without `senders` the kernel is not asked for it: src_addr NULL, the
 * syscall recv(2) makes, and nothing is allocated.
 */
export function receiveFromInto(fd: number, view: ArrayBufferView, flags: number, senders: (SocketAddress | null)[] | null, unnamed: SocketAddress | null): number {
  if (senders === null) return native.recv(fd, view, flags);
  const result = native.recvfrom(fd, view, flags, senders as (NativeAddress | null)[]);
  if (result >= 0 && unnamed !== null) senders[0] ??= unnamed;
  return result;
}

/**
 * A scatter read (recvmsg): one buffer per size, in order, each the part of it that
 * was filled (the first ones full, then one partly, then empty ones).
 */
export function receiveScattered(sizes: readonly number[], flags: number, read: (into: Buffer[]) => number): Buffer[] | number {
  let total = 0;
  for (const size of sizes) total += size;
  const scattered = total <= SCRATCH_LENGTH && !scratchTaken;
  let buffers: Buffer[];
  if (scattered) {
    const whole = scratchView(total, flags);
    let offset = 0;
    buffers = sizes.map((size) => whole.subarray(offset, (offset += size)));
  } else {
    buffers = sizes.map((size) => allocateFor(size, flags));
  }
  if (scattered) scratchTaken = true;
  const result = read(buffers);
  if (scattered) scratchTaken = false;
  if (result < 0) return result;
  let left = result;
  return buffers.map((buffer) => {
    const used = Math.min(left, buffer.length);
    left -= used;
    return scattered ? copyOut(buffer, 0, used) : fit(buffer, used);
  });
}

/** The batch buffer of recvmmsg calls longer than the scratch, kept while it serves (see batchBuffer). */
let batch: Buffer | null = null;

/**
 * A buffer for a batch read of `total` bytes above the scratch's length: the last one while it is
 * free and long enough, so that a loop of recvmmsg(64, 1500) allocates its ~94 KiB once rather than
 * per call. Each message is copied out of it, so it is never seen outside; a nested read (a trace
 * sink's) takes it away and allocates its own.
 */
function batchBuffer(total: number, flags: number): Buffer {
  const kept = batch !== null && batch.length >= total ? batch : null;
  batch = null;
  // A new buffer for MSG_TRUNC comes zeroed from allocateFor (pages the kernel zeroes as they are
  // touched): filling one of 2 GiB by hand took seconds. Only the kept one is filled, at most MAX_BATCH_KEPT.
  if (kept === null) return flags & MSG_TRUNC ? allocateFor(total, flags) : Buffer.allocUnsafeSlow(total);
  if (flags & MSG_TRUNC) kept.fill(0, 0, total);
  return kept;
}

/**
 * A batch read (recvmmsg): `count` slots of `length` bytes, the i-th at `i * length`. `read` gets
 * the buffer and returns how many messages arrived (or a negative errno, returned as it is);
 * `received(i)` is then the i-th message's byte count (with MSG_TRUNC, its real length). Each
 * message is copied out into a Buffer of its own size: a slot of a shared buffer would keep the
 * whole batch alive.
 */
export function receiveBatch(count: number, length: number, flags: number, read: (into: Buffer) => number, received: (i: number) => number): Buffer[] | number {
  const total = count * length;
  const scratched = total <= SCRATCH_LENGTH && !scratchTaken;
  const into = scratched ? scratchView(total, flags) : batchBuffer(total, flags);
  if (scratched) scratchTaken = true;
  const result = read(into);
  if (result < 0) {
    if (scratched) scratchTaken = false;
    else if (total <= MAX_BATCH_KEPT) batch = into;
    return result;
  }
  const out = new Array<Buffer>(result);
  for (let i = 0; i < result; i++) out[i] = copyOut(into, i * length, Math.min(received(i), length));
  if (scratched) scratchTaken = false;
  else if (total <= MAX_BATCH_KEPT) batch = into;
  return out;
}
