// Runs the transport conformance suite against the EmbeddedTransport on one shared Broker.
import { Broker } from '../../src/broker/index.js';
import { EmbeddedTransport } from '../../src/transports/embedded/index.js';
import { transportSuite } from './transport.suite.js';

const broker = new Broker({ consumerTimeout: 0 });
transportSuite('embedded', () => Promise.resolve(new EmbeddedTransport({ broker })));
