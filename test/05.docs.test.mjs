// Every code block of the README, CONTRIBUTING.md, the guides (docs/*.md) and examples/README.md,
// checked so that none can rot (the convention is written down in CONTRIBUTING.md):
//   - ```ts / ```typescript blocks are type-checked, each as an ES module of its own, all in one tsc
//     run (strict, module nodenext, `sockcall` and `sockcall/promises` resolving to this package's
//     dist/ types, as they would in a user's project);
//   - ```js blocks are parsed in the same run (a syntax error fails), and those after a
//     `<!-- runnable -->` line are run with node as .mjs files, bounded in time, and must exit 0;
//   - ```c blocks that are whole programs (they have a main) are compiled with cc -fsyntax-only;
//   - shell blocks, command output and layouts are not run.
// And every relative link of those documents points to a file that exists.
// Each block is written to a temporary directory as <doc>-L<line>.<ext>, so a failure names the
// document and the line of the block.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { root } from './helpers.mjs';

/** The line that marks the next ```js block as a program to run. */
const RUNNABLE = '<!-- runnable -->';
/** How long one runnable block may take; they talk over loopback only and end at once. */
const RUN_MS = 20_000;
/** The languages a block may be tagged with, and what is done with each. */
const KINDS = {
  ts: 'typecheck', typescript: 'typecheck',
  js: 'parse', javascript: 'parse',
  c: 'c',
  sh: 'none', bash: 'none', console: 'none', text: 'none', '': 'none',
};

function documents() {
  const docs = ['README.md', 'CONTRIBUTING.md', 'examples/README.md'];
  for (const name of readdirSync(join(root, 'docs')).sort()) {
    if (name.endsWith('.md')) docs.push(`docs/${name}`);
  }
  return docs;
}

/** The fenced blocks of one Markdown file: language, first line of code (1-based), code, runnable. */
function blocksOf(doc) {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1].length;
    let previous = i - 1;
    while (previous >= 0 && lines[previous].trim() === '') previous--;
    const code = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) code.push(lines[j].slice(indent));
    if (j === lines.length) throw new Error(`${doc}:${i + 1}: a code block that is never closed`);
    blocks.push({
      doc,
      lang: open[2].toLowerCase(),
      line: i + 2,
      code: `${code.join('\n')}\n`,
      runnable: previous >= 0 && lines[previous].trim() === RUNNABLE,
    });
    i = j;
  }
  return blocks;
}

function fileName(block, ext) {
  return `${block.doc.replaceAll('/', '_').replace(/\.md$/, '')}-L${block.line}.${ext}`;
}

describe('05 docs: every code block in the README and the guides', function () {
  const blocks = documents().flatMap(blocksOf);
  let dir;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'sockcall-docs-'));
    // A project of its own that depends on sockcall, as a user's would: node_modules/sockcall is this
    // package (through its `exports`), node_modules/@types its dev types (@types/node).
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'sockcall'), 'dir');
    symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'docs-blocks', private: true, type: 'module' }));
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the blocks; each is tagged with a known language, and only js blocks are marked runnable', function () {
    expect(blocks.filter((b) => b.doc === 'README.md' && b.runnable), 'runnable blocks in the README').to.have.length.of.at.least(2);
    for (const block of blocks) {
      const where = `${block.doc}:${block.line}`;
      expect(Object.keys(KINDS), `${where}: the language of the block`).to.include(block.lang);
      if (block.runnable) expect(KINDS[block.lang], `${where}: only js blocks run`).to.equal('parse');
    }
  });

  it('links only to files that exist (relative links)', function () {
    const broken = [];
    for (const doc of documents()) {
      const text = readFileSync(join(root, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        if (!existsSync(join(root, dirname(doc), target.split('#')[0]))) broken.push(`${doc}: ${target}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('type-checks every ts block and parses every js block, in one tsc run', function () {
    this.timeout(120_000);
    const files = [];
    for (const block of blocks) {
      const kind = KINDS[block.lang];
      if (kind !== 'typecheck' && kind !== 'parse') continue;
      const name = fileName(block, kind === 'typecheck' ? 'ts' : 'mjs');
      // `export {}` keeps every block a module of its own even when it imports nothing.
      writeFileSync(join(dir, name), kind === 'typecheck' ? `${block.code}export {};\n` : block.code);
      files.push(name);
    }
    expect(files).to.not.be.empty;
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        strict: true,
        noEmit: true,
        allowJs: true,
        checkJs: false,
        skipLibCheck: true,
      },
      files,
    }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], {
      cwd: dir, encoding: 'utf8', timeout: 110_000,
    });
    expect(result.error, 'tsc ran').to.equal(undefined);
    expect(result.status, `tsc on the docs' code blocks:\n${result.stdout}${result.stderr}`).to.equal(0);
  });

  for (const block of blocks.filter((b) => b.runnable)) {
    it(`runs the program at ${block.doc}:${block.line} (exit 0 within ${RUN_MS / 1000} s)`, function () {
      this.timeout(RUN_MS + 5_000);
      const name = fileName(block, 'mjs');
      writeFileSync(join(dir, name), block.code);
      const result = spawnSync(process.execPath, [name], { cwd: dir, encoding: 'utf8', timeout: RUN_MS, killSignal: 'SIGKILL' });
      const output = `${result.stdout}${result.stderr}`;
      expect(result.signal, `killed (more than ${RUN_MS} ms?):\n${output}`).to.equal(null);
      expect(result.status, output).to.equal(0);
    });
  }

  it('compiles every C block that is a whole program with cc -fsyntax-only (fragments are illustration)', function () {
    this.timeout(60_000);
    const programs = blocks.filter((b) => b.lang === 'c' && /\bmain\s*\(/.test(b.code));
    for (const block of programs) {
      const name = fileName(block, 'c');
      writeFileSync(join(dir, name), block.code);
      const result = spawnSync('cc', ['-fsyntax-only', '-Wall', '-Werror', name], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(result.error, 'cc ran').to.equal(undefined);
      expect(result.status, `${block.doc}:${block.line}:\n${result.stderr}`).to.equal(0);
    }
  });
});
