// The promise flavour at the edges of a thread's life: workers that end or are terminated with
// poll handles open (in a process whose main thread never loaded sockcall, so Node unloads the
// addon with the worker), exceptions thrown after a poll callback, and temporary pollers that must
// not touch an fd number once its owner let it go.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { root } from './helpers.mjs';

const promises = join(root, 'dist', 'promises.js');

/** Runs `source` in a fresh node process; returns { status, signal, stdout, stderr }. */
function runNode(source, timeout = 30000) {
  const result = spawnSync(process.execPath, ['-e', source], { encoding: 'utf8', timeout });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describe('95 promise flavour at teardown', function () {
  this.timeout(60000);

  it('workers ending or terminated with poll handles open do not crash a process that never loaded sockcall', function () {
    const result = runNode(`
      const { Worker } = require('node:worker_threads');
      const code = \`
        const P = require(${JSON.stringify(promises)});
        const { parentPort, workerData } = require('node:worker_threads');
        const server = new P.Socket(P.AF_INET, P.SOCK_STREAM);
        server.bind({ address: '127.0.0.1', port: 0 });
        server.listen();
        const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
        (async () => { for (;;) { const x = await a.recv(100); if (!x.length) break; await a.send(x); } })().catch(() => {});
        (async () => { for (;;) { await b.send('ping'); await b.recv(100); } })().catch(() => {});
        if (workerData.unref) server.unref(); else server.accept().catch(() => {});
        parentPort.postMessage('ready');
        if (workerData.unref) { a.close(); b.close(); }\`;
      (async () => {
        for (let i = 0; i < 40; i++) {
          const unref = i % 2 === 1;
          const worker = new Worker(code, { eval: true, workerData: { unref } });
          // Listen for 'exit' before the first await: a worker that exits right after posting
          // 'ready' has its message and its 'exit' delivered in one turn of the loop, before a
          // listener attached after the await would exist (the loop would then empty, silently).
          const exited = new Promise((resolve) => worker.once('exit', resolve));
          await new Promise((resolve, reject) => {
            worker.once('message', resolve);
            exited.then((code) => reject(new Error('worker exited with ' + code + ' before it was ready')));
          });
          if (unref) await exited;
          else await worker.terminate();
        }
        console.log('survived');
      })();`);
    expect(result.signal, result.stderr).to.equal(null);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout.trim()).to.equal('survived');
  });

  it('a worker terminated during a promise getaddrinfo does not abort the process', function () {
    const result = runNode(`
      const { Worker } = require('node:worker_threads');
      (async () => {
        for (let i = 0; i < 20; i++) {
          const worker = new Worker(\`
            const P = require(${JSON.stringify(promises)});
            for (let j = 0; j < 20; j++) P.getaddrinfo('localhost', 80).catch(() => {});
            require('node:worker_threads').parentPort.postMessage('go');\`, { eval: true });
          const exited = new Promise((resolve) => worker.once('exit', resolve));
          await new Promise((resolve, reject) => {
            worker.once('message', resolve);
            exited.then((code) => reject(new Error('worker exited with ' + code + ' before it was ready')));
          });
          await worker.terminate();
        }
        console.log('survived');
      })();`);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout.trim()).to.equal('survived');
  });

  it('an exception thrown in a reaction to a resolved call is an uncaught exception, as in Node', function () {
    const result = runNode(`
      const P = require(${JSON.stringify(promises)});
      const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
      a.recv(10).then(() => process.nextTick(() => { throw new Error('thrown after recv'); }));
      setTimeout(() => b.send('x'), 20);
      setTimeout(() => { console.log('still running'); process.exit(0); }, 500);`);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.contain('thrown after recv');
    expect(result.stdout).to.not.contain('still running');
  });

  it("select on a blocking socket neither clobbers a reused fd number nor leaves the mode changed", async function () {
    const blocking = await import('sockcall');
    const P = await import('sockcall/promises');
    const victim = new blocking.Socket(blocking.AF_INET, blocking.SOCK_STREAM);
    victim.bind({ address: '127.0.0.1', port: 0 });
    victim.listen();
    const number = victim.fd;
    const waiting = P.select([victim], [], [], 300);
    victim.close(); // its owner lets the fd go while the select waits
    const successors = [];
    let reused;
    for (let i = 0; i < 50 && reused === undefined; i++) {
      const s = new P.Socket(P.AF_UNIX, P.SOCK_STREAM);
      successors.push(s);
      if (s.fd === number) reused = s;
    }
    try {
      expect(reused, 'a new socket took the old number').to.not.equal(undefined);
      const [a, b] = P.Socket.pair(P.AF_UNIX, P.SOCK_STREAM);
      successors.push(a, b);
      // Two waits on one blocking socket at once, and the blocking mode restored after both.
      const other = new blocking.Socket(blocking.AF_UNIX, blocking.SOCK_DGRAM);
      const [x, y] = blocking.Socket.pair(blocking.AF_UNIX, blocking.SOCK_DGRAM);
      const both = Promise.all([P.select([x], [], [], 2000), P.poll([{ fd: x, events: P.POLLIN }], 2000)]);
      y.send('ready');
      const [selected, polled] = await both;
      expect(selected.read).to.deep.equal([x]);
      expect(polled).to.have.length(1);
      expect(x.getBlocking()).to.equal(true);
      other.close();
      x.close();
      y.close();
      await waiting;
      // The old select's temporary poller never touched the number it no longer owned.
      expect(reused.getBlocking()).to.equal(false);
    } finally {
      for (const s of successors) s.close();
    }
  });
});
