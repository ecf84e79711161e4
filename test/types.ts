// Compiled (not run) by `npm test`: the public types as a TypeScript user meets them. Each line
// marked as an expected error must fail to compile, or tsc reports the directive as unused.
import {
  AF_INET,
  CMSG_SPACE,
  Epoll,
  EPOLL_CTL_ADD,
  type EpollEvent,
  EPOLLET,
  EPOLLIN,
  FIONREAD,
  type ChunksOptions,
  type Credentials,
  type Linger,
  type MmsgMessage,
  MSG_DONTWAIT,
  MSG_WAITFORONE,
  type ReceivedMessage,
  type RecvfromIntoOptions,
  type RecvmsgResult,
  SCM_RIGHTS,
  SO_PEERCRED,
  SO_PEERPIDFD,
  type Pidfd,
  type ReceivedCredentials,
  poll,
  POLLIN,
  select,
  Socket,
  type SocketAddress,
  SocketError,
  SO_LINGER,
  SO_RCVLOWAT,
  SO_RCVTIMEO,
  SOCK_STREAM,
  SOL_SOCKET,
  getaddrinfo,
  IP_ADD_MEMBERSHIP,
  IPPROTO_IP,
  type Membership,
  IPPROTO_TCP,
  TCP_INFO,
  type TcpInfo,
  type TcpState,
  AF_PACKET,
  SOCK_RAW,
  ETH_P_ALL,
  type PacketAddress,
  if_nametoindex,
  if_indextoname,
  trace,
  traceView,
  type TraceViewOptions,
} from 'sockcall';
import * as cjs from 'sockcall';

export function typesCompile(): void {
  using server = new Socket(AF_INET, SOCK_STREAM);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(10);
  const address: SocketAddress = server.getsockname();
  if (address.family === 'AF_INET') {
    const port: number = address.port;
    void port;
  } else if (address.family === 'AF_UNIX') {
    // A name that is not UTF-8 comes back as a Buffer of its bytes.
    const path: string | Buffer = address.path;
    // @ts-expect-error the path may be a Buffer
    const text: string = address.path;
    void text;
    void path;
  }
  const conn: Socket = server.accept();
  const ready: Socket[] = select([conn], [], [], 30_000).read;
  const revents: number[] = poll([{ fd: conn, events: POLLIN }], 0).map((entry) => entry.revents);
  conn.setsockopt(SOL_SOCKET, SO_RCVLOWAT, 250);
  const lowat: number = conn.getsockopt(SOL_SOCKET, SO_RCVLOWAT);
  const linger: Linger = conn.getsockopt(SOL_SOCKET, SO_LINGER);
  conn.setsockopt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 5 });
  conn.setsockopt(SOL_SOCKET, SO_RCVTIMEO, 1500);
  const timeoutMs: number = conn.getsockopt(SOL_SOCKET, SO_RCVTIMEO);
  const raw: Buffer = conn.getsockopt(SOL_SOCKET, SO_RCVLOWAT, 4);
  const sentFromFile: number = conn.sendfile(3, 0, 4096) + conn.sendfileAll({ fd: 3 }, null, 4096);
  // @ts-expect-error a path is not a file: open it first
  conn.sendfile('/etc/hostname', 0, 10);
  void sentFromFile;
  // @ts-expect-error SO_LINGER takes a struct, not a number
  conn.setsockopt(SOL_SOCKET, SO_LINGER, 1);
  const peer: Credentials = conn.getsockopt(SOL_SOCKET, SO_PEERCRED);
  const pidfd: Pidfd = conn.getsockopt(SOL_SOCKET, SO_PEERPIDFD);
  const { credentials }: ReceivedCredentials = conn.recvCredentials(100);
  const pidfdOfMessage: Pidfd | null = conn.recvmsg(1, { controlLength: CMSG_SPACE(4) }).pidfd;
  conn.connect({ family: 'AF_UNSPEC' });
  // @ts-expect-error SO_PEERCRED is read only, a struct
  conn.setsockopt(SOL_SOCKET, SO_PEERCRED, true);
  const info: TcpInfo = conn.getsockopt(IPPROTO_TCP, TCP_INFO);
  const state: TcpState = info.state;
  const cwnd: number = info.snd_cwnd;
  const totalRto: number | undefined = info.total_rto;
  const infoBytes: Buffer = conn.getsockopt(IPPROTO_TCP, TCP_INFO, 512);
  // @ts-expect-error TCP_INFO is read only
  conn.setsockopt(IPPROTO_TCP, TCP_INFO, info);
  void [state, cwnd, totalRto, infoBytes];
  const sniffer = new Socket(AF_PACKET, SOCK_RAW, ETH_P_ALL);
  sniffer.bind({ family: 'AF_PACKET', protocol: ETH_P_ALL, ifindex: if_nametoindex('lo') });
  const frameSender = sniffer.recvfrom(65536).address;
  if (frameSender?.family === 'AF_PACKET') {
    const frameFrom: PacketAddress = frameSender;
    const name: string = if_indextoname(frameFrom.ifindex);
    void name;
  }
  // @ts-expect-error a packet address needs its ifindex
  sniffer.bind({ family: 'AF_PACKET', protocol: ETH_P_ALL });
  sniffer.close();
  const group: Membership = { multiaddr: '239.255.0.1', ifindex: 1 };
  conn.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, group);
  // @ts-expect-error a membership is a struct, not a flag
  conn.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, true);
  const message: RecvmsgResult = conn.recvmsg([4, 8], { controlLength: CMSG_SPACE(4) });
  const fds: number[] = message.fds;
  conn.sendmsg([Buffer.from('x'), 'y'], { control: [{ level: SOL_SOCKET, type: SCM_RIGHTS, data: Buffer.alloc(4) }] });
  const passed: number = conn.sendFds([conn, 0]);
  const batch: MmsgMessage[] = [{ data: 'x', address: { address: '127.0.0.1', port: 9 } }, { buffers: [Buffer.from('y'), 'z'] }];
  const batchSent: number = conn.sendmmsg(batch, MSG_DONTWAIT);
  const datagrams: ReceivedMessage[] = conn.recvmmsg(64, 1500, { flags: MSG_WAITFORONE, timeout: 100 });
  const firstFlags: number = datagrams[0]!.flags;
  // @ts-expect-error a message is an object, not its bytes
  conn.sendmmsg(['x']);
  // @ts-expect-error recvmmsg needs the length of each datagram
  conn.recvmmsg(64);
  const senders: (SocketAddress | null)[] = [];
  const intoCount: number = conn.recvmmsgInto(Buffer.alloc(64 * 1500), 64, 1500, new Int32Array(128), { flags: MSG_WAITFORONE, timeout: 100, senders });
  // @ts-expect-error the lengths and flags go into an Int32Array
  conn.recvmmsgInto(Buffer.alloc(64), 4, 16, [0, 0]);
  const tried: ReceivedMessage[] | null = conn.tryRecvmmsg(64, 1500, { flags: MSG_DONTWAIT });
  const triedInto: number | null = conn.tryRecvmmsgInto(Buffer.alloc(64), 4, 16, new Int32Array(8), { senders });
  const fromOptions: RecvfromIntoOptions = { senders };
  const one: number = conn.recvfromInto(new Uint8Array(1500), MSG_DONTWAIT, fromOptions);
  const oneOrNull: number | null = conn.tryRecvfromInto(Buffer.alloc(1500));
  // @ts-expect-error the senders go into an array
  conn.recvfromInto(Buffer.alloc(8), 0, { senders: {} });
  // @ts-expect-error recvfromInto fills a view of yours: no length
  conn.recvfromInto(1500);
  void [batchSent, firstFlags, intoCount, tried, triedInto, one, oneOrNull];
  // @ts-expect-error recvFds needs the most fds expected
  conn.recvFds();
  const data: Buffer = conn.recv(250);
  const sent: number = conn.send(data);
  const { data: datagram, address: from } = conn.recvfrom(100);
  // @ts-expect-error recv needs a length
  conn.recv();
  // Addresses sockcall returns go straight back in, as the README's client does.
  const [first] = getaddrinfo('localhost', 3005, { family: AF_INET, type: SOCK_STREAM });
  if (first) conn.connect(first.address);
  conn.connect(server.getsockname());
  // @ts-expect-error an address needs a port
  conn.connect({ address: '127.0.0.1' });
  try {
    conn.close();
  } catch (error) {
    if (error instanceof SocketError) {
      const fields: [string, number, string] = [error.code, error.errno, error.syscall];
      void fields;
    }
  }
  using ep = new Epoll();
  ep.ctl(EPOLL_CTL_ADD, conn, EPOLLIN | EPOLLET);
  ep.ctl(EPOLL_CTL_ADD, 0, EPOLLIN);
  const events: EpollEvent[] = ep.wait(64, null);
  // @ts-expect-error a target is a Socket or an fd number
  ep.ctl(EPOLL_CTL_ADD, 'stdin', EPOLLIN);
  for (const chunk of conn) {
    const bytes: Buffer = chunk;
    void bytes;
  }
  const sized: IterableIterator<Buffer> = conn.chunks({ size: 4096 });
  const chunkOptions: ChunksOptions = { size: 1024 };
  const firstChunk: Buffer | void = conn.chunks(chunkOptions).next().value;
  // @ts-expect-error the blocking chunks() takes no timeout (SO_RCVTIMEO bounds it)
  conn.chunks({ timeout: 100 });
  // @ts-expect-error a blocking Socket is iterable, not async-iterable
  const notAsync: AsyncIterable<Buffer> = conn;
  void [sized, firstChunk, notAsync];
  const waiting: number = conn.ioctl(FIONREAD);
  const atMark: boolean = conn.sockatmark();
  const sameClass: typeof Socket = cjs.Socket;
  void [events, waiting, atMark, ready, revents, lowat, linger, timeoutMs, raw, sent, datagram, from, sameClass, peer, message, fds, passed, pidfd, credentials, pidfdOfMessage];
}

// A recorded trace as an SVG: text in, text out.
export function traceViewTypesCompile(lines: string[]): void {
  trace(true, { timestamps: true, durations: true, pids: true });
  const options: TraceViewOptions = { title: 'echo' };
  const svg: string = traceView(lines.join('\n'), options);
  const same: string = promises.traceView(svg);
  // @ts-expect-error the trace is text, not a Buffer
  traceView(Buffer.from(svg));
  // @ts-expect-error no such option
  traceView(svg, { width: 800 });
  void same;
}

// The promise flavour: same names, awaited.
import * as promises from 'sockcall/promises';

export async function promiseTypesCompile(): Promise<void> {
  const server = new promises.Socket(promises.AF_INET, promises.SOCK_STREAM);
  server.bind({ address: '127.0.0.1', port: 0 });
  server.listen(10);
  const conn: promises.Socket = await server.accept({ timeout: 1000 });
  const data: Buffer = await conn.recv(250, { signal: AbortSignal.timeout(1000) });
  const sent: number = await conn.send(data, 0, { timeout: 100 });
  const total: number = await conn.sendAll(data);
  const fromFile: number = await conn.sendfile(3, null, 4096, { timeout: 100 });
  const fileHandle: promises.FileInput = { fd: 3 };
  const wholeFile: number = await conn.sendfileAll(fileHandle, 0, 1 << 20, { signal: AbortSignal.timeout(1000) });
  // @ts-expect-error the offset is a number or null, never left out
  void conn.sendfile(3, undefined, 10);
  const header: Buffer = await conn.recv(16, promises.MSG_WAITALL, { timeout: 1000 });
  const filled: number = await conn.recvInto(new Float64Array(4), promises.MSG_WAITALL);
  try {
    await conn.recv(100, promises.MSG_WAITALL, { signal: AbortSignal.timeout(100) });
  } catch (error) {
    if (error instanceof promises.SocketError || error instanceof promises.AbortError) {
      const taken: number | undefined = error.bytesReceived;
      const bytes: Buffer | undefined = error.data;
      void [taken, bytes];
    }
  }
  for await (const chunk of conn) {
    const bytes: Buffer = chunk;
    void bytes;
  }
  const chunks: AsyncIterableIterator<Buffer> = conn.chunks({ size: 1024, timeout: 5000, signal: AbortSignal.timeout(10_000) });
  const options: promises.ChunksOptions & promises.WaitOptions = { size: 1 };
  // @ts-expect-error a promise Socket is async-iterable, not iterable
  for (const chunk of conn) void chunk;
  // @ts-expect-error the size is a number
  conn.chunks({ size: '1' });
  void [header, filled, chunks, options];
  const ready: promises.Socket[] = (await promises.select([conn], [], [], 30_000)).read;
  const [first] = await promises.getaddrinfo('localhost', 3005);
  if (first) await conn.connect(first.address);
  await conn.connect({ family: 'AF_UNSPEC' });
  const fromPeer: Credentials | null = (await conn.recvCredentials(10, { timeout: 100 })).credentials;
  const blocking: Socket = conn.toBlocking();
  const back: promises.Socket = promises.Socket.fromBlocking(blocking);
  // @ts-expect-error recv resolves, it does not return a Buffer
  const wrong: Buffer = back.recv(10);
  back.unref().ref();
  const ep = new promises.Epoll();
  ep.ctl(promises.EPOLL_CTL_ADD, back, promises.EPOLLIN);
  const events: promises.EpollEvent[] = await ep.wait(16, 1000, { signal: AbortSignal.timeout(2000) });
  // @ts-expect-error the promise flavour's wait resolves
  const notYet: promises.EpollEvent[] = ep.wait(16, 0);
  ep.close();
  const batchSent: number = await conn.sendmmsg([{ data: 'x' }], { timeout: 100 });
  const datagrams: promises.ReceivedMessage[] = await conn.recvmmsg(64, 1500, { signal: AbortSignal.timeout(1000), timeout: 100 });
  // @ts-expect-error the promise flavour's recvmmsg resolves
  const notYetReceived: promises.ReceivedMessage[] = conn.recvmmsg(64, 1500);
  const intoCount: number = await conn.recvmmsgInto(Buffer.alloc(64 * 1500), 64, 1500, new Int32Array(128), { senders: [], timeout: 100 });
  // @ts-expect-error the promise flavour's recvmmsgInto resolves
  const notYetCounted: number = conn.recvmmsgInto(Buffer.alloc(64), 4, 16, new Int32Array(8));
  const fromInto: number = await conn.recvfromInto(Buffer.alloc(1500), { senders: [], timeout: 100 });
  const fromIntoFlags: number = await conn.recvfromInto(Buffer.alloc(1500), MSG_DONTWAIT, { signal: AbortSignal.timeout(1000) });
  // @ts-expect-error the promise flavour's recvfromInto resolves
  const notYetFrom: number = conn.recvfromInto(Buffer.alloc(8));
  // @ts-expect-error the promise flavour has no try* forms: its calls wait
  conn.tryRecvfromInto(Buffer.alloc(8));
  void [intoCount, notYetCounted, fromInto, fromIntoFlags, notYetFrom];
  void [sent, total, fromFile, wholeFile, ready, wrong, fromPeer, events, notYet, batchSent, datagrams, notYetReceived];
}
