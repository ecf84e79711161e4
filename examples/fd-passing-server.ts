// fd-passing-server: a pre-forked echo server in which the parent accepts every connection and
// hands it to a worker process: sendmsg() with an SCM_RIGHTS control message over an AF_UNIX
// socketpair, one pair per worker, the workers taken in turn (round robin). The kernel installs a
// new fd for the same connection in the worker; the parent then closes its own. Compare
// reuseport-server, where the kernel chooses among the workers' own listeners.
//
// Each worker greets a client with `worker PID` and a newline, then echoes it until it closes.
// No C twin, and no client of its own: test/88.prefork.test.mjs is one (nc(1) will do by hand).
// tcp-echo-client is not: it reads only 250 bytes, so the greeting's length of echo goes unread,
// its close() sends a reset, and the worker reports recv ECONNRESET (status 1).
//
//   node dist/fd-passing-server.js [port] [host] [--workers N] [--clients N]   3005, 0.0.0.0, 3 workers
//
// --clients N makes the parent stop after passing N connections; SIGTERM (or SIGINT) makes it stop
// accepting at once. Either way it closes its ends of the socketpairs, and each worker, reading
// end-of-file there, finishes the clients it has and exits; the parent waits for them all. A worker
// whose parent dies reads end-of-file too, so none is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

import { AF_INET, AF_UNIX, SO_REUSEADDR, SOCK_STREAM, Socket, SocketError, SOL_SOCKET } from 'sockcall/promises';

import { addressName, parseCommandLine, portArg, printListening, takeOption, usage, workerEcho } from './cli';

const SERVER_PORT = 3005;
const USAGE = 'fd-passing-server [port] [host] [--workers N] [--clients N]';
const MAX_WORKERS = 64;
/** The worker's end of its socketpair, as spawn() places it (dup2(fd, 3) in the C idiom). */
const CHANNEL_FD = 3;

// --- a worker -------------------------------------------------------------------------------------

async function worker(): Promise<void> {
  const channel = Socket.fromFd(CHANNEL_FD); //                       the parent's socketpair, on fd 3
  const serving = new Set<Promise<void>>();
  for (;;) {
    // recvmsg(channel, &msg, MSG_CMSG_CLOEXEC), then CMSG_DATA() of the SCM_RIGHTS cmsg
    const { data, fds } = await channel.recvFds(1);
    if (data.length === 0 && fds.length === 0) break; //              end-of-file: the parent is done, or gone
    for (const fd of fds) {
      const conn = Socket.fromFd(fd); //                              the connection the parent accepted
      const peer = addressName(conn.getpeername());
      const client = workerEcho(conn, peer).finally(() => serving.delete(client));
      serving.add(client);
    }
  }
  channel.close();
  await Promise.all(serving);
}

// --- the parent -----------------------------------------------------------------------------------

interface Worker {
  child: ChildProcess;
  channel: Socket;
  exited: Promise<unknown>;
}

async function parent(port: number, host: string, count: number, clients: number): Promise<void> {
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) {
    const [channel, theirs] = Socket.pair(AF_UNIX, SOCK_STREAM); //   socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
    // The same program again, as a worker, its end of the pair on fd 3 (spawn dup2()s it there).
    const child = spawn(process.execPath, [process.argv[1]!, '--worker'], { stdio: ['ignore', 'inherit', 'inherit', theirs.fd] });
    theirs.close(); //                                                close(sv[1]) in the parent
    workers.push({ child, channel, exited: once(child, 'exit') });
  }

  const sd = new Socket(AF_INET, SOCK_STREAM); //                     sd = socket(AF_INET, SOCK_STREAM, 0)
  sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  sd.bind({ address: host, port }); //                                bind(sd, &addr, sizeof(addr))
  sd.listen(10); //                                                   listen(sd, 10)
  printListening(sd.getsockname());
  console.log(`workers ${workers.map((w) => w.child.pid).join(' ')}`);

  // Closing the listener rejects the pending accept() (ECANCELED), which ends the loop below.
  const stop = (): void => {
    if (sd.fd !== -1) sd.close();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  try {
    for (let passed = 0; passed < clients; passed++) {
      let conn: Socket;
      try {
        conn = await sd.accept(); //                                  fd = accept(sd, NULL, NULL)
      } catch (error) {
        if (error instanceof SocketError && error.code === 'ECANCELED') break;
        throw error;
      }
      const peer = addressName(conn.getpeername());
      const w = workers[passed % workers.length]!; //                 round robin
      try {
        await w.channel.sendFds([conn]); //                           sendmsg(sv[0], &msg, 0) with SCM_RIGHTS {fd}
        console.log(`passed ${peer} to worker ${w.child.pid}`);
      } finally {
        conn.close(); //                                              close(fd): the worker's copy keeps it open
      }
    }
  } finally {
    stop();
    for (const w of workers) w.channel.close(); //                    close(sv[0]): the worker reads end-of-file
    await Promise.all(workers.map((w) => w.exited)); //               waitpid() for each worker
  }
  if (workers.some((w) => w.child.exitCode !== 0)) process.exitCode = 1;
}

function main(): Promise<void> {
  if (process.argv[2] === '--worker' && process.argv.length === 3) return worker();
  const workers = takeOption('--workers', 1, MAX_WORKERS, USAGE) ?? 3;
  const cl = parseCommandLine(2, true, USAGE);
  const port = cl.arg[0] === undefined ? SERVER_PORT : portArg(cl.arg[0], USAGE);
  const host = cl.arg[1] ?? '0.0.0.0';
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) usage(USAGE);
  return parent(port, host, workers, cl.clients);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
