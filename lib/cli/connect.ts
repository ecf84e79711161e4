// `sockcall connect`: like netcat, stdin to the socket and the socket to stdout.
import { once } from 'node:events';

import type * as Promises from '../promises';

import { CommandError, exclusive, integer, noMoreThan, parse, stringOption, UsageError } from './args';
import { describe, setPeer } from './output';
import { BUFFER_LENGTH, promises } from './sockcall';

/** The largest UDP payload: 65535 minus the UDP header, and the IPv4 header for IPv4. */
const MAX_DATAGRAM = { ipv4: 65507, ipv6: 65527 };
const DEFAULT_WAIT_MS = 500;

export const CONNECT_USAGE = `Usage: sockcall connect HOST PORT [--udp] [--wait MS] [--info] [--trace]
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
  --info         TCP: at the end, before the close, print the connection's TCP_INFO to stderr
                 (getsockopt(IPPROTO_TCP, TCP_INFO): state, rtt and rttvar in microseconds,
                 snd_cwnd in segments, bytes_acked, bytes_received ...; each field's unit: tcp(7))
  --trace        print every syscall to stderr, in strace's notation (as SOCKCALL_TRACE=1)
  -h, --help     show this help
`;

export async function connect(argv: readonly string[]): Promise<number> {
  const command = 'connect';
  const parsed = parse(command, argv, { udp: null, unix: 'PATH', wait: 'MS', info: null, trace: null, help: null });
  exclusive(parsed, 'udp', 'unix', command);
  const info = parsed.options.has('info');
  if (info && (parsed.options.has('udp') || parsed.options.has('unix'))) throw new UsageError('--info is for TCP', command);
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
  const peer = socket.getpeername();
  setPeer(peer);
  try {
    if (udp) await datagramSession(socket, waitMs);
    else await streamSession(socket);
    if (info) printTcpInfo(socket, peer);
  } finally {
    socket.close();
  }
  return 0;
}

/** The connection's struct tcp_info, one field a line, on stderr (stdout is the data). */
function printTcpInfo(socket: Promises.Socket, peer: Promises.SocketAddress): void {
  const { IPPROTO_TCP, TCP_INFO } = promises();
  const fields = Object.entries(socket.getsockopt(IPPROTO_TCP, TCP_INFO));
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = fields.map(([name, value]) => `  ${name.padEnd(width)}  ${String(value)}\n`);
  process.stderr.write(`TCP_INFO of ${describe(peer)}:\n${lines.join('')}`);
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
