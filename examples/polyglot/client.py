"""The Python side of the polyglot example: plain pika, no Warren library.

Calls Warren's `polyglot.greet` RPC (direct reply-to, JSON), enqueues a `polyglot.record`
task (a persistent JSON message to the queue named after the task) and waits for the event
the task handler publishes on the `polyglot.events` topic exchange.

AMQP_URL picks the broker (default amqp://guest:guest@localhost:5672/%2F).
"""
import json
import os
import sys
import uuid

import pika

url = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()

# Subscribe to the events first, so the one the task publishes cannot be missed.
channel.exchange_declare("polyglot.events", exchange_type="topic", durable=True)
events = channel.queue_declare("", exclusive=True).method.queue
channel.queue_bind(events, "polyglot.events", routing_key="recorded.#")

# 1. RPC: reply_to the direct reply-to pseudo-queue, matched by correlation_id.
replies = []
channel.basic_consume("amq.rabbitmq.reply-to", lambda ch, m, p, body: replies.append((p, body)), auto_ack=True)
correlation_id = str(uuid.uuid4())
channel.basic_publish(
    exchange="",
    routing_key="polyglot.greet",
    body=json.dumps({"name": "pika"}),
    properties=pika.BasicProperties(
        content_type="application/json", reply_to="amq.rabbitmq.reply-to", correlation_id=correlation_id
    ),
)
while not replies:
    connection.process_data_events(time_limit=1)
props, body = replies[0]
assert props.correlation_id == correlation_id
print(f"[python] rpc polyglot.greet -> {json.loads(body)}", flush=True)

# 2. Task: a persistent JSON message to the task's queue.
channel.basic_publish(
    exchange="",
    routing_key="polyglot.record",
    body=json.dumps({"kind": "signup", "user": "ada"}),
    properties=pika.BasicProperties(
        content_type="application/json", delivery_mode=2, message_id=str(uuid.uuid4())
    ),
)
print("[python] enqueued polyglot.record", flush=True)

# 3. The event the Warren task handler published.
for method, props, body in channel.consume(events, auto_ack=True, inactivity_timeout=10):
    if method is None:
        print("[python] no event within 10 s", flush=True)
        sys.exit(1)
    print(f"[python] event {method.routing_key} -> {json.loads(body)}", flush=True)
    break

connection.close()
