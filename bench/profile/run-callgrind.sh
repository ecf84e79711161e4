#!/bin/sh
# Instruction counts per iteration: each (contender, workload) run under callgrind at two iteration
# counts; (Ir(N2) - Ir(N1)) / (N2 - N1) cancels start-up and JIT warm-up.
#   sh bench/profile/run-callgrind.sh [OUT_DIR]      (from the repository root; ~20 s a run)
#   SPECS="eagain:10000:60000" IMPLS="c sockcall" sh bench/profile/run-callgrind.sh    (a subset)
#   NODE_FLAGS="--single-threaded": V8 flags for every node run (compiling on the main thread, at a
#   fixed point of the loop, takes the JIT timing out of the difference between the two runs)
#   SPECS="pingpong:2000:12000 accept:3000:9000" IMPLS=promises sh ...   (the promise flavour, drive-promises.mjs;
#   an accept cycle runs each function once, so TurboFan is still compiling past 1,000 cycles: a
#   smaller first count puts that compilation into the difference, 20k to 30k instructions per cycle)
# A server under load from many connections (many, http): bench/profile/server-window.sh.
# raw needs bench/profile/raw-napi built first: (cd bench/profile/raw-napi && npx node-gyp rebuild)
# Prints "contender op instr/iteration"; the callgrind.out files stay in OUT_DIR for callgrind_annotate.
set -e
# A fixed hash seed: a random one costs a random number of instructions at start-up (prime search).
# NODE_EXTRA_CA_CERTS unset: parsing them costs ~400M instructions at start-up, nothing after.
unset NODE_EXTRA_CA_CERTS
out=${1:-/tmp/cg}
mkdir -p "$out"
cc -O2 -o "$out/drive" bench/profile/drive.c
run() { # name n command...
  name=$1 n=$2; shift 2
  valgrind --tool=callgrind --callgrind-out-file="$out/$name.$n" "$@" >/dev/null 2>"$out/$name.$n.log"
  grep -o 'Collected : [0-9]*' "$out/$name.$n.log" | cut -d' ' -f3
}
for spec in ${SPECS:-getsockopt:10000:60000 sendrecv:10000:60000 eagain:10000:60000 connect:500:3000}; do
  op=${spec%%:*}; rest=${spec#*:}; n1=${rest%%:*}; n2=${rest#*:}
  for impl in ${IMPLS:-c sockcall native native-fast raw koffi}; do
    case "$impl$op" in native*connect|rawconnect) continue;; esac
    if [ $impl = c ]; then set -- "$out/drive" $op
    elif [ $impl = promises ]; then set -- node --hash-seed=1 --random-seed=1 $NODE_FLAGS bench/profile/drive-promises.mjs $op; else set -- node --hash-seed=1 --random-seed=1 $NODE_FLAGS bench/profile/drive.mjs $impl $op; fi
    a=$(run $impl.$op $n1 "$@" $n1); b=$(run $impl.$op $n2 "$@" $n2)
    echo "$impl $op $(( (b - a) / (n2 - n1) ))"
  done
done
