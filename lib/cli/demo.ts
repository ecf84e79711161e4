// `sockcall demo [PORT] [HOST] [--bind ADDRESS]`: IBM's echo example (ibm-echo.ts) with the trace on.
import { integer, noMoreThan, parse, stringOption, UsageError } from './args';

import type * as IbmEcho from './ibm-echo';

export const DEMO_USAGE = `Usage: sockcall demo [PORT] [HOST] [--bind ADDRESS]

IBM's connection-oriented example end to end, with the syscall trace on: the echo server on the main thread, blocking as
the C does, and its client in a worker thread. Each step goes to stdout, and every syscall, in
strace's notation, to stderr (the client thread's lines start with [pid TID], as in strace -f).

Arguments:
  PORT   the server's port (default 3005, as in IBM's example; 0, or 3005 when taken: a free port)
  HOST   where the client connects (default 127.0.0.1; a name is resolved with getaddrinfo)

Options:
  --bind ADDRESS   the server's IPv4 address (default 0.0.0.0, INADDR_ANY, as IBM's server binds:
                   every interface, so other hosts can connect while it listens; --bind 127.0.0.1
                   keeps it on loopback)
  -h, --help       show this help

SOCKCALL_TRACE=t (timestamps), T (durations) or tT shape the trace; it is on in any case.
`;

const DEFAULT_PORT = 3005;
const DEFAULT_HOST = '127.0.0.1';
const TRACE_ON = /^(1|on|true|[tT]+)$/;

/** A dotted IPv4 address: the demo's socket is AF_INET, as IBM's is. */
function ipv4(text: string, command: string): string {
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (octets === null || octets.slice(1).some((octet) => Number(octet) > 255)) {
    throw new UsageError(`invalid address '${text}' (a dotted IPv4 address such as 127.0.0.1)`, command);
  }
  return text;
}

/** Runs the demo; returns once its server is done, and the process ends with the client thread. */
export function demo(argv: readonly string[]): undefined {
  const command = 'demo';
  const parsed = parse(command, argv, { bind: 'ADDRESS', help: null });
  noMoreThan(parsed, 2, command);
  const [portText, host = DEFAULT_HOST] = parsed.positionals;
  const port = portText === undefined ? DEFAULT_PORT : integer(portText, 'port', 0, 65535, command);
  const bindText = stringOption(parsed, 'bind');
  const bind = bindText === undefined ? undefined : ipv4(bindText, command);
  // The trace is switched per thread, and the client runs in a worker: SOCKCALL_TRACE reaches every
  // thread that loads sockcall (a Worker starts with a copy of process.env), this one included, since
  // nothing has loaded sockcall yet. A value that already turns it on (with t or T) is kept.
  if (!TRACE_ON.test(process.env.SOCKCALL_TRACE ?? '')) process.env.SOCKCALL_TRACE = '1';
  // Loaded now, so that it sees the trace switched on.
  const { ibmEcho } = require('./ibm-echo') as typeof IbmEcho;
  ibmEcho({ port, host, ...(bind === undefined ? {} : { bind }) });
  return undefined;
}
