// What `npm pack` ships, checked as a user of the tarball would: the licence the package.json
// names is in it, and every source map in dist/ points at sources that are in the tarball too
// (a stack trace or debugger opened on an installed warren finds the TypeScript it came from).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function packedFiles(): Set<string> {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const [packed] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
  assert.ok(packed);
  return new Set(packed.files.map((f) => f.path));
}

test('the packed package has the MIT LICENSE its package.json names, and source maps that resolve inside it', () => {
  assert.ok(existsSync(join(root, 'dist/index.js.map')), 'dist/ is missing: run `npm run build` first');
  const files = packedFiles();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { license: string };
  assert.equal(pkg.license, 'MIT');
  assert.ok(files.has('LICENSE'), 'LICENSE is packed');
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License\n/);

  const maps = [...files].filter((f) => f.startsWith('dist/') && f.endsWith('.js.map'));
  assert.ok(maps.length > 50, `only ${maps.length} source maps packed`);
  const missing: string[] = [];
  for (const map of maps) {
    const { sources, sourceRoot } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
      sources: string[];
      sourceRoot?: string;
    };
    for (const source of sources) {
      const resolved = posix.normalize(posix.join(dirname(map), sourceRoot ?? '', source));
      if (!files.has(resolved)) missing.push(`${map} → ${resolved}`);
    }
  }
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} map sources are not in the package`);
});
