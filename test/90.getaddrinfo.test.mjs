// getaddrinfo(3), blocking: numeric hosts returned as is, ports from numbers, numeric strings and
// service names, 'localhost', the hints (family, type, flags: AI_PASSIVE, AI_NUMERICHOST,
// AI_NUMERICSERV, AI_CANONNAME), the EAI_* errors glibc really returns and their Node-like shape,
// results handed straight to socket()/connect()/bind(), and bad arguments.
//
// Only names this machine answers itself are looked up ('localhost' from /etc/hosts, numeric
// addresses). A name that must fail is refused with AI_NUMERICHOST, so no test sends a DNS query:
// the machine's resolver is not on loopback.
import { expect } from 'chai';
import { getSystemErrorName } from 'node:util';

import * as sockcall from 'sockcall';

import { guard, listener, socket, throwsLike, track } from './helpers.mjs';

const {
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  EAI_ADDRFAMILY,
  EAI_FAMILY,
  EAI_NONAME,
  EAI_SERVICE,
  EAI_SOCKTYPE,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
  SocketError,
  constants,
  getaddrinfo,
} = sockcall;

/** The loopback addresses 'localhost' may resolve to (an /etc/hosts may list one or both). */
const LOOPBACK = {
  AF_INET: '127.0.0.1',
  AF_INET6: '::1',
};

/**
 * Asserts `fn` fails as getaddrinfo does: a SocketError carrying the EAI code, glibc's value as
 * `eai`, and as `errno` libuv's number for the name, which util.getSystemErrorName reads back.
 */
function eai(fn, code, hostname) {
  const error = throwsLike(fn, { instanceOf: SocketError, code, syscall: 'getaddrinfo', eai: constants[code] });
  expect(getSystemErrorName(error.errno)).to.equal(code);
  expect(error).to.be.instanceOf(Error);
  expect(error.name).to.equal('SocketError');
  expect(error.hostname).to.equal(hostname);
  expect(error.message).to.equal(`getaddrinfo ${code} ${hostname}`);
  return error;
}

describe('90 getaddrinfo', function () {
  this.timeout(15000);

  describe('numeric hosts and ports', function () {
    it('returns a numeric IPv4 host as is: AF_INET entries, one per socket type, with the port', function () {
      const result = getaddrinfo('127.0.0.1', 8080);
      expect(result.length).to.be.at.least(2);
      for (const ai of result) {
        expect(ai.family).to.equal(AF_INET);
        expect(ai.address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: 8080 });
        expect(ai).to.not.have.property('canonname');
      }
      // No type hint: one entry per type, each with its protocol.
      const stream = result.find((ai) => ai.type === SOCK_STREAM);
      const dgram = result.find((ai) => ai.type === SOCK_DGRAM);
      expect(stream.protocol).to.equal(IPPROTO_TCP);
      expect(dgram.protocol).to.equal(IPPROTO_UDP);
      // Any dotted decimal is returned as is, without a lookup (192.0.2.0/24 is TEST-NET-1).
      expect(getaddrinfo('192.0.2.7', 1, { type: SOCK_DGRAM })).to.deep.equal([
        { family: AF_INET, type: SOCK_DGRAM, protocol: IPPROTO_UDP, address: { family: 'AF_INET', address: '192.0.2.7', port: 1 } },
      ]);
    });

    it('returns a numeric IPv6 host as is: AF_INET6 entries with flowinfo and scopeId', function () {
      for (const host of ['::1', '2001:db8::5']) {
        const result = getaddrinfo(host, 443, { type: SOCK_STREAM });
        expect(result).to.deep.equal([
          {
            family: AF_INET6,
            type: SOCK_STREAM,
            protocol: IPPROTO_TCP,
            address: { family: 'AF_INET6', address: host, port: 443, flowinfo: 0, scopeId: 0 },
          },
        ]);
      }
    });

    it('takes the port as a number, a numeric string or a service name, and 0 when omitted', function () {
      const portOf = (port, hints = { type: SOCK_STREAM }) => getaddrinfo('127.0.0.1', port, hints)[0].address.port;
      expect(portOf(8080)).to.equal(8080);
      expect(portOf('8081')).to.equal(8081);
      expect(portOf(65535)).to.equal(65535);
      // A service name, from /etc/services.
      expect(portOf('http')).to.equal(80);
      // No service: port 0.
      expect(getaddrinfo('127.0.0.1')[0].address.port).to.equal(0);
      expect(getaddrinfo('127.0.0.1', null)[0].address.port).to.equal(0);
      // AI_NUMERICSERV refuses a name but takes digits.
      expect(portOf('8082', { type: SOCK_STREAM, flags: AI_NUMERICSERV })).to.equal(8082);
      eai(() => getaddrinfo('127.0.0.1', 'http', { type: SOCK_STREAM, flags: AI_NUMERICSERV }), 'EAI_NONAME', '127.0.0.1');
    });
  });

  describe('names and hints', function () {
    it("resolves 'localhost' to loopback addresses (127.0.0.1 and/or ::1)", function () {
      const result = getaddrinfo('localhost', 80, { type: SOCK_STREAM });
      expect(result.length).to.be.at.least(1);
      for (const ai of result) {
        expect(ai.address.family).to.be.oneOf(['AF_INET', 'AF_INET6']);
        expect(ai.address.address).to.equal(LOOPBACK[ai.address.family]);
        expect(ai.address.port).to.equal(80);
        expect(ai.family).to.equal(ai.address.family === 'AF_INET' ? AF_INET : AF_INET6);
      }
    });

    it('hints.family restricts the family', function () {
      const v4 = getaddrinfo('localhost', 80, { family: AF_INET, type: SOCK_STREAM });
      expect(v4.length).to.be.at.least(1);
      for (const ai of v4) {
        expect(ai.family).to.equal(AF_INET);
        expect(ai.address).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port: 80 });
      }
      // No host, no AI_PASSIVE: the loopback address of the family asked for, and only that.
      expect(getaddrinfo(null, 80, { family: AF_INET6, type: SOCK_STREAM }).map((ai) => ai.address)).to.deep.equal([
        { family: 'AF_INET6', address: '::1', port: 80, flowinfo: 0, scopeId: 0 },
      ]);
      expect(getaddrinfo(null, 80, { family: AF_INET, type: SOCK_STREAM }).map((ai) => ai.address)).to.deep.equal([
        { family: 'AF_INET', address: '127.0.0.1', port: 80 },
      ]);
      // Without the hint, both families.
      const both = getaddrinfo(null, 80, { type: SOCK_STREAM }).map((ai) => ai.address.family);
      expect(both).to.have.members(['AF_INET', 'AF_INET6']);
    });

    it('a numeric host of the other family is EAI_ADDRFAMILY, reported by its name', function () {
      // glibc: "Address family for hostname not supported" (EAI_ADDRFAMILY, -9).
      eai(() => getaddrinfo('127.0.0.1', 80, { family: AF_INET6 }), 'EAI_ADDRFAMILY', '127.0.0.1');
      eai(() => getaddrinfo('::1', 80, { family: AF_INET }), 'EAI_ADDRFAMILY', '::1');
      expect(EAI_ADDRFAMILY).to.be.a('number');
    });

    it('hints.type restricts the type, and the protocol follows it (TCP for streams, UDP for datagrams)', function () {
      const stream = getaddrinfo('127.0.0.1', 80, { type: SOCK_STREAM });
      expect(stream.map((ai) => [ai.type, ai.protocol])).to.deep.equal([[SOCK_STREAM, IPPROTO_TCP]]);
      const dgram = getaddrinfo('::1', 53, { type: SOCK_DGRAM });
      expect(dgram.map((ai) => [ai.type, ai.protocol])).to.deep.equal([[SOCK_DGRAM, IPPROTO_UDP]]);
      // hints.protocol alone picks the type too.
      const udp = getaddrinfo('127.0.0.1', 53, { protocol: IPPROTO_UDP });
      expect(udp.map((ai) => [ai.type, ai.protocol])).to.deep.equal([[SOCK_DGRAM, IPPROTO_UDP]]);
      // A type and a protocol that do not go together.
      eai(() => getaddrinfo('127.0.0.1', 80, { type: SOCK_DGRAM, protocol: IPPROTO_TCP }), 'EAI_SOCKTYPE', '127.0.0.1');
      expect(EAI_SOCKTYPE).to.be.below(0);
    });

    it('AI_PASSIVE with no host gives the wildcard addresses 0.0.0.0 and ::, ready for bind()', function () {
      const result = getaddrinfo(null, 0, { flags: AI_PASSIVE, type: SOCK_STREAM });
      expect(result.map((ai) => ai.address.address)).to.have.members(['0.0.0.0', '::']);
      const [ai] = getaddrinfo(null, 0, { flags: AI_PASSIVE, family: AF_INET, type: SOCK_STREAM });
      expect(ai.address).to.deep.equal({ family: 'AF_INET', address: '0.0.0.0', port: 0 });
      // socket(ai_family, ai_socktype, ai_protocol); bind(ai_addr): the wildcard, on a free port.
      const s = guard(track(new Socket(ai.family, ai.type, ai.protocol)));
      s.bind(ai.address);
      const bound = s.getsockname();
      expect(bound.address).to.equal('0.0.0.0');
      expect(bound.port).to.be.above(0);
      const [six] = getaddrinfo(null, '0', { flags: AI_PASSIVE, family: AF_INET6, type: SOCK_DGRAM });
      expect(six.address).to.deep.equal({ family: 'AF_INET6', address: '::', port: 0, flowinfo: 0, scopeId: 0 });
    });

    it('AI_NUMERICHOST takes numeric hosts and refuses names with EAI_NONAME, without a lookup', function () {
      expect(getaddrinfo('127.0.0.1', 80, { flags: AI_NUMERICHOST, type: SOCK_STREAM })[0].address.address).to.equal('127.0.0.1');
      expect(getaddrinfo('::1', 80, { flags: AI_NUMERICHOST, type: SOCK_STREAM })[0].address.address).to.equal('::1');
      eai(() => getaddrinfo('localhost', 80, { flags: AI_NUMERICHOST }), 'EAI_NONAME', 'localhost');
    });

    it('AI_CANONNAME puts the canonical name on the first entry only', function () {
      const result = getaddrinfo('localhost', 80, { flags: AI_CANONNAME, family: AF_INET });
      expect(result.length).to.be.at.least(1);
      // 'localhost' here; some /etc/hosts list 'localhost.localdomain' first, which is then canonical.
      expect(result[0].canonname).to.match(/^localhost(\.|$)/);
      for (const ai of result.slice(1)) expect(ai).to.not.have.property('canonname');
      // A numeric host is its own canonical name.
      expect(getaddrinfo('127.0.0.1', 80, { flags: AI_CANONNAME, type: SOCK_STREAM })[0].canonname).to.equal('127.0.0.1');
      // Without the flag, none.
      expect(getaddrinfo('localhost', 80, { family: AF_INET })[0]).to.not.have.property('canonname');
    });
  });

  describe('errors', function () {
    it('an unknown family is EAI_FAMILY', function () {
      const error = eai(() => getaddrinfo('127.0.0.1', 80, { family: 12345 }), 'EAI_FAMILY', '127.0.0.1');
      expect(error.eai).to.equal(EAI_FAMILY);
    });

    it('an unknown service name is EAI_SERVICE (what glibc returns)', function () {
      const error = eai(() => getaddrinfo('127.0.0.1', 'no-such-service-sockcall'), 'EAI_SERVICE', '127.0.0.1');
      expect(error.eai).to.equal(EAI_SERVICE);
      eai(() => getaddrinfo('127.0.0.1', 'no-such-service-sockcall', { type: SOCK_STREAM }), 'EAI_SERVICE', '127.0.0.1');
    });

    it('a failed resolution is a SocketError shaped like Node dns errors: code, errno, syscall, hostname, message', function () {
      // AI_NUMERICHOST: the same EAI_NONAME without asking any resolver.
      const error = eai(() => getaddrinfo('nonexistent.invalid', 80, { flags: AI_NUMERICHOST }), 'EAI_NONAME', 'nonexistent.invalid');
      expect(error.eai).to.equal(EAI_NONAME);
      expect(error.message).to.equal('getaddrinfo EAI_NONAME nonexistent.invalid');
      expect(error).to.not.have.property('address');
      expect(error).to.not.have.property('port');
      // No host and no service: EAI_NONAME, and no hostname to report.
      const none = throwsLike(() => getaddrinfo(null, null), { instanceOf: SocketError, code: 'EAI_NONAME', eai: EAI_NONAME });
      expect(none.message).to.equal('getaddrinfo EAI_NONAME');
      expect(none).to.not.have.property('hostname');
    });
  });

  describe('results straight into the syscalls', function () {
    it("connects to a listener found with getaddrinfo('127.0.0.1', port)", function () {
      const server = listener();
      const { port } = server.getsockname();
      const [ai] = getaddrinfo('127.0.0.1', port, { type: SOCK_STREAM });
      const client = guard(track(new Socket(ai.family, ai.type, ai.protocol)));
      client.connect(ai.address);
      const conn = guard(track(server.accept()));
      expect(conn.getpeername()).to.deep.equal(client.getsockname());
      expect(client.getpeername()).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
      expect(client.send('via getaddrinfo')).to.equal(15);
      expect(conn.recv(100).toString()).to.equal('via getaddrinfo');
    });

    it("the C idiom: try each 'localhost' result until one connects", function () {
      // The listener is IPv4 only; if 'localhost' also gives ::1, that one is refused and the loop
      // goes on to the next, as the C loop over ai_next does.
      const server = listener();
      const { port } = server.getsockname();
      const result = getaddrinfo('localhost', String(port), { type: SOCK_STREAM });
      let connected = null;
      const refused = [];
      for (const ai of result) {
        const s = socket(ai.family, ai.type, ai.protocol);
        try {
          s.connect(ai.address);
          connected = s;
          break;
        } catch (error) {
          expect(error.code).to.equal('ECONNREFUSED');
          refused.push(ai.address.address);
          s.close();
        }
      }
      expect(connected, `no result connected (refused: ${refused})`).to.not.equal(null);
      expect(refused.every((address) => address === '::1')).to.equal(true);
      expect(connected.getpeername()).to.deep.equal({ family: 'AF_INET', address: '127.0.0.1', port });
      const conn = guard(track(server.accept()));
      conn.send('hi');
      expect(connected.recv(10).toString()).to.equal('hi');
    });
  });

  describe('bad arguments', function () {
    it('throws TypeError ERR_INVALID_ARG_TYPE for a host, port or hints of the wrong type', function () {
      const type = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
      throwsLike(() => getaddrinfo(123), { ...type, message: /"host" argument must be of type string or null/ });
      throwsLike(() => getaddrinfo(undefined), { ...type, message: /"host"/ });
      throwsLike(() => getaddrinfo({ address: '127.0.0.1' }, 80), { ...type, message: /"host"/ });
      throwsLike(() => getaddrinfo('127.0.0.1', {}), { ...type, message: /"port" argument must be of type number, string or null/ });
      throwsLike(() => getaddrinfo('127.0.0.1', true), { ...type, message: /"port"/ });
      throwsLike(() => getaddrinfo('127.0.0.1', 80, 'AF_INET'), { ...type, message: /"hints" argument must be of type object/ });
      throwsLike(() => getaddrinfo('127.0.0.1', 80, null), { ...type, message: /"hints"/ });
      throwsLike(() => getaddrinfo('127.0.0.1', 80, { family: 'AF_INET' }), { ...type, message: /"hints.family"/ });
      throwsLike(() => getaddrinfo('127.0.0.1', 80, { type: '1' }), { ...type, message: /"hints.type"/ });
      throwsLike(() => getaddrinfo('127.0.0.1', 80, { flags: [AI_PASSIVE] }), { ...type, message: /"hints.flags"/ });
    });

    it('throws RangeError ERR_OUT_OF_RANGE for a port number outside 0..65535 or not an integer', function () {
      const range = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' };
      throwsLike(() => getaddrinfo('127.0.0.1', 65536), { ...range, message: /"port".*Received 65536/ });
      throwsLike(() => getaddrinfo('127.0.0.1', -1), { ...range, message: /"port"/ });
      throwsLike(() => getaddrinfo('127.0.0.1', 1.5), { ...range, message: /"port"/ });
      throwsLike(() => getaddrinfo('127.0.0.1', 80, { family: 2.5 }), { ...range, message: /"hints.family"/ });
    });
  });
});
