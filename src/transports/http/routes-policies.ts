/**
 * /api/policies: RabbitMQ's policy endpoints. Every one, reading included, is for users
 * tagged administrator or policymaker (as rabbit_mgmt_util:is_authorized_policies), limited
 * to the vhosts the user may see. PUT takes {pattern, definition, priority, apply-to};
 * a policy refused by validation is a 400 with RabbitMQ's "Validation failed" text.
 */
import { PolicyValidationError, validatePolicy } from '../../broker/policies.js';
import type { Policy } from '../../broker/policies.js';
import type { Vhost } from '../../broker/vhost.js';
import { badRequest, notAuthorised, notFound } from './http-util.js';
import { created, noContent, ok } from './route.js';
import type { Call, Route } from './route.js';
import { visibleVhosts, vhostOf } from './routes-resources.js';

/** A policy as RabbitMQ's API and definitions files spell it. */
export function policyJson(p: Policy): Record<string, unknown> {
  return {
    vhost: p.vhost,
    name: p.name,
    pattern: p.pattern,
    'apply-to': p.applyTo,
    definition: p.definition,
    priority: p.priority,
  };
}

/** Validates a policy given in RabbitMQ's JSON shape (a 400 with its reason when invalid). */
export function policyFromJson(vhost: string, name: string, body: Record<string, unknown>): Policy {
  try {
    return validatePolicy(vhost, name, { ...body, applyTo: body['apply-to'] });
  } catch (e) {
    if (e instanceof PolicyValidationError) throw badRequest(e.message);
    throw e;
  }
}

function policyVhost(call: Call): Vhost {
  if (!call.principal.isPolicymaker) throw notAuthorised('User not authorised to access policies');
  return vhostOf(call);
}

function listPolicies(call: Call) {
  if (!call.principal.isPolicymaker) throw notAuthorised('User not authorised to access policies');
  return ok(visibleVhosts(call).flatMap((v) => v.policies.list().map(policyJson)));
}

function getPolicy(call: Call) {
  const p = policyVhost(call).policies.get(call.params['name']!);
  if (p === undefined) throw notFound();
  return ok(policyJson(p));
}

async function putPolicy(call: Call) {
  const v = policyVhost(call);
  const name = call.params['name']!;
  const policy = policyFromJson(v.name, name, await call.body());
  const existed = v.policies.get(name) !== undefined;
  v.setPolicy(policy);
  return existed ? noContent() : created();
}

function deletePolicy(call: Call) {
  if (!policyVhost(call).clearPolicy(call.params['name']!)) throw notFound();
  return noContent();
}

export const POLICY_ROUTES: Route[] = [
  { method: 'GET', path: 'api/policies', handler: listPolicies },
  { method: 'GET', path: 'api/policies/:vhost', handler: listPolicies },
  { method: 'GET', path: 'api/policies/:vhost/:name', handler: getPolicy },
  { method: 'PUT', path: 'api/policies/:vhost/:name', handler: putPolicy },
  { method: 'DELETE', path: 'api/policies/:vhost/:name', handler: deletePolicy },
];
