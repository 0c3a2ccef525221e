#!/usr/bin/env python3
"""Publish/subscribe, consumer: an exclusive server-named queue bound to the fanout 'logs'."""
from _conn import connect, max_messages, name

limit = max_messages()
connection = connect()
channel = connection.channel()
channel.exchange_declare(exchange=name("logs"), exchange_type="fanout")
queue = channel.queue_declare(queue="", exclusive=True).method.queue
channel.queue_bind(exchange=name("logs"), queue=queue)
seen = 0


def callback(ch, method, properties, body):
    global seen
    print(f" [x] {body.decode()}", flush=True)
    seen += 1
    if limit and seen >= limit:
        ch.stop_consuming()


channel.basic_consume(queue=queue, on_message_callback=callback, auto_ack=True)
print(f" [*] Waiting for logs on {queue}. To exit press CTRL+C", flush=True)
channel.start_consuming()
connection.close()
