// What every command prints, and how it ends: data and logs on stdout, diagnostics on stderr as
// `sockcall: MESSAGE`, and the exit status (1 for a failure, 2 for a bad command line).
//
// process.stdout and process.stderr write synchronously to files, pipes and terminals on Linux, so
// a line is out before the blocking server goes back into poll(2), and before process.exit().
import type * as Blocking from '../index';

import { CommandError, UsageError } from './args';

export function say(line: string): void {
  // Once stdout's reader has gone (`sockcall echo-server | head -1`), the log is dropped.
  if (!process.stdout.destroyed) process.stdout.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`sockcall: ${line}\n`);
}

/**
 * '127.0.0.1:3005', '[::1]:3005', or a Unix socket's path, as every message of sockcall writes them
 * (lib/address-text.ts); '(unspecified)' for an address of no family the command uses.
 */
export function describe(address: Blocking.SocketAddress): string {
  if (address.family === 'AF_INET' || address.family === 'AF_INET6' || address.family === 'AF_UNIX') return (require('../address-text') as typeof import('../address-text')).addressText(address); // on first use: `bench` runs with dist/cli alone
  return '(unspecified)';
}

export function isSocketError(error: unknown): error is Blocking.SocketError {
  return error instanceof Error && error.name === 'SocketError';
}

/** Where the command is talking to: added to errors that do not say it themselves (recv, send). */
let peer: string | undefined;

export function setPeer(address: Blocking.SocketAddress): void {
  peer = describe(address);
}

/** The message of a failed syscall, with the peer's address when the error has none of its own. */
function socketErrorMessage(error: Blocking.SocketError): string {
  const located = error.address !== undefined || error.path !== undefined || error.hostname !== undefined;
  return located || peer === undefined ? error.message : `${error.message} ${peer}`;
}

/** Prints what went wrong and ends the process with its status (1, or 2 for a usage error). */
export function report(error: unknown): never {
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

/**
 * Resolves once everything written to stdout so far has left the process. When stdout is a socket
 * (as child_process makes it) a write the reader has not taken yet waits in libuv's queue, and
 * write() still returns true below the stream's 16 KiB mark: process.exit() would drop it, the last
 * kilobytes of what `connect` received (seen under load: 5,120 bytes queued at the exit).
 */
export function stdoutFlushed(): Promise<void> {
  if (process.stdout.destroyed || process.stdout.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}
