// Switching flavours and handing fds to Node: fromBlocking()/toBlocking() move one fd between the
// blocking and the promise Socket (mode switched, old object closed); a promise-accepted connection
// served by blocking code in a worker thread; a listener tuned with options Node does not expose,
// served by node:http; a connected sockcall fd driven by net.Socket.
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

import * as blocking from 'sockcall';
import * as promises from 'sockcall/promises';

import { bounded, guard, openFdCount, root, startWorker, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_UNIX,
  IPPROTO_TCP,
  SHUT_WR,
  SO_RCVLOWAT,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_STREAM,
  SOL_SOCKET,
  Socket,
  SocketError,
  TCP_DEFER_ACCEPT,
} = promises;
const BlockingSocket = blocking.Socket;

const ECANCELED = -125;

// --- fixtures --------------------------------------------------------------------------------------

function pSocket(domain = AF_INET, type = SOCK_STREAM) {
  return track(new Socket(domain, type));
}

function pListener() {
  const server = pSocket();
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(16);
  return server;
}

function macrotask() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The outcome of `promise` if it settles before the next macrotask, else 'pending'. */
function outcomeBeforeNextTask(promise) {
  const immediate = new Promise((resolve) => setImmediate(() => resolve('pending')));
  return Promise.race([promise.then((value) => ({ value }), (error) => ({ error })), immediate]);
}

function expectSocketError(error, code, syscall, errno) {
  expect(error, `expected ${syscall} ${code}, got ${error}`).to.be.an.instanceOf(SocketError);
  expect(error.code).to.equal(code);
  expect(error.syscall).to.equal(syscall);
  if (errno !== undefined) expect(error.errno).to.equal(errno);
}

/** A pattern that detects lost, duplicated or reordered bytes. */
function pattern(length) {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 13 + (i >> 8)) & 0xff;
  return data;
}

/** Reads until EOF (each recv bounded). */
async function readToEnd(sock, timeout = 3000) {
  const parts = [];
  for (let calls = 0; calls < 100000; calls++) {
    const data = await sock.recv(1 << 20, { timeout });
    if (data.length === 0) return Buffer.concat(parts);
    parts.push(data);
  }
  throw new Error('readToEnd: no EOF');
}

/** Node objects (servers, net.Sockets) to clean up after each test (workers: test/helpers.mjs). */
const nodeObjects = new Set();

describe('93 promises: switching flavours, handing fds to Node', function () {
  this.timeout(15000);

  afterEach(async function () {
    for (const object of nodeObjects) {
      if (object instanceof http.Server) {
        object.closeAllConnections();
        object.close();
      } else {
        object.destroy();
      }
    }
    nodeObjects.clear();
  });

  describe('fromBlocking() and toBlocking()', function () {
    it('fromBlocking(): the blocking Socket\'s fd becomes a non-blocking promise Socket; the blocking one is left closed', async function () {
      const b = guard(track(new BlockingSocket(AF_INET, SOCK_STREAM)));
      b.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      b.bind({ address: '127.0.0.1', port: 0 });
      b.listen(8);
      const fd = b.fd;
      const name = b.getsockname();
      expect(b.getBlocking()).to.equal(true);
      const fds = openFdCount();

      const p = track(Socket.fromBlocking(b));
      expect(p).to.be.an.instanceOf(Socket);
      expect(p.fd).to.equal(fd);
      expect(p.getBlocking()).to.equal(false);
      expect([p.domain, p.type, p.protocol]).to.deep.equal([b.domain, b.type, b.protocol]);
      expect(p.getsockname()).to.deep.equal(name);
      expect(openFdCount(), 'the same fd, no dup').to.equal(fds);

      expect(b.closed).to.equal(true);
      expect(b.fd).to.equal(-1);
      throwsLike(() => b.accept(), { code: 'EBADF', syscall: 'accept' });
      b.close(); // a no-op: it must not close the fd the promise Socket now owns
      expect(p.getsockname()).to.deep.equal(name);

      // It waits like a promise Socket: a pending accept times out instead of blocking the thread.
      let ticked = false;
      setTimeout(() => {
        ticked = true;
      }, 10);
      const error = await bounded(p.accept({ timeout: 100 }).then(
        () => null,
        (e) => e,
      ));
      expectSocketError(error, 'ETIMEDOUT', 'accept');
      expect(ticked, 'a timer ran while accept waited').to.equal(true);

      const client = pSocket();
      const [conn] = await bounded(Promise.all([p.accept({ timeout: 2000 }), client.connect(name, { timeout: 2000 })]));
      track(conn);
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
    });

    it('fromBlocking() refuses anything but a blocking Socket', function () {
      const p = pSocket();
      throwsLike(() => Socket.fromBlocking(p), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError });
      throwsLike(() => Socket.fromBlocking(p.fd), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError });
      expect(p.closed).to.equal(false);
    });

    it('toBlocking(): the same fd in blocking mode; the promise Socket is closed and its pending calls rejected with ECANCELED', async function () {
      const [p, peer] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(p, peer);
      const fd = p.fd;
      const pending = p.recv(10, { timeout: 5000 });
      const peerWaiting = peer.recv(1, { timeout: 5000 }); // the peer's own wait is not affected
      await macrotask();
      const fds = openFdCount();

      const b = guard(track(p.toBlocking()), 100);
      const outcome = await outcomeBeforeNextTask(pending);
      expect(outcome).to.not.equal('pending');
      expectSocketError(outcome.error, 'ECANCELED', 'recv', ECANCELED);

      expect(b).to.be.an.instanceOf(BlockingSocket);
      expect(b.fd).to.equal(fd);
      expect(b.getBlocking()).to.equal(true);
      expect([b.domain, b.type, b.protocol]).to.deep.equal([p.domain, p.type, p.protocol]);
      expect(p.closed).to.equal(true);
      expect(p.fd).to.equal(-1);
      expect(openFdCount()).to.equal(fds);
      p.close(); // no-op
      expectSocketError(await p.recv(1).catch((e) => e), 'EBADF', 'recv');

      // Blocking for real: recv waits out SO_RCVTIMEO (a non-blocking fd would say EAGAIN at once).
      const started = performance.now();
      throwsLike(() => b.recv(10), { code: 'EAGAIN', syscall: 'recv' });
      expect(performance.now() - started).to.be.at.least(90);

      await peer.send('to blocking');
      expect(b.recv(100).toString()).to.equal('to blocking');
      expect(b.send('back')).to.equal(4);
      expect((await bounded(peerWaiting)).toString()).to.equal('b');
      expect((await peer.recv(10, { timeout: 1000 })).toString()).to.equal('ack');
    });

    it('toBlocking() on a listener with a pending accept: accept ECANCELED, and the blocking accept gets the connection', async function () {
      const server = pListener();
      const pending = server.accept({ timeout: 5000 });
      await macrotask();
      const b = guard(track(server.toBlocking()));
      expectSocketError(await bounded(pending.catch((e) => e)), 'ECANCELED', 'accept', ECANCELED);
      const client = pSocket();
      await client.connect(b.getsockname(), { timeout: 2000 });
      const conn = guard(track(b.accept()));
      expect(conn).to.be.an.instanceOf(BlockingSocket);
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
    });

    it('round trip: promise → blocking → promise keeps the fd and the connection', async function () {
      const [a, peer] = Socket.pair(AF_UNIX, SOCK_STREAM);
      track(a, peer);
      const fd = a.fd;
      const again = track(Socket.fromBlocking(track(a.toBlocking())));
      expect(again.fd).to.equal(fd);
      expect(again.getBlocking()).to.equal(false);
      const waiting = again.recv(10, { timeout: 2000 });
      await macrotask();
      await peer.send('round');
      expect((await waiting).toString()).to.equal('round');
    });

    it('a promise-accepted connection handed to a worker running blocking code (toBlocking().detach() → Socket.fromFd)', async function () {
      // A first worker may open something for good (not counted): warm up, then take the baseline.
      await bounded(startWorker(`require(require('node:worker_threads').workerData.root)`, { root }).exited, 5000);
      const baseline = openFdCount();
      const { worker, next, exited } = startWorker(
        `
        const { parentPort, workerData } = require('node:worker_threads');
        const sockcall = require(workerData.root);
        parentPort.once('message', ({ fd }) => {
          try {
            const s = sockcall.Socket.fromFd(fd);
            s.setsockopt(sockcall.SOL_SOCKET, sockcall.SO_RCVTIMEO, 5000);
            s.setsockopt(sockcall.SOL_SOCKET, sockcall.SO_SNDTIMEO, 5000);
            const info = { fd: s.fd, blocking: s.getBlocking(), peer: s.getpeername() };
            let total = 0;
            for (;;) {
              const data = s.recv(65536);
              if (data.length === 0) break;
              total += data.length;
              s.sendAll(data);
            }
            s.close();
            parentPort.postMessage({ ...info, total });
          } catch (error) {
            parentPort.postMessage({ error: String(error && error.stack || error) });
          }
        });
        parentPort.postMessage({ ready: true });
        `,
        { root },
      );
      // Counted only once the worker has loaded sockcall: while it starts up it opens fds of its own.
      expect(await bounded(next(), 5000, 'the worker starting')).to.deep.equal({ ready: true });
      const server = pListener();
      const client = pSocket();
      const [conn] = await bounded(Promise.all([server.accept({ timeout: 2000 }), client.connect(server.getsockname(), { timeout: 2000 })]));
      track(conn);
      const fdsWithConn = openFdCount();

      const handed = conn.toBlocking();
      const fd = handed.detach();
      expect(conn.closed).to.equal(true);
      expect(handed.closed).to.equal(true);
      expect(openFdCount(), 'detach() leaves the fd open').to.equal(fdsWithConn);
      worker.postMessage({ fd });

      const data = pattern(200000);
      const reading = (async () => {
        const parts = [];
        let got = 0;
        while (got < data.length) {
          const chunk = await client.recv(65536, { timeout: 3000 });
          if (chunk.length === 0) break;
          parts.push(chunk);
          got += chunk.length;
        }
        return Buffer.concat(parts);
      })();
      expect(await client.sendAll(data, { timeout: 3000 })).to.equal(data.length);
      const echoed = await bounded(reading, 5000, 'the echo');
      expect(echoed.equals(data)).to.equal(true);
      client.shutdown(SHUT_WR);
      expect((await client.recv(10, { timeout: 3000 })).length, 'EOF when the worker closes').to.equal(0);

      const report = await next();
      expect(report.fd).to.equal(fd);
      expect(report.blocking).to.equal(true);
      expect(report.peer).to.deep.equal(client.getsockname());
      expect(report.total).to.equal(data.length);
      expect(await bounded(exited, 5000)).to.equal(0);
      // Left open: the listener and the client; the handed fd was closed by the worker.
      expect(openFdCount(), 'the worker closed the handed fd').to.equal(baseline + 2);
    });
  });

  describe('node:http and node:net', function () {
    it('a listener tuned with SO_RCVLOWAT, SO_REUSEPORT, TCP_DEFER_ACCEPT serves http.createServer().listen({ fd }) and a real request', async function () {
      const s = pSocket();
      s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
      s.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 16);
      s.setsockopt(IPPROTO_TCP, TCP_DEFER_ACCEPT, 1);
      s.bind({ address: '127.0.0.1', port: 0 });
      s.listen(64);
      const tuned = {
        reuseport: s.getsockopt(SOL_SOCKET, SO_REUSEPORT),
        rcvlowat: s.getsockopt(SOL_SOCKET, SO_RCVLOWAT),
        defer: s.getsockopt(IPPROTO_TCP, TCP_DEFER_ACCEPT),
      };
      expect(tuned.reuseport).to.equal(1);
      expect(tuned.rcvlowat).to.equal(16);
      expect(tuned.defer).to.be.at.least(1);
      const { port } = s.getsockname();

      const fd = s.detach();
      expect(s.closed).to.equal(true);
      const server = http.createServer((req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end(`hello ${req.method} ${req.url} from port ${req.socket.localPort}`);
      });
      nodeObjects.add(server);
      await bounded(
        new Promise((resolve, reject) => {
          server.once('error', reject);
          server.listen({ fd }, resolve);
        }),
        3000,
        'server.listen({ fd })',
      );
      expect(server.address().port, 'node listens on the very socket sockcall made').to.equal(port);

      // Read the options back on that fd, as Node now owns it (adopted and given back at once).
      const view = BlockingSocket.fromFd(fd);
      try {
        expect(view.getsockname().port).to.equal(port);
        expect(view.getsockopt(SOL_SOCKET, SO_REUSEPORT)).to.equal(tuned.reuseport);
        expect(view.getsockopt(SOL_SOCKET, SO_RCVLOWAT)).to.equal(tuned.rcvlowat);
        expect(view.getsockopt(IPPROTO_TCP, TCP_DEFER_ACCEPT)).to.equal(tuned.defer);
      } finally {
        view.detach();
      }

      // SO_REUSEPORT is live on Node's listener: another SO_REUSEPORT socket may bind the port too,
      // while a plain one may not.
      const plain = pSocket();
      expectSocketError(
        (() => {
          try {
            plain.bind({ address: '127.0.0.1', port });
          } catch (error) {
            return error;
          }
          return null;
        })(),
        'EADDRINUSE',
        'bind',
      );
      const sibling = pSocket();
      sibling.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
      sibling.bind({ address: '127.0.0.1', port });
      sibling.close();

      const { status, body } = await bounded(
        new Promise((resolve, reject) => {
          const request = http.get({ host: '127.0.0.1', port, path: '/tuned', agent: false }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode, body: text }));
            res.on('error', reject);
          });
          request.on('error', reject);
          request.setTimeout(3000, () => request.destroy(new Error('http request timed out')));
        }),
        5000,
        'http.get',
      );
      expect(status).to.equal(200);
      expect(body).to.equal(`hello GET /tuned from port ${port}`);
    });

    it('a blocking sockcall listener handed to net.createServer().listen({ fd }) accepts and echoes', async function () {
      const b = track(new BlockingSocket(AF_INET, SOCK_STREAM));
      b.bind({ address: '127.0.0.1', port: 0 });
      b.listen(8);
      const { port } = b.getsockname();
      const server = net.createServer((conn) => conn.pipe(conn));
      nodeObjects.add(server);
      await bounded(new Promise((resolve, reject) => server.once('error', reject).listen({ fd: b.detach() }, resolve)));
      expect(server.address().port).to.equal(port);
      const client = pSocket();
      await client.connect({ address: '127.0.0.1', port }, { timeout: 2000 });
      await client.sendAll('echo me', { timeout: 2000 });
      client.shutdown(SHUT_WR);
      expect((await readToEnd(client)).toString()).to.equal('echo me');
      // (the http.Server branch of the cleanup closes http servers; this one is a net.Server)
      nodeObjects.delete(server);
      server.close();
    });

    for (const flavour of ['promise', 'blocking']) {
      it(`a connected ${flavour} sockcall socket's fd handed to new net.Socket({ fd }) exchanges data with a sockcall peer`, async function () {
        const server = pListener();
        let client;
        if (flavour === 'promise') {
          client = pSocket();
          await client.connect(server.getsockname(), { timeout: 2000 });
        } else {
          client = guard(track(new BlockingSocket(AF_INET, SOCK_STREAM)));
          client.connect(server.getsockname());
        }
        const conn = track(await server.accept({ timeout: 2000 }));
        const clientName = client.getsockname();

        const fd = client.detach();
        const ns = new net.Socket({ fd, readable: true, writable: true });
        nodeObjects.add(ns);
        expect(ns.remotePort).to.equal(conn.getsockname().port);
        expect(ns.localPort).to.equal(clientName.port);

        const received = [];
        let onData;
        ns.on('data', (chunk) => {
          received.push(chunk);
          onData?.();
        });
        const ended = new Promise((resolve) => ns.once('end', resolve));

        ns.write('ping from node');
        let got = '';
        while (got.length < 'ping from node'.length) {
          const chunk = await conn.recv(100, { timeout: 2000 });
          if (chunk.length === 0) break;
          got += chunk.toString();
        }
        expect(got).to.equal('ping from node');

        const reply = pattern(100000);
        const arrived = new Promise((resolve) => {
          onData = () => {
            if (Buffer.concat(received).length >= reply.length) resolve();
          };
        });
        expect(await conn.sendAll(reply, { timeout: 3000 })).to.equal(reply.length);
        await bounded(arrived, 3000, 'net.Socket data');
        expect(Buffer.concat(received).equals(reply)).to.equal(true);

        // Half-close both ways: Node's end() reaches the sockcall peer as EOF, and back.
        ns.end();
        expect((await conn.recv(10, { timeout: 2000 })).length).to.equal(0);
        conn.shutdown(SHUT_WR);
        await bounded(ended, 2000, "net.Socket 'end'");
      });
    }
  });
});
