#!/usr/bin/env bash
# Runs valgrind memcheck over a representative subset: scripts/valgrind-driver.mjs, which drives every
# native entry point in one process (plus a worker torn down with sockets and poll handles open).
# Usage: bash scripts/test-valgrind.sh [mocha spec files to run under valgrind after the driver;
#        default test/91.promises-calls.test.mjs]
#
# Like test-asan.sh it builds in a throwaway copy of the work tree (here without sanitizers, -O1 -g
# for exact stacks), so ./build and ./dist are never touched.
#
# What fails the run: any memcheck error (invalid read/write, use of uninitialised values in a jump
# or a syscall, bad free/overlap) and any "definitely lost" block, anywhere in the process: valgrind
# decides that itself (--error-exitcode=1, --errors-for-leak-kinds=definite), after
# scripts/valgrind.supp has removed the one kind of report that is V8's own (its conservative stack
# scan), keyed on V8's scanning function as the top frame, where a frame of ours cannot be. On top,
# any printed report with a frame of ours in its stack fails the run, whatever valgrind's verdict.
# "Possibly lost", "indirectly lost" and "still reachable" are not errors: at exit Node leaves its
# process-lifetime objects and V8's heap (interior pointers make much of it "possibly lost") to the
# OS by design; a block of ours that nothing points to any more is "definitely lost", which counts.
#
# Environment: VALGRIND_TIMEOUT (seconds per valgrind run, default 1200), KEEP_VALGRIND_DIR=1.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
started=$SECONDS
command -v valgrind >/dev/null || { echo "test-valgrind: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sockcall-valgrind.XXXXXX")
cleanup() {
  if [ "${KEEP_VALGRIND_DIR:-0}" = 1 ]; then echo "test-valgrind: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

die() {
  echo "test-valgrind: $*" >&2
  exit 1
}
# shellcheck source=scripts/common.sh
. "$repo/scripts/common.sh"

# --- copy (scripts/common.sh): the work tree as it is now, uncommitted edits included
src=$work/src
copy_work_tree "$repo" "$src"

# --- build: no sanitizers; -O1 -g (after gyp's -O3, so it wins) for exact file:line in stacks
export CXXFLAGS="-O1 -g -fno-omit-frame-pointer"
gyp_args
cd "$src"
echo "test-valgrind: building in $src"
if ! node node_modules/node-gyp/bin/node-gyp.js "${GYP_ARGS[@]}" >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  die "node-gyp build failed"
fi
node node_modules/typescript/bin/tsc -p . || die "tsc failed"
addon=$src/build/Release/sockcall.node
loaded=$(node -e "process.stdout.write(require('./dist/native.js').native.path)")
[ "$loaded" = "$addon" ] || die "the driver would load $loaded, not $addon"

# --- run
supp=$src/scripts/valgrind.supp
# --fullpath-after= prints source files with their full path, so a frame of ours is recognisable
# whether it shows as sockcall.node (no line info) or as a file under native/ or node-addon-api.
vg=(valgrind --tool=memcheck --error-exitcode=1 --exit-on-first-error=no
  --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
  --num-callers=40 --fullpath-after= --trace-children=no --child-silent-after-fork=yes)
ours_pattern='sockcall[.]node|/native/[A-Za-z_]+[.](cc|h):|node-addon-api/|sockcall::'
[ -f "$supp" ] && vg+=("--suppressions=$supp")

# Temporary files (the driver's Unix socket) go in $work, removed even if a run is killed.
export TMPDIR=$work
status=0
declare -a runs=()
run() { # name, then the command valgrind runs
  local name=$1 log=$work/$1.vg.log t0=$SECONDS code=0
  shift
  echo "test-valgrind: $name: valgrind ${*}"
  timeout --kill-after=30 "${VALGRIND_TIMEOUT:-1200}" "${vg[@]}" --log-file="$log" "$@" || code=$?
  # Any loss record or error with a frame in the addon, whatever its kind, is ours.
  local ours
  ours=$(awk -v ours="$ours_pattern" '/^==[0-9]+== [^ ]/ { if (block ~ ours) n++; block = "" } { block = block "\n" $0 }
              END { if (block ~ ours) n++; print n + 0 }' "$log")
  local errors
  errors=$(grep -Eo 'ERROR SUMMARY: [0-9]+ errors' "$log" | tail -n 1 | grep -Eo '[0-9]+' || echo '?')
  local lost
  lost=$(grep -Eo 'definitely lost: [0-9,]+ bytes' "$log" | tail -n 1 | grep -Eo '[0-9,]+' || echo 0)
  if [ "$code" -ne 0 ] || [ "$ours" -ne 0 ]; then
    echo "===== valgrind log $name ====="
    grep -E '^==[0-9]+==' "$log" | sed -n '1,400p'
    status=1
  fi
  runs+=("$name: exit $code, $errors errors, definitely lost $lost bytes, $ours reports through sockcall.node, $((SECONDS - t0)) s")
}

run driver node scripts/valgrind-driver.mjs
# One mocha file by default: the promise flavour's calls, which keep the poller busiest.
[ $# -gt 0 ] || set -- test/91.promises-calls.test.mjs
for spec in "$@"; do
  case $spec in "$repo"/*) spec=$src/${spec#"$repo"/} ;; esac
  # _mocha runs the tests in its own process (mocha.js may fork one, which valgrind would not follow).
  run "$(basename "$spec" .mjs)" node node_modules/mocha/bin/_mocha --timeout 600000 "$spec"
done

for line in "${runs[@]}"; do echo "test-valgrind: $line"; done
echo "valgrind: ${#runs[@]} runs, $([ "$status" -eq 0 ] && echo clean || echo FAILED); $((SECONDS - started)) s"
exit "$status"
