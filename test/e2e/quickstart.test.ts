// The README's main job: `npm run quickstart` runs examples/quickstart.ts on the embedded
// broker. Run it as a user would and check what it prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the quickstart runs tasks, an RPC and an event on the embedded broker and exits 0', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'examples/quickstart.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('task   email.send')).length, 3);
  assert.ok(lines.includes('rpc    mailer.stats → {"sent":3,"since":0}'));
  assert.ok(lines.includes('event  logs *.critical → disk full'));
  assert.ok(!r.stdout.includes('not for the critical subscriber'));
  assert.equal(lines.at(-1), 'done: 3 tasks, 1 RPC, 1 event, on the embedded broker');
});
