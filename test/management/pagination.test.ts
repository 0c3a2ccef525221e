// /api/queues pages, sorts and filters like RabbitMQ's management API (page, page_size,
// sort, sort_reverse, name, use_regex, and its envelope), and stays a plain array without page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startStack } from './stack.js';

test('/api/queues: page, page_size, sort, sort_reverse, name and use_regex as RabbitMQ', async () => {
  const s = await startStack();
  try {
    const names = ['q-a', 'q-b', 'q-c', 'q-d', 'q-e', 'other-1', 'other-2'];
    for (const [i, name] of names.entries()) {
      await api(s, 'PUT', `/queues/%2F/${name}`, { durable: false });
      for (let n = 0; n < i; n++) {
        await api(s, 'POST', '/exchanges/%2F/amq.default/publish', {
          routing_key: name,
          payload: 'x',
          payload_encoding: 'string',
        });
      }
    }
    const plain = await api(s, 'GET', '/queues');
    assert.ok(Array.isArray(plain.body));
    assert.equal(plain.body.length, 7);

    const page2 = await api(s, 'GET', '/queues?page=2&page_size=3&sort=name');
    assert.equal(page2.status, 200);
    assert.deepEqual(
      { ...page2.body, items: page2.body.items.map((q: { name: string }) => q.name) },
      {
        filtered_count: 7,
        item_count: 3,
        items: ['q-b', 'q-c', 'q-d'],
        page: 2,
        page_count: 3,
        page_size: 3,
        total_count: 7,
      },
    );
    const byDepth = await api(s, 'GET', '/queues?page=1&page_size=2&sort=messages&sort_reverse=true');
    assert.deepEqual(
      byDepth.body.items.map((q: { name: string; messages: number }) => [q.name, q.messages]),
      [
        ['other-2', 6],
        ['other-1', 5],
      ],
    );
    const filtered = await api(s, 'GET', '/queues?page=1&name=q-&sort=name&sort_reverse=true');
    assert.deepEqual(
      filtered.body.items.map((q: { name: string }) => q.name),
      ['q-e', 'q-d', 'q-c', 'q-b', 'q-a'],
    );
    assert.equal(filtered.body.filtered_count, 5);
    assert.equal(filtered.body.total_count, 7);
    const regex = await api(s, 'GET', '/queues?page=1&name=%5Eother-%5B0-9%5D%24&use_regex=true');
    assert.deepEqual(regex.body.items.map((q: { name: string }) => q.name).sort(), ['other-1', 'other-2']);
    assert.equal((await api(s, 'GET', '/queues?page=9&page_size=3')).status, 400);
    assert.equal((await api(s, 'GET', '/queues?page=1&page_size=501')).status, 400);
    assert.equal((await api(s, 'GET', '/queues?page=0')).status, 400);
    const sortedPlain = await api(s, 'GET', '/queues?sort=name');
    assert.deepEqual(
      sortedPlain.body.map((q: { name: string }) => q.name),
      [...names].sort(),
    );
  } finally {
    await s.close();
  }
});
