// The {{name}} pub/sub service. `{{Name}}Alerts` subscribes to the `{{queue}}.events` topic
// exchange with the pattern `*.error` (`*` matches one word, `#` zero or more); every running
// instance gets its own queue and so every matching event. Give @Subscribe a `group` to share
// one queue between instances instead. `publishEvent` shows the publishing side.
import { Service, Subscribe, type Client, type EventContext } from 'warren';

export const EXCHANGE = '{{queue}}.events';

export interface Event {
  source: string;
  message: string;
}

export const EventSchema = {
  type: 'object',
  properties: { source: { type: 'string' }, message: { type: 'string' } },
  required: ['source', 'message'],
} as const;

@Service('{{name}}')
export class {{Name}}Alerts {
  /** The events this instance received, with their routing keys (the tests read it). */
  readonly received: { key: string; event: Event }[] = [];

  @Subscribe({ exchange: EXCHANGE, type: 'topic', pattern: '*.error', schema: EventSchema })
  async onError(event: Event, ctx: EventContext): Promise<void> {
    this.received.push({ key: ctx.routingKey, event });
    console.log(`alert [${ctx.routingKey}] ${event.source}: ${event.message}`);
  }
}

/** Publishes an event with routing key `<source>.<level>`, e.g. `billing.error`. */
export function publishEvent(client: Client, level: string, event: Event): Promise<void> {
  return client.publish(EXCHANGE, `${event.source}.${level}`, event);
}
