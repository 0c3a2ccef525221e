/** The embedded transport: Warren's default, calling the in-process broker engine directly. */
export { EmbeddedTransport } from './embedded-transport.js';
export type { EmbeddedTransportOptions } from './embedded-transport.js';
export { EmbeddedChannel } from './embedded-channel.js';
