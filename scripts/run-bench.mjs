#!/usr/bin/env node
// Runs every bench/*.bench.ts (or the ones named) one after another, printing their figures.
// Benchmarks are not tests: they never fail CI and are run by hand (`npm run bench`).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const named = process.argv.slice(2);
const files =
  named.length > 0
    ? named
    : readdirSync('bench')
        .filter((f) => f.endsWith('.bench.ts'))
        .sort()
        .map((f) => join('bench', f));
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
