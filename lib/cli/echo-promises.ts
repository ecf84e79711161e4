// The echo server's promise flavour: every client at once, on the event loop.
import type * as Blocking from '../index';
import type * as Promises from '../promises';

import { isSocketError, say, warn } from './output';
import { BUFFER_LENGTH } from './sockcall';
import { fromWhom, reply, type ServerPlan, type Stopper } from './echo-shared';

/** The promise flavour over TCP or a Unix stream: one accept loop, one echo loop per client. */
export async function serveStreams(listener: Promises.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  const clients = new Set<Promises.Socket>();
  const serving = new Set<Promise<void>>();
  stopper.onStop(() => {
    // close() rejects the pending accept and recv/send calls with ECANCELED.
    listener.close();
    for (const client of clients) client.close();
  });

  const echo = async (conn: Promises.Socket, id: number): Promise<void> => {
    let echoed = 0;
    try {
      for (;;) {
        const data = await conn.recv(BUFFER_LENGTH);
        if (data.length === 0) break;
        await conn.sendAll(data);
        echoed += data.length;
      }
    } catch (error) {
      if (!stopper.stopped) warn(`client ${id}: ${isSocketError(error) ? error.message : String(error)}`);
    } finally {
      conn.close();
      clients.delete(conn);
    }
    say(`client ${id} closed: ${echoed} bytes echoed`);
  };

  for (let accepted = 0; accepted < plan.maxClients && !stopper.stopped; ) {
    let conn: Promises.Socket;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (stopper.stopped) break;
      // A connection reset while it waited in the queue: nothing to serve (as the blocking server).
      if (isSocketError(error) && error.code === 'ECONNABORTED') continue;
      throw error;
    }
    const id = ++accepted;
    clients.add(conn);
    say(`client ${id} connected${fromWhom(conn.getpeername())}`);
    const job = echo(conn, id).finally(() => serving.delete(job));
    serving.add(job);
  }
  listener.close();
  await Promise.all(serving);
}

/** The promise flavour over UDP: each datagram back to its sender. */
export async function serveDatagrams(socket: Promises.Socket, plan: ServerPlan, stopper: Stopper): Promise<void> {
  stopper.onStop(() => socket.close());
  for (let served = 0; served < plan.maxClients && !stopper.stopped; ) {
    let received: Promises.Received;
    try {
      received = await socket.recvfrom(BUFFER_LENGTH);
    } catch (error) {
      if (stopper.stopped) break;
      throw error;
    }
    // UDP always says who sent a datagram (null is for sockets without addresses).
    const { data, address } = received as { data: Buffer; address: Blocking.SocketAddress };
    served++;
    try {
      await socket.sendto(data, address);
      say(`datagram ${served}${fromWhom(address)}: ${data.length} bytes echoed`);
    } catch (error) {
      if (stopper.stopped) break;
      reply(served, error);
    }
  }
}
