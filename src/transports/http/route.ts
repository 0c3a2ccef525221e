/**
 * The management API's routing table types: a route is a method, a path template
 * ("api/queues/:vhost/:name", segments already URL-decoded) and a handler returning a
 * Result. The server matches the template, authenticates, and sends the Result as JSON.
 */
import type { IncomingMessage } from 'node:http';
import type { UserStore } from '../../broker/access/user-store.js';
import type { Broker } from '../../broker/broker.js';
import type { AmqpServer } from '../tcp/server.js';
import type { Principal } from './auth.js';
import type { JobsProvider } from './jobs-provider.js';
import type { RateSampler } from './rates.js';

export interface ManagementContext {
  readonly broker: Broker;
  readonly users: UserStore;
  readonly server: AmqpServer | undefined;
  readonly node: string;
  readonly version: string;
  readonly sampler: RateSampler;
  /** The job store's view, when the server was given one (/api/jobs). */
  readonly jobs: JobsProvider | undefined;
}

export interface Result {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Call {
  readonly ctx: ManagementContext;
  readonly principal: Principal;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly req: IncomingMessage;
  body(): Promise<Record<string, unknown>>;
}

export interface Route {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  handler(call: Call): Result | Promise<Result>;
}

export const ok = (body: unknown): Result => ({ status: 200, body });
export const created = (): Result => ({ status: 201 });
export const noContent = (): Result => ({ status: 204 });

/** Matches `segments` against a template; the named parameters, or undefined. */
export function matchPath(template: string, segments: readonly string[]): Record<string, string> | undefined {
  const parts = template.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return params;
}
