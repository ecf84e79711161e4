// The kernel's binary layouts that sockcall reads and writes in JS, each written down once: the
// cmsghdr of ancillary data and struct ucred. msg.ts (sendmsg/recvmsg), socket-base.ts
// (SO_PEERCRED) and trace.ts (strace's view of msg_control) all use these. The layouts are Linux's
// on a 64-bit machine (include/linux/socket.h), in host byte order:
//
//   struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }  16 bytes, data at 16
//   CMSG_ALIGN(n) = (n + 7) & ~7;  CMSG_LEN(n) = 16 + n;  CMSG_SPACE(n) = 16 + CMSG_ALIGN(n)
//   struct ucred { pid_t pid; uid_t uid; gid_t gid; }                     12 bytes
import { endianness } from 'node:os';

import type { Credentials } from './constants';

const littleEndian = endianness() === 'LE';

/** sizeof(struct cmsghdr): where an item's data starts. */
export const CMSG_HEADER = 16;
/** sizeof(struct ucred). */
export const UCRED_SIZE = 12;

/** CMSG_ALIGN(3): `length` rounded up to the cmsghdr alignment (8). @category Ancillary data */
export function CMSG_ALIGN(length: number): number {
  return (length + 7) & ~7;
}
/** CMSG_LEN(3): `cmsg_len` of an item with `length` bytes of data. @category Ancillary data */
export function CMSG_LEN(length: number): number {
  return CMSG_HEADER + length;
}
/** CMSG_SPACE(3): the control bytes an item with `length` bytes of data takes. @category Ancillary data */
export function CMSG_SPACE(length: number): number {
  return CMSG_HEADER + CMSG_ALIGN(length);
}

/** A size_t in host byte order. */
export function writeSize(buffer: Buffer, value: number, offset: number): void {
  if (littleEndian) buffer.writeBigUInt64LE(BigInt(value), offset);
  else buffer.writeBigUInt64BE(BigInt(value), offset);
}

export function readSize(buffer: Buffer, offset: number): number {
  return Number(littleEndian ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset));
}

/** An int in host byte order. */
export function writeInt(buffer: Buffer, value: number, offset: number): void {
  if (littleEndian) buffer.writeInt32LE(value, offset);
  else buffer.writeInt32BE(value, offset);
}

export function readInt(buffer: Buffer, offset: number): number {
  return littleEndian ? buffer.readInt32LE(offset) : buffer.readInt32BE(offset);
}

/** The ints of `data` (an SCM_RIGHTS item's fds), as many whole ones as it holds. */
export function readInts(data: Buffer): number[] {
  const values: number[] = [];
  for (let offset = 0; offset + 4 <= data.length; offset += 4) values.push(readInt(data, offset));
  return values;
}

/** One cmsghdr of a control buffer, and its data. */
export interface ControlItem {
  /** `cmsg_len`: the header and the data, as the kernel wrote it. */
  length: number;
  level: number;
  type: number;
  /** The data (a view into the buffer), cut short where the buffer ends before `length` does. */
  data: Buffer;
  /** Whether all `length` bytes are in the buffer. */
  whole: boolean;
}

/**
 * The cmsghdrs of a control buffer in order (CMSG_FIRSTHDR/CMSG_NXTHDR), up to a header that does
 * not fit or reads shorter than a header; `end` is where they stopped. An item that runs past the
 * buffer (a truncated copy, as the trace keeps) is the last one, with `whole` false.
 */
export function controlItems(buffer: Buffer): { items: ControlItem[]; end: number } {
  const items: ControlItem[] = [];
  let offset = 0;
  while (offset + CMSG_HEADER <= buffer.length) {
    const length = readSize(buffer, offset);
    if (length < CMSG_HEADER) break;
    const whole = offset + length <= buffer.length;
    items.push({
      length,
      level: readInt(buffer, offset + 8),
      type: readInt(buffer, offset + 12),
      data: buffer.subarray(offset + CMSG_HEADER, Math.min(offset + length, buffer.length)),
      whole,
    });
    offset += CMSG_ALIGN(length);
    if (!whole) break;
  }
  return { items, end: offset };
}

/** `struct ucred` as Credentials. */
export function decodeCredentials(data: Buffer): Credentials {
  return littleEndian
    ? { pid: data.readInt32LE(0), uid: data.readUInt32LE(4), gid: data.readUInt32LE(8) }
    : { pid: data.readInt32BE(0), uid: data.readUInt32BE(4), gid: data.readUInt32BE(8) };
}

/** Credentials as `struct ucred`. */
export function encodeCredentials({ pid, uid, gid }: Credentials): Buffer {
  const data = Buffer.alloc(UCRED_SIZE);
  if (littleEndian) {
    data.writeInt32LE(pid, 0);
    data.writeUInt32LE(uid, 4);
    data.writeUInt32LE(gid, 8);
  } else {
    data.writeInt32BE(pid, 0);
    data.writeUInt32BE(uid, 4);
    data.writeUInt32BE(gid, 8);
  }
  return data;
}
