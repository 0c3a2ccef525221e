// The reference docs kept in step with the code they describe: every runtime export of the
// package is named in docs/api.md, every `warren` command in docs/operations.md, and every
// management API resource (/api/<name>) in docs/operations.md's endpoint list. Adding one
// without documenting it fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as warren from '../../src/index.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { UserStore } from '../../src/broker/access/user-store.js';
import { Broker } from '../../src/broker/broker.js';
import { ManagementServer } from '../../src/transports/http/management-server.js';

const doc = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8');

test('docs/api.md names every runtime export of the package', () => {
  const api = doc('api.md');
  // DEFAULT_* and MAX_* are documented as families.
  const missing = Object.keys(warren).filter((k) => !/^(DEFAULT_|MAX_)/.test(k) && !api.includes(`\`${k}`));
  assert.deepEqual(missing, []);
});

test('docs/operations.md names every warren command', () => {
  const ops = doc('operations.md');
  const missing = COMMANDS.map((c) => c.name).filter((name) => !ops.includes(`warren ${name}`));
  assert.deepEqual(missing, []);
});

test('docs/operations.md lists every management API resource', () => {
  const ops = doc('operations.md');
  const server = new ManagementServer({ broker: new Broker(), users: new UserStore() });
  const routes = (server as unknown as { routes: { path: string }[] }).routes;
  const resources = [...new Set(routes.map((r) => r.path.split('/').slice(0, 2).join('/')))];
  const missing = resources.filter((r) => !ops.includes(`/${r}`));
  assert.deepEqual(missing, []);
});
