#!/usr/bin/env python3
"""Topics, consumer: binding keys with '*' (exactly one word) and '#' (zero or more words)."""
import sys

from _conn import connect, max_messages, name

binding_keys = sys.argv[1:]
if not binding_keys:
    sys.stderr.write(f"Usage: {sys.argv[0]} [binding_key]...\n")
    sys.exit(1)
limit = max_messages()
connection = connect()
channel = connection.channel()
channel.exchange_declare(exchange=name("topic_logs"), exchange_type="topic")
queue = channel.queue_declare(queue="", exclusive=True).method.queue
for binding_key in binding_keys:
    channel.queue_bind(exchange=name("topic_logs"), queue=queue, routing_key=binding_key)
seen = 0


def callback(ch, method, properties, body):
    global seen
    print(f" [x] {method.routing_key}:{body.decode()}", flush=True)
    seen += 1
    if limit and seen >= limit:
        ch.stop_consuming()


channel.basic_consume(queue=queue, on_message_callback=callback, auto_ack=True)
print(" [*] Waiting for logs. To exit press CTRL+C", flush=True)
channel.start_consuming()
connection.close()
