// What the echo server's two flavours share: the plan of what to serve, the stop on a signal, and
// the words of its log.
import type * as Blocking from '../index';

import { describe, isSocketError, warn } from './output';

/** Ends a server at the first SIGINT/SIGTERM; the stop actions run at once (closing sockets). */
export class Stopper {
  signal: NodeJS.Signals | undefined;
  readonly #actions: (() => void)[] = [];
  readonly #onSignal = (signal: NodeJS.Signals): void => this.stop(signal);

  constructor() {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  get stopped(): boolean {
    return this.signal !== undefined;
  }

  onStop(action: () => void): void {
    this.#actions.push(action);
  }

  stop(signal: NodeJS.Signals): void {
    if (this.stopped) return;
    this.signal = signal;
    for (const action of this.#actions.splice(0)) action();
  }

  /** Back to the default: a second signal after the server has ended kills the process. */
  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}

export interface ServerPlan {
  family: number;
  type: number;
  address: Blocking.AddressInput;
  /** --unix: the socket file, removed at the end. */
  path: string | undefined;
  /** The inode of the socket file bind() made: only that file is removed, not a later server's. */
  ino?: number;
  maxClients: number;
}

/** 'from 127.0.0.1:40000', or nothing for an unnamed Unix client. */
export function fromWhom(address: Blocking.SocketAddress): string {
  return address.family === 'AF_UNIX' && address.path === '' ? '' : ` from ${describe(address)}`;
}

/** A reply that could not be sent is reported; the server goes on with the next datagram. */
export function reply(datagram: number, error: unknown): void {
  if (!isSocketError(error)) throw error;
  warn(`datagram ${datagram}: ${error.message}`);
}
