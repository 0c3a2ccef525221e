/**
 * `warren/broker`: the broker engine below `Broker`, for transports (TCP server, embedded) and tests.
 */
export { Broker, DEFAULT_CONSUMER_TIMEOUT } from './broker.js';
export type { BrokerOptions } from './broker.js';
export { EngineConnection } from './connection.js';
export type { ConnectOptions } from './connection.js';
export { EngineChannel } from './channel/channel.js';
export type { GetOk } from './channel/channel.js';
export type * from './channel/channel-args.js';
export type { ChannelSink } from './channel-sink.js';
export { Message, EMPTY_PROPERTIES } from './message.js';
export type { MessageStore, DurableWaiter, StoreEngine } from './store/message-store.js';
export { MemoryStore } from './store/memory-store.js';
export type * from './definitions.js';
export { Vhost } from './vhost.js';
