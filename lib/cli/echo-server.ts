// `sockcall echo-server`: an echo server over TCP, UDP or a Unix stream socket, of either flavour.
import { lstatSync, unlinkSync } from 'node:fs';

import type * as Blocking from '../index';
import type * as Promises from '../promises';

import { CommandError, exclusive, integer, noMoreThan, parse, stringOption, UsageError } from './args';
import { serveDatagramsBlocking, serveStreamsBlocking, TICK_MS } from './echo-blocking';
import { serveDatagrams, serveStreams } from './echo-promises';
import { type ServerPlan, Stopper } from './echo-shared';
import { describe, isSocketError, say } from './output';
import { blocking, promises } from './sockcall';

export const ECHO_SERVER_USAGE = `Usage: sockcall echo-server [--port N] [--host H] [--udp | --unix PATH]
                            [--blocking | --promises] [--max-clients N] [--trace]

Sends every byte a client sends back to it, until the client closes.

Options:
  --port N          the port to listen on (default 3005; 0 takes a free one)
  --host H          the address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 for
                    every IPv4 interface, :: for every interface; a name is resolved with
                    getaddrinfo)
  --udp             UDP: each datagram goes back to its sender
  --unix PATH       a Unix stream socket at PATH (a stale socket file there is replaced, and the
                    file is removed when the server ends)
  --promises        the promise flavour: every client at once, on the event loop (the default)
  --blocking        the blocking flavour: one thread in a poll(2) loop over the listener and every
                    client, with MSG_DONTWAIT recv/send
  --max-clients N   end after N clients (--udp: N datagrams)
  --trace           print every syscall to stderr, in strace's notation (as SOCKCALL_TRACE=1)
  -h, --help        show this help

It listens on loopback unless --host names another address: a TCP echo server on another
interface is open to anyone on that network, and a UDP one is a reflection and amplification
vector (it sends its replies to whatever source address a datagram claims, so a forged one aims
them at someone else).

Output: 'listening on ADDRESS' (the address bound, with the real port; the path for --unix),
then a line per client (--udp: per datagram), on stdout; errors on stderr. A client's error is
reported and the server goes on. SIGINT or SIGTERM closes every socket, removes the socket file, and exits 0.
--blocking wakes up from poll(2) every ${TICK_MS} ms to let those signal handlers run: a JavaScript
handler cannot run while the thread waits in a system call.
`;

const DEFAULT_PORT = 3005;
/** Loopback: an echo server reachable from the network is only ever on by request (--host). */
const DEFAULT_HOST = '127.0.0.1';

export async function echoServer(argv: readonly string[]): Promise<number> {
  const command = 'echo-server';
  const parsed = parse(command, argv, {
    port: 'N',
    host: 'H',
    udp: null,
    unix: 'PATH',
    blocking: null,
    promises: null,
    'max-clients': 'N',
    trace: null,
    help: null,
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
    const host = stringOption(parsed, 'host') ?? DEFAULT_HOST;
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
