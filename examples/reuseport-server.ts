// reuseport-server: a pre-forked echo server in which the kernel shares out the connections. The
// parent fork()s N workers; each opens its own listener with SO_REUSEPORT on the same port, and
// Linux hashes each new connection (its addresses and ports) to one of them: no process accepts for
// another, and no fd crosses between processes. Compare fd-passing-server, where the parent accepts.
//
// Each worker greets a client with `worker PID` and a newline, then echoes it until it closes, so a
// client sees which process served it.
// No C twin, and no client of its own: test/88.prefork.test.mjs is one (nc(1) will do by hand).
// tcp-echo-client is not: it reads only 250 bytes, so the greeting's length of echo goes unread,
// its close() sends a reset, and the worker reports recv ECONNRESET (status 1).
//
// The port: the parent binds it first (port 0 takes a free one), with SO_REUSEPORT, and keeps that
// socket bound but not listening until every worker listens. A bound socket holds the port, so no
// other program can take it in between, and one that does not listen takes no connections: only
// listening sockets join the group the kernel chooses among. Then the parent closes it.
//
//   node dist/reuseport-server.js [port] [host] [--workers N] [--clients N]   3005, 0.0.0.0, 3 workers
//
// --clients N stops the workers once they have served N clients between them; SIGTERM (or SIGINT)
// to the parent stops them at once. The parent waits for every worker before it exits, and a
// worker whose parent has gone stops too (its IPC channel closes), so no worker is left behind.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

import { AF_INET, SO_REUSEPORT, SOCK_STREAM, Socket, SocketError, SOL_SOCKET } from 'sockcall/promises';

import { addressName, fail, parseCommandLine, portArg, printListening, takeOption, usage, workerEcho } from './cli';

const SERVER_PORT = 3005;
const USAGE = 'reuseport-server [port] [host] [--workers N] [--clients N]';
const MAX_WORKERS = 64;

/** Parent to worker: nothing but the IPC channel's closing. Worker to parent: these. */
type WorkerMessage = { listening: number } | { served: string };

// --- a worker -------------------------------------------------------------------------------------

async function worker(port: number, host: string): Promise<void> {
  const sd = new Socket(AF_INET, SOCK_STREAM); //                     sd = socket(AF_INET, SOCK_STREAM, 0)
  sd.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1); //                      setsockopt(sd, SOL_SOCKET, SO_REUSEPORT, &on, ...)
  sd.bind({ address: host, port }); //                                bind(sd, &addr, sizeof(addr)): the parent's port
  sd.listen(10); //                                                   listen(sd, 10): now the kernel sends it connections
  process.send!({ listening: port } satisfies WorkerMessage);

  // Closing the listener rejects the pending accept() (ECANCELED), which ends the loop below.
  const stop = (): void => {
    if (sd.fd !== -1) sd.close();
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop); //                                the parent has gone or says stop

  const serving = new Set<Promise<void>>();
  for (;;) {
    let conn: Socket;
    try {
      conn = await sd.accept(); //                                    fd = accept(sd, NULL, NULL)
    } catch (error) {
      if (error instanceof SocketError && error.code === 'ECANCELED') break;
      throw error;
    }
    const peer = addressName(conn.getpeername());
    const client = workerEcho(conn, peer).finally(() => {
      serving.delete(client);
      // The parent may be disconnecting already (it stops once enough clients were served): the
      // write then fails EPIPE before 'disconnect' arrives here, and with a callback that is an
      // answer to ignore, not an 'error' event that would end this worker.
      if (process.connected) process.send!({ served: peer } satisfies WorkerMessage, () => {});
    });
    serving.add(client);
  }
  await Promise.all(serving); //                                      clients already accepted are served to the end
  if (process.connected) process.disconnect();
}

// --- the parent -----------------------------------------------------------------------------------

async function parent(port: number, host: string, workers: number, clients: number): Promise<void> {
  const holder = new Socket(AF_INET, SOCK_STREAM); //                 holds the port until the workers listen
  holder.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  holder.bind({ address: host, port }); //                            bind() without listen()
  const bound = holder.getsockname(); //                               getsockname(): the port bind() took
  const realPort = bound.family === 'AF_INET' ? bound.port : port;

  const children: ChildProcess[] = [];
  const exited: Promise<unknown>[] = [];
  let served = 0;
  const stop = (): void => {
    for (const child of children) if (child.connected) child.disconnect();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  const listening: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    // fork(): the same program again, as a worker (the C idiom would be fork() before listen()).
    const child = fork(process.argv[1]!, [String(realPort), host, '--worker'], { stdio: 'inherit' });
    children.push(child);
    exited.push(once(child, 'exit'));
    listening.push(
      new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`worker ${child.pid} exited with status ${code} before listening`)));
        child.on('message', (message: WorkerMessage) => {
          if ('listening' in message) resolve();
          else if (++served >= clients) stop();
        });
      }),
    );
  }
  try {
    await Promise.all(listening);
  } catch (error) {
    stop();
    await Promise.all(exited);
    fail(String(error instanceof Error ? error.message : error));
  }
  holder.close(); //                                                  close(): the workers' listeners hold the port now
  printListening(bound);
  console.log(`workers ${children.map((child) => child.pid).join(' ')}`);

  await Promise.all(exited); //                                       waitpid() for each worker
  if (children.some((child) => child.exitCode !== 0)) process.exitCode = 1;
}

function main(): Promise<void> {
  const workers = takeOption('--workers', 1, MAX_WORKERS, USAGE) ?? 3;
  const isWorker = process.argv.includes('--worker', 2);
  if (isWorker) process.argv.splice(process.argv.indexOf('--worker', 2), 1);
  const cl = parseCommandLine(2, !isWorker, USAGE);
  const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
  const host = cl.arg[1] ?? '0.0.0.0';
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE);
  return isWorker ? worker(port, host) : parent(port, host, workers, cl.clients);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
