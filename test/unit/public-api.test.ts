// The main entry ('warren', src/index.ts) exports exactly the names docs/api.md lists for it, so
// it cannot grow (or shrink) without the reference changing too; and each subpath export
// package.json declares resolves, in the built package, to a module with exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every name src/index.ts exports, values and types, as the compiler sees them. */
function entryExports(): string[] {
  const entry = join(root, 'src/index.ts');
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) =>
        assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  assert.ok(config);
  const program = ts.createProgram([entry], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  assert.ok(source);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol);
  return checker.getExportsOfModule(moduleSymbol).map((s) => s.getName());
}

/** The names in the first column of the tables of docs/api.md before "## Subpath exports". */
function documentedExports(): string[] {
  const doc = readFileSync(join(root, 'docs/api.md'), 'utf8');
  const main = doc.split('\n## Subpath exports')[0] ?? '';
  const names: string[] = [];
  for (const line of main.split('\n')) {
    const first = /^\| (.+?) \|/.exec(line)?.[1];
    if (!first || first === 'export' || first.startsWith('---')) continue;
    for (const m of first.matchAll(/`([A-Za-z_$][\w$]*)`/g)) names.push(m[1]!);
  }
  return names;
}

test('the main entry exports exactly the names docs/api.md lists for it', () => {
  const exported = entryExports().sort();
  const documented = documentedExports().sort();
  assert.equal(new Set(documented).size, documented.length, 'a name is listed twice in docs/api.md');
  const undocumented = exported.filter((n) => !documented.includes(n));
  const missing = documented.filter((n) => !exported.includes(n));
  assert.deepEqual({ undocumented, missing }, { undocumented: [], missing: [] });
  assert.ok(exported.includes('Warren') && exported.includes('Service'), 'the entry was read');
  assert.ok(
    !exported.includes('retryTopology') && !exported.includes('SchemaCompiler'),
    'internals stay off it',
  );
});

test('the main entry has no `export *` (each name is chosen)', () => {
  const source = readFileSync(join(root, 'src/index.ts'), 'utf8');
  assert.doesNotMatch(source, /export (type )?\*/);
});

test('every subpath in package.json exports resolves in dist/ to a module with exports', async () => {
  assert.ok(existsSync(join(root, 'dist/index.js')), 'dist/ is missing: run `npm run build` first');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types: string; import: string }>;
  };
  const subpaths = Object.entries(pkg.exports).filter(
    ([k, v]) => k !== './package.json' && typeof v !== 'string',
  );
  assert.deepEqual(
    subpaths.map(([k]) => k),
    ['.', './framework', './transports', './broker', './protocol'],
  );
  const expected: Record<string, string> = {
    '.': 'Warren',
    './framework': 'retryTopology',
    './transports': 'EmbeddedTransport',
    './broker': 'EngineChannel',
    './protocol': 'FrameParser',
  };
  for (const [key, target] of subpaths) {
    if (typeof target === 'string') continue;
    assert.ok(existsSync(join(root, target.types)), `${key}: ${target.types} is built`);
    const mod = (await import(pathToFileURL(join(root, target.import)).href)) as Record<string, unknown>;
    assert.ok(expected[key]! in mod, `${key} exports ${expected[key]}`);
  }
});

test('an app resolves each subpath by its package name (plain node, the exports map, dist/)', () => {
  const script = `for (const s of ['warren', 'warren/framework', 'warren/transports', 'warren/broker', 'warren/protocol'])
    console.log(s, 'Broker' in (await import(s)), 'retryTopology' in (await import(s)));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'warren true false',
    'warren/framework false true',
    'warren/transports false false',
    'warren/broker true false',
    'warren/protocol false false',
  ]);
});
