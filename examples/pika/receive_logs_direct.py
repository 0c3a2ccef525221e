#!/usr/bin/env python3
"""Routing, consumer: one exclusive queue bound with every severity given on the command line."""
import sys

from _conn import connect, max_messages, name

severities = sys.argv[1:]
if not severities:
    sys.stderr.write(f"Usage: {sys.argv[0]} [info] [warning] [error]\n")
    sys.exit(1)
limit = max_messages()
connection = connect()
channel = connection.channel()
channel.exchange_declare(exchange=name("direct_logs"), exchange_type="direct")
queue = channel.queue_declare(queue="", exclusive=True).method.queue
for severity in severities:
    channel.queue_bind(exchange=name("direct_logs"), queue=queue, routing_key=severity)
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
