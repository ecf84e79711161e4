// sockcall benchmark contender: node:http, a plain http.createServer with keep-alive (its default),
// for the "http" workload only: what a Node user writes to serve HTTP. Every other workload:
// UNSUPPORTED (the runner does not ask).
//
//   node bench/contenders/http.mjs server http port=0
//
// Prints "READY <port>"; the C load generator measures.
import http from 'node:http';

import { dispatch, fail, HTTP_BODY, num, print } from './protocol.mjs';

function serverHttp() {
  const headers = { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(HTTP_BODY) };
  const server = http.createServer({ noDelay: true }, (request, response) => {
    response.writeHead(200, headers);
    response.end(HTTP_BODY);
  });
  server.on('error', fail);
  server.on('clientError', (error, socket) => socket.destroy()); // a reset when the load generator leaves
  server.listen({ host: '127.0.0.1', port: num('port', 0), backlog: 511 }, () => print(`READY ${server.address().port}`));
}

dispatch('http', { 'server http': serverHttp });
