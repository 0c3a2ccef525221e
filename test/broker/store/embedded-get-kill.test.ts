// basic.get on the embedded broker with a data dir returns a persistent message only once the
// store wrote what it appended before (as a consumer's first delivery does): a process that
// acks A, gets B and dies at once must come back with A gone and B flagged redelivered. The
// task quarantine (framework/quarantine.ts) relies on it: a suspect's original, acked before
// its copy is taken, must not come back beside the copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDir, tempDir } from './helpers.js';

const APP = fileURLToPath(new URL('./fixtures/embedded-get-kill.ts', import.meta.url));

test(
  'embedded dataDir: ack A, get B, SIGKILL: A stays acked, B comes back redelivered',
  { timeout: 120_000 },
  () => {
    const dir = tempDir('warren-get-kill-');
    try {
      for (let round = 0; round < 3; round++) {
        const data = join(dir, `data-${round}`);
        const killed = spawnSync(process.execPath, ['--import', 'tsx', APP, data, 'publish'], {
          timeout: 30_000,
        });
        assert.equal(killed.signal, 'SIGKILL', killed.stderr.toString());
        const check = spawnSync(process.execPath, ['--import', 'tsx', APP, data, 'check'], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        const seen = JSON.parse(check.stdout.trim()) as [string, boolean][];
        assert.deepEqual(
          seen,
          [
            ['B', true],
            ['C', false],
          ],
          `round ${round}`,
        );
      }
    } finally {
      removeDir(dir);
    }
  },
);
