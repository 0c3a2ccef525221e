// Calls the procedure on the embedded broker (no server needed) and checks replies and errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RemoteError, Warren, type WarrenApp } from 'warren';
import { {{Name}}Service } from './service.js';

let app: WarrenApp;
before(async () => {
  app = await Warren.start({ services: [{{Name}}Service] });
});
after(() => app.close());

test('replies with a quote', async () => {
  const quote = await app.client.call('{{queue}}.quote', { item: 'pear', quantity: 2 });
  assert.deepEqual(quote, { item: 'pear', quantity: 2, total: 1.5 });
});

test('a request that fails the schema is rejected with ERR_VALIDATION', async () => {
  await assert.rejects(app.client.call('{{queue}}.quote', { item: 'pear', quantity: 0 }), (err) => {
    assert.ok(err instanceof RemoteError);
    assert.equal(err.remoteCode, 'ERR_VALIDATION');
    return true;
  });
});

test('an error thrown by the handler reaches the caller', async () => {
  await assert.rejects(app.client.call('{{queue}}.quote', { item: 'kiwi', quantity: 1 }), /unknown item 'kiwi'/);
});
