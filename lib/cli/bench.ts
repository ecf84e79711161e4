// `sockcall bench`: the benchmark suite of a clone of the repository, bench/run.mjs, as a child.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';

import { CommandError } from './args';
import { ROOT } from './package';

export const BENCH_USAGE = `Usage: sockcall bench [--quick] [OPTION...]

Runs the benchmark suite, node bench/run.mjs in the package's directory: C, sockcall (both flavours),
node:net, node:http and koffi on ping-pong, bulk, connection-rate, many-connection and HTTP workloads. --quick takes
about 2 minutes, the full run about 30 minutes. Every option but --help goes to bench/run.mjs as it is
('node bench/run.mjs --help' lists them). bench/ comes with a clone of the repository, not with
the published package.

Options:
  --quick      fewer sizes, repetitions and counts
  -h, --help   show this help
`;

export async function bench(argv: readonly string[]): Promise<number> {
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
