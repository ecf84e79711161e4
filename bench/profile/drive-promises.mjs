// The promise flavour's per-operation cost, both ends in one thread: for instruction counts under
// callgrind (run twice with different N and subtract, as run-callgrind.sh does) and --cpu-prof.
//
//   node bench/profile/drive-promises.mjs OP N
//   OP: pingpong (64 B over loopback TCP: client sendAll + recvInto, server recvInto + sendAll,
//       one round trip per iteration) | accept (connect + accept + close of both ends, loopback)
//       | connrate (the connrate workload's cycle: the server accepts and closes, the client connects
//       and waits in recvInto for the EOF, then closes)
//   SPECS="pingpong:2000:12000 accept:3000:9000 connrate:3000:9000" IMPLS=promises sh bench/profile/run-callgrind.sh
import { AF_INET, IPPROTO_TCP, SOCK_STREAM, Socket, TCP_NODELAY } from '../../dist/promises.js';

const [op, nText] = process.argv.slice(2);
const n = Number(nText);
const SIZE = 64;

function listener() {
  const server = new Socket(AF_INET, SOCK_STREAM);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(511);
  return server;
}

const ops = {
  async pingpong(n) {
    const server = listener();
    const client = new Socket(AF_INET, SOCK_STREAM);
    const [conn] = await Promise.all([server.accept(), client.connect(server.getsockname())]);
    server.close();
    for (const s of [client, conn]) s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    const message = Buffer.alloc(SIZE, 7);
    const serverBuf = Buffer.allocUnsafe(SIZE);
    const clientBuf = Buffer.allocUnsafe(SIZE);
    const echo = async () => {
      for (;;) {
        const got = await conn.recvInto(serverBuf);
        if (got === 0) break;
        await conn.sendAll(got === SIZE ? serverBuf : serverBuf.subarray(0, got));
      }
      conn.close();
    };
    const echoing = echo();
    for (let i = 0; i < n; i++) {
      await client.sendAll(message);
      let got = 0;
      while (got < SIZE) got += await client.recvInto(got === 0 ? clientBuf : clientBuf.subarray(got));
    }
    client.close();
    await echoing;
  },
  async accept(n) {
    const server = listener();
    const address = server.getsockname();
    for (let i = 0; i < n; i++) {
      const client = new Socket(AF_INET, SOCK_STREAM);
      const [conn] = await Promise.all([server.accept(), client.connect(address)]);
      conn.close();
      client.close();
    }
    server.close();
  },
  async connrate(n) {
    const server = listener();
    const address = server.getsockname();
    const buf = Buffer.allocUnsafe(1);
    const serve = async () => {
      for (let i = 0; i < n; i++) (await server.accept()).close();
    };
    const serving = serve();
    for (let i = 0; i < n; i++) {
      const client = new Socket(AF_INET, SOCK_STREAM);
      await client.connect(address);
      while ((await client.recvInto(buf)) !== 0);
      client.close();
    }
    await serving;
    server.close();
  },
};

await ops[op](n);
