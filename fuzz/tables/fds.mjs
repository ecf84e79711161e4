// Sockets and fds as arguments: which fds a call may get, and guarding them.
import { GUARD_MS } from '../options.mjs';
import { constant, numberLabel, spec } from './values.mjs';
import { B, FLAVOURS, K, KINDS, native, P, world } from '../world.mjs';

export function slot(flavour, kind) {
  const socket = world.slots[flavour].get(kind);
  if (socket !== undefined) world.touched.add(socket);
  return socket;
}

export function slotSpec(rng, flavour = rng.pick(FLAVOURS)) {
  const kind = rng.pick(KINDS);
  return spec(`${flavour}:${kind}`, () => slot(flavour, kind));
}

export function want(fd) {
  return world.wantBlocking.get(fd) ?? false;
}

/** Bounds what a syscall on `fd` can wait for, and undoes options that make close() wait. */
export function guardFd(fd, blocking) {
  if (!Number.isInteger(fd) || fd < 0) return;
  native.setsockoptTimeval(fd, K.SO_RCVTIMEO, GUARD_MS);
  native.setsockoptTimeval(fd, K.SO_SNDTIMEO, GUARD_MS);
  native.setsockoptLinger(fd, 0, 0);
  native.setsockoptInt(fd, K.SOL_SOCKET, K.SO_RCVLOWAT, 1);
  native.setBlocking(fd, blocking ? 1 : 0);
}

export function guardTouched() {
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
export function keepRaw(fd, blocking = false) {
  if (!Number.isInteger(fd) || fd < 3 || world.raw.includes(fd)) return;
  world.raw.push(fd);
  world.wantBlocking.set(fd, blocking);
  guardFd(fd, blocking);
}

export function forgetRaw(fd) {
  const at = world.raw.indexOf(fd);
  if (at >= 0) world.raw.splice(at, 1);
}

const BAD_FDS = [-1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1.5, NaN, Infinity, -0.5, 1023, 1024, 65_535];
const BAD_FDS_DESTRUCTIVE = [-1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 1.5, NaN, Infinity, -0.5];
export const BAD_FD_SPECS = BAD_FDS_DESTRUCTIVE.map((fd) => constant(`fd:${numberLabel(fd)}`, fd));

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
export function fdAny(rng) {
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
export function fdOwned(rng) {
  const r = rng.int(10);
  if (r < 5) return rawFdSpec(rng);
  if (r < 8) return dupSpec(rng);
  return rng.pick(BAD_FD_SPECS);
}
