import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { UserStore } from '../../../src/broker/access/user-store.js';
import { hashPassword, verifyPassword } from '../../../src/broker/access/password.js';

test('password hashes follow rabbit_password_hashing_sha256: base64(salt ‖ sha256(salt ‖ password))', () => {
  const salt = Buffer.from([1, 2, 3, 4]);
  const expected = Buffer.concat([salt, createHash('sha256').update(salt).update('s3cret').digest()]);
  assert.equal(hashPassword('s3cret', salt), expected.toString('base64'));
  assert.ok(verifyPassword('s3cret', hashPassword('s3cret')));
  assert.ok(!verifyPassword('s3cret!', hashPassword('s3cret')));
  assert.ok(!verifyPassword('x', 'not-a-hash'));
});

test('passwords are stored hashed, never in clear', () => {
  const users = new UserStore();
  const user = users.addUser('root', 'pa55word');
  assert.ok(!user.passwordHash.includes('pa55word'));
  assert.ok(!JSON.stringify(users.listUsers()).includes('pa55word'));
  assert.equal(typeof users.authenticate('root', 'pa55word', false), 'object');
});

test('guest/guest logs in from loopback only, as RabbitMQ', () => {
  const users = UserStore.withDefaultUser();
  assert.equal(typeof users.authenticate('guest', 'guest', true), 'object');
  assert.match(users.authenticate('guest', 'guest', false) as string, /only connect via localhost/);
  assert.equal(typeof users.authenticate('guest', 'wrong', true), 'string');
  assert.equal(typeof users.authenticate('nobody', 'guest', true), 'string');
});

test('permissions are regular expressions per vhost; an empty pattern matches nothing', () => {
  const users = new UserStore();
  users.addUser('app', 'pw');
  users.setPermissions('app', '/', { configure: '^app\\.', write: '.*', read: '' });
  assert.ok(users.isPermitted('app', '/', 'configure', 'app.tasks'));
  assert.ok(!users.isPermitted('app', '/', 'configure', 'other'));
  assert.ok(users.isPermitted('app', '/', 'write', 'anything'));
  assert.ok(!users.isPermitted('app', '/', 'read', ''));
  assert.ok(!users.isPermitted('app', 'other-vhost', 'write', 'x'));
  assert.ok(users.canAccessVhost('app', '/'));
  assert.ok(!users.canAccessVhost('app', 'other-vhost'));
  users.clearPermissions('app', '/');
  assert.ok(!users.canAccessVhost('app', '/'));
});

test('deleting a user removes its permissions; unknown users are refused clearly', () => {
  const users = new UserStore();
  users.addUser('a', 'pw', ['management']);
  users.setPermissions('a', '/', { configure: '.*', write: '.*', read: '.*' });
  assert.deepEqual(users.getUser('a')?.tags, ['management']);
  assert.ok(users.deleteUser('a'));
  assert.equal(users.listPermissions().length, 0);
  assert.throws(() => users.setPermissions('a', '/', { configure: '', write: '', read: '' }), RangeError);
});
