// What to call: the parameters of each public method and of each raw binding function.
import { address, aiFlags, anyFd, backlog, bool, buffers, chunksOptions, controlLength, data, domain, dupMinimum, epollEvents, epollFlags, epollOp, epollOut, epollWaitTimeout, fdCount, fileCount, filterBytes, fileOffset, flags, flagsAndOptions, getLength, how, int, ioctlRequest, length, list, maxEvents, mmsgCount, mmsgMessages, msgOptions, optionLevelName, optionName, optionValue, outView, ownedFd, pollEvents, protocol, rawControl, rawHost, rawMessages, rawSockaddr, recvfromIntoOptions, recvmmsgIntoOptions, recvmmsgOptions, rawSenders, sendfileFile, service, sizes, sockaddr, timeoutMs, type, view, waitOptions } from './parameters.mjs';
import { arg, generic, lookupCallback, oneOf } from './values.mjs';

/** The names sockcall gives an address argument in its messages (SocketBase's protected encode). */
const argumentName = oneOf('name', ['address', 'messages[1].address']);

/** Parameters of the public Socket methods, by name; methods not listed get a few pool values. */
export const SIGNATURES = {
  accept: (rng, flavour) => (flavour === 'B' ? [flags(rng)] : [waitOptions(rng)]),
  connect: (rng, flavour) => (flavour === 'B' ? [address(rng)] : [address(rng), waitOptions(rng)]),
  send: (rng, flavour) => [data(rng), ...flagsAndOptions(rng, flavour)],
  sendAll: (rng, flavour) => [data(rng), ...flagsAndOptions(rng, flavour)],
  sendto: (rng, flavour) => [data(rng), address(rng), ...flagsAndOptions(rng, flavour)],
  sendfile: (rng, flavour) => [sendfileFile(rng), fileOffset(rng), fileCount(rng), ...(flavour === 'P' ? [waitOptions(rng)] : [])],
  sendfileAll: (rng, flavour) => [sendfileFile(rng), fileOffset(rng), fileCount(rng), ...(flavour === 'P' ? [waitOptions(rng)] : [])],
  recv: (rng, flavour) => [length(rng), ...flagsAndOptions(rng, flavour)],
  recvfrom: (rng, flavour) => [length(rng), ...flagsAndOptions(rng, flavour)],
  recvInto: (rng, flavour) => [view(rng), ...flagsAndOptions(rng, flavour)],
  recvfromInto: (rng, flavour) => (flavour === 'P' && rng.chance(0.3) ? [view(rng), ...flagsAndOptions(rng, flavour)] : [view(rng), flags(rng), recvfromIntoOptions(rng)]),
  chunks: (rng, flavour) => [chunksOptions(rng, flavour)],
  tryAccept: (rng) => [flags(rng)],
  trySend: (rng, flavour) => [data(rng), ...flagsAndOptions(rng, flavour)],
  trySendto: (rng, flavour) => [data(rng), address(rng), ...flagsAndOptions(rng, flavour)],
  tryRecv: (rng, flavour) => [length(rng), ...flagsAndOptions(rng, flavour)],
  tryRecvInto: (rng, flavour) => [view(rng), ...flagsAndOptions(rng, flavour)],
  tryRecvfrom: (rng, flavour) => [length(rng), ...flagsAndOptions(rng, flavour)],
  tryRecvfromInto: (rng) => [view(rng), flags(rng), recvfromIntoOptions(rng)],
  tryRecvmmsg: (rng) => [mmsgCount(rng), length(rng), recvmmsgOptions(rng)],
  tryRecvmmsgInto: (rng) => [view(rng), mmsgCount(rng), length(rng), outView(rng), recvmmsgIntoOptions(rng)],
  sendmsg: (rng) => [buffers(rng), msgOptions(rng)],
  // The blocking flavour takes no wait options: { timeout } there would be an unknown key, ignored.
  recvmsg: (rng, flavour) => [sizes(rng), flavour === 'P' && rng.chance(0.5) ? waitOptions(rng) : msgOptions(rng)],
  sendmmsg: (rng, flavour) => [mmsgMessages(rng), ...flagsAndOptions(rng, flavour)],
  recvmmsg: (rng) => [mmsgCount(rng), length(rng), recvmmsgOptions(rng)],
  recvmmsgInto: (rng) => [view(rng), mmsgCount(rng), length(rng), outView(rng), recvmmsgIntoOptions(rng)],
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
  ioctl: (rng) => [ioctlRequest(rng)],
  // Protected: every call's address goes through it. Its second parameter is the name the error
  // messages give the argument, always a string sockcall writes itself, never a caller's value.
  encode: (rng) => [address(rng), argumentName(rng)],
  closeOnCollect: (rng) => [generic(rng)],
};
export const NO_PARAMETERS = new Set(['sockatmark', 'close', 'Symbol.dispose', 'getsockname', 'getpeername', 'getBlocking', 'detach', 'toBlocking', 'ref', 'unref', 'unnamedPeer', 'fd', 'closed']);

/** Parameters of the raw binding's functions, by name; functions not listed get a few pool values. */
export const RAW = {
  socket: (rng) => [domain(rng), type(rng), protocol(rng)],
  socketpair: (rng) => [domain(rng), type(rng), protocol(rng)],
  bind: (rng) => [anyFd(rng), sockaddr(rng)],
  listen: (rng) => [anyFd(rng), backlog(rng)],
  accept4: (rng) => [anyFd(rng), flags(rng)],
  connect: (rng) => [anyFd(rng), sockaddr(rng)],
  send: (rng) => [anyFd(rng), data(rng), flags(rng)],
  sendto: (rng) => [anyFd(rng), data(rng), flags(rng), sockaddr(rng)],
  recv: (rng) => [anyFd(rng), view(rng), flags(rng)],
  recvfrom: (rng) => [anyFd(rng), view(rng), flags(rng), rawSenders(rng)],
  sendmsg: (rng) => [anyFd(rng), list(rng, data), rawControl(rng), flags(rng), rawSockaddr(rng)],
  recvmsg: (rng) => [anyFd(rng), list(rng, view), controlLength(rng), flags(rng)],
  sendfile: (rng) => [anyFd(rng), sendfileFile(rng), fileOffset(rng), fileCount(rng)],
  sendmmsg: (rng) => [anyFd(rng), rawMessages(rng), flags(rng)],
  recvmmsg: (rng) => [anyFd(rng), view(rng), mmsgCount(rng), int(rng), flags(rng), timeoutMs(rng), outView(rng), rawSenders(rng)],
  shutdown: (rng) => [anyFd(rng), how(rng)],
  close: (rng) => [ownedFd(rng)],
  getsockname: (rng) => [anyFd(rng)],
  getpeername: (rng) => [anyFd(rng)],
  getsockoptInt: (rng) => [anyFd(rng), ...optionLevelName(rng)],
  setsockoptInt: (rng) => [anyFd(rng), ...optionLevelName(rng), int(rng)],
  getsockoptBytes: (rng) => [anyFd(rng), ...optionLevelName(rng), view(rng)],
  setsockoptBytes: (rng) => [anyFd(rng), ...optionLevelName(rng), data(rng)],
  setsockoptFilter: (rng) => [anyFd(rng), filterBytes(rng)],
  getsockoptLinger: (rng) => [anyFd(rng), outView(rng)],
  setsockoptLinger: (rng) => [anyFd(rng), int(rng), int(rng)],
  getsockoptTimeval: (rng) => [anyFd(rng), optionName(rng), outView(rng)],
  setsockoptTimeval: (rng) => [anyFd(rng), optionName(rng), optionValue(rng)],
  getBlocking: (rng) => [anyFd(rng)],
  setBlocking: (rng) => [anyFd(rng), int(rng)],
  dup: (rng) => [anyFd(rng), dupMinimum(rng)],
  select: (rng) => [list(rng, anyFd), list(rng, anyFd), list(rng, anyFd), timeoutMs(rng)],
  poll: (rng) => [list(rng, anyFd), list(rng, arg(pollEvents)), timeoutMs(rng)],
  ioctl: (rng) => [anyFd(rng), ioctlRequest(rng)],
  epollCreate1: (rng) => [epollFlags(rng)],
  epollCtl: (rng) => [anyFd(rng), epollOp(rng), anyFd(rng), epollEvents(rng)],
  epollWait: (rng) => [anyFd(rng), maxEvents(rng), epollWaitTimeout(rng), epollOut(rng)],
  getaddrinfo: (rng) => [rawHost(rng), service(rng), int(rng), int(rng), int(rng), aiFlags(rng)],
  getaddrinfoAsync: (rng) => [rawHost(rng), service(rng), int(rng), int(rng), int(rng), aiFlags(rng), lookupCallback(rng)],
  sockaddrInet: (rng) => [domain(rng), generic(rng), int(rng), int(rng), int(rng), arg(view)(rng)],
  sockaddrUnix: (rng) => [arg(view)(rng)],
  sockaddrLl: (rng) => [int(rng), int(rng), int(rng), int(rng), arg(view)(rng)],
  ifNametoindex: (rng) => [arg(view)(rng)],
  ifIndextoname: (rng) => [int(rng)],
  own: (rng) => [ownedFd(rng)],
  holderOf: (rng) => [anyFd(rng)],
  disown: (rng) => [anyFd(rng)],
};

/** Calls after which the sockets they touched are put back in their guarded state. */
export const REGUARD = /set|Blocking|fromFd|Poller/;
