// The templates as a user gets them: for each template run the real `warren new`, then the
// generated project's own `npm install` (Warren from the `file:` path the scaffold names, the
// devDependencies from the npm registry, sharing the npm cache), `npm test` and `npm start`.
// One template instead depends on this repo packed by `npm pack` (`warren new --warren <tgz>`),
// the other path its README offers. Sequential, each step bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/warren.js');
const work = mkdtempSync(join(tmpdir(), 'warren-templates-'));
let tarball = '';

// The generated project's own `node --test` must not report into this test run.
const { NODE_TEST_CONTEXT: _ctx, WARREN_URL: _url, ...env } = process.env;

function run(cmd: string, args: string[], cwd: string, timeout: number): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env });
  const what = `${cmd} ${args.join(' ')} in ${cwd}`;
  assert.equal(r.error, undefined, `${what}: ${String(r.error)}`);
  assert.equal(r.status, 0, `${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const npm = (args: string[], cwd: string, timeout = 90_000) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], cwd, timeout);

before(() => {
  // --ignore-scripts: `prepare` would rebuild dist/ in place while other test files run the
  // bin from it; `npm test` has just built it (in your own runs: `npm run build` first).
  assert.ok(existsSync(join(root, 'dist/index.js')), 'dist/ is missing: run `npm run build` first');
  npm(['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], root, 120_000);
  const packed = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(packed, 'npm pack wrote no tarball');
  tarball = join(work, packed);
});

after(() => rmSync(work, { recursive: true, force: true }));

const expectedStart: Record<string, RegExp> = {
  worker: /3 jobs processed on the embedded broker/,
  rpc: /ci-rpc\.quote → \{"item":"apple","quantity":4,"total":2\}/,
  pubsub: /2 of 3 events matched \*\.error/,
};

const fromTarball: Record<string, boolean> = { worker: false, rpc: true, pubsub: false };

for (const template of ['worker', 'rpc', 'pubsub']) {
  const source = fromTarball[template] ? 'the packed tarball' : 'the file: path';
  test(`template '${template}': warren new, npm install (${source}), npm test, npm start`, () => {
    const name = `ci-${template}`;
    const extra = fromTarball[template] ? ['--warren', tarball] : [];
    const created = run(
      process.execPath,
      [bin, 'new', name, '--template', template, ...extra],
      work,
      15_000,
    );
    assert.match(created.stdout, new RegExp(`created ${name} from the '${template}' template`));
    const dir = join(work, name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies: Record<string, string>;
    };
    assert.equal(pkg.name, name);
    const expected = fromTarball[template] ? `file:${tarball}` : `file:${root.replace(/\/$/, '')}`;
    assert.equal(pkg.dependencies['warren'], expected);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    assert.ok(readme.includes(`depends on \`${expected}\``), 'the README names where warren comes from');
    // --ignore-scripts: a `file:` dependency is a link, and npm runs the linked package's
    // `prepare` (rebuilding this repo's dist/ while other test files read it); dist/ is built.
    npm(['install', '--ignore-scripts'], dir);
    const tested = npm(['test'], dir);
    assert.match(tested.stdout, /# fail 0/);
    const started = npm(['start'], dir, 30_000);
    assert.match(started.stdout, expectedStart[template]!);
  });
}
