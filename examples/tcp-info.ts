// tcp-info: slow start made visible. A bulk transfer over loopback, one connection with both ends
// in this program; after each chunk is sent and read, TCP_INFO gives the sender's congestion window
// (snd_cwnd, in segments), its smoothed round-trip time (rtt, in microseconds) and the bytes
// acknowledged (bytes_acked, the SYN counted as one). The MSS is held near Ethernet's (TCP_MAXSEG
// 1448), so that a chunk is many segments: while the window is below snd_ssthresh (unset until a
// loss), each segment acknowledged grows it by one. The C twin is c/tcp-info.c.
//
//   node dist/tcp-info.js [rounds]     rounds of 32 KiB (default 8)
import { AF_INET, IPPROTO_TCP, MSG_WAITALL, SOCK_STREAM, Socket, TCP_INFO, TCP_MAXSEG } from 'sockcall';

import { countArg, parseCommandLine } from './cli';

// A chunk smaller than the receiver's first window (64 KiB), so that sending it whole never waits
// for the receiver, which reads only afterwards.
const CHUNK = 32768; //                                               #define CHUNK 32768
const MSS = 1448; //                                                  #define MSS 1448
const USAGE = 'tcp-info [rounds]';

const cl = parseCommandLine(1, false, USAGE);
const rounds = cl.arg[0] === undefined ? 8 : countArg(cl.arg[0], 1000, USAGE);

const listener = new Socket(AF_INET, SOCK_STREAM); //                 l = socket(AF_INET, SOCK_STREAM, 0)
listener.bind({ address: '127.0.0.1', port: 0 }); //                  bind(l, &addr, sizeof addr)
listener.listen(1); //                                                listen(l, 1)
const sender = new Socket(AF_INET, SOCK_STREAM); //                   s = socket(AF_INET, SOCK_STREAM, 0)
sender.setsockopt(IPPROTO_TCP, TCP_MAXSEG, MSS); //                   setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss)
sender.connect(listener.getsockname()); //                            getsockname(l, ...); connect(s, &addr, len)
const receiver = listener.accept(); //                                r = accept(l, NULL, NULL)

// The window a connection starts with: 10 segments (RFC 6928).
let info = sender.getsockopt(IPPROTO_TCP, TCP_INFO); //               getsockopt(s, IPPROTO_TCP, TCP_INFO, &info, &len)
console.log(`connected: snd_mss ${info.snd_mss} bytes, snd_cwnd ${info.snd_cwnd} segments`);

const chunk = Buffer.alloc(CHUNK, 'x'); //                            char chunk[CHUNK]
for (let round = 1; round <= rounds; round++) {
  sender.sendAll(chunk); //                                           send_all(s, chunk, CHUNK)
  receiver.recv(CHUNK, MSG_WAITALL); //                               recv(r, chunk, CHUNK, MSG_WAITALL)
  info = sender.getsockopt(IPPROTO_TCP, TCP_INFO); //                 getsockopt(s, IPPROTO_TCP, TCP_INFO, &info, &len)
  console.log(`round ${round}: bytes_acked ${info.bytes_acked}, snd_cwnd ${info.snd_cwnd} segments, rtt ${info.rtt} us`);
}
sender.close(); //                                                    close(s)
receiver.close(); //                                                  close(r)
listener.close(); //                                                  close(l)
