// What each call may return.
import { RAW } from './calls.mjs';
import { B, P } from '../world.mjs';

export const isCount = (value) => Number.isInteger(value) && value >= 0;
export const isSocket = (value) => value instanceof B.Socket || value instanceof P.Socket;
const isAddress = (value) => typeof value === 'object' && value !== null && typeof value.family === 'string';

/** What a public call that returned must have returned. */
export const RETURNS = {
  'Epoll#wait': (value) => Array.isArray(value) && value.every((entry) => isCount(entry.fd) && isCount(entry.events) && entry.events <= 0xffffffff),
  'Epoll#ctl': (value) => value === undefined,
  ioctl: isCount,
  sockatmark: (value) => typeof value === 'boolean',
  recv: (value, plan) => Buffer.isBuffer(value) && (typeof plan.values[0] !== 'number' || value.length <= plan.values[0]),
  recvfrom: (value, plan) =>
    typeof value === 'object' && value !== null && Buffer.isBuffer(value.data) && (typeof plan.values[0] !== 'number' || value.data.length <= plan.values[0]) &&
    (value.address === null || isAddress(value.address)),
  recvInto: isCount,
  recvfromInto: isCount,
  // An iterator (sync in the blocking flavour, async in the promise one), nothing read yet.
  chunks: (value) => typeof value?.next === 'function' && (typeof value[Symbol.iterator] === 'function' || typeof value[Symbol.asyncIterator] === 'function'),
  recvmsg: (value) => typeof value === 'object' && value !== null && isCount(value.bytes) && Array.isArray(value.buffers) && Array.isArray(value.fds),
  recvFds: (value, plan) =>
    typeof value === 'object' && value !== null && Buffer.isBuffer(value.data) && Array.isArray(value.fds) && (typeof plan.values[0] !== 'number' || value.fds.length <= plan.values[0]),
  recvCredentials: (value) => typeof value === 'object' && value !== null && Buffer.isBuffer(value.data) && (value.credentials === null || Number.isInteger(value.credentials.pid)),
  recvmmsg: (value, plan) =>
    Array.isArray(value) &&
    value.every(
      (message) => Buffer.isBuffer(message.data) && (typeof plan.values[1] !== 'number' || message.data.length <= plan.values[1]) && Number.isInteger(message.flags) && (message.address === null || isAddress(message.address)),
    ),
  recvmmsgInto: isCount,
  sendmsg: isCount,
  sendmmsg: isCount,
  sendFds: isCount,
  sendCredentials: isCount,
  send: isCount,
  sendto: isCount,
  sendAll: isCount,
  sendfile: isCount,
  sendfileAll: isCount,
  accept: isSocket,
  // The would-block forms: what their plain form returns, or null for EAGAIN.
  tryAccept: (value) => value === null || isSocket(value),
  trySend: (value) => value === null || isCount(value),
  trySendto: (value) => value === null || isCount(value),
  tryRecv: (value, plan) => value === null || RETURNS.recv(value, plan),
  tryRecvInto: (value) => value === null || isCount(value),
  tryRecvfrom: (value, plan) => value === null || RETURNS.recvfrom(value, plan),
  tryRecvfromInto: (value) => value === null || isCount(value),
  tryRecvmmsg: (value, plan) => value === null || RETURNS.recvmmsg(value, plan),
  tryRecvmmsgInto: (value) => value === null || isCount(value),
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
export function rawReturnOk(name, value) {
  switch (name) {
    case 'socketpair':
      return isErrno(value) || (Array.isArray(value) && value.length === 2 && value.every(isCount));
    case 'recvfrom':
      // The pair, or (with a senders array) the count.
      return isErrno(value) || isCount(value) || (Array.isArray(value) && value.length === 2 && isCount(value[0]) && (value[1] === null || isAddress(value[1])));
    case 'recvmsg':
      return isErrno(value) || (Array.isArray(value) && value.length === 4 && isCount(value[0]) && Buffer.isBuffer(value[2]) && (value[3] === null || isAddress(value[3])));
    case 'recvmmsg':
      return isErrno(value) || isCount(value) || (Array.isArray(value) && value.every((sender) => sender === null || isAddress(sender)));
    case 'getsockname':
    case 'getpeername':
      return isErrno(value) || isAddress(value);
    case 'getsockoptInt':
      // Any int32 (the option's value), or GETSOCKOPT_FAILED - errno below them all.
      return (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) || isErrno(value + 2 ** 32);
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
    case 'sockaddrLl':
      return Buffer.isBuffer(value) && value.length === 20;
    case 'ifNametoindex':
      return isErrno(value) || (isCount(value) && value > 0);
    case 'ifIndextoname':
      return isErrno(value) || (typeof value === 'string' && value.length > 0);
    case 'holderOf':
      return value === undefined || (typeof value === 'object' && value !== null);
    case 'own':
    case 'disown':
    case 'Poller':
      return value === undefined;
    default:
      return isErrno(value) || isCount(value) || (RAW[name] === undefined && value !== null);
  }
}

/** The rules of docs/guarantees.md ("Bad input is an error"), checked on the calls they concern. */
