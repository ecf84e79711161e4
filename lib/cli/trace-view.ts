// `sockcall trace-view`: a recorded syscall trace as a sequence diagram (SVG), by lib/trace-view.ts.
import { readFile, writeFile } from 'node:fs/promises';

import { CommandError, noMoreThan, parse, stringOption, UsageError } from './args';

export const TRACE_VIEW_USAGE = `Usage: sockcall trace-view [FILE] [-o OUT.svg] [--title TEXT]

Draws a recorded syscall trace (what SOCKCALL_TRACE writes, in strace's notation) as a sequence
diagram in SVG: one lane per thread or process ([pid N]), time flowing down, each call a box with
its result and duration, and arrows from connect to accept and from send to recv where the trace's
addresses and byte counts prove them. Reads FILE, or stdin without one (or with '-'); writes the
SVG to stdout, or to OUT.svg with -o.

Record with SOCKCALL_TRACE=ptT ([pid N] on every line, timestamps, durations), each process
appending to one file:
  SOCKCALL_TRACE=ptT node server.js 2>> trace.log &
  SOCKCALL_TRACE=ptT node client.js 2>> trace.log
  sockcall trace-view < trace.log > flow.svg

strace's own output reads too (strace -f -tt -T -e trace=network -o trace.log PROGRAM).
Lines that are not trace lines (a program's own messages) are skipped; a file with no trace line
at all is an error (status 1).

Options:
  -o, --output FILE  write the SVG to FILE instead of stdout
  --title TEXT       the diagram's title (default: the input file's name, or 'syscall trace')
  -h, --help         show this help
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function traceViewCommand(argv: readonly string[]): Promise<number> {
  const command = 'trace-view';
  const parsed = parse(command, argv, { output: 'FILE', title: 'TEXT', help: null }, { o: 'output' });
  noMoreThan(parsed, 1, command);
  const [file] = parsed.positionals;
  const output = stringOption(parsed, 'output');
  if (output === '') throw new UsageError('-o needs a file name', command);
  const text = file === undefined || file === '-' ? await readStdin() : await readFile(file, 'utf8');
  // On first use: the view needs none of the rest of the command.
  const { traceView } = require('../trace-view') as typeof import('../trace-view');
  let svg: string;
  try {
    svg = traceView(text, { title: stringOption(parsed, 'title') ?? (file === undefined || file === '-' ? 'syscall trace' : file) });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_INVALID_ARG_VALUE') {
      throw new CommandError(`${file === undefined || file === '-' ? 'stdin' : file}: no line of a syscall trace in it (record one with SOCKCALL_TRACE=ptT)`);
    }
    throw error;
  }
  if (output === undefined) process.stdout.write(svg);
  else await writeFile(output, svg);
  return 0;
}
