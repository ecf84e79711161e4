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
