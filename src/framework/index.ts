/**
 * The framework layer's entry, `warren/framework`: the app surface the package entry picks
 * from (src/index.ts), plus the wire contract and machinery below it. Internal helpers
 * (metadata writers, option resolution) stay unexported.
 */
export { Service } from './decorators/service.js';
export { Task } from './decorators/task.js';
export { Rpc } from './decorators/rpc.js';
export { Subscribe } from './decorators/subscribe.js';
export { Cron, Every } from './decorators/schedule.js';
export { CronExpression, CronSyntaxError } from './schedule/cron.js';
export { SCHEDULE_HEADER, SCHEDULE_TICK_HEADER } from './schedule/schedule-runner.js';
export type { ScheduleStatus } from './schedule/schedule-runner.js';
export type { MissedTicks, ScheduleDefinition, ScheduleOptions } from './schedule/schedule-spec.js';
export { SERVICE_METADATA, HANDLERS_METADATA, getServiceMetadata, getHandlerMetadata } from './metadata.js';
export type { HandlerMetadata, ServiceMetadata } from './metadata.js';
export type {
  BackoffOptions,
  ExchangeType,
  JsonSchema,
  QueueType,
  ResolvedBackoff,
  ResolvedRpcOptions,
  ResolvedSubscribeOptions,
  ResolvedTaskOptions,
  RpcOptions,
  ServiceDefaults,
  SubscribeOptions,
  TaskOptions,
} from './options.js';
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
} from './defaults.js';
export { exploreServices } from './explorer.js';
export type {
  ExploreOptions,
  HandlerDescriptor,
  RpcHandlerDescriptor,
  ServiceInput,
  SubscribeHandlerDescriptor,
  TaskHandlerDescriptor,
} from './explorer.js';
export { DEFAULT_AJV_OPTIONS, SchemaCompiler, toValidationError } from './validation.js';
export type { ValidationResult, Validator } from './validation.js';
export {
  BufferFullError,
  ConnectionLostError,
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
  ConsumerCancelledError,
  ShutdownError,
  TaskTimeoutError,
  UnknownJobError,
  UnrecoverableError,
  UnroutableError,
  ValidationError,
  isFrameworkError,
} from './errors.js';
export type {
  FrameworkErrorCode,
  FrameworkErrorOptions,
  RemoteErrorInfo,
  ValidationIssue,
} from './errors.js';
export {
  JSON_CONTENT_TYPE,
  RPC_ERROR_HEADER,
  deserializeRpcError,
  isRpcErrorReply,
  serializeRpcError,
} from './rpc-error-codec.js';
export type { EncodedRpcError } from './rpc-error-codec.js';
export { backoffDelay, nominalDelay, resolveBackoff } from './backoff.js';
export type { RandomSource } from './backoff.js';
export {
  MAX_DELAY_QUEUES,
  deadLetterQueueName,
  delayQueueName,
  retryQueueFor,
  retryTopology,
} from './retry-topology.js';
export type {
  DelayQueueDeclaration,
  QueueDeclaration,
  RetryTopology,
  TopologyOptions,
} from './retry-topology.js';
export { RETRY_HEADERS, attemptOf, deadLetterHeaders, retryHeaders } from './retry-headers.js';
export type { DeadLetterReason } from './retry-headers.js';
export { decideFailure } from './retry-policy.js';
export type { FailureDecision, FailureInput } from './retry-policy.js';
export { contractTypes, defineContract } from './contract.js';
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
} from './contract.js';
export type { FromSchema } from './from-schema.js';
export type { EventContext, MessageContext, RpcContext, TaskContext } from './task-context.js';
export { TASK_LIFECYCLE_EVENTS, composeMiddleware } from './middleware.js';
export type {
  Middleware,
  MiddlewareContext,
  TaskLifecycleEvent,
  TaskLifecycleEventMap,
  TaskLifecycleListener,
} from './middleware.js';
export {
  TRACEPARENT_HEADER,
  childTrace,
  createSpanId,
  createTraceId,
  formatTraceparent,
  parseTraceparent,
} from './tracing.js';
export type { RandomBytes, TraceContext } from './tracing.js';
export { Warren, WarrenApp } from './app.js';
export { DEFAULT_SHUTDOWN_TIMEOUT } from './app-options.js';
export type {
  CloseOptions,
  ManagementOptions,
  ReconnectSettings,
  WarrenStartOptions,
} from './app-options.js';
export { Counter, DEFAULT_BUCKETS, FRAMEWORK_METRICS, Histogram, MetricsRegistry } from './metrics.js';
export type { RpcOutcome } from './metrics.js';
export { composeClientMiddleware } from './client-middleware.js';
export type { ClientCallContext, ClientMiddleware } from './client-middleware.js';
export { DEFAULT_PUBLISH_BUFFER_SIZE } from './publisher.js';
export { DEADLINE_HEADER } from './message-context.js';
export { AttemptInterruptedError, VALIDATION_ERRORS_HEADER } from './task-worker.js';
export { DIRECT_REPLY_TO } from '../broker/channel/reply-to.js';
export { deserialize, serialize } from './serializer.js';
export { currentTrace } from './trace-scope.js';
export { JobHandle } from './jobs/job-handle.js';
export type { JobAccess, WaitOptions } from './jobs/job-handle.js';
export { FINAL_STATES, JOB_STATES } from './jobs/job-record.js';
export type { GroupRef, JobPatch, JobRecord, JobState, RecordedError } from './jobs/job-record.js';
export { DEFAULT_RETENTION } from './jobs/job-store.js';
export type { CreateResult, JobStore, ListQuery, RetentionOptions } from './jobs/job-store.js';
export { MemoryJobStore } from './jobs/memory-job-store.js';
export { FileJobStore } from './jobs/file-job-store.js';
export { PostgresJobStore } from './jobs/postgres-job-store.js';
export type { PostgresJobStoreOptions } from './jobs/postgres-job-store.js';
export { RedisJobStore } from './jobs/redis-job-store.js';
export { cancelOnBroker, jobsProvider } from './jobs/job-dashboard.js';
export type { JobsProviderOptions } from './jobs/job-dashboard.js';
export type { RedisJobStoreOptions } from './jobs/redis-job-store.js';
export { JOBS_EXCHANGE } from './jobs/job-service.js';
export type { JobEvent } from './jobs/job-service.js';
export { BACKOFF_HEADER, MAX_ATTEMPTS_HEADER } from './jobs/job-overrides.js';
export type { JobsOptions } from './app-options.js';
export { CHAIN_HEADER, ChainHandle } from './jobs/job-chain.js';
export type { ChainStep } from './jobs/job-chain.js';
export { GROUP_HEADER, GroupHandle } from './jobs/job-group.js';
export type { GroupAccess, GroupMember, GroupOptions } from './jobs/job-group.js';
export { MEMBER_FAILURE_POLICIES, groupState } from './jobs/group-record.js';
export type {
  GroupCallback,
  GroupRecord,
  GroupState,
  MemberFailurePolicy,
  MemberOutcome,
  MemberSettled,
} from './jobs/group-record.js';
