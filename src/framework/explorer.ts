/**
 * The scanner: turns `@Service` classes, or instances built by a DI container, into plain
 * handler descriptors (kind, names, bound handler, resolved options, compiled validators).
 * Everything after this (workers, RPC server, subscriptions) reads descriptors, never
 * metadata, and every configuration mistake surfaces here, before anything touches a broker.
 */
import {
  getHandlerMetadata,
  getServiceMetadata,
  type HandlerMetadata,
  type ServiceMetadata,
} from './metadata.js';
import type {
  QueueType,
  ResolvedRpcOptions,
  ResolvedSubscribeOptions,
  ResolvedTaskOptions,
} from './options.js';
import { resolveRpcOptions, resolveSubscribeOptions, resolveTaskOptions } from './resolve-options.js';
import type { EventContext, RpcContext, TaskContext } from './task-context.js';
import { SchemaCompiler, type Validator } from './validation.js';

/** A service class with a no-argument constructor, or an already built instance. */
export type ServiceInput = (new () => object) | object;

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- any class constructor
type ServiceClass = Function;

interface DescriptorBase {
  service: string;
  method: string;
  instance: object;
  /** Validates the payload; absent when the handler declared no schema. */
  validate: Validator | undefined;
}

export interface TaskHandlerDescriptor extends DescriptorBase {
  kind: 'task';
  name: string;
  options: ResolvedTaskOptions;
  handler: (payload: unknown, context: TaskContext) => unknown;
}

export interface RpcHandlerDescriptor extends DescriptorBase {
  kind: 'rpc';
  name: string;
  options: ResolvedRpcOptions;
  handler: (payload: unknown, context: RpcContext) => unknown;
  validateResponse: Validator | undefined;
}

export interface SubscribeHandlerDescriptor extends DescriptorBase {
  kind: 'subscribe';
  /** `<service>.<method>`, for logs and metrics. */
  name: string;
  options: ResolvedSubscribeOptions;
  handler: (payload: unknown, context: EventContext) => unknown;
}

export type HandlerDescriptor = TaskHandlerDescriptor | RpcHandlerDescriptor | SubscribeHandlerDescriptor;

export interface ExploreOptions {
  /** Builds a service from its class (default: `new Class()`); plug a DI container in here. */
  instantiate?: (serviceClass: new () => object) => object;
  /** Compiles schemas (default: a new SchemaCompiler). */
  compiler?: SchemaCompiler;
  /**
   * Queue type of tasks that set none (default 'classic'; Warren.start passes 'quorum' on a
   * cluster). A task with `priority` stays classic.
   */
  taskQueueType?: QueueType;
}

/**
 * Scans services into handler descriptors. Throws a TypeError for an undecorated class, a
 * service name used twice, or a task/RPC name or queue claimed by two handlers.
 *
 * @example
 * const handlers = exploreServices([Mailer, new Billing(db)]);
 * handlers.filter((h) => h.kind === 'task').map((h) => h.name); // ['email.send', …]
 */
export function exploreServices(
  services: readonly ServiceInput[],
  options: ExploreOptions = {},
): HandlerDescriptor[] {
  const compiler = options.compiler ?? new SchemaCompiler();
  const seen = new Map<string, ServiceClass>();
  const all: HandlerDescriptor[] = [];
  for (const input of services) {
    const { cls, instance } = materialize(input, options);
    const meta = requireServiceMetadata(cls);
    const other = seen.get(meta.name);
    if (other) throw new TypeError(`service name "${meta.name}" is used by ${other.name} and ${cls.name}`);
    seen.set(meta.name, cls);
    for (const h of getHandlerMetadata(cls)) {
      all.push(describe(meta, h, instance, compiler, options.taskQueueType));
    }
  }
  assertUniqueNames(all);
  return all;
}

function materialize(input: ServiceInput, options: ExploreOptions): { cls: ServiceClass; instance: object } {
  if (typeof input === 'function') {
    const cls = input as new () => object;
    requireServiceMetadata(cls);
    return { cls, instance: options.instantiate ? options.instantiate(cls) : new cls() };
  }
  if (typeof input !== 'object' || input === null) {
    throw new TypeError(`a service must be a class or an instance, got ${String(input)}`);
  }
  return {
    cls: (Object.getPrototypeOf(input) as { constructor: ServiceClass }).constructor,
    instance: input,
  };
}

function requireServiceMetadata(cls: ServiceClass): ServiceMetadata {
  const meta = getServiceMetadata(cls);
  if (!meta) throw new TypeError(`${cls.name || 'anonymous class'} is not decorated with @Service(name)`);
  return meta;
}

function describe(
  meta: ServiceMetadata,
  h: HandlerMetadata,
  instance: object,
  compiler: SchemaCompiler,
  taskQueueType: QueueType | undefined,
): HandlerDescriptor {
  const base = { service: meta.name, method: h.method, instance };
  switch (h.kind) {
    case 'task': {
      const options = resolveTaskOptions(h.name, h.options, meta.defaults, taskQueueType);
      const validate = compileOptional(compiler, options.schema, `payload of task "${h.name}"`);
      const handler = bindMethod<TaskContext>(meta.name, instance, h.method);
      return { ...base, kind: 'task', name: h.name, options, handler, validate };
    }
    case 'rpc': {
      const options = resolveRpcOptions(h.name, h.options, meta.defaults);
      const validate = compileOptional(compiler, options.schema, `request of RPC "${h.name}"`);
      const validateResponse = compileOptional(
        compiler,
        options.responseSchema,
        `response of RPC "${h.name}"`,
      );
      const handler = bindMethod<RpcContext>(meta.name, instance, h.method);
      return { ...base, kind: 'rpc', name: h.name, options, handler, validate, validateResponse };
    }
    case 'subscribe': {
      const name = `${meta.name}.${h.method}`;
      const options = resolveSubscribeOptions(meta.name, h.method, h.options);
      const validate = compileOptional(compiler, options.schema, `event for ${name}`);
      const handler = bindMethod<EventContext>(meta.name, instance, h.method);
      return { ...base, kind: 'subscribe', name, options, handler, validate };
    }
  }
}

function bindMethod<C>(
  service: string,
  instance: object,
  method: string,
): (payload: unknown, context: C) => unknown {
  const fn: unknown = (instance as Record<string, unknown>)[method];
  if (typeof fn !== 'function') {
    throw new TypeError(`service "${service}": ${method} is not a method of the instance`);
  }
  return (fn as (payload: unknown, context: C) => unknown).bind(instance);
}

function compileOptional(
  compiler: SchemaCompiler,
  schema: Parameters<SchemaCompiler['compile']>[0] | undefined,
  label: string,
): Validator | undefined {
  return schema === undefined ? undefined : compiler.compile(schema, label);
}

/** Task and RPC names are unique per kind; their queues (and a task's retry queues) never collide. */
function assertUniqueNames(all: readonly HandlerDescriptor[]): void {
  const names = new Map<string, HandlerDescriptor>();
  const queues = new Map<string, HandlerDescriptor>();
  for (const h of all) {
    if (h.kind === 'subscribe') continue;
    const key = `${h.kind}:${h.name}`;
    const clash = names.get(key);
    if (clash) throw new TypeError(`${h.kind} "${h.name}" is handled twice: ${where(clash)} and ${where(h)}`);
    names.set(key, h);
    const owner = queues.get(h.options.queue);
    if (owner)
      throw new TypeError(`queue "${h.options.queue}" is claimed by ${where(owner)} and ${where(h)}`);
    queues.set(h.options.queue, h);
  }
  for (const h of all) {
    if (h.kind !== 'task') continue;
    const prefix = `${h.options.queue}.`;
    for (const [queue, owner] of queues) {
      if (queue === `${prefix}dead` || queue.startsWith(`${prefix}retry.`)) {
        throw new TypeError(
          `queue "${queue}" of ${where(owner)} collides with the retry queues of ${where(h)}`,
        );
      }
    }
  }
}

function where(h: HandlerDescriptor): string {
  return `${h.service}.${h.method}`;
}
