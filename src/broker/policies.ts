/**
 * Policies (RabbitMQ 3.10's `rabbitmqctl set_policy`): per vhost, named rules whose `pattern`
 * (a regular expression) picks queues and/or exchanges by name (`apply-to`: queues,
 * exchanges or all) and whose `definition` sets optional arguments on them at run time.
 *
 * Resolution, as RabbitMQ 3.10.8 (checked against it with rabbitmqctl): of the policies that
 * match a name, apply to its kind and are applicable to it (see UNSUPPORTED), the one with the highest priority
 * wins; among equal priorities the one with the greatest name (byte order). Only that one
 * policy applies: definitions are never merged.
 *
 * Validation follows RabbitMQ's texts ("Validation failed\n\n<reason>"), thrown as
 * PolicyValidationError. Patterns go through the same backtracking-safety check as
 * permission patterns, since every declare runs them.
 */
import { checkPatternSafety } from './access/user-store.js';

export type PolicyApplyTo = 'queues' | 'exchanges' | 'all';
export type PolicyValue = string | number | boolean;
export type PolicyDefinition = Record<string, PolicyValue>;

export interface Policy {
  vhost: string;
  name: string;
  pattern: string;
  applyTo: PolicyApplyTo;
  priority: number;
  definition: PolicyDefinition;
}

/** What a policy is matched against. */
export type PolicyTarget = { kind: 'exchange' } | { kind: 'queue'; quorum: boolean };

/** A policy refused by validation; `reason` is RabbitMQ's text. */
export class PolicyValidationError extends Error {
  readonly code = 'policy_invalid';
  readonly scope = 'policy';
  constructor(readonly reason: string) {
    super(`Validation failed\n\n${reason}\n`);
    this.name = 'PolicyValidationError';
  }
}

type Validator = (v: unknown) => boolean;

const isString: Validator = (v) => typeof v === 'string';
const intAtLeast =
  (min: number): Validator =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min;
const oneOf =
  (...values: string[]): Validator =>
  (v) =>
    typeof v === 'string' && values.includes(v);

/** The keys Warren's engine acts on, with RabbitMQ's validator and error text for each. */
const KEYS: Record<string, [Validator, string]> = {
  'alternate-exchange': [isString, 'is not a valid alternate exchange name'],
  'dead-letter-exchange': [isString, 'is not a valid dead letter exchange name'],
  'dead-letter-routing-key': [isString, 'is not a valid dead letter routing key'],
  'message-ttl': [intAtLeast(0), 'is not a valid message TTL'],
  expires: [intAtLeast(1), 'is not a valid queue expiry'],
  'max-length': [intAtLeast(0), 'is not a valid maximum length'],
  'max-length-bytes': [intAtLeast(0), 'is not a valid maximum length in bytes'],
  'queue-mode': [oneOf('default', 'lazy'), 'is not a valid queue-mode value'],
  overflow: [oneOf('drop-head', 'reject-publish', 'reject-publish-dlx'), 'is not a valid overflow value'],
  'delivery-limit': [intAtLeast(0), 'is not a valid delivery limit'],
};

/**
 * Keys a queue type does not support: a policy holding one does not apply to such a queue
 * and the next matching policy is used (RabbitMQ 3.10's unsupported_policies capability;
 * checked against 3.10.8: a classic queue skips a delivery-limit policy, a quorum queue a
 * queue-mode one).
 */
const UNSUPPORTED = {
  classic: new Set(['delivery-limit']),
  quorum: new Set(['queue-mode']),
};

/** Erlang's ~p of a JSON value, as RabbitMQ prints it in validation errors. */
function erlangTerm(v: unknown): string {
  if (typeof v === 'string') return `<<"${v}">>`;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v);
}

function validateDefinition(raw: unknown): PolicyDefinition {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new PolicyValidationError(`definition must be a dictionary: ${JSON.stringify(raw)}`);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) throw new PolicyValidationError('no policy provided');
  const unknown = entries.filter(([k]) => !Object.hasOwn(KEYS, k));
  if (unknown.length > 0) {
    const list = unknown.map(([k, v]) => `{<<"${k}">>,${erlangTerm(v)}}`).join(',');
    throw new PolicyValidationError(`[${list}] are not recognised policy settings`);
  }
  for (const [k, v] of entries) {
    const [valid, text] = KEYS[k]!;
    if (!valid(v)) throw new PolicyValidationError(`${erlangTerm(v)} ${text}`);
  }
  return Object.fromEntries(entries) as PolicyDefinition;
}

function validatePattern(pattern: unknown): string {
  if (typeof pattern !== 'string') throw new PolicyValidationError(`pattern should be a string`);
  try {
    checkPatternSafety(pattern, 'policy pattern');
  } catch (e) {
    if (e instanceof RangeError) throw new PolicyValidationError(e.message);
    throw new PolicyValidationError(
      `pattern should be regular expression but is invalid: ${(e as Error).message}`,
    );
  }
  return pattern;
}

function validateApplyTo(v: unknown): PolicyApplyTo {
  if (v === undefined) return 'all';
  if (v === 'queues' || v === 'exchanges' || v === 'all') return v;
  throw new PolicyValidationError(
    `apply-to '${typeof v === 'string' ? v : JSON.stringify(v)}' unrecognised; should be 'queues', 'exchanges' or 'all'`,
  );
}

function validatePriority(v: unknown): number {
  if (v === undefined) return 0;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new PolicyValidationError(`priority should be a number, actually was ${erlangTerm(v)}`);
  return n;
}

/** A policy from its parts as the API and CLI send them (`apply-to`, priority default 0). */
export function validatePolicy(
  vhost: string,
  name: string,
  input: { pattern?: unknown; definition?: unknown; priority?: unknown; applyTo?: unknown },
): Policy {
  if (name === '') throw new PolicyValidationError('policy name must not be empty');
  for (const key of ['pattern', 'definition'] as const)
    if (input[key] === undefined) throw new PolicyValidationError(`Key "${key}" not found in ${name}`);
  return {
    vhost,
    name,
    pattern: validatePattern(input.pattern),
    applyTo: validateApplyTo(input.applyTo),
    priority: validatePriority(input.priority),
    definition: validateDefinition(input.definition),
  };
}

function appliesTo(p: Policy, target: PolicyTarget): boolean {
  if (target.kind === 'exchange') return p.applyTo !== 'queues';
  if (p.applyTo === 'exchanges') return false;
  const unsupported = target.quorum ? UNSUPPORTED.quorum : UNSUPPORTED.classic;
  return Object.keys(p.definition).every((k) => !unsupported.has(k));
}

/** Greater first: priority, then name in byte order (RabbitMQ's tie-break). */
function outranks(a: Policy, b: Policy): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) > 0;
}

/** One vhost's policies, with their compiled patterns. */
export class PolicyRegistry {
  private readonly policies = new Map<string, { policy: Policy; regex: RegExp }>();

  get size(): number {
    return this.policies.size;
  }

  /** Adds or replaces a (validated) policy. */
  set(policy: Policy): void {
    this.policies.set(policy.name, { policy, regex: new RegExp(policy.pattern) });
  }

  delete(name: string): boolean {
    return this.policies.delete(name);
  }

  get(name: string): Policy | undefined {
    return this.policies.get(name)?.policy;
  }

  list(): Policy[] {
    return [...this.policies.values()].map((e) => e.policy);
  }

  /** The one policy in effect for a queue or exchange named `name`, if any. */
  match(name: string, target: PolicyTarget): Policy | undefined {
    let best: Policy | undefined;
    for (const { policy, regex } of this.policies.values()) {
      if (!appliesTo(policy, target) || !regex.test(name)) continue;
      if (best === undefined || outranks(policy, best)) best = policy;
    }
    return best;
  }
}
