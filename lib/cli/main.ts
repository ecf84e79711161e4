// The `sockcall` command: which command runs, the help, the version, and the exit status.
//
//   sockcall demo [PORT] [HOST] [--bind ADDRESS]
//   sockcall echo-server [--port N] [--host H] [--udp | --unix PATH] [--blocking | --promises] ...
//   sockcall connect HOST PORT [--udp] | connect --unix PATH
//   sockcall bench [--quick] [OPTION...]
//   sockcall trace-view [FILE] [-o OUT.svg]
//
// Like a Unix tool: status 0 when all went well, 1 when a system call failed (stderr says which, in
// the SocketError's words: `sockcall: connect ECONNREFUSED 127.0.0.1:9`), 2 for a bad command line
// (the problem, then "Try 'sockcall --help'"). Data goes to stdout; diagnostics and the trace to
// stderr. echo-server has no data to print, so its stdout is its log: `listening on ADDRESS` first,
// with the real port, which a script reads to learn the port of `--port 0`.
//
// sockcall itself is loaded only by the commands that make syscalls (./sockcall.ts), so --help,
// --version and bench work without the native addon.
import { CommandError, UsageError, wantsHelp } from './args';
import { bench, BENCH_USAGE } from './bench';
import { connect, CONNECT_USAGE } from './connect';
import { demo, DEMO_USAGE } from './demo';
import { ECHO_SERVER_USAGE, echoServer } from './echo-server';
import { report, say, stdoutFlushed } from './output';
import { version } from './package';
import { TRACE_VIEW_USAGE, traceViewCommand } from './trace-view';

const MAIN_USAGE = `Usage: sockcall COMMAND [OPTION...]

The real POSIX socket system calls, from the command line.

Commands:
  demo [PORT] [HOST]      IBM's echo server and its client, with every syscall traced
  echo-server [OPTION...] an echo server over TCP, UDP or a Unix socket, of either flavour
                          (on 127.0.0.1 unless --host says otherwise)
  connect HOST PORT       like netcat: stdin to the socket, the socket to stdout
  bench [--quick]         the benchmark suite (from a clone of the repository)
  trace-view [FILE]       a recorded SOCKCALL_TRACE as a sequence diagram (SVG)
  help [COMMAND]          this help, or a command's

Options:
  -h, --help      show this help ('sockcall COMMAND --help' for a command's)
  -V, --version   print the version

Exit status: 0 when all went well; 1 when a system call failed, as stderr says
('sockcall: connect ECONNREFUSED 127.0.0.1:9'); 2 for a bad command line.
SOCKCALL_TRACE=1 prints every syscall of any command to stderr, in strace's notation.
`;

interface Command {
  usage: string;
  /** Resolves with the exit status, or undefined to let the process end by itself. */
  run(argv: readonly string[]): number | undefined | Promise<number | undefined>;
}

const COMMANDS: Record<string, Command> = {
  demo: { usage: DEMO_USAGE, run: demo },
  'echo-server': { usage: ECHO_SERVER_USAGE, run: echoServer },
  connect: { usage: CONNECT_USAGE, run: connect },
  bench: { usage: BENCH_USAGE, run: bench },
  'trace-view': { usage: TRACE_VIEW_USAGE, run: traceViewCommand },
};

/** Runs a command; resolves with the exit status, or undefined to let the process end by itself. */
async function main(argv: readonly string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
      throw new UsageError('missing command');
    case '-h':
    case '--help':
      process.stdout.write(MAIN_USAGE);
      return 0;
    case 'help': {
      const [topic, ...extra] = rest;
      if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
      if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) throw new UsageError(`unknown command '${topic}'`);
      process.stdout.write(topic === undefined ? MAIN_USAGE : COMMANDS[topic]!.usage);
      return 0;
    }
    case '-V':
    case '--version':
      say(version());
      return 0;
    default:
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) throw new UsageError(name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`);
  if (wantsHelp(rest)) {
    process.stdout.write(command.usage);
    return 0;
  }
  process.stdout.on('error', (error: Error) => {
    // echo-server's stdout is only its log: it serves on without it. connect's and trace-view's are the data.
    if (name !== 'echo-server') report(new CommandError(`${error.message} (stdout)`));
  });
  return command.run(rest);
}

/** Runs `sockcall ARGV...` and ends the process with its status once stdout has been written out. */
export function run(argv: readonly string[]): void {
  main(argv).then(
    async (status) => {
      if (status === undefined) return;
      await stdoutFlushed();
      process.exit(status);
    },
    (error: unknown) => stdoutFlushed().then(() => report(error)),
  );
}
