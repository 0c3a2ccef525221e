/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies in tests */
// A TCP broker plus a management server on free ports, with users for tests.
import { FULL_ACCESS, UserStore } from '../../src/broker/access/user-store.js';
import { Broker } from '../../src/broker/broker.js';
import { ManagementServer } from '../../src/transports/http/management-server.js';
import { AmqpServer } from '../../src/transports/tcp/server.js';
import { silentLogger } from '../../src/transports/tcp/logger.js';

export interface Stack {
  broker: Broker;
  users: UserStore;
  amqp: AmqpServer;
  mgmt: ManagementServer;
  amqpPort: number;
  httpUrl: string;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const broker = new Broker();
  const users = UserStore.withDefaultUser();
  users.addUser('admin', 'admin', ['administrator']);
  users.setPermissions('admin', '/', FULL_ACCESS);
  const amqp = new AmqpServer({ broker, users, host: '127.0.0.1', port: 0, logger: silentLogger });
  const { port: amqpPort } = await amqp.listen();
  const mgmt = new ManagementServer({
    broker,
    users,
    server: amqp,
    host: '127.0.0.1',
    port: 0,
    sampleIntervalMs: 200,
  });
  const { port } = await mgmt.listen();
  return {
    broker,
    users,
    amqp,
    mgmt,
    amqpPort,
    httpUrl: `http://127.0.0.1:${port}`,
    async close() {
      await mgmt.close();
      await amqp.close();
    },
  };
}

export function auth(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

export async function api(
  s: Stack,
  method: string,
  path: string,
  body?: unknown,
  creds: [string, string] = ['admin', 'admin'],
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.httpUrl}/api${path}`, {
    method,
    headers: { ...auth(...creds), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
