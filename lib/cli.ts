#!/usr/bin/env node
// The `sockcall` command (the package's bin): IBM's echo example with its syscall trace, an echo server of
// either flavour, a netcat-like client, and the benchmark suite.
//
//   sockcall demo [PORT] [HOST]
//   sockcall echo-server [--port N] [--host H] [--udp | --unix PATH] [--blocking | --promises] ...
//   sockcall connect HOST PORT [--udp] | connect --unix PATH
//   sockcall bench [--quick] [OPTION...]
//
// Like a Unix tool: status 0 when all went well, 1 when a system call failed (stderr says which, in
// the SocketError's words: `sockcall: connect ECONNREFUSED 127.0.0.1:9`), 2 for a bad command line
// (the problem, then "Try 'sockcall --help'"). Data goes to stdout; diagnostics and the trace to
// stderr. echo-server has no data to print, so its stdout is its log: `listening on ADDRESS` first,
// with the real port, which a script reads to learn the port of `--port 0`.
//
// sockcall itself is loaded only by the commands that make syscalls, so --help, --version and bench
// work without the native addon.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextLoopTurn } from 'node:timers/promises';

import type * as Blocking from './index';
import type * as Promises from './promises';

/** The package's directory: dist/cli.js lives one level down. */
const ROOT = join(__dirname, '..');

/** Per recv: as much as the loopback interface can hand over at once. */
const BUFFER_LENGTH = 65536;
/** The largest UDP payload: 65535 minus the UDP header, and the IPv4 header for IPv4. */
const MAX_DATAGRAM = { ipv4: 65507, ipv6: 65527 };
/** How long the blocking server sleeps in poll(2) at most before it lets signal handlers run. */
const TICK_MS = 250;
const DEFAULT_PORT = 3005;
const DEFAULT_WAIT_MS = 500;

function blocking(): typeof Blocking {
  return require('./index') as typeof Blocking;
}

function promises(): typeof Promises {
  return require('./promises') as typeof Promises;
}

// --- usage ---------------------------------------------------------------------------------------

const MAIN_USAGE = `Usage: sockcall COMMAND [OPTION...]

The real POSIX socket system calls, from the command line.

Commands:
  demo [PORT] [HOST]      IBM's echo server and its client, with every syscall traced
  echo-server [OPTION...] an echo server over TCP, UDP or a Unix socket, of either flavour
  connect HOST PORT       like netcat: stdin to the socket, the socket to stdout
  bench [--quick]         the benchmark suite (from a clone of the repository)
  help [COMMAND]          this help, or a command's

Options:
  -h, --help      show this help ('sockcall COMMAND --help' for a command's)
  -V, --version   print the version

Exit status: 0 when all went well; 1 when a system call failed, as stderr says
('sockcall: connect ECONNREFUSED 127.0.0.1:9'); 2 for a bad command line.
SOCKCALL_TRACE=1 prints every syscall of any command to stderr, in strace's notation.
`;

const DEMO_USAGE = `Usage: sockcall demo [PORT] [HOST]

IBM's connection-oriented example end to end, with the syscall trace on: the echo server on the main thread, blocking as
the C does, and its client in a worker thread. Each step goes to stdout, and every syscall, in
strace's notation, to stderr (the client thread's lines start with [pid TID], as in strace -f).

Arguments:
  PORT   the server's port (default 3005, as in IBM's example; 0, or 3005 when taken: a free port)
  HOST   where the client connects (default 127.0.0.1; a name is resolved with getaddrinfo)

Options:
  -h, --help   show this help

SOCKCALL_TRACE=t (timestamps), T (durations) or tT shape the trace; it is on in any case.
`;

const ECHO_USAGE = `Usage: sockcall echo-server [--port N] [--host H] [--udp | --unix PATH]
                            [--blocking | --promises] [--max-clients N] [--trace]

Sends every byte a client sends back to it, until the client closes.

Options:
  --port N          the port to listen on (default 3005; 0 takes a free one)
  --host H          the address to listen on (default 0.0.0.0: every IPv4 interface; :: for IPv6;
                    a name is resolved with getaddrinfo)
  --udp             UDP: each datagram goes back to its sender
  --unix PATH       a Unix stream socket at PATH (a stale socket file there is replaced, and the
                    file is removed when the server ends)
  --promises        the promise flavour: every client at once, on the event loop (the default)
  --blocking        the blocking flavour: one thread in a poll(2) loop over the listener and every
                    client, with MSG_DONTWAIT recv/send
  --max-clients N   end after N clients (--udp: N datagrams)
  --trace           print every syscall to stderr, in strace's notation (as SOCKCALL_TRACE=1)
  -h, --help        show this help

Output: 'listening on ADDRESS' (with the real port; the path for --unix), then a line per client
(--udp: per datagram), on stdout; errors on stderr. A client's error is reported and the server
goes on. SIGINT or SIGTERM closes every socket, removes the socket file, and exits 0.
--blocking wakes up from poll(2) every ${TICK_MS} ms to let those signal handlers run: a JavaScript
handler cannot run while the thread waits in a system call.
`;

const CONNECT_USAGE = `Usage: sockcall connect HOST PORT [--udp] [--wait MS] [--trace]
       sockcall connect --unix PATH [--trace]

Like netcat: stdin goes to the socket, and what the peer sends comes out on stdout, byte for byte.

TCP and Unix: at the end of stdin the socket's sending side is shut down (shutdown(SHUT_WR)) and
the output goes on until the peer closes; then exit 0 (netcat -N). The peer closing first ends it.

UDP: each piece read from stdin is sent as one datagram (split at ${MAX_DATAGRAM.ipv4} bytes, ${MAX_DATAGRAM.ipv6} over
IPv6), and each datagram that comes back is written to stdout. After the end of stdin, replies are
awaited until none has come for --wait MS; then exit 0. The socket is connected (connect(2)), so
only the peer's datagrams are taken, and a closed port shows as ECONNREFUSED. UDP drops what the
receiver has no room for: pace large input.

HOST is a numeric address or a name, resolved with getaddrinfo; its addresses are tried in turn.
The promise flavour does the work (stdin and stdout are Node streams).

Options:
  --udp          UDP instead of TCP
  --unix PATH    a Unix stream socket at PATH instead of HOST PORT
  --wait MS      UDP: how long to wait for more replies after the end of stdin (default ${DEFAULT_WAIT_MS})
  --trace        print every syscall to stderr, in strace's notation (as SOCKCALL_TRACE=1)
  -h, --help     show this help
`;

const BENCH_USAGE = `Usage: sockcall bench [--quick] [OPTION...]

Runs the benchmark suite, node bench/run.mjs in the package's directory: C, sockcall (both flavours),
node:net and koffi on ping-pong, bulk, connection-rate and many-connection workloads. --quick takes
about 80 s, the full run about 20 minutes. Every option but --help goes to bench/run.mjs as it is
('node bench/run.mjs --help' lists them). bench/ comes with a clone of the repository, not with
the published package.

Options:
  --quick      fewer sizes, repetitions and counts
  -h, --help   show this help
`;

const USAGES: Record<string, string> = { demo: DEMO_USAGE, 'echo-server': ECHO_USAGE, connect: CONNECT_USAGE, bench: BENCH_USAGE };

/** A bad command line: status 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** A failure that is not a syscall's (bench/ missing): status 1, the message as it is. */
class CommandError extends Error {}

interface OptionSpec {
  /** The value's name in messages when the option takes one (--port N); absent for a flag. */
  value?: string;
}

interface Parsed {
  options: Map<string, string | true>;
  positionals: string[];
}

/** --name, --name VALUE, --name=VALUE, and `--` before positionals that start with '-'. */
function parse(command: string, argv: readonly string[], spec: Record<string, OptionSpec>): Parsed {
  const parsed: Parsed = { options: new Map(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      parsed.positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unknown option '${arg}'`, command);
    const equals = arg.indexOf('=');
    const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
    const option = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (option === undefined) throw new UsageError(`unknown option '--${name}'`, command);
    if (option.value === undefined) {
      if (equals >= 0) throw new UsageError(`option '--${name}' takes no value`, command);
      parsed.options.set(name, true);
    } else if (equals >= 0) {
      parsed.options.set(name, arg.slice(equals + 1));
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`option '--${name}' needs a value (${option.value})`, command);
      parsed.options.set(name, argv[++i]!);
    }
  }
  return parsed;
}

function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** A decimal integer in [min, max], or a usage error naming `what`. */
function integer(text: string, what: string, min: number, max: number, command: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`invalid ${what} '${text}' (an integer from ${min} to ${max})`, command);
  return value;
}

function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

function noMoreThan(parsed: Parsed, count: number, command: string): void {
  if (parsed.positionals.length > count) throw new UsageError(`unexpected argument '${parsed.positionals[count]}'`, command);
}

function exclusive(parsed: Parsed, a: string, b: string, command: string): void {
  if (parsed.options.has(a) && parsed.options.has(b)) throw new UsageError(`--${a} and --${b} cannot go together`, command);
}

// --- output --------------------------------------------------------------------------------------

// process.stdout and process.stderr write synchronously to files, pipes and terminals on Linux, so
// a line is out before the blocking server goes back into poll(2), and before process.exit().
function say(line: string): void {
  // Once stdout's reader has gone (`sockcall echo-server | head -1`), the log is dropped.
  if (!process.stdout.destroyed) process.stdout.write(`${line}\n`);
}

function warn(line: string): void {
  process.stderr.write(`sockcall: ${line}\n`);
}

/** '127.0.0.1:3005', '[::1]:3005', or a Unix socket's path. */
function describe(address: Blocking.SocketAddress): string {
  if (address.family === 'AF_INET') return `${address.address}:${address.port}`;
  if (address.family === 'AF_INET6') return `[${address.address}]:${address.port}`;
  if (address.family === 'AF_UNIX') return address.path === '' ? '(unnamed)' : (require('./address') as typeof import('./address')).pathText(address.path);
  return '(unspecified)';
}

function isSocketError(error: unknown): error is Blocking.SocketError {
  return error instanceof Error && error.name === 'SocketError';
}

/** Where the command is talking to: added to errors that do not say it themselves (recv, send). */
let peer: string | undefined;

/** The message of a failed syscall, with the peer's address when the error has none of its own. */
function socketErrorMessage(error: Blocking.SocketError): string {
  const located = error.address !== undefined || error.path !== undefined || error.hostname !== undefined;
  return located || peer === undefined ? error.message : `${error.message} ${peer}`;
}

/** Prints what went wrong and ends the process with its status (1, or 2 for a usage error). */
function report(error: unknown): never {
  if (error instanceof UsageError) {
    const help = error.command === undefined ? 'sockcall --help' : `sockcall ${error.command} --help`;
    process.stderr.write(`sockcall: ${error.message}\nTry '${help}' for more information.\n`);
    process.exit(2);
  }
  if (isSocketError(error)) warn(socketErrorMessage(error));
  else if (error instanceof CommandError) warn(error.message);
  // Node's own system errors (stdout closed: write EPIPE) read like ours.
  else if (error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string') warn(error.message);
  else warn(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}

// --- demo ----------------------------------------------------------------------------------------

const TRACE_ON = /^(1|on|true|[tT]+)$/;

function demo(argv: readonly string[]): undefined {
  const parsed = parse('demo', argv, { help: {} });
  noMoreThan(parsed, 2, 'demo');
  const [port] = parsed.positionals;
  if (port !== undefined) integer(port, 'port', 0, 65535, 'demo');
  // The trace is switched per thread, and the client runs in a worker: SOCKCALL_TRACE reaches every
  // thread that loads sockcall (a Worker starts with a copy of process.env), this one included, since
  // nothing has loaded sockcall yet. A value that already turns it on (with t or T) is kept.
  if (!TRACE_ON.test(process.env.SOCKCALL_TRACE ?? '')) process.env.SOCKCALL_TRACE = '1';
  // lib/demo.ts runs when it is loaded, and takes its port and host from process.argv[2] and [3], as
  // `node dist/demo.js [port] [host]` passes them. It returns once the server is done; the process
  // then ends with the client thread.
  process.argv.splice(2, Infinity, ...parsed.positionals);
  require('./demo');
  return undefined;
}

// --- echo-server ---------------------------------------------------------------------------------

/** Ends a server at the first SIGINT/SIGTERM; the stop actions run at once (closing sockets). */
class Stopper {
  signal: NodeJS.Signals | undefined;
  readonly #actions: (() => void)[] = [];
  readonly #onSignal = (signal: NodeJS.Signals): void => this.stop(signal);

  constructor() {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  get stopped(): boolean {
    return this.signal !== undefined;
  }

  onStop(action: () => void): void {
    this.#actions.push(action);
  }

  stop(signal: NodeJS.Signals): void {
    if (this.stopped) return;
    this.signal = signal;
    for (const action of this.#actions.splice(0)) action();
  }

  /** Back to the default: a second signal after the server has ended kills the process. */
  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}

interface ServerPlan {
  family: number;
  type: number;
  address: Blocking.AddressInput;
  /** --unix: the socket file, removed at the end. */
  path: string | undefined;
  /** The inode of the socket file bind() made: only that file is removed, not a later server's. */
  ino?: number;
  maxClients: number;
}

async function echoServer(argv: readonly string[]): Promise<number> {
  const command = 'echo-server';
  const parsed = parse(command, argv, {
    port: { value: 'N' },
    host: { value: 'H' },
    udp: {},
    unix: { value: 'PATH' },
    blocking: {},
    promises: {},
    'max-clients': { value: 'N' },
    trace: {},
    help: {},
  });
  noMoreThan(parsed, 0, command);
  exclusive(parsed, 'udp', 'unix', command);
  exclusive(parsed, 'blocking', 'promises', command);
  const path = stringOption(parsed, 'unix');
  if (path !== undefined && (parsed.options.has('port') || parsed.options.has('host'))) {
    throw new UsageError('--unix takes no --port or --host', command);
  }
  if (path === '') throw new UsageError('--unix needs a path', command);
  const port = integer(stringOption(parsed, 'port') ?? String(DEFAULT_PORT), 'port', 0, 65535, command);
  const maxText = stringOption(parsed, 'max-clients');
  const maxClients = maxText === undefined ? Infinity : integer(maxText, 'number of clients', 1, 2 ** 31 - 1, command);
  const udp = parsed.options.has('udp');

  const sockcall = blocking();
  if (parsed.options.has('trace')) sockcall.trace(true);
  let plan: ServerPlan;
  if (path !== undefined) {
    plan = { family: sockcall.AF_UNIX, type: sockcall.SOCK_STREAM, address: { path }, path, maxClients };
  } else {
    const type = udp ? sockcall.SOCK_DGRAM : sockcall.SOCK_STREAM;
    const host = stringOption(parsed, 'host') ?? '0.0.0.0';
    const [first] = sockcall.getaddrinfo(host, port, { type, flags: sockcall.AI_PASSIVE | sockcall.AI_NUMERICSERV });
    if (first === undefined) throw new CommandError(`getaddrinfo: no address for ${host}`);
    plan = { family: first.family, type, address: first.address, path: undefined, maxClients };
  }

  const stopper = new Stopper();
  try {
    const listener = parsed.options.has('blocking') ? listen(sockcall.Socket, plan) : listen(promises().Socket, plan);
    try {
      if (listener instanceof sockcall.Socket) {
        await (udp ? serveDatagramsBlocking(listener, plan, stopper) : serveStreamsBlocking(listener, plan, stopper));
      } else {
        await (udp ? serveDatagrams(listener, plan, stopper) : serveStreams(listener, plan, stopper));
      }
    } finally {
      listener.close();
      removeSocketFile(plan);
    }
  } finally {
    stopper.dispose();
  }
  if (stopper.signal !== undefined) say(`stopped by ${stopper.signal}`);
  return 0;
}

/** socket, bind (and listen), and the `listening on` line. */
function listen<S extends Blocking.Socket | Promises.Socket>(SocketClass: new (domain: number, type: number) => S, plan: ServerPlan): S {
  const sockcall = blocking();
  if (plan.path !== undefined) removeStaleSocketFile(plan.path);
  const socket = new SocketClass(plan.family, plan.type);
  try {
    if (plan.type === sockcall.SOCK_STREAM && plan.path === undefined) socket.setsockopt(sockcall.SOL_SOCKET, sockcall.SO_REUSEADDR, 1);
    socket.bind(plan.address);
    if (plan.path !== undefined) plan.ino = lstatSync(plan.path).ino;
    if (plan.type === sockcall.SOCK_STREAM) socket.listen(sockcall.SOMAXCONN);
    say(`listening on ${describe(socket.getsockname())}`);
  } catch (error) {
    socket.close();
    removeSocketFile(plan);
    throw error;
  }
  return socket;
}

/**
 * bind() fails with EADDRINUSE while a socket file is at the path, as one is after a server that was
 * killed. A socket file nobody listens on (connect: ECONNREFUSED) is removed; anything else is left
 * for bind to report.
 */
function removeStaleSocketFile(path: string): void {
  if (!lstatSync(path, { throwIfNoEntry: false })?.isSocket()) return;
  const sockcall = blocking();
  const probe = new sockcall.Socket(sockcall.AF_UNIX, sockcall.SOCK_STREAM);
  try {
    // Non-blocking: a live server with a full backlog answers EAGAIN instead of making us wait.
    probe.setBlocking(false);
    probe.connect({ path });
  } catch (error) {
    if (isSocketError(error) && error.code === 'ECONNREFUSED') unlinkSync(path);
  } finally {
    probe.close();
  }
}

function removeSocketFile(plan: ServerPlan): void {
  if (plan.path === undefined || plan.ino === undefined) return;
  if (lstatSync(plan.path, { throwIfNoEntry: false })?.ino === plan.ino) unlinkSync(plan.path);
  plan.ino = undefined;
}

/** 'from 127.0.0.1:40000', or nothing for an unnamed Unix client. */
function fromWhom(address: Blocking.SocketAddress): string {
  return address.family === 'AF_UNIX' && address.path === '' ? '' : ` from ${describe(address)}`;
}

/** The promise flavour over TCP or a Unix stream: one accept loop, one echo loop per client. */
async function serveStreams(listener: Promises.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  const clients = new Set<Promises.Socket>();
  const serving = new Set<Promise<void>>();
  stopper.onStop(() => {
    // close() rejects the pending accept and recv/send calls with ECANCELED.
    listener.close();
    for (const client of clients) client.close();
  });

  const echo = async (conn: Promises.Socket, id: number): Promise<void> => {
    let echoed = 0;
    try {
      for (;;) {
        const data = await conn.recv(BUFFER_LENGTH);
        if (data.length === 0) break;
        await conn.sendAll(data);
        echoed += data.length;
      }
    } catch (error) {
      if (!stopper.stopped) warn(`client ${id}: ${isSocketError(error) ? error.message : String(error)}`);
    } finally {
      conn.close();
      clients.delete(conn);
    }
    say(`client ${id} closed: ${echoed} bytes echoed`);
  };

  for (let accepted = 0; accepted < plan.maxClients && !stopper.stopped; ) {
    let conn: Promises.Socket;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (stopper.stopped) break;
      // A connection reset while it waited in the queue: nothing to serve (as the blocking server).
      if (isSocketError(error) && error.code === 'ECONNABORTED') continue;
      throw error;
    }
    const id = ++accepted;
    clients.add(conn);
    say(`client ${id} connected${fromWhom(conn.getpeername())}`);
    const job = echo(conn, id).finally(() => serving.delete(job));
    serving.add(job);
  }
  listener.close();
  await Promise.all(serving);
}

/** A reply that could not be sent is reported; the server goes on with the next datagram. */
function reply(datagram: number, error: unknown): void {
  if (!isSocketError(error)) throw error;
  warn(`datagram ${datagram}: ${error.message}`);
}

/** The promise flavour over UDP: each datagram back to its sender. */
async function serveDatagrams(socket: Promises.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  stopper.onStop(() => socket.close());
  for (let served = 0; served < plan.maxClients && !stopper.stopped; ) {
    let received: Promises.Received;
    try {
      received = await socket.recvfrom(BUFFER_LENGTH);
    } catch (error) {
      if (stopper.stopped) break;
      throw error;
    }
    // UDP always says who sent a datagram (null is for sockets without addresses).
    const { data, address } = received as { data: Buffer; address: Blocking.SocketAddress };
    served++;
    try {
      await socket.sendto(data, address);
      say(`datagram ${served}${fromWhom(address)}: ${data.length} bytes echoed`);
    } catch (error) {
      if (stopper.stopped) break;
      reply(served, error);
    }
  }
}

interface BlockingClient {
  socket: Blocking.Socket;
  id: number;
  /** Received and not yet all sent back: the client is not read again until it has been. */
  pending: Buffer | null;
  echoed: number;
}

/**
 * The blocking flavour over TCP or a Unix stream: one thread, poll(2) over the listener and every
 * client, as the classic select() server does. A client with an echo pending is polled for POLLOUT and
 * not read, so one that does not read its echo is slowed down by TCP, not buffered without bound.
 * recv and send carry MSG_DONTWAIT: a blocking send of a whole buffer could stop every other client.
 */
async function serveStreamsBlocking(listener: Blocking.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  const { poll, POLLIN, POLLOUT, MSG_DONTWAIT } = blocking();
  const clients = new Map<Blocking.Socket, BlockingClient>();
  let listening = true;
  let accepted = 0;

  const close = (client: BlockingClient, error?: unknown): void => {
    if (error !== undefined) warn(`client ${client.id}: ${isSocketError(error) ? error.message : String(error)}`);
    client.socket.close();
    clients.delete(client.socket);
    say(`client ${client.id} closed: ${client.echoed} bytes echoed`);
  };
  const wouldBlock = (error: unknown): boolean => isSocketError(error) && error.code === 'EAGAIN';

  try {
    while (!stopper.stopped && (listening || clients.size > 0)) {
      const entries: Blocking.PollEntry<Blocking.Socket>[] = [];
      if (listening) entries.push({ fd: listener, events: POLLIN });
      for (const client of clients.values()) entries.push({ fd: client.socket, events: client.pending ? POLLOUT : POLLIN });
      for (const { fd: socket } of poll(entries, TICK_MS)) {
        if (socket === listener) {
          let conn: Blocking.Socket;
          try {
            conn = listener.accept();
          } catch (error) {
            // A connection reset while it waited in the queue: nothing to serve.
            if (wouldBlock(error) || (isSocketError(error) && error.code === 'ECONNABORTED')) continue;
            throw error;
          }
          const client: BlockingClient = { socket: conn, id: ++accepted, pending: null, echoed: 0 };
          clients.set(conn, client);
          say(`client ${client.id} connected${fromWhom(conn.getpeername())}`);
          if (accepted === plan.maxClients) {
            listener.close();
            listening = false;
          }
          continue;
        }
        const client = clients.get(socket)!;
        try {
          if (client.pending === null) {
            const data = socket.recv(BUFFER_LENGTH, MSG_DONTWAIT);
            if (data.length === 0) close(client);
            else client.pending = data;
          } else {
            const sent = socket.send(client.pending, MSG_DONTWAIT);
            client.echoed += sent;
            client.pending = sent < client.pending.length ? client.pending.subarray(sent) : null;
          }
        } catch (error) {
          if (!wouldBlock(error)) close(client, error);
        }
      }
      // Signal handlers (and nothing else) wait for the event loop to turn.
      await nextLoopTurn();
    }
  } finally {
    for (const client of [...clients.values()]) close(client);
  }
}

/** The blocking flavour over UDP: poll(2) with the tick, recvfrom, sendto. */
async function serveDatagramsBlocking(socket: Blocking.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  const { poll, POLLIN, MSG_DONTWAIT } = blocking();
  // After every turn, `continue` included, signal handlers get their chance to run.
  for (let served = 0; served < plan.maxClients && !stopper.stopped; await nextLoopTurn()) {
    if (poll([{ fd: socket, events: POLLIN }], TICK_MS).length === 0) continue;
    let received: Blocking.Received;
    try {
      received = socket.recvfrom(BUFFER_LENGTH, MSG_DONTWAIT);
    } catch (error) {
      if (isSocketError(error) && error.code === 'EAGAIN') continue;
      throw error;
    }
    const { data, address } = received as { data: Buffer; address: Blocking.SocketAddress };
    served++;
    try {
      socket.sendto(data, address);
      say(`datagram ${served}${fromWhom(address)}: ${data.length} bytes echoed`);
    } catch (error) {
      reply(served, error);
    }
  }
}

// --- connect -------------------------------------------------------------------------------------

async function connect(argv: readonly string[]): Promise<number> {
  const command = 'connect';
  const parsed = parse(command, argv, { udp: {}, unix: { value: 'PATH' }, wait: { value: 'MS' }, trace: {}, help: {} });
  exclusive(parsed, 'udp', 'unix', command);
  const path = stringOption(parsed, 'unix');
  const udp = parsed.options.has('udp');
  let host: string | undefined;
  let port = 0;
  if (path !== undefined) {
    if (path === '') throw new UsageError('--unix needs a path', command);
    if (parsed.options.has('wait')) throw new UsageError('--wait is for --udp', command);
    noMoreThan(parsed, 0, command);
  } else {
    const [hostArg, portArg] = parsed.positionals;
    if (hostArg === undefined) throw new UsageError('missing HOST and PORT', command);
    if (portArg === undefined) throw new UsageError('missing PORT', command);
    noMoreThan(parsed, 2, command);
    if (!udp && parsed.options.has('wait')) throw new UsageError('--wait is for --udp', command);
    host = hostArg;
    port = integer(portArg, 'port', 1, 65535, command);
  }
  const waitText = stringOption(parsed, 'wait');
  const waitMs = waitText === undefined ? DEFAULT_WAIT_MS : integer(waitText, 'wait', 0, 3_600_000, command);

  const sockcall = promises();
  if (parsed.options.has('trace')) sockcall.trace(true);
  let socket: Promises.Socket | undefined;
  if (path !== undefined) {
    socket = new sockcall.Socket(sockcall.AF_UNIX, sockcall.SOCK_STREAM);
    try {
      await socket.connect({ path });
    } catch (error) {
      socket.close();
      throw error;
    }
  } else {
    const type = udp ? sockcall.SOCK_DGRAM : sockcall.SOCK_STREAM;
    const candidates = await sockcall.getaddrinfo(host!, port, { type, flags: sockcall.AI_NUMERICSERV });
    let failure: unknown = new CommandError(`getaddrinfo: no address for ${host}`);
    for (const candidate of candidates) {
      const attempt = new sockcall.Socket(candidate.family, type);
      try {
        await attempt.connect(candidate.address);
        socket = attempt;
        break;
      } catch (error) {
        attempt.close();
        failure = error;
      }
    }
    if (socket === undefined) throw failure;
  }
  peer = describe(socket.getpeername());
  try {
    if (udp) await datagramSession(socket, waitMs);
    else await streamSession(socket);
  } finally {
    socket.close();
  }
  return 0;
}

/** Writes to stdout, waiting while its buffer is full. */
async function writeOut(data: Buffer): Promise<void> {
  if (!process.stdout.write(data)) await once(process.stdout, 'drain');
}

/**
 * The two directions at once. The session is over when the output is (the peer closed); a failure
 * in either direction ends it with that error.
 */
async function both(upload: Promise<void>, download: Promise<void>): Promise<void> {
  // A failed upload is reported by the race; after the end, the close of the socket rejects it.
  upload.catch(() => {});
  await Promise.race([download, upload.then(() => download)]);
}

async function streamSession(socket: Promises.Socket): Promise<void> {
  const { SHUT_WR } = promises();
  const upload = (async () => {
    for await (const chunk of process.stdin) await socket.sendAll(chunk as Buffer);
    // The end of stdin is the end of what we send: the peer reads EOF, and may still answer.
    socket.shutdown(SHUT_WR);
  })();
  const download = (async () => {
    for (;;) {
      const data = await socket.recv(BUFFER_LENGTH);
      if (data.length === 0) return;
      await writeOut(data);
    }
  })();
  await both(upload, download);
}

async function datagramSession(socket: Promises.Socket, waitMs: number): Promise<void> {
  const { AF_INET6 } = promises();
  const largest = socket.domain === AF_INET6 ? MAX_DATAGRAM.ipv6 : MAX_DATAGRAM.ipv4;
  // UDP has no end of stream: after the end of stdin, the replies are over once none came for waitMs.
  const over = new AbortController();
  let inputDone = false;
  let idle: NodeJS.Timeout | undefined;
  const restartIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => over.abort(), waitMs);
  };
  const upload = (async () => {
    for await (const chunk of process.stdin) {
      const bytes = chunk as Buffer;
      for (let offset = 0; offset < bytes.length; offset += largest) await socket.send(bytes.subarray(offset, offset + largest));
    }
    inputDone = true;
    restartIdle();
  })();
  const download = (async () => {
    for (;;) {
      let data: Buffer;
      try {
        data = await socket.recv(BUFFER_LENGTH, { signal: over.signal });
      } catch (error) {
        if (over.signal.aborted) return;
        throw error;
      }
      await writeOut(data);
      if (inputDone) restartIdle();
    }
  })();
  try {
    await both(upload, download);
  } finally {
    clearTimeout(idle);
  }
}

// --- bench ---------------------------------------------------------------------------------------

async function bench(argv: readonly string[]): Promise<number> {
  const script = join(ROOT, 'bench', 'run.mjs');
  if (!existsSync(script)) {
    throw new CommandError(
      `bench: ${script} is missing: the benchmark suite is not part of the published package; ` +
        'run it from a clone of the repository (npm run bench)',
    );
  }
  const child = spawn(process.execPath, [script, ...argv], { cwd: ROOT, stdio: 'inherit' });
  // Ctrl-C reaches the whole process group, the child included: wait for it to end. SIGTERM is
  // for us alone: pass it on.
  const ignore = (): void => {};
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return code ?? 128 + (osConstants.signals[signal!] ?? 0);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
  }
}

// --- main ----------------------------------------------------------------------------------------

function version(): string {
  const { version: number } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return `sockcall ${number}`;
}

/** Runs a command; resolves with the exit status, or undefined to let the process end by itself. */
async function main(argv: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      throw new UsageError('missing command');
    case '-h':
    case '--help':
      process.stdout.write(MAIN_USAGE);
      return 0;
    case 'help': {
      const [topic, ...extra] = rest;
      if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
      if (topic !== undefined && !Object.hasOwn(USAGES, topic)) throw new UsageError(`unknown command '${topic}'`);
      process.stdout.write(topic === undefined ? MAIN_USAGE : USAGES[topic]!);
      return 0;
    }
    case '-V':
    case '--version':
      say(version());
      return 0;
    default:
  }
  if (!Object.hasOwn(USAGES, command)) {
    throw new UsageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
  }
  if (wantsHelp(rest)) {
    process.stdout.write(USAGES[command]!);
    return 0;
  }
  process.stdout.on('error', (error: Error) => {
    // echo-server's stdout is only its log: it serves on without it. connect's is the data.
    if (command !== 'echo-server') report(new CommandError(`${error.message} (stdout)`));
  });
  switch (command) {
    case 'demo':
      return demo(rest);
    case 'echo-server':
      return echoServer(rest);
    case 'connect':
      return connect(rest);
    default:
      return bench(rest);
  }
}

/**
 * Resolves once everything written to stdout so far has left the process. When stdout is a socket
 * (as child_process makes it) a write the reader has not taken yet waits in libuv's queue, and
 * write() still returns true below the stream's 16 KiB mark: process.exit() would drop it, the last
 * kilobytes of what `connect` received (seen under load: 5,120 bytes queued at the exit).
 */
function stdoutFlushed(): Promise<void> {
  if (process.stdout.destroyed || process.stdout.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}

main(process.argv.slice(2)).then(async (status) => {
  if (status === undefined) return;
  await stdoutFlushed();
  process.exit(status);
}, (error: unknown) => stdoutFlushed().then(() => report(error)));
