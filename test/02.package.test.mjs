// The package as npm delivers it: `npm pack` makes the tarball (its prepack step builds the prebuilt
// binary), and fresh apps under os.tmpdir() install it the way a user does, from the tarball, with
// the npm cache `npm ci` warmed (--prefer-offline). Checked: what the package holds; that it installs
// and works with no compiler at all (CC=/bin/false CXX=/bin/false), in both flavours, also with
// install scripts skipped; that a forced build from source really builds (and, with no compiler,
// fails saying what it needs); the errors `require('sockcall')` gives when no binary is there, or the
// one there does not load, or the platform is not Linux, and that following their advice
// (`npm rebuild sockcall`) builds one from source; and that a TypeScript app type-checks against the
// package with TypeScript's default `types`, under moduleResolution node10 and nodenext.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { root } from './helpers.mjs';

/** npm pack runs a full release build of the addon (about a minute on a busy 2-CPU machine). */
const PACK_MS = 300_000;
/** An install from the warm cache, without a build. */
const INSTALL_MS = 60_000;
/** An install or rebuild that compiles the addon. */
const BUILD_MS = 300_000;
/** A node or tsc run in an app. */
const RUN_MS = 60_000;

const platformDir = `${process.platform}-${process.arch}`;

/**
 * Runs `file args` in its own process group and resolves with its status and output; on `timeout`
 * the whole group (npm, node-gyp, make, the compiler) is SIGKILLed. The environment is the test
 * runner's less what npm sets for the scripts it runs (`npm test` would otherwise hand its own
 * package's settings to the npm started here) and less a build-from-source request, plus `env`.
 */
function run(file, args, { cwd, env = {}, timeout }) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && !['INIT_CWD', 'SOCKCALL_BUILD_FROM_SOURCE', 'SOCKCALL_TRACE'].includes(name)),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid, 'SIGKILL');
    }, timeout);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, timedOut, output: `${[file, ...args].join(' ')} in ${cwd}:\n${stdout}${stderr}` });
    });
  });
}

/** No compiler: any attempt to build fails at once. */
const NO_COMPILER = { CC: '/bin/false', CXX: '/bin/false' };

describe('02 package', function () {
  let dir;
  let tarball;

  /** A new app directory with a package.json, and the tarball installed into it with `flags`. */
  async function installApp(name, flags = [], { env = NO_COMPILER, timeout = INSTALL_MS } = {}) {
    const app = join(dir, name);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
    const result = await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', ...flags], { cwd: app, env, timeout });
    return { app, result, installed: join(app, 'node_modules', 'sockcall') };
  }

  /** Runs an ES module in the app; resolves with what it printed as JSON. */
  async function runInApp(app, source) {
    const result = await run(process.execPath, ['--input-type=module', '-e', source], { cwd: app, timeout: RUN_MS });
    expect(result.status, result.output).to.equal(0);
    return JSON.parse(result.stdout);
  }

  /** Both flavours, through the package's own names: a socketpair each way, and the binary loaded. */
  const USE_BOTH_FLAVOURS = `
    import { createRequire } from 'node:module';
    import { join } from 'node:path';
    import { AF_UNIX, SOCK_STREAM, Socket } from 'sockcall/promises';
    const require = createRequire(join(process.cwd(), 'app.js'));
    const blocking = require('sockcall');
    const [a, b] = blocking.Socket.pair(blocking.AF_UNIX, blocking.SOCK_STREAM);
    a.send('blocking ping');
    const [c, d] = Socket.pair(AF_UNIX, SOCK_STREAM);
    await c.send('promises ping');
    const result = { blocking: String(b.recv(64)), promises: String(await d.recv(64)) };
    for (const s of [a, b, c, d]) s.close();
    result.binary = require(join(process.cwd(), 'node_modules/sockcall/dist/native.js')).native.path;
    console.log(JSON.stringify(result));
  `;

  /** What `require('sockcall')` throws in the app: message, and the cause's message and code. */
  const LOAD_ERROR = `
    import { createRequire } from 'node:module';
    import { join } from 'node:path';
    try {
      createRequire(join(process.cwd(), 'app.js'))('sockcall');
      console.log(JSON.stringify({ loaded: true }));
    } catch (error) {
      console.log(JSON.stringify({ message: error.message, cause: error.cause?.message, causeCode: error.cause?.code }));
    }
  `;

  before(async function () {
    this.timeout(PACK_MS + 10_000);
    dir = mkdtempSync(join(tmpdir(), 'sockcall-package-'));
    const pack = await run('npm', ['pack', '--pack-destination', dir], { cwd: root, timeout: PACK_MS });
    expect(pack.status, pack.output).to.equal(0);
    const tarballs = readdirSync(dir).filter((name) => name.endsWith('.tgz'));
    expect(tarballs, pack.output).to.have.lengthOf(1);
    tarball = join(dir, tarballs[0]);
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no prebuilt binary in the repository after packing (a clone builds from source)', function () {
    expect(existsSync(join(root, 'prebuilds'))).to.equal(false);
  });

  describe('installed with no compiler', function () {
    let app;
    let installed;

    before(async function () {
      this.timeout(INSTALL_MS + 10_000);
      const { result, ...where } = await installApp('no-compiler');
      expect(result.status, result.output).to.equal(0);
      ({ app, installed } = where);
    });

    it('holds what a user needs and nothing of the repository', function () {
      expect(readdirSync(installed).sort()).to.deep.equal(
        ['LICENSE', 'README.md', 'binding.gyp', 'dist', 'docs', 'lib', 'native', 'package.json', 'prebuilds', 'scripts'].sort(),
      );
      // The guides the README links to, and none of the generated site or the bench runs' data.
      expect(readdirSync(join(installed, 'docs')).every((name) => name.endsWith('.md')), 'docs/: the guides only').to.equal(true);
      expect(existsSync(join(installed, 'docs', 'from-c.md'))).to.equal(true);
      expect(readdirSync(join(installed, 'scripts'))).to.deep.equal(['install.js']);
      expect(readdirSync(join(installed, 'prebuilds'))).to.deep.equal([platformDir]);
      expect(readdirSync(join(installed, 'prebuilds', platformDir))).to.deep.equal(['sockcall.glibc.node']);
      for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/promises.js', 'dist/promises.d.ts', 'dist/cli.js', 'native/addon.cc']) {
        expect(existsSync(join(installed, file)), file).to.equal(true);
      }
    });

    it('works in both flavours on the prebuilt binary, with nothing compiled', async function () {
      this.timeout(RUN_MS);
      expect(existsSync(join(installed, 'build')), 'a build directory').to.equal(false);
      expect(await runInApp(app, USE_BOTH_FLAVOURS)).to.deep.equal({
        blocking: 'blocking ping',
        promises: 'promises ping',
        binary: join(installed, 'prebuilds', platformDir, 'sockcall.glibc.node'),
      });
    });

    describe('a TypeScript app, with TypeScript\'s default `types` (no "types": ["node"])', function () {
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const CONSUMER = [
        "import { AF_UNIX, SOCK_STREAM, Socket, type SocketAddress } from 'sockcall';",
        "import * as promises from 'sockcall/promises';",
        '',
        'const [a, b] = Socket.pair(AF_UNIX, SOCK_STREAM);',
        "const sent: number = a.send(Buffer.from('ping'));",
        'const got: Buffer = b.recv(16);',
        'const [c] = promises.Socket.pair(AF_UNIX, SOCK_STREAM);',
        'const later: Promise<Buffer> = c.recv(16);',
        'const where: SocketAddress = a.getsockname();',
        'export { sent, got, later, where };',
        '',
      ].join('\n');
      const CONFIGS = {
        nodenext: { module: 'nodenext' },
        // TypeScript 6 deprecates node10 and says so unless told to ignore it.
        node10: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
      };

      before(function () {
        writeFileSync(join(app, 'consumer.ts'), CONSUMER);
        for (const [name, options] of Object.entries(CONFIGS)) {
          // skipLibCheck stays off (the default): sockcall's own .d.ts files are checked too.
          const config = { compilerOptions: { ...options, strict: true, noEmit: true }, files: ['consumer.ts'] };
          writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify(config));
        }
      });

      for (const name of Object.keys(CONFIGS)) {
        it(`compiles with 0 errors under moduleResolution ${name}, with @types/node installed`, async function () {
          this.timeout(RUN_MS);
          // The app's own @types/node, as a TypeScript user has it (the repository's copy, linked).
          mkdirSync(join(app, 'node_modules', '@types'), { recursive: true });
          if (!existsSync(join(app, 'node_modules', '@types', 'node'))) {
            symlinkSync(join(root, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'));
          }
          const result = await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: app, timeout: RUN_MS });
          expect(result.status, result.output).to.equal(0);
          expect(result.stdout).to.equal('');
        });
      }

      it('without @types/node, says first that the node type definitions are missing', async function () {
        this.timeout(RUN_MS);
        rmSync(join(app, 'node_modules', '@types', 'node'), { force: true });
        const result = await run(process.execPath, [tsc, '-p', 'tsconfig.nodenext.json'], { cwd: app, timeout: RUN_MS });
        expect(result.status, result.output).to.equal(2);
        expect(result.stdout).to.contain("node_modules/sockcall/dist/index.d.ts(1,23): error TS2688: Cannot find type definition file for 'node'.");
      });
    });
  });

  describe('a build from source asked for, with no compiler', function () {
    for (const [how, flags, env] of [
      ['--build-from-source', ['--build-from-source'], NO_COMPILER],
      ['SOCKCALL_BUILD_FROM_SOURCE=1', [], { ...NO_COMPILER, SOCKCALL_BUILD_FROM_SOURCE: '1' }],
    ]) {
      it(`${how}: tries to compile, fails, and says what building needs`, async function () {
        this.timeout(INSTALL_MS + 10_000);
        const { result } = await installApp(`forced-${flags.length ? 'flag' : 'env'}`, flags, { env });
        expect(result.status, result.output).to.not.equal(0);
        expect(result.stderr).to.contain(`sockcall: building the native addon from source: a build from source was asked for (${how})`);
        expect(result.stderr).to.contain('sockcall: the build from source failed: node-gyp rebuild ended with exit status');
        expect(result.stderr).to.contain('Building needs a C++ compiler (g++), make and python3');
      });
    }
  });

  describe('installed with --ignore-scripts', function () {
    let app;
    let installed;
    let prebuilt;

    before(async function () {
      this.timeout(INSTALL_MS + 10_000);
      const { result, ...where } = await installApp('ignore-scripts', ['--ignore-scripts']);
      expect(result.status, result.output).to.equal(0);
      ({ app, installed } = where);
      prebuilt = join(installed, 'prebuilds', platformDir, 'sockcall.glibc.node');
    });

    it('works: the prebuilt binary needs no install step', async function () {
      this.timeout(RUN_MS);
      expect(await runInApp(app, USE_BOTH_FLAVOURS)).to.include({ blocking: 'blocking ping', promises: 'promises ping', binary: prebuilt });
    });

    it('without a binary for the platform, says the install step was skipped and how to build it', async function () {
      this.timeout(RUN_MS);
      rmSync(join(installed, 'prebuilds'), { recursive: true });
      const error = await runInApp(app, LOAD_ERROR);
      expect(error.message).to.equal(
        `sockcall: no native binary to load (nothing was built from source, and there is no prebuilt binary for ${platformDir}).\n` +
          'The install step that builds it did not run (`npm install --ignore-scripts`; npm before `npm install-scripts approve sockcall`; ' +
          'pnpm before `pnpm approve-builds`) or it failed.\n' +
          'To build it: `npm rebuild sockcall` (under pnpm: `pnpm approve-builds`, then `pnpm rebuild sockcall`), which needs g++, make and python3.',
      );
      expect(error.causeCode).to.equal('MODULE_NOT_FOUND');
      expect(error.cause).to.contain(join(installed, 'build', 'Release', 'sockcall.node')).and.to.contain(prebuilt);
    });

    it('with a prebuilt binary that does not load here, names it, with the loader\'s error as the cause', async function () {
      this.timeout(RUN_MS);
      mkdirSync(join(installed, 'prebuilds', platformDir), { recursive: true });
      writeFileSync(prebuilt, 'not a shared object\n');
      const error = await runInApp(app, LOAD_ERROR);
      expect(error.message).to.equal(
        `sockcall: the native binary ${prebuilt} does not load here (the prebuilt binary, for Linux with glibc: the cause says what this system lacks).\n` +
          'To build it: `npm rebuild sockcall` (under pnpm: `pnpm approve-builds`, then `pnpm rebuild sockcall`), which needs g++, make and python3.',
      );
      expect(error.causeCode).to.equal('ERR_DLOPEN_FAILED');
      expect(error.cause).to.contain(prebuilt);
    });

    it('`npm rebuild sockcall`, as the error says, builds it from source, and then it loads', async function () {
      this.timeout(BUILD_MS + RUN_MS);
      const rebuild = await run('npm', ['rebuild', 'sockcall', '--foreground-scripts'], { cwd: app, timeout: BUILD_MS });
      expect(rebuild.status, rebuild.output).to.equal(0);
      expect(rebuild.stdout).to.contain(`sockcall: building the native addon from source: the prebuilt binary prebuilds/${platformDir}/sockcall.glibc.node does not load here:`);
      expect(await runInApp(app, USE_BOTH_FLAVOURS)).to.deep.equal({
        blocking: 'blocking ping',
        promises: 'promises ping',
        binary: join(installed, 'build', 'Release', 'sockcall.node'),
      });
    });
  });

  it('on another platform, says in one sentence that sockcall works on Linux only', async function () {
    this.timeout(RUN_MS);
    // The repository's own package, loaded by a process that believes it runs on macOS.
    const pretend = 'data:text/javascript,Object.defineProperty(process, "platform", { value: "darwin" })';
    const result = await run(process.execPath, ['--import', pretend, '--input-type=module', '-e', LOAD_ERROR], { cwd: root, timeout: RUN_MS });
    expect(result.status, result.output).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal({
      message: 'sockcall works on Linux only (it makes Linux socket syscalls through a native addon); this is darwin.',
    });
  });
});
