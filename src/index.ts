/**
 * The package entry, `import { … } from 'warren'`: what an app uses (start it, decorate its
 * services, call through the client, follow jobs, catch errors, run a broker or server).
 * Named exports only. Everything else is on a subpath, by layer (docs/api.md):
 * `warren/framework` (wire contract, retry policy, validation, metadata, metrics),
 * `warren/transports`, `warren/broker` (the engine), `warren/protocol` (the AMQP codec).
 * test/unit/public-api.test.ts pins this list so it cannot grow unnoticed.
 */

// Starting an app
export { Warren, WarrenApp } from './framework/app.js';
export { DEFAULT_SHUTDOWN_TIMEOUT } from './framework/app-options.js';
export type {
  CloseOptions,
  JobsOptions,
  ManagementOptions,
  ReconnectSettings,
  WarrenStartOptions,
} from './framework/app-options.js';
export { DEFAULT_PUBLISH_BUFFER_SIZE } from './framework/publisher.js';

// Decorators, their options and the handler contexts
export { Service } from './framework/decorators/service.js';
export { Task } from './framework/decorators/task.js';
export { Rpc } from './framework/decorators/rpc.js';
export { Subscribe } from './framework/decorators/subscribe.js';
export type {
  BackoffOptions,
  ExchangeType,
  JsonSchema,
  QueueType,
  RpcOptions,
  ServiceDefaults,
  SubscribeOptions,
  TaskOptions,
} from './framework/options.js';
export {
  DEFAULT_BACKOFF,
  DEFAULT_PREFETCH,
  DEFAULT_RETRIES,
  DEFAULT_RPC_DURABLE,
  DEFAULT_RPC_TIMEOUT,
  DEFAULT_TASK_DURABLE,
  DEFAULT_TASK_TIMEOUT,
  MAX_NAME_BYTES,
  MAX_PREFETCH,
  MAX_PRIORITY,
  MAX_RETRIES,
  MAX_TIMEOUT,
} from './framework/defaults.js';
export type { EventContext, MessageContext, RpcContext, TaskContext } from './framework/task-context.js';

// The client and typed contracts
export { contractTypes, defineContract } from './framework/contract.js';
export type {
  CallOptions,
  Client,
  ContractSchemas,
  ContractShape,
  DefinedContract,
  EnqueueOptions,
  EnqueueResult,
  EventExchange,
  EventPayload,
  PublishOptions,
  ResolveContract,
  RpcName,
  RpcRequest,
  RpcResponse,
  SchemaContract,
  TaskName,
  TaskPayload,
  TypedClient,
} from './framework/contract.js';
export type { FromSchema } from './framework/from-schema.js';

// Jobs in time: schedules (delayed enqueues are `delay` / `runAt` in EnqueueOptions)
export { Cron, Every } from './framework/decorators/schedule.js';
export { CronExpression, CronSyntaxError } from './framework/schedule/cron.js';
export type { ScheduleStatus } from './framework/schedule/schedule-runner.js';
export type { MissedTicks, ScheduleDefinition, ScheduleOptions } from './framework/schedule/schedule-spec.js';

// Jobs: handles, states and the stores that keep them
export { JobHandle } from './framework/jobs/job-handle.js';
export type { JobAccess, WaitOptions } from './framework/jobs/job-handle.js';
export { FINAL_STATES, JOB_STATES } from './framework/jobs/job-record.js';
export type { GroupRef, JobPatch, JobRecord, JobState, RecordedError } from './framework/jobs/job-record.js';
export { DEFAULT_RETENTION } from './framework/jobs/job-store.js';
export type { CreateResult, JobStore, ListQuery, RetentionOptions } from './framework/jobs/job-store.js';
export { MemoryJobStore } from './framework/jobs/memory-job-store.js';
export { FileJobStore } from './framework/jobs/file-job-store.js';
export { PostgresJobStore } from './framework/jobs/postgres-job-store.js';
export type { PostgresJobStoreOptions } from './framework/jobs/postgres-job-store.js';
export { RedisJobStore } from './framework/jobs/redis-job-store.js';
export type { RedisJobStoreOptions } from './framework/jobs/redis-job-store.js';
export { cancelOnBroker, jobsProvider } from './framework/jobs/job-dashboard.js';
export type { JobsProviderOptions } from './framework/jobs/job-dashboard.js';
export { JOBS_EXCHANGE } from './framework/jobs/job-service.js';
export type { JobEvent } from './framework/jobs/job-service.js';
export { ChainHandle } from './framework/jobs/job-chain.js';
export type { ChainStep } from './framework/jobs/job-chain.js';
export { GROUP_HEADER, GroupHandle } from './framework/jobs/job-group.js';
export type { GroupAccess, GroupMember, GroupOptions } from './framework/jobs/job-group.js';
export { MEMBER_FAILURE_POLICIES, groupState } from './framework/jobs/group-record.js';
export type {
  GroupCallback,
  GroupRecord,
  GroupState,
  MemberFailurePolicy,
  MemberOutcome,
  MemberSettled,
} from './framework/jobs/group-record.js';

// Errors an app catches
export {
  BufferFullError,
  ConnectionLostError,
  ConsumerCancelledError,
  FRAMEWORK_ERROR_CODES,
  FrameworkError,
  GroupMemberFailedError,
  InvalidBackoffError,
  JobCancelledError,
  JobFailedError,
  JobWaitTimeoutError,
  NoHandlerError,
  RemoteError,
  RpcTimeoutError,
  ShutdownError,
  TaskTimeoutError,
  UnknownJobError,
  UnrecoverableError,
  UnroutableError,
  ValidationError,
  isFrameworkError,
} from './framework/errors.js';
export type {
  FrameworkErrorCode,
  FrameworkErrorOptions,
  RemoteErrorInfo,
  ValidationIssue,
} from './framework/errors.js';
export { AttemptInterruptedError } from './framework/task-worker.js';
export { AmqpError, ChannelError, ConnectionError, ReplyCode, isHardError } from './protocol/errors.js';

// Middleware, lifecycle events, tracing
export { TASK_LIFECYCLE_EVENTS } from './framework/middleware.js';
export type {
  Middleware,
  MiddlewareContext,
  TaskLifecycleEvent,
  TaskLifecycleEventMap,
  TaskLifecycleListener,
} from './framework/middleware.js';
export type { ClientCallContext, ClientMiddleware } from './framework/client-middleware.js';
export { TRACEPARENT_HEADER } from './framework/tracing.js';
export type { TraceContext } from './framework/tracing.js';
export { currentTrace } from './framework/trace-scope.js';

// Header values (AMQP field types)
export { Decimal, TypedValue, typed } from './protocol/field-value.js';
export type { FieldTable, FieldTypeTag, FieldValue } from './protocol/field-value.js';

// Running a broker: in process, or as an AMQP server
export { Broker } from './broker/broker.js';
export type { BrokerOptions } from './broker/broker.js';
export { ManualClock, systemClock } from './util/clock.js';
export type { Clock } from './util/clock.js';
export { UserStore } from './broker/access/user-store.js';
export { AmqpServer, consoleLogger, silentLogger } from './transports/tcp/index.js';
export type { AmqpServerOptions, ListenAddress, Logger } from './transports/tcp/index.js';
