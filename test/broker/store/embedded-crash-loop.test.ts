// The retry bound holds when a task crashes the embedded broker with it: a task that kills its
// process (SIGKILL) at every run, on an app with a data dir, runs at most retries + 2 times over
// the restarts (once as a suspect, alone and uncharged, then charged each time it kills the
// process alone) and then lands in its dead-letter queue instead of blocking the queue forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir, tempDir } from './helpers.js';

const APP = fileURLToPath(new URL('./fixtures/embedded-crash-app.ts', import.meta.url));

function runApp(
  dir: string,
  runsFile: string,
  retries: number,
  enqueue: boolean,
): { killed: boolean; out: string } {
  const args = ['--import', 'tsx', APP, dir, runsFile, String(retries), ...(enqueue ? ['enqueue'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
  return { killed: r.signal === 'SIGKILL', out: r.stdout };
}

test(
  'embedded dataDir: a task that kills its process runs retries + 2 times, then is dead-lettered',
  { timeout: 240_000 },
  () => {
    const dir = tempDir('warren-crashloop-');
    const runsFile = join(dir, 'runs.txt');
    const retries = 2;
    try {
      const outcomes: string[] = [];
      assert.match(runApp(join(dir, 'data'), runsFile, retries, true).out, /enqueued/);
      let last = runApp(join(dir, 'data'), runsFile, retries, false);
      outcomes.push(last.killed ? 'killed' : last.out.trim());
      // Bounded: the bound is retries + 2 crashes; a few starts more show it does not loop.
      for (let start = 0; start < retries + 4 && last.killed; start++) {
        last = runApp(join(dir, 'data'), runsFile, retries, false);
        outcomes.push(last.killed ? 'killed' : last.out.trim());
      }
      const runs = existsSync(runsFile) ? readFileSync(runsFile, 'utf8').trim().split('\n').map(Number) : [];
      assert.deepEqual(
        runs,
        [1, 1, 2, 3],
        `attempts seen: ${runs.join(',')}; starts: ${outcomes.join(' | ')}`,
      );
      assert.equal(last.killed, false, `still crashing: ${outcomes.join(' | ')}`);
      assert.match(last.out, /dead=1 work=0/);
    } finally {
      removeDir(dir);
    }
  },
);
