#!/usr/bin/env node
// The package's install step: npm (or pnpm, once `pnpm approve-builds` allows it) runs it after
// installing sockcall, and `npm rebuild sockcall` runs it again. It builds the native addon from
// source (node-gyp rebuild, into build/) only when it has to:
// - the package has no prebuilt binary for this platform and architecture (it ships one for
//   linux-x64 with glibc), or that binary does not load here (musl, an older glibc or libstdc++:
//   scripts/prebuild.js says which versions it needs), tried in a child process;
// - or a build from source is asked for: `npm install sockcall --build-from-source` (npm passes
//   it on as npm_config_build_from_source=true) or SOCKCALL_BUILD_FROM_SOURCE=1 in the environment.
// A clone of the repository has no prebuilt binary (scripts/prebuild.js makes one only while the
// package is packed), so `npm ci` there always builds from source.
'use strict';

const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/** Where the package keeps its prebuilt binary for a platform; lib/native.ts loads it from there. */
function prebuiltFile(platform = process.platform, arch = process.arch) {
  return path.join(root, 'prebuilds', `${platform}-${arch}`, 'sockcall.glibc.node');
}

/** Whether the environment asks for a build from source, and how (for the log), or null. */
function buildFromSourceRequest(env = process.env) {
  const flag = env.SOCKCALL_BUILD_FROM_SOURCE;
  if (flag !== undefined && flag !== '' && flag !== '0' && flag !== 'false') return `SOCKCALL_BUILD_FROM_SOURCE=${flag}`;
  // --build-from-source, or --build-from-source=sockcall,other-package as node-pre-gyp reads it.
  const npmFlag = env.npm_config_build_from_source;
  if (npmFlag === 'true' || (npmFlag ?? '').split(',').includes('sockcall')) return '--build-from-source';
  return null;
}

/** Why `file` does not load in a fresh Node process (the error's first line), or null when it does. */
function loadFailure(file) {
  const child = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', file], { encoding: 'utf8', timeout: 60_000 });
  if (child.status === 0) return null;
  if (child.error) return child.error.message;
  const line = child.stderr.split('\n').find((l) => /^\w*Error/.test(l));
  return line ?? `exit status ${child.status ?? child.signal}`;
}

/** node-gyp rebuild in the package root, as a plain `"install": "node-gyp rebuild"` would run it. */
function nodeGypRebuild() {
  const options = { cwd: root, stdio: 'inherit' };
  // npm and pnpm put a node-gyp on PATH for install scripts (in a clone, the devDependency's comes
  // first); npm also names its own in npm_config_node_gyp.
  let child = spawnSync('node-gyp', ['rebuild'], options);
  if (child.error?.code === 'ENOENT' && process.env.npm_config_node_gyp) {
    child = spawnSync(process.execPath, [process.env.npm_config_node_gyp, 'rebuild'], options);
  }
  if (child.error) return `node-gyp could not be started: ${child.error.message}`;
  return child.status === 0 ? null : `node-gyp rebuild ended with ${child.status === null ? child.signal : `exit status ${child.status}`} (its output is above)`;
}

function main() {
  if (process.platform !== 'linux') {
    console.error(`sockcall works on Linux only (it makes Linux socket syscalls through a native addon); this is ${process.platform}.`);
    return 1;
  }
  const prebuilt = prebuiltFile();
  const shown = path.relative(root, prebuilt);
  let reason = buildFromSourceRequest();
  if (reason !== null) {
    reason = `a build from source was asked for (${reason})`;
  } else if (!existsSync(prebuilt)) {
    reason = `there is no prebuilt binary for ${process.platform}-${process.arch}`;
  } else {
    const failure = loadFailure(prebuilt);
    if (failure === null) {
      console.log(`sockcall: using the prebuilt binary ${shown}`);
      return 0;
    }
    reason = `the prebuilt binary ${shown} does not load here: ${failure}`;
  }
  console.log(`sockcall: building the native addon from source: ${reason}`);
  const failure = nodeGypRebuild();
  if (failure === null) return 0;
  console.error(
    `sockcall: the build from source failed: ${failure}. It was needed because ${reason}.\n` +
      'Building needs a C++ compiler (g++), make and python3: `apt-get install g++ make python3` (Debian, Ubuntu), ' +
      '`apk add g++ make python3` (Alpine), `dnf install gcc-c++ make python3` (Fedora, RHEL); then `npm rebuild sockcall`.',
  );
  return 1;
}

if (require.main === module) process.exitCode = main();

module.exports = { prebuiltFile };
