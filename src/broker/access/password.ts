/**
 * Password hashing compatible with RabbitMQ's default `rabbit_password_hashing_sha256`:
 * base64(salt ‖ sha256(salt ‖ utf8(password))) with a 4-byte random salt. Using RabbitMQ's
 * scheme means a definitions export from Warren imports into RabbitMQ and back with the same
 * hashes. Verification uses a constant-time comparison.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const PASSWORD_HASHING_ALGORITHM = 'rabbit_password_hashing_sha256';
const SALT_BYTES = 4;

export function hashPassword(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const digest = createHash('sha256').update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

export function verifyPassword(password: string, passwordHash: string): boolean {
  const stored = Buffer.from(passwordHash, 'base64');
  if (stored.length !== SALT_BYTES + 32) return false;
  const candidate = Buffer.from(hashPassword(password, stored.subarray(0, SALT_BYTES)), 'base64');
  return timingSafeEqual(stored, candidate);
}
