// sockcall benchmark contender: node:dgram, written the idiomatic way: on('message') to receive,
// send() with a callback to send. The reference the UDP figures of both sockcall flavours are
// measured against. It takes part in the udp workload only: UNSUPPORTED for the others, and for
// api=mmsg (node:dgram has no batch calls).
//
//   node bench/contenders/dgram.mjs ROLE udp key=value ...
//
// The receiver prints "READY <port>" and "RESULT <json>".
import dgram from 'node:dgram';

import { dispatch, fail, num, print, UDP_BATCH, sleepMs, UdpCycles, UDP_FILL_MS, UDP_FIRST_WAIT_MS, UDP_RCVBUF, udpMmsg, udpSenderStop } from './protocol.mjs';

/**
 * udp: cycles of a pause and a drain. The pause blocks the event loop (node:dgram reads whenever the
 * loop runs: it has no way to stop reading); the drain counts 'message' events until a turn of the
 * loop (a setImmediate) passes without one, or UDP_DRAIN have come.
 */
function serverUdp() {
  if (udpMmsg()) return print('UNSUPPORTED');
  const cycles = new UdpCycles();
  const size = cycles.size;
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: UDP_RCVBUF });
  socket.on('error', (error) => fail('dgram', error));
  const firstWait = setTimeout(() => fail('dgram', new Error(`no datagram within ${UDP_FIRST_WAIT_MS} ms`)), UDP_FIRST_WAIT_MS);
  let opened = false;
  let draining = false;
  let seen = 0;
  const check = () => {
    if (!draining) return; // the drain took UDP_DRAIN
    if (seen > 0 && cycles.more()) {
      seen = 0;
      setImmediate(check);
      return;
    }
    draining = false;
    cycles.drained();
    cycle();
  };
  const cycle = () => {
    if (!cycles.more()) {
      socket.close();
      cycles.print();
      return;
    }
    setTimeout(() => {
      sleepMs(UDP_FILL_MS);
      cycles.draining();
      draining = true;
      seen = 0;
      setImmediate(check);
    }, 0);
  };
  socket.on('message', (message) => {
    if (!opened) {
      clearTimeout(firstWait);
      opened = true;
      cycles.open();
      cycle();
      return;
    }
    if (!draining) return; // between drains: the loop ran, and read
    seen++;
    if (cycles.got(1, message.length !== size ? 1 : 0)) {
      // The rest of the queue is read uncounted before the next pause (node:dgram cannot stop reading).
      draining = false;
      cycles.drained();
      setImmediate(cycle);
    }
  });
  socket.bind(num('port', 0), '127.0.0.1', () => print(`READY ${socket.address().port}`));
}

/**
 * udp: send() on a connected socket, UDP_BATCH at a time, the next batch once the last one's
 * callback ran (node:dgram queues every send until then), until the receiver is gone.
 */
function clientUdp() {
  if (udpMmsg()) return print('UNSUPPORTED');
  const data = Buffer.alloc(num('size'), 'u');
  const socket = dgram.createSocket('udp4');
  const stop = udpSenderStop();
  let closed = false;
  const done = () => {
    if (!closed) socket.close();
    closed = true;
  };
  const refused = (error) => {
    if (error.code === 'ECONNREFUSED') done(); // the receiver is done
    else fail('dgram', error);
  };
  socket.on('error', refused);
  const batch = () => {
    if (closed || performance.now() > stop) return done();
    for (let i = 1; i < UDP_BATCH; i++) socket.send(data);
    socket.send(data, (error) => (closed ? undefined : error ? refused(error) : setImmediate(batch)));
  };
  socket.connect(num('port'), '127.0.0.1', batch);
}

dispatch('dgram', { 'server udp': serverUdp, 'client udp': clientUdp });
