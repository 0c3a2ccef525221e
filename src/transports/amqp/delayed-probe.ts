/**
 * Does the broker behind a URL have the `x-delayed-message` exchange type? Warren's server
 * always has it (it says so by its product name). For RabbitMQ the only way to know whether
 * the delayed-message plugin is enabled is to declare one: an unknown exchange type is a
 * connection error (503), so the probe runs on its own short-lived connection (once per
 * transport, before the first connect) and the application's connection is never put at risk.
 * A broker that cannot be reached gives no answer (undefined: asked again at the next connect).
 */
import { randomBytes } from 'node:crypto';
import { AmqpChannel } from './amqp-channel.js';
import { ClientConnection, type ClientConnectionOptions } from './client-connection.js';

export async function probeDelayedExchange(
  url: string,
  tls?: ClientConnectionOptions['tls'],
): Promise<boolean | undefined> {
  let probe: ClientConnection;
  try {
    probe = await ClientConnection.open(url, {
      clientProperties: { connection_name: 'warren delayed-exchange probe' },
      tls,
    });
  } catch {
    return undefined;
  }
  try {
    if (probe.serverProperties['product'] === 'Warren') return true;
    const ch = await AmqpChannel.open(probe, false);
    const name = `warren.probe.delayed.${randomBytes(6).toString('hex')}`;
    await ch.assertExchange(name, 'x-delayed-message', {
      durable: false,
      autoDelete: false,
      arguments: { 'x-delayed-type': 'direct' },
    });
    await ch.deleteExchange(name);
    return true;
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => undefined);
  }
}
