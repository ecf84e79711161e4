// Classic socket programs from tutorials and vendor documentation, each as a test that reads like
// the original C line by line: the server on the main thread, blocking exactly where the C blocks,
// and the client in a worker thread (runPeer), so the two really run at the same time.
//
//   - IBM's connection-oriented server and client example: SO_REUSEADDR, listen(10), select 30 s,
//     SO_RCVLOWAT 250 so one recv() takes all 250 bytes, the echo, the client's recv loop.
//   - The "Welcome to my server" TCP server and its interactive client of a client/server tutorial;
//     the same pair over UDP.
//   - A connection-oriented tutorial's read()/write() on a socket fd, over AF_INET6 (::1) and
//     AF_UNIX (pathname and socketpair).
//   - The common select()-driven server model (listener readable -> accept, client readable -> recv,
//     writable -> send) serving several clients at once from one thread; and over SOCK_DGRAM.
//
// The originals use fixed ports (3005, 8000); the tests bind port 0 and read the port getsockname()
// got, because fixed ports collide (this machine keeps many sockets in TIME_WAIT).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sockcall from 'sockcall';

import { GUARD_MS, guard, runPeer, socket, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVLOWAT,
  SO_REUSEADDR,
  Socket,
  select,
} = sockcall;

/** C's BUFSIZ on glibc: the welcome server's buffers. */
const BUFSIZ = 8192;

/** IBM's BUFFER_LENGTH. */
const BUFFER_LENGTH = 250;

/** 250 distinct-ish bytes (IBM's client memsets 'a'; a pattern also catches reordered or lost pieces). */
const PATTERN = Buffer.from(Array.from({ length: BUFFER_LENGTH }, (_, i) => (i * 7 + 3) & 0xff));

// Preamble for every worker body: the guards a test socket gets on the main thread (helpers.guard),
// and a sleep that blocks only the worker.
const PEER_PRELUDE = `
  const { Socket, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO } = sockcall;
  const guard = (s) => { s.setsockopt(SOL_SOCKET, SO_RCVTIMEO, ${GUARD_MS}); s.setsockopt(SOL_SOCKET, SO_SNDTIMEO, ${GUARD_MS}); return s; };
  const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
`;

// --- IBM's example ------------------------------------------------------------------------------

// The IBM client: socket(); the server string is dotted decimal or a host name (inet_addr, else
// gethostbyname: one getaddrinfo() call); connect(); send() 250 bytes; recv() over and over until
// all 250 are back; close(). `data.pieces` splits the send into several send() calls with pauses.
const CLIENT_000 = `${PEER_PRELUDE}
  const { AF_INET, SOCK_STREAM, getaddrinfo } = sockcall;
  const { host, port, pieces, pauseMs } = data;
  const buffer = Buffer.from(data.buffer);
  // 1. socket()
  const sd = guard(new Socket(AF_INET, SOCK_STREAM));
  try {
    // 2. "dotted decimal, or else the host name": getaddrinfo does both.
    const server = getaddrinfo(host, port, { family: AF_INET, type: SOCK_STREAM })[0].address;
    // 3. connect()
    sd.connect(server);
    // 4. send() the 250 bytes (in pieces, with pauses, when asked)
    const sends = [];
    let offset = 0;
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) pause(pauseMs);
      sends.push(sd.send(buffer.subarray(offset, offset + pieces[i])));
      offset += pieces[i];
    }
    // 5. recv() over and over until all 250 bytes are back (bounded: at most 250 calls)
    const parts = [];
    let totalcnt = 0;
    for (let calls = 0; totalcnt < buffer.length && calls < buffer.length; calls++) {
      const part = sd.recv(buffer.length - totalcnt);
      if (part.length === 0) throw new Error('the server closed before echoing all ' + buffer.length + ' bytes');
      parts.push(part);
      totalcnt += part.length;
    }
    return { server, sends, echoed: Buffer.concat(parts).toString('hex') };
  } finally {
    // 6. close()
    sd.close();
  }
`;

/** The IBM server up to accept(): socket, SO_REUSEADDR, bind INADDR_ANY, listen(10). */
function server000() {
  // 1. socket(AF_INET, SOCK_STREAM, 0)
  const sd = socket(AF_INET, SOCK_STREAM);
  // 2. setsockopt(SO_REUSEADDR, 1): rebind at once after a restart
  sd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  // 3. bind(s_addr = INADDR_ANY, port): IBM's port is 3005; tests must use port 0 (see top)
  sd.bind({ address: '0.0.0.0', port: 0 });
  // 4. listen(backlog 10)
  sd.listen(10);
  return sd;
}

describe('80 classic programs', function () {
  this.timeout(20000);

  describe('the IBM connection-oriented server and client example', function () {
    for (const host of ['127.0.0.1', 'localhost']) {
      it(`as written: select, SO_RCVLOWAT 250, one recv of all 250 bytes, the echo (client resolves '${host}')`, async function () {
        const sd = server000();
        const { port } = sd.getsockname();
        expect(port).to.be.above(0);
        // IBM's client sends its 250 bytes with one send().
        const client = runPeer(CLIENT_000, { host, port, buffer: PATTERN, pieces: [BUFFER_LENGTH], pauseMs: 0 });
        client.catch(() => {}); // awaited below; never an unhandled rejection while this thread blocks

        // 5. accept(): blocks until the client connects
        const sd2 = guard(track(sd.accept()));
        expect(sd2.getpeername()).to.include({ family: 'AF_INET', address: '127.0.0.1' });
        // 6. select() for reading, 30 s timeout: it must report sd2 readable, not time out
        const ready = select([sd2], [], [], 30_000);
        expect(ready.read).to.have.lengthOf(1);
        expect(ready.read[0]).to.equal(sd2);
        expect(ready.write).to.deep.equal([]);
        // 7. SO_RCVLOWAT 250: recv() does not return before all 250 bytes are in
        sd2.setsockopt(SOL_SOCKET, SO_RCVLOWAT, BUFFER_LENGTH);
        expect(sd2.getsockopt(SOL_SOCKET, SO_RCVLOWAT)).to.equal(BUFFER_LENGTH);
        const buffer = sd2.recv(BUFFER_LENGTH);
        expect(buffer.length).to.equal(BUFFER_LENGTH);
        expect(buffer.equals(PATTERN)).to.equal(true);
        // 8. send() echoes the data back
        expect(sd2.send(buffer)).to.equal(BUFFER_LENGTH);
        // 9. close()
        sd2.close();
        sd.close();
        expect(sd2.fd).to.equal(-1);

        const result = await client;
        // The name (or the dotted decimal) became the loopback address and the server's port.
        expect(result.server).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
        expect(result.sends).to.deep.equal([BUFFER_LENGTH]);
        expect(result.echoed).to.equal(PATTERN.toString('hex'));
      });
    }

    it('the 250 bytes sent in pieces with pauses: SO_RCVLOWAT makes select wait for all 250 and one recv take them', async function () {
      const sd = server000();
      const { port } = sd.getsockname();
      const pieces = [100, 100, 50];
      const client = runPeer(CLIENT_000, { host: '127.0.0.1', port, buffer: PATTERN, pieces, pauseMs: 60 });
      client.catch(() => {});

      const sd2 = guard(track(sd.accept()));
      // SO_RCVLOWAT is set one line earlier than IBM's prose orders it (as lib/cli/ibm-echo.ts does).
      // Set after select(), as in IBM's example, the first piece makes select() return and recv() copy it,
      // and then Linux (since 4.18) wakes the sleeping recv() only when the queued bytes alone reach
      // SO_RCVLOWAT, not counting what it has already copied: it sleeps until SO_RCVTIMEO ends it, or
      // forever. Set before select(), select() itself waits until all 250 bytes are queued.
      sd2.setsockopt(SOL_SOCKET, SO_RCVLOWAT, BUFFER_LENGTH);
      const ready = select([sd2], [], [], 30_000);
      expect(ready.read).to.deep.equal([sd2]);
      const started = Date.now();
      const buffer = sd2.recv(BUFFER_LENGTH);
      // One recv() returned all three pieces, at once (not because SO_RCVTIMEO cut a sleep short).
      expect(buffer.length).to.equal(BUFFER_LENGTH);
      expect(buffer.equals(PATTERN)).to.equal(true);
      expect(Date.now() - started).to.be.below(GUARD_MS / 2);
      expect(sd2.send(buffer)).to.equal(BUFFER_LENGTH);
      sd2.close();
      sd.close();

      const result = await client;
      expect(result.sends).to.deep.equal(pieces);
      expect(result.echoed).to.equal(PATTERN.toString('hex'));
    });
  });

  // --- the welcome server -----------------------------------------------------------------------

  describe('the welcome server and its interactive client', function () {
    // The client's scanf() input, scripted.
    const LINES = ['hello', 'sockcall', 'quit'];

    it('TCP: "Welcome to my server\\n" on accept, then every message echoed until the client closes', async function () {
      // The server: socket, bind INADDR_ANY (the original's port 8000 -> 0), listen(5), accept.
      const server_sockfd = socket(AF_INET, SOCK_STREAM);
      server_sockfd.bind({ address: '0.0.0.0', port: 0 });
      server_sockfd.listen(5);
      const { port } = server_sockfd.getsockname();
      const peer = runPeer(WELCOME_CLIENT, { port, lines: LINES });
      peer.catch(() => {});

      const client_sockfd = guard(track(server_sockfd.accept()));
      // printf("accept client %s\n", inet_ntoa(remote_addr.sin_addr))
      expect(client_sockfd.getpeername().address).to.equal('127.0.0.1');
      let len = client_sockfd.send('Welcome to my server\n');
      expect(len).to.equal(21);
      // while ((len = recv(client_sockfd, buf, BUFSIZ, 0)) > 0) { print; send(buf, len) }
      const printed = [];
      let buf = client_sockfd.recv(BUFSIZ);
      for (let i = 0; buf.length > 0 && i < 100; i++) {
        printed.push(buf.toString());
        len = client_sockfd.send(buf);
        expect(len).to.equal(buf.length);
        buf = client_sockfd.recv(BUFSIZ);
      }
      // The loop ended on EOF (the client closed), not on its bound.
      expect(buf.length).to.equal(0);
      client_sockfd.close();
      server_sockfd.close();

      const result = await peer;
      expect(result.welcome).to.equal('Welcome to my server\n');
      expect(result.received).to.deep.equal(['hello', 'sockcall']);
      // "quit" stopped the client: it was never sent.
      expect(printed).to.deep.equal(['hello', 'sockcall']);
    });

    it('UDP: the server recvfrom()s each datagram and sendto()s it back to the sender', async function () {
      // socket(AF_INET, SOCK_DGRAM, 0); bind INADDR_ANY, port 0. No listen/accept for datagrams.
      const server_sockfd = socket(AF_INET, SOCK_DGRAM);
      server_sockfd.bind({ address: '0.0.0.0', port: 0 });
      const { port } = server_sockfd.getsockname();
      const peer = runPeer(UDP_CLIENT, { port, lines: LINES });
      peer.catch(() => {});

      // while ((len = recvfrom(server_sockfd, buf, BUFSIZ, 0, &remote_addr, &sin_size)) > 0)
      //   sendto(server_sockfd, buf, len, 0, &remote_addr, sin_size);
      // UDP has no connection to close: the client says goodbye with an empty datagram, which makes
      // recvfrom() return 0 and ends the loop as EOF ends the TCP one.
      const printed = [];
      const senders = [];
      let msg = server_sockfd.recvfrom(BUFSIZ);
      for (let i = 0; msg.data.length > 0 && i < 100; i++) {
        printed.push(msg.data.toString());
        senders.push(msg.address);
        expect(server_sockfd.sendto(msg.data, msg.address)).to.equal(msg.data.length);
        msg = server_sockfd.recvfrom(BUFSIZ);
      }
      expect(msg.data.length).to.equal(0);
      server_sockfd.close();

      const result = await peer;
      expect(printed).to.deep.equal(['hello', 'sockcall']);
      expect(result.received).to.deep.equal(['hello', 'sockcall']);
      // Every datagram came from the client's socket, and every echo from the server's port.
      for (const sender of [...senders, msg.address]) {
        expect(sender).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: result.clientPort });
      }
      for (const from of result.from) expect(from).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
    });
  });

  // --- read() and write() -----------------------------------------------------------------------

  describe('read() and write() on socket fds', function () {
    const paths = [];
    afterEach(function () {
      for (const path of paths.splice(0)) rmSync(path, { force: true });
    });

    // Steps (1)-(9) of the tutorial, with the server on this thread using read()/write() on the
    // accepted fd (fs.readSync/fs.writeSync are read(2)/write(2)).
    async function readWriteFlow(domain, bindAddress) {
      // (1) socket, (2) bind, (3) listen
      const s = socket(domain, SOCK_STREAM);
      s.bind(bindAddress);
      s.listen(5);
      const address = s.getsockname();
      // (4)-(5) the client: socket, connect (in the worker)
      const peer = runPeer(READ_WRITE_CLIENT, { domain, address });
      peer.catch(() => {});
      // (6) accept
      const ns = guard(track(s.accept()));
      // (8) the server read()s what the client wrote, and write()s its answer
      const buf = Buffer.alloc(BUFSIZ);
      const n = readSync(ns.fd, buf);
      const request = buf.toString('utf8', 0, n);
      const answer = Buffer.from(`server got: ${request}`);
      expect(writeSync(ns.fd, answer)).to.equal(answer.length);
      // (9) the client closed: read() returns 0 (EOF); the server closes too
      expect(readSync(ns.fd, buf)).to.equal(0);
      ns.close();
      s.close();
      return { request, address, result: await peer };
    }

    it('AF_INET6 on ::1: the client write()s, the server read()s and write()s back, read() sees EOF', async function () {
      const { request, address, result } = await readWriteFlow(AF_INET6, { address: '::1', port: 0 });
      expect(address).to.include({ family: 'AF_INET6', address: '::1' });
      expect(request).to.equal('hello over AF_INET6');
      expect(result.written).to.equal(Buffer.byteLength('hello over AF_INET6'));
      expect(result.reply).to.equal('server got: hello over AF_INET6');
    });

    it('AF_UNIX on a pathname: the same flow through a file-system name', async function () {
      const path = join(tmpdir(), `sockcall-80-${process.pid}-${randomBytes(4).toString('hex')}`);
      paths.push(path);
      const { request, address, result } = await readWriteFlow(AF_UNIX, { path });
      expect(address).to.deep.equal({ family: 'AF_UNIX', path });
      expect(request).to.equal('hello over AF_UNIX');
      expect(result.reply).to.equal('server got: hello over AF_UNIX');
    });

    it('AF_UNIX socketpair: two threads talk over the pair with nothing but read() and write()', async function () {
      const [mine, theirs] = Socket.pair(AF_UNIX, SOCK_STREAM);
      guard(track(mine, theirs));
      guard(theirs);
      // The worker gets a bare fd number, as a forked child would, and uses only read/write.
      const peer = runPeer(
        `const { readSync, writeSync } = require('node:fs');
        const fd = data.fd;
        const written = writeSync(fd, Buffer.from('ping from the other thread'));
        const buf = Buffer.alloc(100);
        const n = readSync(fd, buf);
        return { written, reply: buf.toString('utf8', 0, n) };`,
        { fd: theirs.fd },
      );
      peer.catch(() => {});
      const buf = Buffer.alloc(100);
      const n = readSync(mine.fd, buf);
      expect(buf.toString('utf8', 0, n)).to.equal('ping from the other thread');
      expect(writeSync(mine.fd, Buffer.from('pong'))).to.equal(4);
      const result = await peer;
      expect(result).to.deep.equal({ written: 26, reply: 'pong' });
      // Closing one end: read() on the other returns 0.
      theirs.close();
      expect(readSync(mine.fd, buf)).to.equal(0);
    });
  });

  // --- the select() server model ----------------------------------------------------------------

  describe('the select() server model: one thread, a select() loop, several clients', function () {
    const CLIENTS = 3;
    const ROUNDS = 3;
    const LOOP_MS = 12000;

    /** What client `id` sends in round `round` (different lengths, so merging would show). */
    const message = (id, round) => `client ${id} round ${round} ${'.'.repeat(id * 5 + round)}`;

    /** Starts the clients: worker threads that all run at once (see ROUND_BARRIER). */
    function startClients(body, port) {
      const barrier = new Int32Array(new SharedArrayBuffer(4 * ROUNDS));
      const peers = [];
      for (let id = 0; id < CLIENTS; id++) {
        const peer = runPeer(body, { id, port, rounds: ROUNDS, clients: CLIENTS, barrier });
        peer.catch(() => {});
        peers.push(peer);
      }
      return peers;
    }

    it('TCP: listener readable -> accept, client readable -> recv (EOF -> close), replies queued -> writable -> send', async function () {
      // The common server model: socket, bind, listen, then one loop around select().
      const listenfd = socket(AF_INET, SOCK_STREAM);
      listenfd.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      listenfd.bind({ address: '127.0.0.1', port: 0 });
      listenfd.listen(10);
      const peers = startClients(TCP_SELECT_CLIENT, listenfd.getsockname().port);

      const clients = new Set(); // open connections
      const queued = new Map(); // connection -> bytes waiting to be echoed
      const received = new Map(); // connection -> everything it sent
      let accepted = 0;
      let finished = 0;
      let mostOpen = 0;
      let selects = 0;
      const deadline = Date.now() + LOOP_MS;
      while (finished < CLIENTS) {
        const left = deadline - Date.now();
        if (left <= 0 || selects >= 10000) expect.fail(`select loop: ${finished}/${CLIENTS} clients done after ${selects} selects`);
        const watchWrite = [...clients].filter((c) => queued.get(c).length > 0);
        const ready = select([listenfd, ...clients], watchWrite, [], left);
        selects++;
        for (const s of ready.read) {
          if (s === listenfd) {
            // A new connection: accept() will not block.
            const c = guard(track(listenfd.accept()));
            clients.add(c);
            queued.set(c, Buffer.alloc(0));
            received.set(c, '');
            accepted++;
            mostOpen = Math.max(mostOpen, clients.size);
          } else {
            // New data: recv() will not block. Empty means the client closed.
            const data = s.recv(BUFSIZ);
            if (data.length === 0) {
              clients.delete(s);
              s.close();
              finished++;
            } else {
              received.set(s, received.get(s) + data.toString());
              queued.set(s, Buffer.concat([queued.get(s), data]));
            }
          }
        }
        for (const s of ready.write) {
          if (!clients.has(s)) continue; // closed on EOF in this same round
          const pending = queued.get(s);
          const sent = s.send(pending);
          queued.set(s, pending.subarray(sent));
        }
      }

      const results = await Promise.all(peers);
      expect(accepted).to.equal(CLIENTS);
      // All three were open at once on the one thread (the clients' barrier guarantees it).
      expect(mostOpen).to.equal(CLIENTS);
      expect(clients.size).to.equal(0);
      results.forEach((echoes, id) => {
        expect(echoes).to.deep.equal(Array.from({ length: ROUNDS }, (_, round) => message(id, round)));
      });
      // Each connection carried exactly one client's messages, in order, nothing mixed in.
      const streams = [...received.values()].sort();
      const expected = Array.from({ length: CLIENTS }, (_, id) =>
        Array.from({ length: ROUNDS }, (_, round) => message(id, round)).join(''),
      ).sort();
      expect(streams).to.deep.equal(expected);
      // It was a loop, not one pass: at least one select per accept, message and EOF.
      expect(selects).to.be.at.least(CLIENTS);
    });

    it('UDP: one socket, readable -> recvfrom, replies queued -> writable -> sendto the sender', async function () {
      const sockfd = socket(AF_INET, SOCK_DGRAM);
      sockfd.bind({ address: '127.0.0.1', port: 0 });
      const peers = startClients(UDP_SELECT_CLIENT, sockfd.getsockname().port);

      const queue = []; // { data, address } waiting to be echoed
      const bySender = new Map(); // sender port -> the datagrams it sent
      const done = new Set(); // sender ports that said goodbye (an empty datagram)
      let selects = 0;
      const deadline = Date.now() + LOOP_MS;
      while (done.size < CLIENTS) {
        const left = deadline - Date.now();
        if (left <= 0 || selects >= 10000) expect.fail(`select loop: ${done.size}/${CLIENTS} clients done after ${selects} selects`);
        const ready = select([sockfd], queue.length > 0 ? [sockfd] : [], [], left);
        selects++;
        if (ready.read.length > 0) {
          const { data, address } = sockfd.recvfrom(BUFSIZ);
          expect(address).to.include({ family: 'AF_INET', address: '127.0.0.1' });
          if (data.length === 0) {
            done.add(address.port);
          } else {
            if (!bySender.has(address.port)) bySender.set(address.port, []);
            bySender.get(address.port).push(data.toString());
            queue.push({ data, address });
          }
        }
        if (ready.write.length > 0) {
          const { data, address } = queue.shift();
          expect(sockfd.sendto(data, address)).to.equal(data.length);
        }
      }

      const results = await Promise.all(peers);
      expect(queue).to.deep.equal([]);
      expect(bySender.size).to.equal(CLIENTS);
      results.forEach(({ echoes, port }, id) => {
        const sent = Array.from({ length: ROUNDS }, (_, round) => message(id, round));
        expect(echoes).to.deep.equal(sent);
        expect(bySender.get(port)).to.deep.equal(sent);
        expect(done.has(port)).to.equal(true);
      });
    });
  });
});

// --- worker bodies used above -------------------------------------------------------------------

// The welcome server's interactive client.
const WELCOME_CLIENT = `${PEER_PRELUDE}
  const { AF_INET, SOCK_STREAM } = sockcall;
  const BUFSIZ = ${BUFSIZ};
  // socket(); remote_addr = 127.0.0.1:port; connect()
  const client_sockfd = guard(new Socket(AF_INET, SOCK_STREAM));
  try {
    client_sockfd.connect({ address: '127.0.0.1', port: data.port });
    // len = recv(client_sockfd, buf, BUFSIZ, 0); printf("%s", buf)
    const welcome = client_sockfd.recv(BUFSIZ).toString();
    const received = [];
    // while (1) { scanf("%s", buf); if (!strcmp(buf, "quit")) break; send; recv; printf }
    for (const buf of data.lines) {
      if (buf === 'quit') break;
      const len = client_sockfd.send(buf);
      if (len !== Buffer.byteLength(buf)) throw new Error('short send: ' + len);
      received.push(client_sockfd.recv(BUFSIZ).toString());
    }
    return { welcome, received };
  } finally {
    // close(client_sockfd)
    client_sockfd.close();
  }
`;

// The welcome client over UDP: sendto each line, recvfrom the echo; an empty datagram says goodbye.
const UDP_CLIENT = `${PEER_PRELUDE}
  const { AF_INET, SOCK_DGRAM } = sockcall;
  const BUFSIZ = ${BUFSIZ};
  const server = { address: '127.0.0.1', port: data.port };
  const client_sockfd = guard(new Socket(AF_INET, SOCK_DGRAM));
  try {
    const received = [];
    const from = [];
    for (const buf of data.lines) {
      if (buf === 'quit') break;
      client_sockfd.sendto(buf, server);
      const msg = client_sockfd.recvfrom(BUFSIZ);
      received.push(msg.data.toString());
      from.push(msg.address);
    }
    client_sockfd.sendto(Buffer.alloc(0), server);
    return { received, from, clientPort: client_sockfd.getsockname().port };
  } finally {
    client_sockfd.close();
  }
`;

// The read()/write() tutorial's client: socket, connect, write(), read(), close.
const READ_WRITE_CLIENT = `${PEER_PRELUDE}
  const { readSync, writeSync } = require('node:fs');
  const { AF_INET6, SOCK_STREAM } = sockcall;
  const s = guard(new Socket(data.domain, SOCK_STREAM));
  try {
    s.connect(data.address);
    const family = data.domain === AF_INET6 ? 'AF_INET6' : 'AF_UNIX';
    // (7) write() to the socket, then read() the server's answer
    const written = writeSync(s.fd, Buffer.from('hello over ' + family));
    const buf = Buffer.alloc(${BUFSIZ});
    const n = readSync(s.fd, buf);
    return { written, reply: buf.toString('utf8', 0, n) };
  } finally {
    // (9) close()
    s.close();
  }
`;

// A client of the select() server. Before round r (r > 0) it waits until every client has had its
// round r-1 echo, so no client can finish (and close) before all of them have been accepted: the
// server must really hold all of them open at once.
const ROUND_BARRIER = `
  const barrier = data.barrier;
  const deadline = Date.now() + 10000;
  const waitRound = (r) => {
    for (let v = Atomics.load(barrier, r); v < data.clients; v = Atomics.load(barrier, r)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('client ' + data.id + ': the others never finished round ' + r);
      Atomics.wait(barrier, r, v, Math.min(left, 200));
    }
  };
  const roundDone = (r) => { Atomics.add(barrier, r, 1); Atomics.notify(barrier, r); };
  const message = (round) => 'client ' + data.id + ' round ' + round + ' ' + '.'.repeat(data.id * 5 + round);
`;

const TCP_SELECT_CLIENT = `${PEER_PRELUDE}${ROUND_BARRIER}
  const { AF_INET, SOCK_STREAM } = sockcall;
  const s = guard(new Socket(AF_INET, SOCK_STREAM));
  try {
    s.connect({ address: '127.0.0.1', port: data.port });
    const echoes = [];
    for (let round = 0; round < data.rounds; round++) {
      if (round > 0) waitRound(round - 1);
      const sent = Buffer.from(message(round));
      s.sendAll(sent);
      const parts = [];
      let got = 0;
      for (let calls = 0; got < sent.length && calls < sent.length; calls++) {
        const part = s.recv(sent.length - got);
        if (part.length === 0) throw new Error('client ' + data.id + ': EOF before the echo');
        parts.push(part);
        got += part.length;
      }
      echoes.push(Buffer.concat(parts).toString());
      roundDone(round);
    }
    return echoes;
  } finally {
    s.close();
  }
`;

const UDP_SELECT_CLIENT = `${PEER_PRELUDE}${ROUND_BARRIER}
  const { AF_INET, SOCK_DGRAM } = sockcall;
  const server = { address: '127.0.0.1', port: data.port };
  const s = guard(new Socket(AF_INET, SOCK_DGRAM));
  try {
    const echoes = [];
    for (let round = 0; round < data.rounds; round++) {
      if (round > 0) waitRound(round - 1);
      s.sendto(message(round), server);
      const { data: echo, address } = s.recvfrom(65536);
      if (address.port !== data.port) throw new Error('echo from port ' + address.port);
      echoes.push(echo.toString());
      roundDone(round);
    }
    s.sendto(Buffer.alloc(0), server);
    return { echoes, port: s.getsockname().port };
  } finally {
    s.close();
  }
`;
