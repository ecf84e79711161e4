// The command line and output every example shares, so that each program shows only its socket
// calls. The C twin is c/cli.h; keep the two in step.
//
//   servers:  [port] [host] [--clients N]      the Unix server:  [path] [--clients N]
//   clients:  port [host]                      the Unix clients: path
//
// --clients N makes a server stop after N clients (udp-echo-server: N datagrams), so that it can be
// run from a script; without it a server runs for ever, as the originals' servers do.
//
// A failed call throws a SocketError ('connect ECONNREFUSED 127.0.0.1:3005'); left uncaught it ends
// the program with status 1, as the C twins' die() (perror, exit 1) does.
import { readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

import type { SocketAddress } from 'sockcall';

const MAX_CLIENTS_ARG = 1_000_000;

export interface CommandLine {
  /** The positional arguments, undefined when not given. */
  arg: (string | undefined)[];
  /** --clients N, or Infinity: for ever. */
  clients: number;
}

export function usage(text: string): never {
  console.error(`usage: ${text}`);
  process.exit(2);
}

/** Anything that ends a run other than a failed call: the message on stderr, exit status 1. */
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function numberArg(text: string, min: number, max: number, usageText: string): number {
  if (!/^[+-]?\d+$/.test(text)) usage(usageText);
  const value = Number(text);
  if (value < min || value > max) usage(usageText);
  return value;
}

/** Up to `positional` arguments, and --clients N when `takesClients`. */
export function parseCommandLine(positional: number, takesClients: boolean, usageText: string): CommandLine {
  const cl: CommandLine = { arg: [], clients: Infinity };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (takesClients && arg === '--clients' && i + 1 < argv.length) cl.clients = numberArg(argv[++i]!, 1, MAX_CLIENTS_ARG, usageText);
    else if (arg.startsWith('--') || cl.arg.length === positional) usage(usageText);
    else cl.arg.push(arg);
  }
  return cl;
}

export function portArg(text: string, usageText: string): number {
  return numberArg(text, 0, 65535, usageText);
}

/** '127.0.0.1:3005', or a Unix socket's path. */
export function addressName(address: SocketAddress): string {
  if (address.family === 'AF_INET') return `${address.address}:${address.port}`;
  // A name that is not UTF-8 comes as a Buffer: printed as its bytes, as C's printf("%s") would.
  if (address.family === 'AF_UNIX') return typeof address.path === 'string' ? address.path : address.path.toString('latin1');
  return JSON.stringify(address);
}

/**
 * The lines of stdin without their '\n', read with blocking read(2) calls on fd 0, as C's fgets()
 * reads them: the blocking flavour has no event loop turning to deliver `process.stdin` events.
 */
export function* stdinLines(): Generator<string> {
  const chunk = Buffer.alloc(4096);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for (;;) {
    const newline = pending.indexOf('\n');
    if (newline >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      continue;
    }
    const n = readSync(0, chunk);
    if (n === 0) break;
    pending += decoder.write(chunk.subarray(0, n));
  }
  pending += decoder.end();
  if (pending !== '') yield pending;
}

/** Received text without one trailing '\n', for printing a line received. */
export function withoutNewline(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
