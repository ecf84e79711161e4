#!/bin/sh
# Instructions per response of a promise-flavour server under callgrind, driven by the C load
# generator: a 3 s warm-up client, the counters zeroed, a measured client, a dump. TurboFan
# compiling inside the window (--single-threaded puts it on the main thread) is subtracted, as it
# lands in whichever window the JIT chooses.
#   sh bench/profile/server-window.sh WORKLOAD CONNS [SECONDS] [OUT_DIR]     (from the repository root)
#   sh bench/profile/server-window.sh many 100          sh bench/profile/server-window.sh http 50 10
# Needs bench/build/contender (npm run bench builds it).
set -e
unset NODE_EXTRA_CA_CERTS
workload=$1 conns=$2 seconds=${3:-5} out=${4:-/tmp/cg-server}
mkdir -p "$out"
base="$out/$workload.$conns"
rm -f "$base".cg* "$base".fifo
mkfifo "$base.fifo"
# The server reads its stdin (a pipe) for requests of the runner: a fifo held open stands in.
valgrind --tool=callgrind --callgrind-out-file="$base.cg" node --hash-seed=1 --random-seed=1 --single-threaded \
  bench/contenders/promises.mjs server "$workload" port=0 size=64 <"$base.fifo" >"$base.server" 2>"$base.log" &
server=$!
exec 3>"$base.fifo"
for _ in $(seq 1 400); do grep -q READY "$base.server" 2>/dev/null && break; sleep 0.2; done
port=$(awk '/READY/ { print $2 }' "$base.server")
client() { bench/build/contender client "$workload" port="$port" conns="$conns" size=64 seconds="$1"; }
client 3 >/dev/null
callgrind_control -z $server >/dev/null 2>&1
client "$seconds" >"$base.client"
callgrind_control -d $server >/dev/null 2>&1
kill -INT $server
wait $server || true
exec 3>&-
rm -f "$base.fifo"
dump=$(ls "$base".cg.* | head -1)
total=$(awk '/^summary:/ { print $2 }' "$dump")
jit=$(callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | awk '/Runtime_CompileOptimized/ { gsub(",", "", $1); print $1; exit }')
count=$(grep -o '"\(roundTrips\|responses\)":[0-9]*' "$base.client" | cut -d: -f2)
echo "promises $workload conns=$conns: $(( (total - ${jit:-0}) / count )) instructions per response ($count responses; $total in the window, ${jit:-0} of them compiling)"
