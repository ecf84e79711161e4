// The echo server's blocking flavour: one thread in a poll(2) loop that wakes up every TICK_MS.
import { setImmediate as nextLoopTurn } from 'node:timers/promises';

import type * as Blocking from '../index';

import { isSocketError, say, warn } from './output';
import { blocking, BUFFER_LENGTH } from './sockcall';
import { fromWhom, reply, type ServerPlan, type Stopper } from './echo-shared';

/** How long the blocking server sleeps in poll(2) at most before it lets signal handlers run. */
export const TICK_MS = 250;

interface BlockingClient {
  socket: Blocking.Socket;
  id: number;
  /** Received and not yet all sent back: the client is not read again until it has been. */
  pending: Buffer | null;
  echoed: number;
}

/**
 * The blocking flavour over TCP or a Unix stream: one thread, poll(2) over the listener and every
 * client, as the classic select() server does. A client with an echo pending is polled for POLLOUT and
 * not read, so one that does not read its echo is slowed down by TCP, not buffered without bound.
 * recv and send carry MSG_DONTWAIT: a blocking send of a whole buffer could stop every other client.
 */
export async function serveStreamsBlocking(listener: Blocking.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  const { poll, POLLIN, POLLOUT, MSG_DONTWAIT } = blocking();
  const clients = new Map<Blocking.Socket, BlockingClient>();
  let listening = true;
  let accepted = 0;

  const close = (client: BlockingClient, error?: unknown): void => {
    if (error !== undefined) warn(`client ${client.id}: ${isSocketError(error) ? error.message : String(error)}`);
    client.socket.close();
    clients.delete(client.socket);
    say(`client ${client.id} closed: ${client.echoed} bytes echoed`);
  };
  const wouldBlock = (error: unknown): boolean => isSocketError(error) && error.code === 'EAGAIN';

  try {
    while (!stopper.stopped && (listening || clients.size > 0)) {
      const entries: Blocking.PollEntry<Blocking.Socket>[] = [];
      if (listening) entries.push({ fd: listener, events: POLLIN });
      for (const client of clients.values()) entries.push({ fd: client.socket, events: client.pending ? POLLOUT : POLLIN });
      for (const { fd: socket } of poll(entries, TICK_MS)) {
        if (socket === listener) {
          let conn: Blocking.Socket;
          try {
            conn = listener.accept();
          } catch (error) {
            // A connection reset while it waited in the queue: nothing to serve.
            if (wouldBlock(error) || (isSocketError(error) && error.code === 'ECONNABORTED')) continue;
            throw error;
          }
          const client: BlockingClient = { socket: conn, id: ++accepted, pending: null, echoed: 0 };
          clients.set(conn, client);
          say(`client ${client.id} connected${fromWhom(conn.getpeername())}`);
          if (accepted === plan.maxClients) {
            listener.close();
            listening = false;
          }
          continue;
        }
        const client = clients.get(socket)!;
        try {
          if (client.pending === null) {
            const data = socket.recv(BUFFER_LENGTH, MSG_DONTWAIT);
            if (data.length === 0) close(client);
            else client.pending = data;
          } else {
            const sent = socket.send(client.pending, MSG_DONTWAIT);
            client.echoed += sent;
            client.pending = sent < client.pending.length ? client.pending.subarray(sent) : null;
          }
        } catch (error) {
          if (!wouldBlock(error)) close(client, error);
        }
      }
      // Signal handlers (and nothing else) wait for the event loop to turn.
      await nextLoopTurn();
    }
  } finally {
    for (const client of [...clients.values()]) close(client);
  }
}

/** The blocking flavour over UDP: poll(2) with the tick, recvfrom, sendto. */
export async function serveDatagramsBlocking(socket: Blocking.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  const { poll, POLLIN, MSG_DONTWAIT } = blocking();
  // After every turn, `continue` included, signal handlers get their chance to run.
  for (let served = 0; served < plan.maxClients && !stopper.stopped; await nextLoopTurn()) {
    if (poll([{ fd: socket, events: POLLIN }], TICK_MS).length === 0) continue;
    let received: Blocking.Received;
    try {
      received = socket.recvfrom(BUFFER_LENGTH, MSG_DONTWAIT);
    } catch (error) {
      if (isSocketError(error) && error.code === 'EAGAIN') continue;
      throw error;
    }
    const { data, address } = received as { data: Buffer; address: Blocking.SocketAddress };
    served++;
    try {
      socket.sendto(data, address);
      say(`datagram ${served}${fromWhom(address)}: ${data.length} bytes echoed`);
    } catch (error) {
      reply(served, error);
    }
  }
}
