#!/usr/bin/env node
// Makes the prebuilt binary the package ships, when it is packed (`npm pack`, `npm publish`: the
// prepack step), and removes it afterwards (`--remove`, the postpack step), so that a clone never
// holds one and `npm ci` there always builds from source.
//
// The binary is a plain release build of native/ (node-gyp rebuild, no CFLAGS/CXXFLAGS/LDFLAGS from
// the environment) made in a scratch directory, so build/ (maybe an ASan or debug build) is left
// alone. It goes to prebuilds/<platform>-<arch>/sockcall.glibc.node (scripts/install.js), after
// three checks:
// - it loads in this Node;
// - it is ABI-stable: it takes from Node only N-API (NAPI_VERSION in binding.gyp) and libuv
//   symbols, never V8's or Node's C++ ones, so one binary serves every Node the package supports;
// - it needs no newer glibc and libstdc++ than the versions below, which the docs promise: those
//   Node's own linux-x64 binaries need (glibc 2.28 (fcntl64), libstdc++ from GCC 5), so the prebuilt
//   binary runs wherever Node does, on glibc. Built on Debian 12 (gcc 12) it needs exactly
//   GLIBC_2.28, GLIBCXX_3.4.21 and CXXABI_1.3.9. On musl, scripts/install.js builds from source.
'use strict';

const { spawnSync } = require('node:child_process');
const { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const { prebuiltFile } = require('./install.js');

const root = path.join(__dirname, '..');

/** The newest symbol versions the prebuilt binary may need (libc's GLIBC_, libstdc++'s GLIBCXX_ and CXXABI_). */
const promised = { GLIBC: '2.28', GLIBCXX: '3.4.21', CXXABI: '1.3.9' };

function fail(message) {
  throw new Error(message);
}

/** -1, 0 or 1 as dotted version a is older than, the same as, or newer than b. */
function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
  }
  return 0;
}

/** The binary's undefined dynamic symbols, from `objdump -T`: [{ name, version, weak }]. */
function importedSymbols(file) {
  const dump = spawnSync('objdump', ['-T', file], { encoding: 'utf8' });
  if (dump.error || dump.status !== 0) fail(`objdump -T ${file} failed: ${dump.error?.message ?? dump.stderr}`);
  // 0000000000000000  w   D  *UND*	0000000000000000 (GLIBC_2.2.5) __cxa_finalize
  // 0000000000000000      DF *UND*	0000000000000000  Base        napi_create_function
  return dump.stdout
    .split('\n')
    .filter((line) => line.includes('*UND*'))
    .map((line) => {
      const match = /^\S+\s+(w?)\s*\S*\s+\*UND\*\s+\S+\s+\(?([^\s)]*)\)?\s+(\S+)$/.exec(line);
      if (!match) fail(`cannot read this objdump line: ${line}`);
      return { weak: match[1] === 'w', version: match[2], name: match[3] };
    });
}

/** The checks above, on the freshly built binary; returns what it needs, for the log. */
function check(file) {
  const load = spawnSync(process.execPath, ['-e', "if (typeof require(process.argv[1]).socket !== 'function') process.exit(1)", file], {
    encoding: 'utf8',
  });
  if (load.status !== 0) fail(`the binary does not load: ${load.stderr || `exit status ${load.status}`}`);

  const needs = {};
  for (const { name, version, weak } of importedSymbols(file)) {
    const [, library, number] = /^([A-Z]+)_([0-9.]+)$/.exec(version) ?? [];
    if (library === undefined) {
      // Unversioned: Node's own exports. Only the stable C APIs will do.
      if (!weak && !/^(napi_|uv_)/.test(name)) fail(`${name} comes from Node but is neither N-API nor libuv: the binary would tie itself to one Node version`);
      continue;
    }
    if (needs[library] === undefined || compareVersions(number, needs[library]) > 0) needs[library] = number;
  }
  for (const [library, newest] of Object.entries(promised)) {
    if (needs[library] !== undefined && compareVersions(needs[library], newest) > 0) {
      fail(`the binary needs ${library}_${needs[library]}, newer than the ${library}_${newest} the docs promise; build it on an older system`);
    }
  }
  return Object.entries(needs)
    .map(([library, number]) => `${library}_${number}`)
    .join(', ');
}

function main() {
  const destination = prebuiltFile();
  if (process.argv[2] === '--remove') {
    rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
    return;
  }
  if (process.platform !== 'linux' || !process.report.getReport().header.glibcVersionRuntime) {
    fail('the prebuilt binary is for Linux with glibc: pack the package on such a system');
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'sockcall-prebuild-'));
  try {
    cpSync(path.join(root, 'binding.gyp'), path.join(scratch, 'binding.gyp'));
    cpSync(path.join(root, 'native'), path.join(scratch, 'native'), { recursive: true });
    // binding.gyp finds node-addon-api's headers with require(): from here, through this link.
    symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
    const env = { ...process.env };
    for (const name of ['CFLAGS', 'CXXFLAGS', 'CPPFLAGS', 'LDFLAGS']) delete env[name];
    const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
    const build = spawnSync(process.execPath, [gyp, 'rebuild', '--jobs=max'], { cwd: scratch, env, encoding: 'utf8' });
    if (build.error || build.status !== 0) {
      process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
      fail(`node-gyp rebuild failed in ${scratch}`);
    }
    const built = path.join(scratch, 'build', 'Release', 'sockcall.node');
    const needs = check(built);
    mkdirSync(path.dirname(destination), { recursive: true });
    copyFileSync(built, destination);
    console.error(`prebuild: ${path.relative(root, destination)}, which needs ${needs}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(`prebuild: ${error.message}`);
  process.exitCode = 1;
}
