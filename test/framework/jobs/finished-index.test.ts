// The in-process store's retention order (finished-index.ts): jobs leave from the front in
// finishing order, any job can be taken out early, and both stay right across the
// compactions that drop the holes left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FinishedIndex } from '../../../src/framework/jobs/finished-index.js';
import { fixedShape, type StoredJobRecord } from '../../../src/framework/jobs/job-record.js';

function record(n: number): StoredJobRecord {
  return fixedShape({ id: `j${n}`, task: 't', state: 'completed', attempts: 1, createdAt: n, updatedAt: n });
}

const ids = (index: FinishedIndex): string[] => index.values().map((r) => r.id);

test('jobs taken out early leave holes the front skips; order and size hold across compactions', () => {
  const index = new FinishedIndex();
  const all = Array.from({ length: 6000 }, (_, n) => record(n));
  for (const r of all) index.add(r);
  // Every job but each third leaves early: far more holes than jobs, so compactions run.
  for (const r of all) if (Number(r.id.slice(1)) % 3 !== 0) index.remove(r);
  const kept = all.filter((_, n) => n % 3 === 0);
  assert.equal(index.size, kept.length);
  assert.deepEqual(
    ids(index),
    kept.map((r) => r.id),
  );
  // Removing what was already removed, or what the index never held, changes nothing.
  index.remove(all[1]!);
  index.remove(record(99_999));
  assert.equal(index.size, kept.length);
  // After the compactions, slots still find their jobs, and the front is the oldest left.
  index.remove(kept[1]!);
  assert.equal(index.dropOldest()?.id, 'j0');
  assert.equal(index.oldest()?.id, 'j6');
  assert.equal(index.size, kept.length - 2);
  // A job added again after leaving counts once, as the newest.
  index.remove(kept[2]!);
  index.add(kept[2]!);
  assert.equal(ids(index).at(-1), kept[2]!.id);
  assert.equal(ids(index).filter((id) => id === kept[2]!.id).length, 1);
  assert.equal(index.size, kept.length - 2);
  for (let r = index.dropOldest(); r !== undefined; r = index.dropOldest());
  assert.equal(index.size, 0);
  assert.deepEqual(ids(index), []);
});
