// The package as a user installs it: both module systems, the binding's shape, the constants,
// close-on-exec fds, worker threads.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import * as sockcall from 'sockcall';

import { root, track } from './helpers.mjs';

const require = createRequire(import.meta.url);

/** Whether `fd` is an open socket in this process. */
function isSocket(fd) {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
  } catch {
    return false;
  }
}

function openSocketCount() {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false; // closed between the listing and the readlink
    }
  }).length;
}
const { AF_INET, SOCK_STREAM, Socket, constants } = sockcall;

describe('00 setup', function () {
  it('loads with require() and import, as the same module', function () {
    const cjs = require('sockcall');
    expect(cjs.Socket).to.equal(Socket);
    expect(cjs.AF_INET).to.equal(AF_INET);
    expect(typeof cjs.select).to.equal('function');
  });

  it('exports named constants for ESM importers (static names the CJS lexer can see)', async function () {
    const { AF_INET6, SO_RCVLOWAT, MSG_PEEK, POLLIN, EAI_NONAME, SHUT_WR, IPV6_V6ONLY, TCP_NODELAY, IPPROTO_TCP } =
      await import('sockcall');
    for (const value of [AF_INET6, SO_RCVLOWAT, MSG_PEEK, POLLIN, EAI_NONAME, SHUT_WR, IPV6_V6ONLY, TCP_NODELAY, IPPROTO_TCP]) {
      expect(value).to.be.a('number');
    }
  });

  it('has a native binding whose members match the one typed declaration in lib/native.ts', function () {
    const { native, nativeShape } = require('../dist/native.js');
    expect(Object.keys(native).sort()).to.deep.equal(Object.keys(nativeShape).sort());
    for (const [name, kind] of Object.entries(nativeShape)) {
      expect(typeof native[name], name).to.equal(kind);
    }
    // The binary's own exports: everything but `path`, which the loader adds to its copy.
    const exported = require(native.path);
    expect(exported).to.not.equal(native);
    expect([...Object.keys(exported), 'path'].sort()).to.deep.equal(Object.keys(nativeShape).sort());
    for (const name of Object.keys(exported)) expect(native[name], name).to.equal(exported[name]);
  });

  it('hands lib/ the binding as a fast-mode object (its members are not looked up in a dictionary)', function () {
    const probe = `const { native } = require(${JSON.stringify(`${root}/dist/native.js`)});
      process.stdout.write(String(%HasFastProperties(native)));`;
    expect(execFileSync(process.execPath, ['--allow-natives-syntax', '-e', probe], { encoding: 'utf8' })).to.equal('true');
  });

  it('exports every constant the headers gave, by name and in `constants`, and nothing else', function () {
    const { native } = require('../dist/native.js');
    // CMSG_SPACE and friends are functions, as in C (macros there).
    const named = Object.keys(sockcall).filter((key) => /^[A-Z][A-Z0-9_]+$/.test(key) && key !== 'MAX_RECV_LENGTH' && typeof sockcall[key] !== 'function');
    expect(named.sort()).to.deep.equal(Object.keys(native.constants).sort());
    for (const name of named) expect(sockcall[name], name).to.equal(constants[name]);
    expect(Object.isFrozen(constants)).to.equal(true);
  });

  it('takes values from the system headers (spot checks against Linux values)', function () {
    expect(constants.AF_INET).to.equal(2);
    expect(constants.AF_INET6).to.equal(10);
    expect(constants.AF_UNIX).to.equal(1);
    expect(constants.SOCK_STREAM).to.equal(1);
    expect(constants.SOCK_DGRAM).to.equal(2);
    expect(constants.SOL_SOCKET).to.equal(1);
    expect(constants.SO_REUSEADDR).to.equal(2);
    expect(constants.SO_RCVLOWAT).to.equal(18);
    expect(constants.MSG_PEEK).to.equal(2);
    expect(constants.MSG_NOSIGNAL).to.equal(0x4000);
    expect(constants.FD_SETSIZE).to.equal(1024);
    expect(constants.SOCK_CLOEXEC).to.equal(0o2000000);
  });

  it('creates close-on-exec fds: a child process does not inherit them', function () {
    const server = track(new Socket(AF_INET, SOCK_STREAM));
    const accepted = [];
    server.bind({ address: '127.0.0.1', port: 0 });
    server.listen(1);
    const client = track(new Socket(AF_INET, SOCK_STREAM));
    client.connect(server.getsockname());
    accepted.push(track(server.accept()));
    const fds = [server.fd, client.fd, accepted[0].fd];
    const [a, b] = Socket.pair(constants.AF_UNIX, SOCK_STREAM);
    track(a, b);
    fds.push(a.fd, b.fd);
    const childFds = execFileSync('/bin/sh', ['-c', 'ls /proc/$$/fd'], { encoding: 'utf8' }).split(/\s+/).filter(Boolean).map(Number);
    for (const fd of fds) expect(childFds, `fd ${fd}`).to.not.include(fd);
    const flags = execFileSync('/bin/sh', ['-c', `cat /proc/${process.pid}/fdinfo/${server.fd}`], { encoding: 'utf8' });
    const octal = Number.parseInt(/flags:\s+(\d+)/.exec(flags)[1], 8);
    expect(octal & 0o2000000, 'O_CLOEXEC in fdinfo flags').to.not.equal(0);
  });

  it('loads and works inside worker threads, several at once', async function () {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Socket, AF_UNIX, SOCK_STREAM } = require(workerData.root);
      const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);
      a.send('ping from worker ' + workerData.id);
      parentPort.postMessage(b.recv(100).toString());
      a.close(); b.close();`;
    const answers = await Promise.all(
      [1, 2, 3, 4].map(
        (id) =>
          new Promise((resolve, reject) => {
            const worker = new Worker(source, { eval: true, workerData: { root, id } });
            const timer = setTimeout(() => {
              worker.terminate();
              reject(new Error('worker timed out'));
            }, 10000);
            let answer;
            worker.once('message', (message) => {
              answer = message;
            });
            // Settle on exit, not on the message: the worker still holds its sockets until then.
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve(answer);
            });
            worker.once('error', reject);
          }),
      ),
    );
    expect(answers).to.deep.equal([1, 2, 3, 4].map((id) => `ping from worker ${id}`));
  });

  it('closes the sockets a worker leaves open when the worker exits', async function () {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Socket, AF_INET, SOCK_STREAM } = require(workerData.root);
      const ports = [];
      for (let i = 0; i < 10; i++) {
        const s = new Socket(AF_INET, SOCK_STREAM);          // never closed
        s.bind({ address: '127.0.0.1', port: 0 });
        s.listen();
        ports.push(s.getsockname().port);
      }
      parentPort.postMessage(ports);
      parentPort.once('message', () => parentPort.close());   // stay alive until told to end`;
    // Sockets only: a worker's own loop fds (epoll, eventfd) come and go with it.
    const before = openSocketCount();
    const worker = new Worker(source, { eval: true, workerData: { root } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    let ports;
    try {
      ports = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(openSocketCount()).to.equal(before + 10);
      worker.postMessage('end');
      await exited;
    } finally {
      await worker.terminate(); // a failed assertion must not leave the worker holding the process
    }
    expect(openSocketCount()).to.equal(before);
    // The listeners are really gone: their ports can be bound again (no SO_REUSEADDR needed, since
    // a listener that never accepted leaves no TIME_WAIT).
    for (const port of ports) {
      const again = track(new Socket(AF_INET, SOCK_STREAM));
      again.bind({ address: '127.0.0.1', port });
    }
  });

  it('closes the fds a worker leaves open at any number when it exits, and none it detached', async function () {
    // fds spread over the numbers (each in its own word of the binding's fd bitmap), adopted with
    // fromFd; one detached, which the worker gives away and so must outlive it. own() of a number
    // past anything an fd can be here, and of a negative one, is harmless at teardown.
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { Socket, AF_INET, SOCK_STREAM } = require(workerData.root);
      const { native } = require(workerData.root + '/dist/native.js');
      const fds = [];
      const first = new Socket(AF_INET, SOCK_STREAM);          // never closed
      fds.push(first.fd);
      for (const at of workerData.numbers) {
        const fd = native.dup(first.fd, at);
        if (fd < 0) throw new Error('dup ' + fd);
        fds.push(Socket.fromFd(fd).fd);                        // owned by this worker now
      }
      const given = new Socket(AF_INET, SOCK_STREAM);
      native.own(2_000_000_000);
      native.own(-5);
      parentPort.postMessage({ fds, detached: given.detach() });
      parentPort.once('message', () => parentPort.close());`;
    const soft = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 1024);
    const numbers = [130, 300, 700, Math.min(1500, soft - 1)];
    const worker = new Worker(source, { eval: true, workerData: { root, numbers } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    let sent;
    try {
      sent = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      for (const fd of sent.fds) expect(isSocket(fd), `fd ${fd} open in the worker`).to.equal(true);
      worker.postMessage('end');
      await exited;
    } finally {
      await worker.terminate();
    }
    try {
      for (const fd of sent.fds) expect(isSocket(fd), `fd ${fd} closed with the worker`).to.equal(false);
      expect(isSocket(sent.detached), 'the detached fd outlives the worker').to.equal(true);
    } finally {
      if (isSocket(sent.detached)) closeSync(sent.detached);
    }
  });

  it('does not keep the process alive and exits cleanly after use', function () {
    const script = `
      const { Socket, AF_INET, SOCK_STREAM } = require(${JSON.stringify(root)});
      const s = new Socket(AF_INET, SOCK_STREAM);
      s.bind({ address: '127.0.0.1', port: 0 });
      s.listen();
      console.log('listening');`;
    const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10000 });
    expect(output.trim()).to.equal('listening');
  });
});
