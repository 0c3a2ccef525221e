// Runs the framework conformance suite on the embedded broker (the zero-config default):
// every app in a test shares one in-process Broker, as apps in one process would.
import { Broker } from '../../src/broker/index.js';
import { EmbeddedTransport } from '../../src/transports/embedded/index.js';
import { frameworkSuite } from './framework.suite.js';

const broker = new Broker();
frameworkSuite('embedded', () => new EmbeddedTransport({ broker }));
