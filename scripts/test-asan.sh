#!/usr/bin/env bash
# Builds an AddressSanitizer + UndefinedBehaviorSanitizer copy of the addon and runs the mocha suite
# against it (the whole suite also runs scripts/valgrind-driver.mjs).
# Usage: bash scripts/test-asan.sh [mocha args]   (no file argument: the whole suite)
#
# The build happens in a throwaway copy of the work tree, never in ./build or ./dist, so it can run
# while someone else rebuilds the real addon. Exits non-zero on a test failure or on any sanitizer
# report from any process the suite starts (main thread, workers, child node processes).
#
# Environment: ASAN_TEST_TIMEOUT (seconds for the whole mocha run, default 1800),
# ASAN_EXTRA_OPTIONS (appended to ASAN_OPTIONS, e.g. quarantine_size_mb=16),
# KEEP_ASAN_DIR=1 to keep the copy for inspection.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
started=$SECONDS
cxx=${CXX:-g++}

work=$(mktemp -d "${TMPDIR:-/tmp}/sockcall-asan.XXXXXX")
# mktemp makes it 0700: open it to others, as a clone is, since some tests run programs from the
# copy as an unprivileged user (test/85 runs ping as nobody to see EPERM).
chmod 755 "$work"
cleanup() {
  if [ "${KEEP_ASAN_DIR:-0}" = 1 ]; then echo "test-asan: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

die() {
  echo "test-asan: $*" >&2
  exit 1
}
# shellcheck source=scripts/common.sh
. "$repo/scripts/common.sh"

# --- copy (scripts/common.sh): the work tree as it is now, uncommitted edits included
src=$work/src
reports=$work/reports
mkdir -p "$reports"
copy_work_tree "$repo" "$src"

# --- build with the sanitizers
sanitize="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# Appended after gyp's own flags, so -O1 -g override its -O3: readable stacks, still fast.
export CXXFLAGS="$sanitize -O1 -g"
export CFLAGS="$sanitize -O1 -g"
export LDFLAGS="-fsanitize=address,undefined"
export CXX="$cxx"

gyp_args
GYP_ARGS+=(--loglevel=verbose)  # verbose makes node-gyp pass V=1 to make

cd "$src"
echo "test-asan: building in $src"
build_log=$work/build.log
if ! node node_modules/node-gyp/bin/node-gyp.js "${GYP_ARGS[@]}" >"$build_log" 2>&1; then
  tail -n 60 "$build_log"
  die "node-gyp build failed"
fi

# The flags must reach every compile and the link; the .node must call into both runtimes.
addon=$src/build/Release/sockcall.node
[ -f "$addon" ] || die "no $addon after the build"
compile_lines=$(grep -E -- ' -o [^ ]+\.o \.\./native/[^ ]+\.cc ' "$build_log" || true)
sources=$(grep -c . <<<"$compile_lines" || true)
compiled=$(grep -c -- '-fsanitize=address,undefined' <<<"$compile_lines" || true)
[ "$sources" -gt 0 ] || die "no compile line in the V=1 log $build_log"
[ "$compiled" -eq "$sources" ] || die "only $compiled of $sources compile lines carry -fsanitize (see V=1 log $build_log)"
grep -E -- '-shared .*-fsanitize=address,undefined|-fsanitize=address,undefined.*-shared' "$build_log" >/dev/null ||
  die "the link line lacks -fsanitize"
imports=$(nm -D --undefined-only "$addon")  # not piped into grep -q: SIGPIPE would trip pipefail
grep -q '__asan_report_' <<<"$imports" || die "$addon has no ASan instrumentation"
grep -q '__ubsan_handle_.*_abort' <<<"$imports" || die "$addon has no (non-recovering) UBSan checks"
needed=$(readelf -d "$addon" | grep NEEDED)
grep -q 'libasan\.so' <<<"$needed" || die "$addon does not link libasan"
grep -q 'libubsan\.so' <<<"$needed" || die "$addon does not link libubsan"
echo "test-asan: $compiled/$sources sources compiled with $sanitize; $(grep -Eo 'lib(a|ub)san\.so[.0-9]*' <<<"$needed" | tr '\n' ' ')"

node node_modules/typescript/bin/tsc -p . || die "tsc failed"
# Whatever else `npm test` compiles before mocha (tsc -p examples ...), less its type checks (--noEmit).
steps=$(node -e "for (const step of require('./package.json').scripts.test.split('&&')) {
  const s = step.trim(); if (s.startsWith('tsc ') && !s.includes('--noEmit')) console.log(s.slice(4)); }")
while IFS= read -r step; do
  [ -n "$step" ] || continue
  # shellcheck disable=SC2086 # the step's own words, as npm would split them
  node node_modules/typescript/bin/tsc $step || die "tsc $step failed"
done <<<"$steps"

# --- run
libasan=$(readlink -f "$("$cxx" -print-file-name=libasan.so)")
libubsan=$(readlink -f "$("$cxx" -print-file-name=libubsan.so)")
[ -f "$libasan" ] && [ -f "$libubsan" ] || die "cannot find $cxx's libasan/libubsan"

# Node itself is not instrumented, so the ASan runtime must be loaded first (LD_PRELOAD) to own
# malloc before node starts. Every process the suite starts inherits this environment (workers share
# their process). ASan writes each report to $reports/asan.PID, counted below even when the test that
# started a child ignores how it died. libubsan ignores log_path when it shares the process with a
# preloaded libasan (its reports always go to stderr): a UBSan report aborts its process
# (abort_on_error), which fails mocha or the test that checks the child's exit, and the mocha log is
# scanned for reports too.
# detect_leaks=0: V8 and Node leave memory to the OS at exit by design; leak checking would drown
# in them (the valgrind run covers leaks with stacks through the addon).
# quarantine_size_mb=32 (default 256): freed memory is held back that long before reuse, and Node's
# Buffers churn through it, so RSS climbs by the whole quarantine; the soak test's "RSS flat" check
# fails on that alone. 32 MB still keeps a block the addon freed out of reuse for over a second at
# the soak's full traffic (~20 MB/s of Buffers under ASan), far longer at anything less.
export LD_PRELOAD="$libasan $libubsan${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:quarantine_size_mb=32:log_path=$reports/asan:print_summary=1${ASAN_EXTRA_OPTIONS:+:$ASAN_EXTRA_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1"

# A loaded runtime does not prove instrumented code runs; check this build is the one mocha loads.
loaded=$(node -e "process.stdout.write(require('./dist/native.js').native.path)")
[ "$loaded" = "$addon" ] || die "the suite would load $loaded, not $addon"

args=()
has_spec=0
for arg in "$@"; do
  # A path into the real tree would load the real dist/ and build/: point it at the copy.
  case $arg in "$repo"/*) arg=$src/${arg#"$repo"/} ;; esac
  case $arg in *.mjs | *.js | test/* | "$src"/*) has_spec=1 ;; esac
  args+=("$arg")
done
[ "$has_spec" = 1 ] || args+=('test/*.test.mjs')

log=$work/mocha.log
status=0
timeout --kill-after=30 "${ASAN_TEST_TIMEOUT:-1800}" node_modules/.bin/mocha "${args[@]}" 2>&1 | tee "$log" || status=$?
# A run without arguments also gets the valgrind driver: it calls the native guards with the bad
# values lib/ never lets through, which the suite does not reach.
driver=skipped
if [ $# -eq 0 ]; then
  driver=ok
  # Its temporary Unix socket goes in $work, which goes even when a sanitizer aborts the driver.
  TMPDIR=$work timeout --kill-after=10 300 node scripts/valgrind-driver.mjs 2>&1 | tee -a "$log" || driver=failed
fi
unset LD_PRELOAD

found=0
for report in "$reports"/*; do
  [ -e "$report" ] || continue
  found=$((found + 1))
  echo "===== sanitizer report ${report##*/} ====="
  cat "$report"
done
# Reports that reached the mocha output (UBSan's, or one a test quoted from a child's stderr).
inline=$(grep -Ec 'runtime error: |ERROR: AddressSanitizer|ERROR: LeakSanitizer' "$log" || true)
found=$((found + inline))
passed=$(grep -Eo '^ +[0-9]+ passing' "$log" | grep -Eo '[0-9]+' | tail -n 1 || true)
failed=$(grep -Eo '^ +[0-9]+ failing' "$log" | grep -Eo '[0-9]+' | tail -n 1 || true)
echo "asan: ${passed:-0} passed, ${failed:-0} failed; sanitizer reports: $found; mocha exit $status; driver $driver; $((SECONDS - started)) s"
[ "$status" -eq 0 ] || exit "$status"
[ "$found" -eq 0 ] || exit 1
[ "$driver" != failed ] || exit 1
[ "${passed:-0}" -gt 0 ] || die "no test ran"
