// peer-pidfd: who is on the other end of a Unix socket, without a race. SO_PEERCRED gives the
// peer's pid as a number, and once that process has exited the kernel may give the number to
// another one: a check made on it (kill(pid, 0), /proc/PID) can then be about the wrong process.
// SO_PEERPIDFD (Linux 6.5+) gives a pidfd instead: an fd that refers to that one process for as long
// as it is open. Its pid is the `Pid:` line of /proc/self/fdinfo/<pidfd> (-1 once the process is
// gone and reaped), and poll() reports it readable (POLLIN) when the process exits.
//
// The program listens at an abstract Unix name, starts a client (itself, with --client), accepts
// it, and reports the peer as SO_PEERCRED and the pidfd see it, then again after the client exits.
//
//   node dist/peer-pidfd.js
//
// Prints, for example:
//   SO_PEERCRED: pid 4242, uid 1000, gid 1000
//   SO_PEERPIDFD: pidfd 23, Pid 4242 in /proc/self/fdinfo/23, running (poll: no POLLIN)
//   the peer said: hello from 4242
//   the peer exited: pidfd 23 readable (POLLIN), Pid -1 in /proc/self/fdinfo/23
//   SO_PEERCRED still says pid 4242, a number the kernel may reuse; the pidfd never names another process
//
// No C twin: the C reads the same (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len), then
// poll() on pidfd and /proc/self/fdinfo). Exit status 1 on a kernel without SO_PEERPIDFD
// (getsockopt ENOPROTOOPT).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, readFileSync } from 'node:fs';

import { AF_UNIX, poll, POLLIN, SO_PEERCRED, SO_PEERPIDFD, SOCK_STREAM, Socket, SOL_SOCKET } from 'sockcall';

import { fail, usage } from './cli';

const USAGE = 'peer-pidfd [--client NAME]';
/** How long the client, or an exit, is waited for. */
const WAIT_MS = 10_000;

/** The pid a pidfd refers to, from /proc/self/fdinfo: -1 once the process has been reaped. */
function pidOf(pidfd: number): number {
  const line = /^Pid:\s*(-?\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8'));
  if (line === null) fail(`fd ${pidfd} is not a pidfd`);
  return Number(line[1]);
}

/** Whether the process has exited: the pidfd is readable then (poll with a timeout of `ms`). */
function exited(pidfd: number, ms: number): boolean {
  return poll([{ fd: pidfd, events: POLLIN }], ms).length > 0;
}

function client(name: string): void {
  const s = new Socket(AF_UNIX, SOCK_STREAM);
  s.connect({ path: `\0${name}` });
  s.sendAll(`hello from ${process.pid}`);
  s.recv(1); // the server's go-ahead: it has looked at this process while it runs
  s.close();
}

async function server(): Promise<void> {
  const name = `peer-pidfd-${process.pid}`;
  const listener = new Socket(AF_UNIX, SOCK_STREAM);
  listener.bind({ path: `\0${name}` }); // abstract: no file to remove
  listener.listen(1);
  const child = spawn(process.execPath, [__filename, '--client', name], { stdio: 'inherit' });
  const exit = once(child, 'exit');
  // Wait for the connection with poll, so that a client that failed does not leave accept blocked.
  if (poll([{ fd: listener, events: POLLIN }], WAIT_MS).length === 0) fail('no client connected');
  const conn = listener.accept();
  listener.close();

  const cred = conn.getsockopt(SOL_SOCKET, SO_PEERCRED);
  console.log(`SO_PEERCRED: pid ${cred.pid}, uid ${cred.uid}, gid ${cred.gid}`);
  const pidfd = conn.getsockopt(SOL_SOCKET, SO_PEERPIDFD); // a new fd: ours to close
  try {
    const running = !exited(pidfd, 0);
    console.log(`SO_PEERPIDFD: pidfd ${pidfd}, Pid ${pidOf(pidfd)} in /proc/self/fdinfo/${pidfd}, ${running ? 'running (poll: no POLLIN)' : 'exited'}`);
    console.log(`the peer said: ${conn.recv(100).toString()}`);
    conn.send('.');
    conn.close();

    if (!exited(pidfd, WAIT_MS)) fail('the peer did not exit');
    await exit; // Node reaps the child (waitpid) on its SIGCHLD: the pid is free from then on
    console.log(`the peer exited: pidfd ${pidfd} readable (POLLIN), Pid ${pidOf(pidfd)} in /proc/self/fdinfo/${pidfd}`);
    console.log(`SO_PEERCRED still says pid ${cred.pid}, a number the kernel may reuse; the pidfd never names another process`);
  } finally {
    closeSync(pidfd);
  }
}

if (process.argv[2] === '--client') {
  if (process.argv.length !== 4) usage(USAGE);
  client(process.argv[3]!);
} else {
  if (process.argv.length !== 2) usage(USAGE);
  void server();
}
