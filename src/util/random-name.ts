/**
 * Random names in RabbitMQ's formats: server-named queues are `amq.gen-` followed by 22
 * base64url characters (16 random bytes), consumer tags `amq.ctag-` likewise.
 * Uses only Node's crypto (util imports nothing else).
 */
import { randomBytes } from 'node:crypto';

export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

export function generatedName(prefix: string): string {
  return prefix + randomToken(16);
}
