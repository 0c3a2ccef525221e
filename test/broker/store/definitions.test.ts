import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FULL_ACCESS, UserStore } from '../../../src/broker/access/user-store.js';
import { openBroker, PERSISTENT, removeDir, tempDir } from './helpers.js';

test('durable vhosts, exchanges, queues, bindings, users and permissions survive a restart; transient ones do not', async () => {
  const dir = tempDir();
  try {
    const users = UserStore.withDefaultUser();
    const o = await openBroker(dir, { users });
    users.addUser('alice', 'secret', ['management']);
    users.setPermissions('alice', '/', { configure: '', write: 'x\\..*', read: '.*' });
    o.broker.addVhost('dev');
    o.ch.exchangeDeclare({
      exchange: 'x.durable',
      type: 'topic',
      durable: true,
      arguments: { 'alternate-exchange': 'ae' },
    });
    o.ch.exchangeDeclare({ exchange: 'x.transient', type: 'fanout', durable: false });
    o.ch.queueDeclare({ queue: 'q.durable', durable: true, arguments: { 'x-max-priority': 5 } });
    o.ch.queueDeclare({ queue: 'q.transient', durable: false });
    o.ch.queueDeclare({ queue: 'q.exclusive', durable: true, exclusive: true });
    o.ch.queueBind({ queue: 'q.durable', exchange: 'x.durable', routingKey: 'a.*' });
    o.ch.queueBind({ queue: 'q.transient', exchange: 'x.durable', routingKey: 'b' });
    o.ch.exchangeDeclare({ exchange: 'x.gone', type: 'direct', durable: true });
    o.ch.exchangeDelete({ exchange: 'x.gone' });
    o.ch.basicPublish('x.durable', 'a.1', false, false, { ...PERSISTENT, priority: 3 }, Buffer.from('kept'));
    o.ch.basicPublish('x.durable', 'a.2', false, false, {}, Buffer.from('transient message'));
    await o.broker.shutdown();

    const users2 = UserStore.withDefaultUser();
    const r = await openBroker(dir, { users: users2 });
    const v = r.broker.vhost('/')!;
    assert.deepEqual(r.broker.vhostNames().sort(), ['/', 'dev']);
    const x = v.exchanges.get('x.durable');
    assert.equal(x?.type, 'topic');
    assert.deepEqual(x?.arguments, { 'alternate-exchange': 'ae' });
    assert.equal(v.exchanges.get('x.transient'), undefined);
    assert.equal(v.exchanges.get('x.gone'), undefined);
    assert.equal(v.queues.get('q.transient'), undefined);
    assert.equal(v.queues.get('q.exclusive'), undefined);
    const q = v.queues.get('q.durable')!;
    assert.equal(q.config.maxPriority, 5);
    assert.equal(q.messageCount, 1);
    r.ch.basicPublish('x.durable', 'a.3', false, false, {}, Buffer.from('routed'));
    assert.equal(q.messageCount, 2, 'the binding was restored');
    assert.deepEqual(users2.getUser('alice')?.tags, ['management']);
    assert.equal(typeof users2.authenticate('alice', 'secret', true), 'object');
    assert.deepEqual(users2.getPermissions('alice', '/'), { configure: '', write: 'x\\..*', read: '.*' });
    assert.deepEqual(users2.getPermissions('guest', '/'), FULL_ACCESS);
    assert.equal(users2.isLoopbackOnly('guest'), true);
    users2.deleteUser('alice');
    r.ch.queueUnbind({ queue: 'q.durable', exchange: 'x.durable', routingKey: 'a.*' });
    await r.broker.shutdown();

    const users3 = UserStore.withDefaultUser();
    const z = await openBroker(dir, { users: users3 });
    assert.equal(users3.getUser('alice'), undefined);
    z.ch.basicPublish('x.durable', 'a.4', false, false, {}, Buffer.from('unrouted'));
    // only the persistent message is back ('routed' was transient); the unbind stuck
    assert.equal(z.broker.vhost('/')!.queues.get('q.durable')!.messageCount, 1);
    await z.broker.shutdown();
  } finally {
    removeDir(dir);
  }
});
