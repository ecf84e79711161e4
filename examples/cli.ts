// The command line and output every example shares, so that each program shows only its socket
// calls. The C twin is c/cli.h; keep the two in step (the pre-forked servers' takeOption and
// workerEcho have no C twin, as those servers have none).
//
//   servers:  [port] [host] [--clients N]      the Unix server:  [path] [--clients N]
//   clients:  port [host]                      the Unix clients: path
//   static-server:  dir [port] [host] [--clients N]
//
// Servers bind 0.0.0.0 (INADDR_ANY) by default, as the originals do: every interface, so any host
// that reaches this one can connect. They say so under `listening on`; a host of 127.0.0.1 keeps
// them on loopback.
//
// --clients N makes a server stop after N clients (udp-echo-server: N datagrams), so that it can be
// run from a script; without it a server runs for ever, as the originals' servers do.
//
// A failed call throws a SocketError ('connect ECONNREFUSED 127.0.0.1:3005'); left uncaught it ends
// the program with status 1, as the C twins' die() (perror, exit 1) does.
import { readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

import type { SocketAddress } from 'sockcall';
import { type Socket, SocketError } from 'sockcall/promises';

const MAX_CLIENTS_ARG = 1_000_000;
/** A worker's recv size, C's BUFSIZ. */
const BUFSIZ = 8192;

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

/** A count from 1 to `max` (tcp-info's rounds). */
export function countArg(text: string, max: number, usageText: string): number {
  return numberArg(text, 1, max, usageText);
}

/**
 * Takes `--NAME N` out of process.argv (so that parseCommandLine does not see it), or undefined: the
 * pre-forked servers' --workers.
 */
export function takeOption(name: string, min: number, max: number, usageText: string): number | undefined {
  const i = process.argv.indexOf(name, 2);
  if (i < 0) return undefined;
  const text = process.argv[i + 1];
  if (text === undefined) usage(usageText);
  const value = numberArg(text, min, max, usageText);
  process.argv.splice(i, 2);
  return value;
}

/** '127.0.0.1:3005', or a Unix socket's path. */
export function addressName(address: SocketAddress): string {
  if (address.family === 'AF_INET') return `${address.address}:${address.port}`;
  // A name that is not UTF-8 comes as a Buffer: printed as its bytes, as C's printf("%s") would.
  if (address.family === 'AF_UNIX') return typeof address.path === 'string' ? address.path : address.path.toString('latin1');
  return JSON.stringify(address);
}

/** INADDR_ANY: every interface, the originals' default host. */
const INADDR_ANY = '0.0.0.0';

/**
 * A server's first line, `listening on ADDRESS`, with the port it really got; bound to INADDR_ANY
 * (the default, as the originals bind), a second line says that it is open to the network and how
 * to stay on loopback.
 */
export function printListening(address: SocketAddress): void {
  console.log(`listening on ${addressName(address)}`);
  if (address.family === 'AF_INET' && address.address === INADDR_ANY) {
    console.log('0.0.0.0 is INADDR_ANY, as the original binds: every interface, open to the network; give the host 127.0.0.1 to stay on loopback');
  }
}

/**
 * The pre-forked servers' worker side of a connection: greets the client with `worker PID`, then
 * echoes it until it closes. A failed call is reported and makes the worker's status 1.
 */
export async function workerEcho(conn: Socket, peer: string): Promise<void> {
  let echoed = 0;
  try {
    await conn.sendAll(`worker ${process.pid}\n`);
    for (;;) {
      const buf = await conn.recv(BUFSIZ); //                         n = recv(fd, buf, sizeof(buf), 0)
      if (buf.length === 0) break; //                                 the client closed its end
      await conn.sendAll(buf); //                                     send_all(fd, buf, n)
      echoed += buf.length;
    }
  } catch (error) {
    if (!(error instanceof SocketError)) throw error;
    console.error(`worker ${process.pid}: ${error.message}`);
    process.exitCode = 1;
  }
  conn.close();
  console.log(`worker ${process.pid}: closed ${peer} after echoing ${echoed} bytes`);
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
