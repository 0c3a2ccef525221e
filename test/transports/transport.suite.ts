// The transport conformance suite: behaviour every Transport must share, whatever broker
// is behind it (the embedded engine, Warren's TCP server, RabbitMQ). It uses only the
// Transport API, unique names and bounded waits, and cleans up after every test, so it can
// run against a shared broker. `factory` returns a new, unconnected transport to the SAME
// broker each call (tests use several connections).
import { describe } from 'node:test';
import { failureTests } from './suite-failures.js';
import { messagingTests } from './suite-messaging.js';
import type { TransportFactory } from './session.js';
import { topologyTests } from './suite-topology.js';

export type { TransportFactory };

export function transportSuite(name: string, factory: TransportFactory): void {
  void describe(`transport conformance: ${name}`, () => {
    topologyTests(factory);
    messagingTests(factory);
    failureTests(factory);
  });
}
