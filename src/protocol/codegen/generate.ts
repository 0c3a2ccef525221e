/**
 * `npm run codegen`: regenerates src/protocol/generated from the vendored spec.
 * `npm run codegen:check` (`--check`): renders in memory and exits 1, listing the files,
 * when anything on disk differs (stale or hand-edited output), without writing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_DIR, renderAll } from './render.js';

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const stale: string[] = [];
  for (const [name, content] of renderAll()) {
    const path = join(GENERATED_DIR, name);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === content) continue;
    stale.push(name);
    if (!check) writeFileSync(path, content);
  }
  if (check && stale.length > 0) {
    console.error(`codegen: stale generated files (run npm run codegen): ${stale.join(', ')}`);
    return 1;
  }
  console.log(check ? 'codegen: generated files are up to date' : `codegen: wrote ${stale.length} file(s)`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
