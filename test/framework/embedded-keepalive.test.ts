// An app on the embedded broker with handlers keeps its process alive until closed (or
// signalled), like an app whose network socket does; an app without handlers does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('./fixtures/embedded-consumer-app.ts', import.meta.url));

test('an embedded app that only consumes stays up until a signal', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', APP], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(`exited before ready: ${out}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(child.exitCode, null, 'still running before any signal');
    child.kill('SIGTERM');
    assert.equal(await exited, 'SIGTERM');
  } finally {
    child.kill('SIGKILL');
  }
});
