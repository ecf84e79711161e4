#!/usr/bin/env node
// fuzz/fuzz.mjs (`npm run fuzz`): every public method of both flavours of sockcall and every entry
// point of the raw binding, called with malformed arguments. Each call must return, or throw (reject)
// a TypeError, a RangeError, a system error (an Error with string `code`, number `errno`, string
// `syscall`) or an AbortError. Anything else is a finding: another kind of throw, a crash or abort, a
// hang, a promise that never settles, an fd leak, a Socket left for the garbage collector, a warning.
//
//   node fuzz/fuzz.mjs [--calls N] [--seed S] [--seconds T] [--batch-size B] [--jobs J]
//   node fuzz/fuzz.mjs --seed S --calls N --batch K [--resume I] [--trace]      (replay one batch)
//
// The calls run in child processes, one batch of --batch-size calls each, so that a crash takes down
// one child only. Before each call the child writes it to a ring file; when a child dies or stops
// making progress (a hang), the parent reads the last calls from there, reports them, and starts a
// new child at the call after. Every batch is deterministic from the seed: its PRNG (mulberry32) draws
// the calls and never depends on what a call did, so --batch/--resume replays the same calls (the
// outcomes can differ where they depend on timing). A call that crashed or hung twice is skipped by
// later children, so that one bug does not stop the rest of the run.
//
// Ground rules the world of the child follows (see also fuzz/README.md):
// - Only fds the child owns are passed where an fd number goes: never 0/1/2 (the child's stdio), never
//   an fd a Socket owns to anything that closes or adopts it. Raw close() and Socket.fromFd() get only
//   fds the fuzzer holds outside any Socket (raw sockets, dups, detached fds, a plain file, a fifo).
// - Traffic stays on loopback: addresses are 127.0.0.1, ::1, ::ffff:127.0.0.1 or Unix paths in the
//   child's own temporary directory (its cwd, so relative paths land there too); encoded sockaddrs
//   and byte buffers are fixed so none can decode to another internet or multicast address; hosts
//   that could resolve are 'localhost', numeric ones or null. Sockets are only AF_INET/AF_INET6/AF_UNIX
//   of type stream, datagram or seqpacket (never raw or packet sockets).
// - Nothing blocks for long: every socket has SO_RCVTIMEO/SO_SNDTIMEO of 1 ms, most are non-blocking,
//   and both are put back (with SO_LINGER off and SO_RCVLOWAT 1) after any call that could change
//   them. select/poll get a timeout of at most 5 ms, or else an always-readable fifo among their fds.
//   Promise calls get one turn of the event loop (a few ms if they were given a short timeout); then
//   their sockets are closed, and they must settle within 3 s.
//
// The files: options.mjs (settings, command line, PRNG), parent.mjs (batches, crashes, hangs, the
// report), child.mjs (planning, making and classifying the calls), world.mjs (the child's sockets and
// counts), and tables/ (what to call and with what: values.mjs, fds.mjs, parameters.mjs, calls.mjs
// for the public methods and raw binding functions, returns.mjs for what each may return).
import { childMain } from './child.mjs';
import { parseArguments } from './options.mjs';
import { parentMain } from './parent.mjs';

const options = parseArguments(process.argv.slice(2));
if (options.child) await childMain(options);
else await parentMain(options);
