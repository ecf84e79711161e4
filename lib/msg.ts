// sendmsg/recvmsg for both flavours: the argument checks, the ancillary data items, and what
// happens to the fds an SCM_RIGHTS message brings in. The binding passes the control bytes raw
// (native/msg.h); their layout (cmsghdr, struct ucred) is lib/layouts.ts's.
import { types } from 'node:util';
import type { AddressInput, EncodedAddress, SocketAddress } from './address';
import {
  type Credentials,
  MSG_CMSG_CLOEXEC,
  MSG_CTRUNC,
  MSG_NOSIGNAL,
  type Pidfd,
  SCM_CREDENTIALS,
  SCM_PIDFD,
  SCM_RIGHTS,
  SO_PASSCRED,
  SOL_SOCKET,
} from './constants';
import { type ErrorContext, invalidArgType, invalidArgValue, outOfRange, syscallError } from './errors';
import { CMSG_ALIGN, CMSG_LEN, CMSG_SPACE, controlItems, decodeCredentials, encodeCredentials, readInt, readInts, UCRED_SIZE, writeInt, writeSize } from './layouts';
import { type NativeAddress, native, type Sockaddr } from './native';
import { receiveBatch, receiveScattered } from './receive';
import { fdOf, MAX_RECV_LENGTH, SocketBase } from './socket-base';
import { asBytes, byteLengthOf, RECVMMSG_FLAGS, RECVMSG_FLAGS, SEND_FLAGS, toSendable, validateFlags, validateInt, validateObject, validateTimeout, validateView } from './validate';

/**
 * One ancillary data item (`struct cmsghdr` and its data): SCM_RIGHTS, SCM_CREDENTIALS, IP_PKTINFO ...
 *
 * @example
 * ```ts
 * const fds = Buffer.alloc(4);
 * fds.writeInt32LE(file, 0);
 * sock.sendmsg([Buffer.from('x')], { control: [{ level: SOL_SOCKET, type: SCM_RIGHTS, data: fds }] });
 * ```
 * @category Ancillary data
 */
export interface ControlMessage {
  /** `cmsg_level`: SOL_SOCKET, IPPROTO_IP ... */
  level: number;
  /** `cmsg_type`: SCM_RIGHTS, SCM_CREDENTIALS, IP_PKTINFO ... */
  type: number;
  /** The data after the header, unpadded. */
  data: Buffer;
}

/**
 * What sendmsg() takes besides the buffers.
 * @category Ancillary data
 */
export interface SendmsgOptions {
  /** `msg_name`: where to send a datagram (as sendto's address); none on a connected socket. */
  address?: AddressInput;
  /** `msg_control`: the ancillary data items, laid out as cmsghdrs by sockcall. */
  control?: readonly ControlMessage[];
  /** MSG_* flags (MSG_NOSIGNAL is always added). */
  flags?: number;
}

/**
 * What recvmsg() takes besides the buffer sizes.
 * @category Ancillary data
 */
export interface RecvmsgOptions {
  /**
   * `msg_controllen`: bytes offered for ancillary data (default 0: none). See {@link CMSG_SPACE}: an
   * item of n fds takes `CMSG_SPACE(4 * n)`, credentials `CMSG_SPACE(12)`, a pidfd `CMSG_SPACE(4)`.
   */
  controlLength?: number;
  /** MSG_* flags (MSG_CMSG_CLOEXEC is always added). */
  flags?: number;
}

/**
 * What recvmsg() returns.
 * @category Ancillary data
 */
export interface RecvmsgResult {
  /** The byte count recvmsg(2) returned (with MSG_TRUNC on a datagram: its real length). */
  bytes: number;
  /**
   * One Buffer per size asked for, each holding the bytes that landed in it (the first ones full,
   * then one partly, then empty ones), allocated to that size as recv's data is.
   */
  buffers: Buffer[];
  /** `msg_flags`: MSG_TRUNC (a datagram was cut), MSG_CTRUNC (ancillary data was cut), MSG_EOR ... */
  flags: number;
  /**
   * The ancillary data items. With MSG_CTRUNC set, SCM_RIGHTS and SCM_PIDFD items are left out: the
   * fds that did arrive in a cut control buffer are closed at once (never leaked, nor handed over).
   */
  control: ControlMessage[];
  /**
   * The fds of the SCM_RIGHTS items, close-on-exec, now the caller's to close (or to adopt:
   * `Socket.fromFd(fd)`). Empty when MSG_CTRUNC is set.
   */
  fds: number[];
  /**
   * A pidfd for the sender, from an SCM_PIDFD item (the receiver needs SO_PASSPIDFD on, and
   * `controlLength` of at least `CMSG_SPACE(4)`): close-on-exec, the caller's to close. Null when
   * none came, or when MSG_CTRUNC is set (it was closed).
   */
  pidfd: Pidfd | null;
  /**
   * The sender's credentials, from an SCM_CREDENTIALS item: the receiver needs SO_PASSCRED on and
   * `controlLength` of at least `CMSG_SPACE(12)`, else null. recvCredentials does both.
   */
  credentials: Credentials | null;
  /** `msg_name`: the sender's address; null on a connected stream socket. */
  address: SocketAddress | null;
}

/**
 * What recvFds() returns.
 * @category Ancillary data
 */
export interface ReceivedFds {
  /** The bytes that came with the fds. */
  data: Buffer;
  /**
   * The fds received (close-on-exec), the caller's to close: at most `maxFds` of them. Empty when
   * more were sent (all that arrived are closed) or the control data was cut.
   */
  fds: number[];
  /** `msg_flags` of the recvmsg(2): MSG_CTRUNC when more fds were sent than `maxFds` (they were closed). */
  flags: number;
}

/**
 * What recvCredentials() returns.
 * @category Ancillary data
 */
export interface ReceivedCredentials {
  /** The bytes that came with the credentials: empty at EOF on a stream socket. */
  data: Buffer;
  /**
   * The sender's pid, uid and gid, vouched for by the kernel. For data sent before SO_PASSCRED was
   * on, without sendCredentials, the kernel reports pid 0 and the overflow uid and gid (65534); at
   * end of file, all zeros. Null if the kernel sent no SCM_CREDENTIALS item.
   */
  credentials: Credentials | null;
  /** `msg_flags` of the recvmsg(2): MSG_TRUNC, MSG_CTRUNC ... */
  flags: number;
}

/**
 * One message of sendmmsg(): its bytes (`data`, or `buffers` gathered in order), and as sendmsg's
 * options, where it goes and its ancillary data.
 *
 * @example
 * ```ts
 * udp.sendmmsg([{ data: 'one', address: peer }, { buffers: [header, body], address: peer }]);
 * ```
 * @category Ancillary data
 */
export interface MmsgMessage {
  /** The message's bytes (a string is UTF-8); or give `buffers`. */
  data?: ArrayBufferView | string;
  /** The message's bytes in several buffers (`msg_iov`), at most 1024; or give `data`. */
  buffers?: ReadonlyArray<ArrayBufferView | string>;
  /** `msg_name`: where to send it (as sendto's address); none on a connected socket. */
  address?: AddressInput;
  /** `msg_control`: its ancillary data items, laid out as cmsghdrs by sockcall. */
  control?: readonly ControlMessage[];
}

/**
 * What recvmmsg() takes besides the count and length.
 * @category Ancillary data
 */
export interface RecvmmsgOptions {
  /** MSG_* flags: MSG_WAITFORONE, MSG_DONTWAIT, MSG_TRUNC, MSG_PEEK ... */
  flags?: number;
  /**
   * The blocking Socket: recvmmsg(2)'s own `timeout` in ms (none by default). The kernel checks it
   * only after each datagram arrives: it never ends a wait for the first one (SO_RCVTIMEO does). The
   * promise Socket: how long to wait for the first datagram (see WaitOptions).
   */
  timeout?: number;
}

/**
 * What recvmmsgInto() takes besides the buffer, count, length and results: recvmmsg()'s options,
 * and where the senders go.
 * @category Ancillary data
 */
export interface RecvmmsgIntoOptions extends RecvmmsgOptions {
  /**
   * Filled with the i-th datagram's sender at index i (as recvmmsg()'s `address`; one object for
   * datagrams from one sender in a row). Without it, the kernel is not asked for the senders.
   */
  senders?: (SocketAddress | null)[];
}

/**
 * One datagram of recvmmsg()'s result.
 * @category Ancillary data
 */
export interface ReceivedMessage {
  /** The bytes that arrived, in a Buffer of their size (at most the `length` asked for). */
  data: Buffer;
  /**
   * The sender's address, as recvfrom's. Datagrams from one sender in a row share one object: copy
   * it before changing it.
   */
  address: SocketAddress | null;
  /** `msg_flags`: MSG_TRUNC when the datagram was longer than `length` (the rest is lost) ... */
  flags: number;
}

/** The most fds one SCM_RIGHTS message may carry (the kernel's SCM_MAX_FD, not in the headers). */
const SCM_MAX_FD = 253;
/** IOV_MAX: the most buffers one sendmsg/recvmsg takes. */
const MAX_IOV = native.limits.MAX_IOV;
/** The most control bytes recvmsg offers. */
const MAX_CONTROL = native.limits.MAX_CONTROL;
/** More cmsghdrs than fit in the kernel's largest control buffer (net.core.optmem_max, 20 KiB by default). */
const MAX_CONTROL_ITEMS = 1024;

/** The most messages one sendmmsg/recvmmsg takes (the kernel's UIO_MAXIOV, applied to vlen). */
const MAX_MMSG = native.limits.MAX_MMSG;

const SENDMSG_KEYS = ['address', 'control', 'flags'];
const MMSG_MESSAGE_KEYS = ['data', 'buffers', 'address', 'control'];
const RECVMMSG_KEYS = ['flags', 'timeout'];
const RECVMMSG_INTO_KEYS = ['flags', 'timeout', 'senders'];
const RECVMSG_KEYS = ['controlLength', 'flags'];
const RECVFDS_KEYS = ['length', 'flags'];
const RECVCREDENTIALS_KEYS = ['flags'];
const CONTROL_KEYS = ['level', 'type', 'data'];

/** The socket's address encoder (SocketBase.encode), for msg_name. */
export type Encoder = (address: unknown, name: string) => EncodedAddress;

export { CMSG_ALIGN, CMSG_LEN, CMSG_SPACE };

/** Lays out `messages` as the kernel reads msg_control; null for none. */
export function encodeControl(messages: readonly ControlMessage[]): Buffer | null {
  if (messages.length === 0) return null;
  let total = 0;
  for (const message of messages) total += CMSG_SPACE(message.data.length);
  const buffer = Buffer.alloc(total);
  let offset = 0;
  for (const message of messages) {
    writeSize(buffer, CMSG_LEN(message.data.length), offset);
    writeInt(buffer, message.level, offset + 8);
    writeInt(buffer, message.type, offset + 12);
    message.data.copy(buffer, offset + CMSG_LEN(0));
    offset += CMSG_SPACE(message.data.length);
  }
  return buffer;
}

/** The whole items of a control buffer as the kernel wrote it, each with a copy of its data. */
export function decodeControl(buffer: Buffer): ControlMessage[] {
  return controlItems(buffer)
    .items.filter((item) => item.whole)
    .map(({ level, type, data }) => ({ level, type, data: Buffer.from(data) }));
}

/** An SCM_RIGHTS item carrying `fds`. */
export function rightsMessage(fds: readonly number[]): ControlMessage {
  const data = Buffer.alloc(4 * fds.length);
  fds.forEach((fd, i) => writeInt(data, fd, 4 * i));
  return { level: SOL_SOCKET, type: SCM_RIGHTS, data };
}

/** An SCM_CREDENTIALS item with this process's credentials (the kernel refuses any other, unprivileged). */
export function credentialsMessage(): ControlMessage {
  return { level: SOL_SOCKET, type: SCM_CREDENTIALS, data: encodeCredentials({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() }) };
}

/** A sendmsg, checked and encoded, ready for the binding. */
export interface PreparedSend {
  views: ArrayBufferView[];
  control: Buffer | null;
  flags: number;
  sockaddr: Sockaddr | null;
  context: ErrorContext | undefined;
}

function validateControl(value: unknown, at = 'options.control'): ControlMessage[] {
  if (!Array.isArray(value)) throw invalidArgType(at, 'an array of { level, type, data }', value);
  // Checked before the items are walked: a sparse array may claim 2**32-1 of them.
  if (value.length > MAX_CONTROL_ITEMS) throw outOfRange(`${at}.length`, `<= ${MAX_CONTROL_ITEMS}`, value.length);
  return Array.from(value, (item: unknown, i) => {
    const name = `${at}[${i}]`;
    const { level, type, data } = validateObject(item, name, CONTROL_KEYS);
    validateInt(level, `${name}.level`);
    validateInt(type, `${name}.type`);
    if (!ArrayBuffer.isView(data)) throw invalidArgType(`${name}.data`, 'an instance of Buffer, TypedArray, or DataView', data);
    const bytes = asBytes(data);
    return { level: level as number, type: type as number, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  });
}

/**
 * Checks sendmsg's arguments; `encode` is the socket's address encoder, `waitKeys` the option keys
 * of the promise flavour's wait (signal, timeout).
 */
export function prepareSend(buffers: unknown, options: unknown, encode: Encoder, waitKeys?: readonly string[]): PreparedSend {
  if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'an array of strings, Buffers, TypedArrays, or DataViews', buffers);
  if (buffers.length > MAX_IOV) throw outOfRange('buffers.length', `<= ${MAX_IOV}`, buffers.length);
  // Array.from, not map: a hole is refused as the undefined it reads as, not skipped.
  const views = Array.from(buffers, (buffer: unknown, i) => toSendable(buffer, `buffers[${i}]`));
  const object = options === undefined ? {} : validateObject(options, 'options', SENDMSG_KEYS, waitKeys);
  const flags = object.flags === undefined ? 0 : validateFlags(object.flags, 'options.flags', SEND_FLAGS, 'sendmsg');
  const control = object.control === undefined ? null : encodeControl(validateControl(object.control));
  let sockaddr: Sockaddr | null = null;
  let context: ErrorContext | undefined;
  if (object.address !== undefined) ({ sockaddr, context } = encode(object.address, 'options.address'));
  return { views, control, flags: flags | MSG_NOSIGNAL, sockaddr, context };
}

/** A sendmmsg, checked and encoded, ready for the binding. */
export interface PreparedSendmmsg {
  messages: [ArrayBufferView | ArrayBufferView[], Buffer | null, Sockaddr | null][];
  flags: number;
  /** The first message's address, for the error's context (most batches go to one peer). */
  context: ErrorContext | undefined;
}

/**
 * Checks sendmmsg's messages, each as sendmsg's arguments are checked; `encode` is the socket's
 * address encoder. MSG_NOSIGNAL is added to `flags`.
 */
export function prepareSendmmsg(messages: unknown, flags: number, encode: Encoder): PreparedSendmmsg {
  if (!Array.isArray(messages)) throw invalidArgType('messages', 'an array of { data | buffers, address?, control? }', messages);
  if (messages.length > MAX_MMSG) throw outOfRange('messages.length', `<= ${MAX_MMSG}`, messages.length);
  let context: ErrorContext | undefined;
  const prepared = Array.from(messages, (message: unknown, i): [ArrayBufferView | ArrayBufferView[], Buffer | null, Sockaddr | null] => {
    const name = `messages[${i}]`;
    const object = validateObject(message, name, MMSG_MESSAGE_KEYS);
    let bytes: ArrayBufferView | ArrayBufferView[];
    if (object.buffers !== undefined) {
      if (object.data !== undefined) throw invalidArgValue(`${name}.data`, object.data, 'goes with no buffers: give one of data and buffers');
      const buffers = object.buffers;
      if (!Array.isArray(buffers)) throw invalidArgType(`${name}.buffers`, 'an array of strings, Buffers, TypedArrays, or DataViews', buffers);
      if (buffers.length > MAX_IOV) throw outOfRange(`${name}.buffers.length`, `<= ${MAX_IOV}`, buffers.length);
      bytes = Array.from(buffers, (buffer: unknown, j) => toSendable(buffer, `${name}.buffers[${j}]`));
    } else {
      if (object.data === undefined) throw invalidArgType(`${name}.data`, 'a string, Buffer, TypedArray, or DataView (or give buffers)', object.data);
      bytes = toSendable(object.data, `${name}.data`);
    }
    const control = object.control === undefined ? null : encodeControl(validateControl(object.control, `${name}.control`));
    let sockaddr: Sockaddr | null = null;
    if (object.address !== undefined) {
      const encoded = encode(object.address, `${name}.address`);
      sockaddr = encoded.sockaddr;
      if (i === 0) context = encoded.context;
    }
    return [bytes, control, sockaddr];
  });
  return { messages: prepared, flags: flags | MSG_NOSIGNAL, context };
}

/** A recvmmsg, checked. */
export interface PreparedRecvmmsg {
  count: number;
  length: number;
  flags: number;
  /** recvmmsg(2)'s own timeout in ms; -1 for none. */
  timeout: number;
}

/**
 * Checks recvmmsg's arguments. `waitKeys`: the promise flavour's, whose `timeout` is its wait's and
 * never reaches the kernel.
 */
export function prepareRecvmmsg(count: unknown, length: unknown, options: unknown, waitKeys?: readonly string[]): PreparedRecvmmsg {
  validateInt(count, 'count', 1, MAX_MMSG);
  validateInt(length, 'length', 0, MAX_RECV_LENGTH);
  if ((count as number) * (length as number) > MAX_RECV_LENGTH) {
    throw outOfRange('count * length', `<= ${MAX_RECV_LENGTH}`, (count as number) * (length as number));
  }
  const object = options === undefined ? {} : validateObject(options, 'options', waitKeys === undefined ? RECVMMSG_KEYS : ['flags'], waitKeys);
  const flags = object.flags === undefined ? 0 : validateFlags(object.flags, 'options.flags', RECVMMSG_FLAGS, 'recvmmsg');
  const timeout = waitKeys !== undefined ? -1 : validateTimeout(object.timeout, 'options.timeout', native.limits.MAX_TIMEOUT_MS);
  return { count: count as number, length: length as number, flags, timeout };
}

/** The `senders` option of recvmmsgInto and recvfromInto, checked: the array, or null when not given. */
export function validateSenders(senders: unknown): (SocketAddress | null)[] | null {
  if (senders === undefined) return null;
  // A Proxy passes Array.isArray but not the binding's napi_is_array.
  if (!Array.isArray(senders) || types.isProxy(senders)) throw invalidArgType('options.senders', 'an instance of Array', senders);
  // The binding's stores into a frozen array would be dropped without a word, leaving old senders.
  if (Object.isFrozen(senders) || !Object.isExtensible(senders)) throw invalidArgValue('options.senders', senders, 'must be an array the call can write into (not frozen, sealed or non-extensible)');
  return senders as (SocketAddress | null)[];
}

/** recvfromInto's options, checked: where the sender goes, or null (not asked). `waitKeys` as prepareRecvmmsg's. */
export function recvfromIntoSenders(options: unknown, waitKeys?: readonly string[]): (SocketAddress | null)[] | null {
  if (options === undefined) return null;
  return validateSenders(validateObject(options, 'options', ['senders'], waitKeys).senders);
}

/** A recvmmsgInto, checked. */
export interface PreparedRecvmmsgInto extends PreparedRecvmmsg {
  buffer: ArrayBufferView;
  results: Int32Array;
  senders: (SocketAddress | null)[] | null;
}

/**
 * Checks recvmmsgInto's arguments: recvmmsg's, a buffer of at least `count * length` bytes and a
 * results Int32Array of at least `2 * count` elements. `waitKeys` as prepareRecvmmsg's.
 */
export function prepareRecvmmsgInto(
  buffer: unknown,
  count: unknown,
  length: unknown,
  results: unknown,
  options: unknown,
  waitKeys?: readonly string[],
): PreparedRecvmmsgInto {
  validateView(buffer, 'buffer');
  validateInt(count, 'count', 1, MAX_MMSG);
  validateInt(length, 'length', 0, MAX_RECV_LENGTH);
  if (!(results instanceof Int32Array)) throw invalidArgType('results', 'an instance of Int32Array', results);
  checkRoom(buffer as ArrayBufferView, count as number, length as number, results);
  const object = options === undefined ? {} : validateObject(options, 'options', waitKeys === undefined ? RECVMMSG_INTO_KEYS : ['flags', 'senders'], waitKeys);
  const senders = validateSenders(object.senders);
  const { flags, timeout } = prepareRecvmmsg(count, length, { flags: object.flags, timeout: waitKeys === undefined ? object.timeout : undefined });
  return { buffer: buffer as ArrayBufferView, count: count as number, length: length as number, results, flags, timeout, senders };
}

/**
 * recvmmsgInto's room: `count * length` bytes in `buffer` (none once it is detached) and `2 * count`
 * elements in `results`.
 */
function checkRoom(buffer: ArrayBufferView, count: number, length: number, results: Int32Array): void {
  const bytes = byteLengthOf(buffer);
  if (count * length > bytes) throw outOfRange('count * length', `<= buffer.byteLength (${bytes})`, count * length);
  if (results.length < 2 * count) throw outOfRange('results.length', `>= 2 * count (${2 * count})`, results.length);
}

/**
 * Makes the recvmmsg(2) call of `prepared` into its buffer, for either flavour: the count received,
 * or the negative errno. `unnamed` as receiveMessages's. The room is checked again: an options
 * getter, or anything while a promise call waits, may have detached or resized either buffer since.
 */
export function receiveMessagesInto(fd: number, prepared: PreparedRecvmmsgInto, unnamed: SocketAddress | null): number {
  const { buffer, count, length, flags, timeout, results, senders } = prepared;
  checkRoom(buffer, count, length, results);
  const got = native.recvmmsg(fd, buffer, count, length, flags, timeout, results, senders as (NativeAddress | null)[] | null);
  if (senders !== null && unnamed !== null) for (let i = 0; i < got; i++) senders[i] ??= unnamed;
  return got;
}

/** Where recvmmsg's msg_len and msg_flags land, in pairs: one per thread, read right after the call. */
const mmsgResults = new Int32Array(2 * MAX_MMSG);

/**
 * Makes the recvmmsg(2) call of `prepared` on `fd`, for either flavour: the datagrams, or the
 * negative errno. `unnamed` is the address of a sender that has none (see SocketBase.unnamedPeer).
 */
export function receiveMessages(fd: number, prepared: PreparedRecvmmsg, unnamed: SocketAddress | null): ReceivedMessage[] | number {
  let senders: (SocketAddress | null)[] = [];
  const { count, length, flags, timeout } = prepared;
  const datas = receiveBatch(
    count,
    length,
    flags,
    (into) => {
      const got = native.recvmmsg(fd, into, count, length, flags, timeout, mmsgResults);
      if (typeof got === 'number') return got;
      senders = got as (SocketAddress | null)[];
      return got.length;
    },
    (i) => mmsgResults[2 * i]!,
  );
  if (typeof datas === 'number') return datas;
  const out = new Array<ReceivedMessage>(datas.length);
  for (let i = 0; i < datas.length; i++) out[i] = { data: datas[i]!, address: senders[i] ?? unnamed, flags: mmsgResults[2 * i + 1]! };
  return out;
}

/** sendFds and sendCredentials make the control data themselves. */
function refuseControl(options: unknown): void {
  if (typeof options === 'object' && options !== null && (options as { control?: unknown }).control !== undefined) {
    throw invalidArgValue('options.control', (options as { control?: unknown }).control, 'is not taken here (use sendmsg)');
  }
}

/** Sends fds: sendFds's arguments as sendmsg's. */
export function prepareSendFds(fds: unknown, data: unknown, options: unknown, encode: Encoder, waitKeys?: readonly string[]): PreparedSend {
  if (!Array.isArray(fds)) throw invalidArgType('fds', 'an array of fd numbers or Sockets', fds);
  if (fds.length < 1 || fds.length > SCM_MAX_FD) throw outOfRange('fds.length', `>= 1 && <= ${SCM_MAX_FD}`, fds.length);
  refuseControl(options);
  const numbers = Array.from(fds, (fd: unknown, i) => (fd instanceof SocketBase ? fdOf(fd, 'sendmsg') : validateInt(fd, `fds[${i}]`, 0)));
  // A stream socket carries ancillary data only along with at least one byte.
  const bytes = data === undefined ? Buffer.alloc(1) : toSendable(data);
  const prepared = prepareSend([bytes], options, encode, waitKeys);
  prepared.control = encodeControl([rightsMessage(numbers)]);
  return prepared;
}

/** Sends this process's credentials: sendCredentials's arguments as sendmsg's. */
export function prepareSendCredentials(data: unknown, options: unknown, encode: Encoder, waitKeys?: readonly string[]): PreparedSend {
  refuseControl(options);
  const bytes = data === undefined ? Buffer.alloc(1) : toSendable(data);
  const prepared = prepareSend([bytes], options, encode, waitKeys);
  prepared.control = encodeControl([credentialsMessage()]);
  return prepared;
}

/** A recvmsg, checked. Its buffers are taken when the call is made (see lib/receive.ts). */
export interface PreparedReceive {
  sizes: number[];
  controlLength: number;
  flags: number;
  /** recvFds: more fds than this count as a cut list. */
  maxFds?: number;
  /** recvFds, recvCredentials: fds of the kinds not asked for are closed, not handed over. */
  only?: 'fds' | 'credentials';
}

export function prepareReceive(sizes: unknown, options: unknown, waitKeys?: readonly string[]): PreparedReceive {
  const list = typeof sizes === 'number' ? [sizes] : sizes;
  if (!Array.isArray(list)) throw invalidArgType('sizes', 'of type number or an array of numbers', sizes);
  if (list.length > MAX_IOV) throw outOfRange('sizes.length', `<= ${MAX_IOV}`, list.length);
  const object = options === undefined ? {} : validateObject(options, 'options', RECVMSG_KEYS, waitKeys);
  const flags = object.flags === undefined ? 0 : validateFlags(object.flags, 'options.flags', RECVMSG_FLAGS, 'recvmsg');
  const controlLength = object.controlLength === undefined ? 0 : validateInt(object.controlLength, 'options.controlLength', 0, MAX_CONTROL);
  const checked = Array.from(list, (size: unknown, i) => validateInt(size, typeof sizes === 'number' ? 'sizes' : `sizes[${i}]`, 0, MAX_RECV_LENGTH));
  return { sizes: checked, controlLength, flags: flags | MSG_CMSG_CLOEXEC };
}

/**
 * The control bytes the kernel may write before an SCM_RIGHTS item: an SCM_CREDENTIALS item (with
 * SO_PASSCRED on) and an SCM_PIDFD one (SO_PASSPIDFD on) come first (net/core/scm.c), and would
 * otherwise crowd the fds out.
 */
const ROOM_BEFORE_RIGHTS = CMSG_SPACE(12) + CMSG_SPACE(4);

export function prepareReceiveFds(maxFds: unknown, options: unknown, waitKeys?: readonly string[]): PreparedReceive {
  validateInt(maxFds, 'maxFds', 1, SCM_MAX_FD);
  const object = options === undefined ? {} : validateObject(options, 'options', RECVFDS_KEYS, waitKeys);
  const length = object.length === undefined ? 4096 : validateInt(object.length, 'options.length', 1, MAX_RECV_LENGTH);
  const prepared = prepareReceive([length], object.flags === undefined ? undefined : { flags: object.flags });
  // CMSG_SPACE rounds up to 8 bytes, room for one more int when maxFds is odd: the count is kept
  // exact by finishReceive, not by the space.
  prepared.controlLength = ROOM_BEFORE_RIGHTS + CMSG_SPACE(4 * (maxFds as number));
  prepared.maxFds = maxFds as number;
  prepared.only = 'fds';
  return prepared;
}

export function prepareReceiveCredentials(length: unknown, options: unknown, waitKeys?: readonly string[]): PreparedReceive {
  const size = validateInt(length, 'length', 0, MAX_RECV_LENGTH);
  const object = options === undefined ? {} : validateObject(options, 'options', RECVCREDENTIALS_KEYS, waitKeys);
  const prepared = prepareReceive([size], object.flags === undefined ? undefined : { flags: object.flags });
  // Room for an SCM_RIGHTS item too, so that fds a peer sends along are seen (and closed), not cut.
  prepared.controlLength = ROOM_BEFORE_RIGHTS + CMSG_SPACE(4 * SCM_MAX_FD);
  prepared.only = 'credentials';
  return prepared;
}

/** The sockets recvCredentials turned SO_PASSCRED on for (once each). */
const passingCredentials = new WeakSet<object>();

/** Turns SO_PASSCRED on for `socket`'s fd the first time recvCredentials is called on it. */
export function passCredentials(socket: object, fd: number): void {
  if (passingCredentials.has(socket)) return;
  const result = native.setsockoptInt(fd, SOL_SOCKET, SO_PASSCRED, 1);
  if (result < 0) throw syscallError('setsockopt', result);
  passingCredentials.add(socket);
}

const isItem = (type: number) => (message: ControlMessage) => message.level === SOL_SOCKET && message.type === type;
const isRights = isItem(SCM_RIGHTS);
const isPidfd = isItem(SCM_PIDFD);

/**
 * Makes the recvmsg(2) call of `prepared` on `fd`, for either flavour: the result, or the negative
 * errno. `unnamed` is the address of a sender that has none (see SocketBase.unnamedPeer).
 */
export function receiveMessage(fd: number, prepared: PreparedReceive, unnamed: SocketAddress | null): RecvmsgResult | number {
  let result: [number, number, Buffer, SocketAddress | null] | undefined;
  const buffers = receiveScattered(prepared.sizes, prepared.flags, (into) => {
    const got = native.recvmsg(fd, into, prepared.controlLength, prepared.flags);
    if (typeof got === 'number') return got;
    result = got;
    return got[0];
  });
  return typeof buffers === 'number' ? buffers : finishReceive(prepared, buffers, result!, unnamed);
}

/**
 * The binding's recvmsg result as a RecvmsgResult. Under MSG_CTRUNC the fds that made it into the
 * cut control buffer are closed here: the caller could not tell a complete list from a cut one. So
 * are more fds than recvFds's `maxFds` (flagged MSG_CTRUNC, as the kernel would with less room), and
 * the fds of a kind recvFds/recvCredentials did not ask for: every fd the kernel installed is
 * either handed over or closed.
 */
function finishReceive(prepared: PreparedReceive, buffers: Buffer[], result: [number, number, Buffer, SocketAddress | null], unnamed: SocketAddress | null): RecvmsgResult {
  const [bytes, received, controlBytes, address] = result;
  let flags = received;
  let control = decodeControl(controlBytes);
  let fds: number[] = [];
  let pidfd: Pidfd | null = null;
  for (const message of control) {
    if (isRights(message)) fds.push(...readInts(message.data));
    else if (isPidfd(message) && message.data.length >= 4) pidfd = readInt(message.data, 0);
  }
  if (prepared.maxFds !== undefined && fds.length > prepared.maxFds) flags |= MSG_CTRUNC;
  if (flags & MSG_CTRUNC || prepared.only === 'credentials') {
    for (const fd of fds) native.close(fd);
    fds = [];
    control = control.filter((message) => !isRights(message));
  }
  if (pidfd !== null && (flags & MSG_CTRUNC || prepared.only !== undefined)) {
    native.close(pidfd);
    pidfd = null;
    control = control.filter((message) => !isPidfd(message));
  }
  const credentials = control.find((message) => message.level === SOL_SOCKET && message.type === SCM_CREDENTIALS && message.data.length >= UCRED_SIZE);
  return { bytes, buffers, flags, control, fds, pidfd, credentials: credentials ? decodeCredentials(credentials.data) : null, address: address ?? unnamed };
}
