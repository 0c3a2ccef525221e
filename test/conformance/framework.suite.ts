// The framework's behaviour suite, parameterised by a transport factory so the same tests run
// on RabbitMQ, on the embedded broker and on Warren's TCP server.
import { describe } from 'node:test';
import type { TransportFactory } from '../helpers/framework-harness.js';
import { delayedTests } from './sections/delayed.js';
import { hookTests } from './sections/hooks.js';
import { chainTests, groupTests, jobTests, pauseTests, rateLimitTests } from './sections/jobs.js';
import { pubsubTests } from './sections/pubsub.js';
import { rpcTests } from './sections/rpc.js';
import { shutdownTests } from './sections/shutdown.js';
import { taskTests } from './sections/tasks.js';

export function frameworkSuite(label: string, factory: TransportFactory): void {
  describe(`framework on ${label}: tasks`, { concurrency: true }, () => taskTests(factory));
  describe(`framework on ${label}: rpc`, { concurrency: true }, () => rpcTests(factory));
  describe(`framework on ${label}: pub/sub`, { concurrency: true }, () => pubsubTests(factory));
  describe(`framework on ${label}: shutdown`, { concurrency: true }, () => shutdownTests(factory));
  describe(`framework on ${label}: hooks`, { concurrency: true }, () => hookTests(factory));
  describe(`framework on ${label}: delayed jobs`, { concurrency: true }, () => delayedTests(factory));
  describe(`framework on ${label}: jobs`, { concurrency: true }, () => jobTests(factory));
  describe(`framework on ${label}: rate limits`, { concurrency: true }, () => rateLimitTests(factory));
  describe(`framework on ${label}: pause`, { concurrency: true }, () => pauseTests(factory));
  describe(`framework on ${label}: chains`, { concurrency: true }, () => chainTests(factory));
  describe(`framework on ${label}: groups`, { concurrency: true }, () => groupTests(factory));
}
