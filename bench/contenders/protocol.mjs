// What every JS contender shares: the protocol's command line, output lines, data patterns and
// percentile, and the dispatch of ROLE WORKLOAD to the contender's own functions. The contenders
// keep only the code written in their API's idiom. (Not itself a contender: the runner names
// contenders by file.)
import { writeSync } from 'node:fs';

export const [role, workload, ...rest] = process.argv.slice(2);
export const args = Object.fromEntries(rest.map((arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]));

/** The numeric argument `key=`, or `fallback` if absent (required when no fallback). */
export function num(key, fallback) {
  const text = args[key];
  if (text === undefined) {
    if (fallback === undefined) throw new Error(`missing ${key}=`);
    return fallback;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`bad number ${key}=${text}`);
  return value;
}

/** A line on stdout, written at once (READY must reach the runner before the server blocks). */
export function print(line) {
  writeSync(1, `${line}\n`);
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted, p) {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

/** S + 251 bytes of the bulk pattern: the stream from offset k on is pattern.subarray(k % 251). */
export function bulkPattern(size) {
  const pattern = Buffer.allocUnsafe(size + 251);
  for (let i = 0; i < pattern.length; i++) pattern[i] = i % 251;
  return pattern;
}

/**
 * recv64k: the calls are timed in blocks of this many, alternating (recv then recvInto, recvInto then
 * recv ...), so that drift during the run (frequency, other load) falls on both alike.
 */
export const RECV64K_BLOCK = 1000;

/**
 * The RESULT of recv64k from the ns each block took, as [recv, recvInto] pairs: medians, so that a
 * block stretched by preemption on a loaded machine does not weigh on the figure.
 */
export function recv64kResult(blocks) {
  const median = (values) => percentile(values.sort((a, b) => a - b), 0.5);
  return {
    calls: blocks.length * RECV64K_BLOCK,
    recvNs: median(blocks.map(([recv]) => recv / RECV64K_BLOCK)),
    recvIntoNs: median(blocks.map(([, recvInto]) => recvInto / RECV64K_BLOCK)),
    ratio: median(blocks.map(([recv, recvInto]) => recv / recvInto)),
  };
}

/** The contender `name` failed: its error on stderr, exit code 1. */
export function fail(name, error) {
  process.stderr.write(`${name}: ${error?.stack ?? error}\n`);
  process.exit(1);
}

/** Runs workloads[`ROLE WORKLOAD`] (sync or async), or prints UNSUPPORTED. */
export function dispatch(name, workloads) {
  const run = workloads[`${role} ${workload}`];
  if (run === undefined) {
    print('UNSUPPORTED');
    return;
  }
  try {
    const result = run();
    if (result instanceof Promise) result.catch((error) => fail(name, error));
  } catch (error) {
    fail(name, error);
  }
}

/** http: the fixed response (the same bytes as HTTP_RESPONSE in bench/c/contender.c). */
export const HTTP_BODY = 'Hello, World!';
export const HTTP_RESPONSE = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${HTTP_BODY.length}\r\nConnection: keep-alive\r\n\r\n${HTTP_BODY}`,
);
/** A request longer than this is refused (the connection is closed), as by the C server. */
export const HTTP_MAX_REQUEST = 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const responseRuns = [HTTP_RESPONSE.subarray(0, 0), HTTP_RESPONSE];

/**
 * http: the minimal parsing every server shares (C's http_requests): the requests complete in
 * buf[0, length), each ending at the first "\r\n\r\n" after the one before. Returns the
 * responses to send for them, `count` of them in one Buffer (empty when none), and sets
 * `parsed.consumed` to where the last complete request ended. Bytes of buf past `length` are
 * ignored: they are what an earlier read left there.
 */
export function answerRequests(buf, length, parsed) {
  let count = 0;
  let at = 0;
  for (;;) {
    const end = buf.indexOf(HEADER_END, at);
    if (end < 0 || end + 4 > length) break;
    at = end + 4;
    count++;
  }
  parsed.consumed = at;
  return responseRuns[count] ?? (responseRuns[count] = Buffer.concat(Array(count).fill(HTTP_RESPONSE)));
}

/** How long V8 takes to hand the pages a full GC freed back to the system (a background task). */
const GC_SETTLE_MS = 200;

/**
 * For the runner's memory figures: on a line `GC` on stdin, a full GC (the contender runs with
 * --expose-gc), a pause for the freed pages to be unmapped, a second GC, the pause again, then "GC"
 * on stdout; the runner then reads the process's VmRSS. (Read right after one gc(), RSS still holds
 * pages V8 is about to release: 2 to 3 MiB here, more than 100 idle connections take.) A line on
 * stdin rather than a signal, so that a server blocked in a syscall (the blocking flavour's epoll
 * loop) can take the request too: it watches fd 0 and calls collectGarbageNow().
 */
export function collectGarbageOnRequest() {
  const settle = () => new Promise((resolve) => setTimeout(resolve, GC_SETTLE_MS));
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', async (chunk) => {
    pending += chunk;
    let at;
    while ((at = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, at).trim();
      pending = pending.slice(at + 1);
      if (line !== 'GC') continue;
      globalThis.gc();
      await settle();
      globalThis.gc();
      await settle();
      print('GC');
    }
  });
  process.stdin.unref(); // a server ends when its work does, not when the runner closes stdin
}

/** collectGarbageOnRequest's collection, for a server whose thread never returns to the event loop. */
export function collectGarbageNow() {
  const sleep = new Int32Array(new SharedArrayBuffer(4));
  globalThis.gc();
  Atomics.wait(sleep, 0, 0, GC_SETTLE_MS);
  globalThis.gc();
  Atomics.wait(sleep, 0, 0, GC_SETTLE_MS);
  print('GC');
}

/** udp: datagrams per sendmmsg/recvmmsg call, and the receiver's SO_RCVBUF (as bench/c/contender.c). */
export const UDP_BATCH = 64;
export const UDP_RCVBUF = 4 * 1024 * 1024;
/** udp: how long the receiver waits for the first datagram, in ms. */
export const UDP_FIRST_WAIT_MS = 15_000;

/**
 * udp: the api= argument, true for 'mmsg' (sendmmsg/recvmmsg), false for 'plain' (a datagram per
 * call) and, where `into` is taken (sockcall's receivers), for 'into' (recvfromInto: a datagram per
 * call into a reused buffer; its sender sends as 'plain').
 */
export function udpMmsg(into = false) {
  if (args.api === 'mmsg') return true;
  if (args.api === 'plain' || (into && args.api === 'into')) return false;
  throw new Error(`api=${args.api}: plain${into ? ', into' : ''} or mmsg`);
}

/** udp: whether api=into, sockcall's recvfromInto receiver. */
export function udpInto() {
  return args.api === 'into';
}

/**
 * udp: when the sender stops if it has not seen the receiver go away before (it looks every 256
 * calls: the ICMP port unreachable the receiver's closing brings sets its connected socket's error,
 * SO_ERROR ECONNREFUSED). The receiver's window opens at the first datagram: a second after the
 * window's length, it is over.
 */
export function udpSenderStop() {
  return performance.now() + (num('seconds') + 1) * 1000;
}

/** udp: how long the receiver leaves its queue to the sender before each drain, in ms. */
export const UDP_FILL_MS = 50;
/**
 * udp: the most datagrams one drain counts: fewer than the queue holds after the pause (8 MiB of
 * receive buffer takes some 3,500 datagrams of 1,200 bytes), so that every drain starts on a full
 * queue and takes the same number, however fast the receiver (bench/c/contender.c: UDP_DRAIN).
 */
export const UDP_DRAIN = 1024;

/** Blocks this thread for `ms` (the event loop too). */
export function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * udp: the receiver's count, in cycles over a window of `seconds=` from the first datagram: it
 * reads nothing for UDP_FILL_MS while the sender fills its queue (SO_RCVBUF is large, the excess is
 * dropped), then drains the queue as fast as it can: UDP_DRAIN datagrams, or fewer if a receive
 * would wait first, or the window ends. The figure is the
 * datagrams drained over the time spent draining (from the start of a drain to its last datagram):
 * what the receiver takes in while it always has datagrams waiting, however fast the sender is.
 */
export class UdpCycles {
  constructor() {
    this.size = num('size');
    this.seconds = num('seconds');
    this.count = 0;
    this.wrongSize = 0;
    this.busyMs = 0;
    this.cycles = 0;
  }

  /** Opens the window (at the first datagram); then, while more() is true: sleepMs(UDP_FILL_MS), drain. */
  open() {
    this.start = performance.now();
    this.end = this.start + this.seconds * 1000;
  }

  more() {
    return performance.now() < this.end;
  }

  /** A drain starts. */
  draining() {
    this.drainStart = performance.now();
    this.last = this.drainStart;
    this.drainFrom = this.count;
  }

  /**
   * `n` datagrams received, `wrong` of them of another size than `size=`. True when the drain is
   * over: UDP_DRAIN taken, or the window ended.
   */
  got(n, wrong) {
    this.count += n;
    this.wrongSize += wrong;
    this.last = performance.now();
    return this.count - this.drainFrom >= UDP_DRAIN || this.last >= this.end;
  }

  /** The drain found the queue empty. */
  drained() {
    this.busyMs += this.last - this.drainStart;
    this.cycles++;
  }

  print() {
    const busySeconds = this.busyMs / 1000;
    const seconds = (performance.now() - this.start) / 1000;
    print(`RESULT ${JSON.stringify({ datagrams: this.count, busySeconds, seconds, cycles: this.cycles, perSec: this.count / busySeconds, wrongSize: this.wrongSize })}`);
  }
}
