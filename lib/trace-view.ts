// A recorded syscall trace (SOCKCALL_TRACE, strace's notation) drawn as a sequence diagram in SVG:
// one lane per [pid N] (thread or process), time flowing down, each call a box, and arrows where
// the trace itself proves that two calls are the two ends of one thing: a connect and the accept
// that took it, a send and the recv that got its bytes. Pure text in, pure text out: no syscall,
// no clock, nothing random, so the same trace always gives the same SVG.
//
// What justifies an arrow (docs/tracing.md says it for users):
//   - connect -> accept: the connect's address is the listening socket's address (its bind, or its
//     getsockname when bound to port 0; a wildcard address takes any host of its family), and the
//     connect began before the accept returned. When the connecting socket's own address is in the
//     trace (getsockname or bind) it must equal the peer accept returned (or getpeername on the
//     accepted socket said); without it, connects and accepts are paired in order (the accept
//     queue is first in, first out) and the arrow is dashed.
//   - send -> recv on a connection so paired (or a socketpair): a byte stream keeps order, so the
//     bytes a send wrote are at known offsets of the stream, and so are those a recv read; arrows join
//     the calls whose ranges overlap, labelled with the bytes they share. The bytes both sides show
//     (the first 32 of each) must agree where they overlap, and the recv must end after the send
//     began; else the trace misses part of the stream (a call it does not show) and that direction
//     gets no more arrows. MSG_PEEK reads consume nothing and get none.
//   - a datagram: sendto/sendmsg of N bytes to the address a socket was bound to, and a recvfrom/
//     recvmsg on that socket that returned N bytes with the same first bytes, from the sender's own
//     address when the trace has it; paired in order.
// fds are per lane: a lane's fd is the socket that lane created or accepted (threads of one process
// share fds, but the trace does not say which lanes are one process). A lane that opens an fd twice
// without closing it is several processes in one (traced without [pid N]): it gets no arrows.
import { addressText } from './address-text';
import { invalidArgType, invalidArgValue } from './errors';
import { validateObject } from './validate';

/**
 * Options of {@link traceView}.
 *
 * @category Tracing
 */
export interface TraceViewOptions {
  /** The diagram's title (default: 'syscall trace'). */
  title?: string;
}

interface Address {
  /** 'AF_INET', 'AF_INET6' or 'AF_UNIX'. */
  family: string;
  /** The host, or the Unix path as strace quotes it. */
  host: string;
  port: number;
}

interface Call {
  /** Its line in the input, from 1. */
  line: number;
  lane: Lane;
  name: string;
  args: string[];
  result: string;
  /** The numeric result (-1 for a failure). */
  value: number;
  /** The errno name of a failure. */
  errno: string | undefined;
  /** Microseconds since midnight, when the line has a timestamp. */
  start: number | undefined;
  /** Microseconds, when the line has a duration. */
  duration: number | undefined;
  /**
   * When it may have begun and ended, on one scale for all lanes: its timestamp and duration; without
   * a duration, until the lane's next call began; without timestamps, the lines' order (a line is
   * written when its call returns, so a call began after the line before it in its lane).
   */
  begins: number;
  ends: number;
  /** The socket its fd argument names, in its lane. */
  socket?: TracedSocket;
  /** Where the box is drawn. */
  top: number;
  bottom: number;
}

interface Lane {
  key: string;
  label: string;
  index: number;
  calls: Call[];
  /**
   * An fd it opened twice without closing it between: the lines of several processes without
   * [pid N], or a trace with lines missing. Its fds name nothing for sure, so it gets no arrows.
   */
  mixed?: number;
}

interface TracedSocket {
  lane: Lane;
  family: string;
  stream: boolean;
  local?: Address;
  /** The address its connect named. */
  target?: Address;
  /** The connect that made it a connection, or the accept that made it. */
  connect?: Call;
  accept?: Call;
  /** accept's report of the peer. */
  acceptedPeer?: Address;
  /** The other end of its connection, once that is proved. */
  peer?: TracedSocket;
  sends: Call[];
  recvs: Call[];
}

interface Arrow {
  from: Call;
  to: Call;
  label: string;
  kind: 'connect' | 'data';
  /** Paired in order, without an address to prove it. */
  byOrder: boolean;
}

// --- reading the lines --------------------------------------------------------------------------

// `[pid N] ` as strace -f writes it to stderr, or `N ` as it writes it to a file (-o).
const LINE = /^(?:\[pid +(\d+)\] +|(\d+) +)?(?:(\d\d):(\d\d):(\d\d)\.(\d{6}) +)?([a-z_][a-z0-9_]*)\((.*)$/;
/** strace -f's two halves of a call that another process's lines interrupted. */
const UNFINISHED = /\s*<unfinished \.\.\.>$/;
const RESUMED = /^(?:\[pid +(\d+)\] +|(\d+) +)?(?:\d\d:\d\d:\d\d\.\d{6} +)?<\.\.\. ([a-z_][a-z0-9_]*) resumed>\s*(.*)$/;
const RESULT = /^\s*= (-?\d+|0x[0-9a-f]+)(?: ([A-Z][A-Z0-9_]*))?(.*?)(?: <(\d+)\.(\d{6})>)?$/;
const DAY_US = 86_400_000_000;

/** Splits an argument list at its top-level commas; returns the arguments and the text after ')'. */
function splitArguments(text: string): { args: string[]; rest: string } | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return undefined;
    } else if (ch === '(' || ch === '{' || ch === '[') {
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ')') {
      if (depth === 0) {
        const last = text.slice(start, i).trim();
        if (last !== '' || args.length > 0) args.push(last);
        return { args, rest: text.slice(i + 1) };
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return undefined;
}

function parse(text: string): { lanes: Lane[]; calls: Call[]; skipped: number } {
  const lanes = new Map<string, Lane>();
  const calls: Call[] = [];
  let skipped = 0;
  const lines = text.split('\n');
  /** Each pid's call that strace left unfinished: its line so far. */
  const unfinished = new Map<string, string>();
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (UNFINISHED.test(line)) {
      unfinished.set(/^(?:\[pid +(\d+)\]|(\d+) )/.exec(line)?.slice(1).find(Boolean) ?? '', line.replace(UNFINISHED, ''));
      continue;
    }
    const resumed = RESUMED.exec(line);
    if (resumed) {
      // The call's line as it would have been, begun at the first half's time.
      const key = resumed[1] ?? resumed[2] ?? '';
      const first = unfinished.get(key);
      unfinished.delete(key);
      if (first === undefined || !first.includes(`${resumed[3]}(`)) {
        skipped++;
        continue;
      }
      line = `${first}${first.endsWith('(') ? '' : ' '}${resumed[4]}`;
    }
    const head = LINE.exec(line);
    const split = head ? splitArguments(head[8]!) : undefined;
    const tail = split ? RESULT.exec(split.rest) : null;
    if (!head || !split || !tail) {
      skipped++;
      continue;
    }
    const key = head[1] ?? head[2] ?? '';
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { key, label: key === '' ? 'main thread' : `pid ${key}`, index: lanes.size, calls: [] };
      lanes.set(key, lane);
    }
    const value = tail[1]!.startsWith('0x') ? parseInt(tail[1]!, 16) : Number(tail[1]);
    let start: number | undefined;
    if (head[3] !== undefined) {
      start = ((Number(head[3]) * 60 + Number(head[4])) * 60 + Number(head[5])) * 1e6 + Number(head[6]);
      // A lane's lines are in the order its calls returned: one that seems to go back by more than
      // half a day crossed midnight.
      const before = lane.calls.at(-1)?.start;
      if (before !== undefined) while (start < before - DAY_US / 2) start += DAY_US;
    }
    const call: Call = {
      line: n + 1,
      lane,
      name: head[7]!,
      args: split.args,
      result: `${tail[1]}${tail[2] ? ` ${tail[2]}` : ''}`,
      value,
      errno: value < 0 ? tail[2] : undefined,
      start,
      duration: tail[4] === undefined ? undefined : Number(tail[4]) * 1e6 + Number(tail[5]),
      begins: 0,
      ends: 0,
      top: 0,
      bottom: 0,
    };
    lane.calls.push(call);
    calls.push(call);
  }
  const timed = calls.every((call) => call.start !== undefined);
  for (const lane of lanes.values()) {
    lane.calls.forEach((call, i) => {
      const next = lane.calls[i + 1];
      if (timed) {
        call.begins = call.start!;
        call.ends = call.duration !== undefined ? call.start! + call.duration : Math.max(call.start!, next?.start ?? call.start!);
      } else {
        call.begins = (lane.calls[i - 1]?.line ?? call.line - 1) + 0.5;
        call.ends = call.line;
      }
    });
  }
  return { lanes: [...lanes.values()], calls, skipped };
}

/** An address as strace prints a sockaddr, or undefined for NULL, AF_UNSPEC, an unnamed socket. */
function address(text: string | undefined): Address | undefined {
  if (text === undefined) return undefined;
  let m = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]*)"\)/.exec(text);
  if (m) return { family: 'AF_INET', host: m[2]!, port: Number(m[1]) };
  m = /sa_family=AF_INET6, sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]*)"/.exec(text);
  if (m) return { family: 'AF_INET6', host: m[2]!, port: Number(m[1]) };
  m = /sa_family=AF_UNIX, sun_path=(@?"(?:[^"\\]|\\.)*")/.exec(text);
  if (m) return { family: 'AF_UNIX', host: m[1]!, port: 0 };
  return undefined;
}

/** '127.0.0.1:3005', '[::1]:3005', or a Unix path as strace quotes it. */
function shown(a: Address): string {
  return a.family === 'AF_UNIX' ? a.host : addressText({ address: a.host, port: a.port });
}

const sameAddress = (a: Address, b: Address): boolean => a.family === b.family && a.host === b.host && a.port === b.port;

/** Whether a connect or sendto aimed at `target` reaches a socket bound to `bound`. */
function reaches(target: Address, bound: Address): boolean {
  if (target.family !== bound.family) return false;
  if (bound.family === 'AF_UNIX') return target.host === bound.host;
  if (bound.port === 0 || target.port !== bound.port) return false;
  return bound.host === target.host || bound.host === '0.0.0.0' || bound.host === '::';
}

/** The bytes of a C string literal as strace writes one; undefined if the text is not one. */
function unquote(text: string | undefined): number[] | undefined {
  const m = text === undefined ? null : /^"((?:[^"\\]|\\.)*)"/.exec(text);
  if (!m) return undefined;
  const body = m[1]!;
  const bytes: number[] = [];
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') {
      bytes.push(body.charCodeAt(i));
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1));
    if (octal) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += octal[0].length;
    } else {
      bytes.push(escapes[body[i + 1]!] ?? body.charCodeAt(i + 1));
      i++;
    }
  }
  return bytes;
}

/** The first bytes a send or recv shows: its buffer, or the first iovec's. */
function shownBytes(call: Call): number[] | undefined {
  if (call.name !== 'sendmsg' && call.name !== 'recvmsg') return unquote(call.args[1]);
  const m = /msg_iov=\[\{iov_base=("(?:[^"\\]|\\.)*")/.exec(call.args[1] ?? '');
  return m ? unquote(m[1]) : undefined;
}

/**
 * Whether a send's and a recv's bytes agree as far as both show them, the send's first byte being
 * the recv's byte at `shift` (negative: the recv's first is the send's byte at -shift).
 */
function sameBytes(send: Call, recv: Call, shift = 0): boolean {
  const x = shownBytes(send);
  const y = shownBytes(recv);
  if (x === undefined || y === undefined) return true;
  for (let i = Math.max(0, -shift); i < x.length && i + shift < y.length; i++) if (x[i] !== y[i + shift]) return false;
  return true;
}

/** A send's or recv's address: sendto's dest_addr, recvfrom's src_addr, a msghdr's msg_name. */
function messageAddress(call: Call): Address | undefined {
  if (call.name === 'sendto' || call.name === 'recvfrom') return address(call.args[4]);
  return call.name === 'sendmsg' || call.name === 'recvmsg' ? address(/msg_name=(\{[^}]*\})/.exec(call.args[1] ?? '')?.[1]) : undefined;
}

// write and read: what strace shows of a C program that uses them on a socket.
const SENDS = new Set(['sendto', 'sendmsg', 'write']);
const RECVS = new Set(['recvfrom', 'recvmsg', 'read']);

// --- what the calls mean ------------------------------------------------------------------------

/** Follows each lane's fds through its calls, giving each call its socket. */
function follow(lanes: Lane[]): TracedSocket[] {
  const sockets: TracedSocket[] = [];
  for (const lane of lanes) {
    const fds = new Map<number, TracedSocket>();
    const open = (family: string, stream: boolean): TracedSocket => {
      const socket: TracedSocket = { lane, family, stream, sends: [], recvs: [] };
      sockets.push(socket);
      return socket;
    };
    const give = (fd: number, socket: TracedSocket): void => {
      if (fds.has(fd)) lane.mixed ??= fd;
      fds.set(fd, socket);
    };
    for (const call of lane.calls) {
      const fd = Number(call.args[0]);
      const socket = Number.isInteger(fd) ? fds.get(fd) : undefined;
      call.socket = socket;
      const ok = call.value >= 0;
      switch (call.name) {
        case 'socket':
          if (ok) give(call.value, open(call.args[0] ?? '', /SOCK_STREAM|SOCK_SEQPACKET/.test(call.args[1] ?? '')));
          break;
        case 'socketpair': {
          const pair = /^\[(\d+), (\d+)\]$/.exec(call.args[3] ?? '');
          if (ok && pair) {
            const stream = /SOCK_STREAM|SOCK_SEQPACKET/.test(call.args[1] ?? '');
            const a = open(call.args[0] ?? '', stream);
            const b = open(call.args[0] ?? '', stream);
            a.peer = b;
            b.peer = a;
            give(Number(pair[1]), a);
            give(Number(pair[2]), b);
          }
          break;
        }
        case 'bind':
        case 'getsockname':
          if (ok && socket) socket.local = address(call.args[1]) ?? socket.local;
          break;
        case 'getpeername':
          // An accepted socket's peer, when accept itself was not asked for it (sockcall's is not).
          if (ok && socket?.accept) socket.acceptedPeer ??= address(call.args[1]);
          break;
        case 'connect':
          if (socket && (ok || call.errno === 'EINPROGRESS')) {
            socket.target = address(call.args[1]);
            socket.connect = call;
          }
          break;
        case 'accept':
        case 'accept4':
          if (ok && socket) {
            const accepted = open(socket.family, socket.stream);
            accepted.accept = call;
            accepted.acceptedPeer = address(call.args[1]);
            accepted.local = socket.local;
            give(call.value, accepted);
          }
          break;
        case 'getsockopt':
          // A non-blocking connect that failed after all (SO_ERROR says why): no connection to draw.
          if (ok && socket?.connect && call.args[2] === 'SO_ERROR' && !/^\[0\]$/.test(call.args[3] ?? '')) socket.connect = undefined;
          break;
        case 'fcntl':
          if (ok && socket && call.args[1] === 'F_DUPFD_CLOEXEC') give(call.value, socket);
          break;
        case 'close':
          fds.delete(fd);
          break;
        default:
          if (socket && ok && SENDS.has(call.name)) socket.sends.push(call);
          // A peek or out-of-band read takes nothing from the stream.
          if (socket && ok && RECVS.has(call.name) && !/MSG_PEEK|MSG_OOB/.test(call.args.at(-1) ?? '')) socket.recvs.push(call);
      }
    }
  }
  return sockets.filter((socket) => socket.lane.mixed === undefined);
}

const begins = (call: Call): number => call.begins;
const ends = (call: Call): number => call.ends;

/** connect -> accept: pairs by addresses where the trace has them, else in order. */
function matchConnections(sockets: TracedSocket[], arrows: Arrow[]): void {
  const connecting = sockets.filter((s) => s.connect !== undefined && s.target !== undefined && s.stream);
  const taken = new Set<TracedSocket>();
  const pair = (client: TracedSocket, server: TracedSocket, byOrder: boolean): void => {
    taken.add(client);
    client.peer = server;
    server.peer = client;
    arrows.push({ from: client.connect!, to: server.accept!, label: 'connect', kind: 'connect', byOrder });
  };
  const fits = (client: TracedSocket, server: TracedSocket): boolean =>
    !taken.has(client) && reaches(client.target!, server.accept!.socket!.local!) && begins(client.connect!) <= ends(server.accept!);
  const accepted = sockets.filter((s) => s.accept !== undefined && s.accept.socket?.local !== undefined);
  const addressKey = (a: Address): string => `${a.family} ${a.host} ${a.port}`;
  // First the pairs the addresses prove: accept's peer is the connecting socket's own address.
  const byOwnAddress = new Map<string, TracedSocket[]>();
  for (const client of connecting) {
    if (client.local === undefined || client.local.port === 0) continue;
    const key = addressKey(client.local);
    const list = byOwnAddress.get(key);
    if (list) list.push(client);
    else byOwnAddress.set(key, [client]);
  }
  for (const server of accepted) {
    if (server.acceptedPeer === undefined) continue;
    const proved = (byOwnAddress.get(addressKey(server.acceptedPeer)) ?? []).filter((client) => fits(client, server));
    if (proved.length === 1) pair(proved[0]!, server, false);
  }
  // Then the rest in order, listening socket by listening socket, leaving out a connecting socket
  // whose known address is someone else's.
  const byListener = new Map<TracedSocket, TracedSocket[]>();
  for (const server of accepted) {
    if (server.peer !== undefined) continue;
    const listener = server.accept!.socket!;
    const list = byListener.get(listener);
    if (list) list.push(server);
    else byListener.set(listener, [server]);
  }
  for (const [listener, servers] of byListener) {
    servers.sort((a, b) => ends(a.accept!) - ends(b.accept!) || a.accept!.line - b.accept!.line);
    const queue = connecting
      .filter((client) => reaches(client.target!, listener.local!))
      .sort((a, b) => begins(a.connect!) - begins(b.connect!) || a.connect!.line - b.connect!.line);
    let first = 0;
    for (const server of servers) {
      while (first < queue.length && taken.has(queue[first]!)) first++;
      for (let i = first; i < queue.length && begins(queue[i]!.connect!) <= ends(server.accept!); i++) {
        const client = queue[i]!;
        if (!fits(client, server) || (server.acceptedPeer !== undefined && client.local !== undefined && client.local.port !== 0)) continue;
        pair(client, server, true);
        break;
      }
    }
  }
}

/** send -> recv along one direction of a byte stream, by the offsets of the bytes. */
function matchStream(from: TracedSocket, to: TracedSocket, arrows: Arrow[]): void {
  let sendIndex = 0;
  let sendStart = 0;
  let recvStart = 0;
  for (const recv of to.recvs) {
    if (recv.value === 0) break;
    const recvEnd = recvStart + recv.value;
    while (sendIndex < from.sends.length) {
      const send = from.sends[sendIndex]!;
      const sendEnd = sendStart + send.value;
      const shared = Math.min(sendEnd, recvEnd) - Math.max(sendStart, recvStart);
      if (shared > 0) {
        // The trace misses part of the stream, or the two do not belong together: stop here.
        if (ends(recv) < begins(send) || !sameBytes(send, recv, sendStart - recvStart)) return;
        // The whole send, or the part of it this recv took.
        const label = shared === send.value ? `${shared} bytes` : `${shared} of ${send.value} bytes`;
        arrows.push({ from: send, to: recv, label, kind: 'data', byOrder: false });
      }
      if (sendEnd > recvEnd) break;
      sendStart = sendEnd;
      sendIndex++;
    }
    recvStart = recvEnd;
  }
}

/** sendto -> recvfrom of datagrams: the address, the size and the first bytes agree; in order. */
function matchDatagrams(sockets: TracedSocket[], arrows: Arrow[]): void {
  const used = new Set<Call>();
  const receivers = sockets.filter((s) => !s.stream && s.local !== undefined);
  for (const sender of sockets.filter((s) => !s.stream)) {
    for (const send of sender.sends) {
      const to = messageAddress(send) ?? sender.target;
      if (to === undefined) continue;
      for (const receiver of receivers) {
        if (!reaches(to, receiver.local!)) continue;
        const recv = receiver.recvs.find((r) => {
          if (used.has(r) || r.value !== send.value || ends(r) < begins(send) || !sameBytes(send, r)) return false;
          const source = messageAddress(r);
          return source === undefined || sender.local === undefined || sender.local.port === 0 || sameAddress(source, sender.local);
        });
        if (recv === undefined) continue;
        used.add(recv);
        arrows.push({ from: send, to: recv, label: `${send.value} bytes`, kind: 'data', byOrder: false });
        break;
      }
    }
  }
}

// --- drawing ------------------------------------------------------------------------------------

const LANE_WIDTH = 400;
const BOX_WIDTH = 290;
const BOX_HEIGHT = 34;
const GAP = 6;
const MARGIN = 20;
const HEADER = 96;
const CHARS = 42;
const FONT = "font-family=\"'DejaVu Sans Mono', Menlo, Consolas, monospace\"";

const COLOURS = {
  ok: { fill: '#eef3fb', stroke: '#5b7db1' },
  wait: { fill: '#fff4e0', stroke: '#d98b19' },
  error: { fill: '#fde7e7', stroke: '#c0392b' },
  connect: '#1e8449',
  data: '#2c3e50',
};
/** Errors that say "not yet" rather than "no". */
const NOT_YET = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINPROGRESS', 'EINTR', 'EALREADY']);

function escape(text: string): string {
  // Control characters have no place in XML 1.0, even escaped.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cut(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** Each call's arguments that its box leaves out: the lengths of addresses and option values. */
const HIDDEN: Record<string, number[]> = {
  bind: [2],
  connect: [2],
  getsockname: [2],
  getpeername: [2],
  setsockopt: [4],
  getsockopt: [4],
  sendto: [5],
  recvfrom: [5],
  accept: [2],
  accept4: [2],
};

/** A call as a box shows it: addresses as host:port, data cut short, trailing NULLs left out. */
function shortCall(call: Call): string {
  const args = call.args.map((arg) => {
    const a = address(arg);
    if (a) return shown(a);
    if (arg.startsWith('{msg_name=')) {
      const name = messageAddress(call);
      const data = /msg_iov=\[\{iov_base=("(?:[^"\\]|\\.)*")/.exec(arg)?.[1];
      return `{${[name ? shown(name) : '', data ? cut(data, 12) : ''].filter(Boolean).join(', ')}}`;
    }
    if (arg.startsWith('{sa_family=')) return `{${/sa_family=(\w+)/.exec(arg)![1]}}`;
    const quoted = /^"((?:[^"\\]|\\.)*)"(\.\.\.)?$/.exec(arg);
    if (quoted && quoted[1]!.length > 10) return `"${quoted[1]!.slice(0, 8).replace(/\\[0-7]{0,2}$|\\$/, '')}"…`;
    return arg.replace(/^(\w+)\|(?:SOCK_CLOEXEC|SOCK_NONBLOCK)(?:\|SOCK_NONBLOCK)?$/, '$1');
  });
  // The lengths that go with addresses and options, and the NULLs of an address not asked for.
  const unshown = new Set(HIDDEN[call.name] ?? []);
  if (/^(sendto|recvfrom)$/.test(call.name) && call.args[4] === 'NULL') unshown.add(4);
  if (/^accept4?$/.test(call.name) && call.args[1] === 'NULL') unshown.add(1);
  return cut(`${call.name}(${args.filter((_, i) => !unshown.has(i)).join(', ')})`, CHARS);
}

function durationText(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 2 : 1)} ms`;
  return `${(us / 1e6).toFixed(3)} s`;
}

/** The legend: a mark and what it means. */
const LEGEND: [string, string][] = [
  [`<rect x="0" y="-10" width="22" height="13" rx="2" fill="${COLOURS.ok.fill}" stroke="${COLOURS.ok.stroke}"/>`, 'call'],
  [`<rect x="0" y="-10" width="22" height="13" rx="2" fill="${COLOURS.wait.fill}" stroke="${COLOURS.wait.stroke}"/>`, 'not yet (EAGAIN...)'],
  [`<rect x="0" y="-10" width="22" height="13" rx="2" fill="${COLOURS.error.fill}" stroke="${COLOURS.error.stroke}"/>`, 'error'],
  [`<path d="M 0 -4 L 20 -4" stroke="${COLOURS.connect}" stroke-width="1.6" marker-end="url(#head-connect)"/>`, 'connect → accept'],
  [`<path d="M 0 -4 L 20 -4" stroke="${COLOURS.data}" stroke-width="1.6" marker-end="url(#head-data)"/>`, 'bytes sent → received'],
  [`<path d="M 0 -4 L 20 -4" stroke="#555555" stroke-width="1.6" stroke-dasharray="4 3"/>`, 'paired in order'],
];

/** Gives each call its top and bottom: time flows down, not to scale, no box over another. */
function layout(calls: Call[]): number {
  const events: { at: number; order: number; call: Call; end: boolean }[] = [];
  for (const call of calls) {
    const { begins: start, ends: end } = call;
    events.push({ at: start, order: 1, call, end: false });
    // Ends before the starts of the same moment, unless the call took no time at all.
    events.push({ at: end, order: end > start ? 0 : 2, call, end: true });
  }
  events.sort((a, b) => a.at - b.at || a.order - b.order || a.call.line - b.call.line);
  const laneBottom = new Map<Lane, number>();
  let cursor = HEADER;
  // A call that ends after another began reaches below that one's top, so an arrow between the two
  // can run level.
  let lastTop = HEADER;
  for (const event of events) {
    const { call } = event;
    if (!event.end) {
      call.top = Math.max(cursor, (laneBottom.get(call.lane) ?? HEADER - GAP) + GAP);
      cursor = call.top;
      lastTop = call.top;
    } else {
      call.bottom = Math.max(cursor, call.top + BOX_HEIGHT, lastTop + 20);
      cursor = call.bottom;
      laneBottom.set(call.lane, call.bottom);
    }
  }
  return cursor;
}

/** What a lane does, in a few words: whom it listens for and whom it connects to. */
function role(lane: Lane): string {
  const parts: string[] = [];
  for (const call of lane.calls) {
    const where = call.name === 'listen' ? call.socket?.local : call.name === 'connect' ? call.socket?.target : undefined;
    if (where === undefined || !(call.value >= 0 || call.errno === 'EINPROGRESS')) continue;
    const part = `${call.name === 'listen' ? 'listens on' : 'connects to'} ${shown(where)}`;
    if (!parts.includes(part)) parts.push(part);
  }
  return parts.join(', ');
}

const laneX = (lane: Lane): number => MARGIN + lane.index * LANE_WIDTH + (LANE_WIDTH - BOX_WIDTH) / 2;

function drawArrow(arrow: Arrow, out: string[]): void {
  const { from, to } = arrow;
  // Level where the two boxes overlap in height, else as little downhill as can be: never up.
  const clamp = (y: number, low: number, high: number): number => Math.min(Math.max(y, low), Math.max(low, high));
  const y1 = clamp((from.top + from.bottom) / 2, from.top + 8, Math.min(from.bottom, to.bottom) - 8);
  const y2 = clamp(y1, to.top + 8, to.bottom - 8);
  const colour = arrow.kind === 'connect' ? COLOURS.connect : COLOURS.data;
  const dash = arrow.byOrder ? ' stroke-dasharray="6 4"' : '';
  const marker = arrow.kind === 'connect' ? 'url(#head-connect)' : 'url(#head-data)';
  let d: string;
  let labelX: number;
  let labelY: number;
  let anchor = 'start';
  if (from.lane === to.lane) {
    // Within a lane (a socketpair, or a process talking to itself): a loop out on the right.
    const x = laneX(from.lane) + BOX_WIDTH;
    d = `M ${x} ${y1} C ${x + 28} ${y1}, ${x + 28} ${y2}, ${x} ${y2}`;
    labelX = x + 26;
    labelY = y1 + 12;
  } else {
    const right = to.lane.index > from.lane.index;
    const x1 = laneX(from.lane) + (right ? BOX_WIDTH : 0);
    const x2 = laneX(to.lane) + (right ? 0 : BOX_WIDTH);
    d = `M ${x1} ${y1} L ${x2} ${y2}`;
    labelX = (x1 + x2) / 2;
    labelY = (y1 + y2) / 2 - 5;
    anchor = 'middle';
  }
  out.push(
    `<g class="arrow ${arrow.kind}" data-from-line="${from.line}" data-to-line="${to.line}" data-bytes="${arrow.kind === 'data' ? /^\d+/.exec(arrow.label)![0] : ''}" data-by-order="${arrow.byOrder}">` +
      `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"${dash} marker-end="${marker}"/>` +
      `<text x="${labelX}" y="${labelY}" text-anchor="${anchor}" font-size="10.5" fill="${colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escape(arrow.label)}</text></g>`,
  );
}

/**
 * Draws a recorded syscall trace as a sequence diagram, an SVG document.
 *
 * The trace is what `SOCKCALL_TRACE` (or {@link trace}) writes, in strace's notation; best recorded
 * with `SOCKCALL_TRACE=ptT` (`[pid N]` on every line, timestamps, durations), so that the lines of
 * several processes written to one file fall into their own lanes and line up in time. Each lane is
 * a thread or process (`[pid N]`; lines without it are `main thread`), time flows down (in order,
 * not to scale; without timestamps, in the order the calls returned), and each call is a box with its call (addresses as host:port, data cut short), its
 * result and how long it took; orange for a failure that means "not yet" (EAGAIN, EINPROGRESS,
 * EINTR), red for the others. Arrows join a connect to the accept that took it and a send to the
 * recv that got its bytes, only where the trace's addresses and byte counts prove it (dashed: paired
 * in order, the connecting socket's own address is not in the trace); docs/tracing.md has the rules.
 * strace's own output reads too (`strace -f -tt -T`: `[pid N]` or `-o`'s `N` prefix, and a call's
 * `<unfinished ...>` and `<... resumed>` halves joined). Lines of other output mixed into the trace
 * are skipped (the diagram's footer counts them).
 *
 * Deterministic: the same text gives the same SVG. The `sockcall trace-view` command runs it.
 *
 * @param text - the trace's lines.
 * @param options - `title`.
 * @returns the SVG document.
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) for a text that is not a string, or bad options;
 * `TypeError` (`ERR_INVALID_ARG_VALUE`) for a text with no trace line in it (empty, or not a trace).
 * @example
 * ```ts
 * import { readFileSync, writeFileSync } from 'node:fs';
 * // SOCKCALL_TRACE=ptT node server.js 2>> trace.log & SOCKCALL_TRACE=ptT node client.js 2>> trace.log
 * writeFileSync('flow.svg', traceView(readFileSync('trace.log', 'utf8'), { title: 'echo' }));
 * ```
 *
 * @category Tracing
 */
export function traceView(text: string, options: TraceViewOptions = {}): string {
  if (typeof text !== 'string') throw invalidArgType('text', 'of type string', text);
  const { title = 'syscall trace' } = validateObject(options, 'options', ['title']);
  if (typeof title !== 'string') throw invalidArgType('options.title', 'of type string', title);
  const { lanes, calls, skipped } = parse(text);
  if (calls.length === 0) {
    throw invalidArgValue('text', text.length > 60 ? `${text.slice(0, 60)}...` : text, 'holds no line of a syscall trace (SOCKCALL_TRACE, strace notation)');
  }
  const arrows: Arrow[] = [];
  const sockets = follow(lanes);
  matchConnections(sockets, arrows);
  for (const socket of sockets) if (socket.stream && socket.peer) matchStream(socket, socket.peer, arrows);
  matchDatagrams(sockets, arrows);

  const bottom = layout(calls);
  // Room on the right for the labels of arrows that loop within the last lane.
  const width = MARGIN * 2 + lanes.length * LANE_WIDTH + 40;
  const legendY = bottom + 28;
  const perRow = Math.max(1, Math.floor((width - 2 * MARGIN) / 190));
  const legendRows = Math.ceil(LEGEND.length / perRow);
  const mixed = lanes.filter((lane) => lane.mixed !== undefined).map((lane) => `${lane.label} opened fd ${lane.mixed} twice without a close (several processes without [pid N]?): no arrows for it`);
  const height = legendY + 20 * legendRows + 30 + 14 * mixed.length;
  const timed = calls.every((c) => c.start !== undefined);
  const origin = timed ? calls.reduce((min, c) => Math.min(min, c.start!), Infinity) : 0;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`,
    `<title>${escape(title)}</title>`,
    '<defs>',
    ...(['connect', 'data'] as const).map(
      (kind) => `<marker id="head-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M 0 0 L 10 5 L 0 10 z" fill="${COLOURS[kind]}"/></marker>`,
    ),
    '</defs>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="24" font-size="14" font-weight="bold" fill="#222222">${escape(cut(title, Math.floor((width - 2 * MARGIN) / 8.5)))}</text>`,
    `<text x="${MARGIN}" y="40" font-size="10.5" fill="#666666">${escape(`${calls.length} calls in ${lanes.length} lane${lanes.length === 1 ? '' : 's'}; time flows down, in order, not to scale${timed ? '' : ' (no timestamps: in the order the calls returned)'}`)}</text>`,
  );
  for (const lane of lanes) {
    const centre = MARGIN + lane.index * LANE_WIDTH + LANE_WIDTH / 2;
    out.push(
      `<g class="lane" data-lane="${escape(lane.key)}">`,
      `<rect x="${laneX(lane)}" y="${HEADER - 32}" width="${BOX_WIDTH}" height="22" rx="4" fill="#34495e"/>`,
      `<text x="${centre}" y="${HEADER - 17}" text-anchor="middle" font-size="12" font-weight="bold" fill="#ffffff">${escape(lane.label)}</text>`,
      `<text x="${centre}" y="${HEADER - 38}" text-anchor="middle" font-size="10.5" fill="#555555">${escape(cut(role(lane), CHARS))}</text>`,
      `<line x1="${centre}" y1="${HEADER - 10}" x2="${centre}" y2="${bottom + 8}" stroke="#b0b8c4" stroke-dasharray="3 3"/>`,
      '</g>',
    );
  }
  for (const call of calls) {
    const colour = call.value >= 0 ? COLOURS.ok : NOT_YET.has(call.errno ?? '') ? COLOURS.wait : COLOURS.error;
    const x = laneX(call.lane);
    const when = call.start === undefined ? '' : `+${durationText(call.start - origin)}`;
    const took = call.duration === undefined ? '' : durationText(call.duration);
    const right = [when, took].filter(Boolean).join(' · ');
    out.push(
      `<g class="call" data-line="${call.line}" data-name="${escape(call.name)}" data-result="${escape(call.result)}">`,
      `<rect x="${x}" y="${call.top}" width="${BOX_WIDTH}" height="${call.bottom - call.top}" rx="3" fill="${colour.fill}" stroke="${colour.stroke}"/>`,
      `<text x="${x + 6}" y="${call.top + 14}" fill="#1b2631">${escape(shortCall(call))}</text>`,
      `<text x="${x + 6}" y="${call.top + 28}" font-weight="bold" fill="${call.value >= 0 ? '#1b2631' : colour.stroke}">${escape(cut(`= ${call.result}`, CHARS - right.length - 1))}</text>`,
      right ? `<text x="${x + BOX_WIDTH - 6}" y="${call.top + 28}" text-anchor="end" font-size="10" fill="#666666">${escape(right)}</text>` : '',
      '</g>',
    );
  }
  for (const arrow of arrows) drawArrow(arrow, out);
  out.push(`<g class="legend" transform="translate(${MARGIN} ${legendY})" font-size="10.5" fill="#333333">`);
  LEGEND.forEach(([mark, label], i) => {
    out.push(`<g transform="translate(${(i % perRow) * 190} ${Math.floor(i / perRow) * 20})">${mark}<text x="30" y="0">${escape(label)}</text></g>`);
  });
  out.push('</g>');
  const byOrder = arrows.filter((a) => a.byOrder).length;
  const note = `${arrows.length} arrow${arrows.length === 1 ? '' : 's'}${byOrder > 0 ? ` (${byOrder} paired in order)` : ''}${skipped > 0 ? `; ${skipped} line${skipped === 1 ? '' : 's'} skipped, not trace lines` : ''}`;
  [note, ...mixed].forEach((line, i, all) => out.push(`<text class="note" x="${MARGIN}" y="${height - 10 - 14 * (all.length - 1 - i)}" font-size="10" fill="#666666">${escape(line)}</text>`));
  out.push('</svg>', '');
  return out.filter(Boolean).join('\n');
}
