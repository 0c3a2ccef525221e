#!/usr/bin/env python3
"""Hello world, consumer: prints what arrives on 'hello' (auto-ack); MAX_MESSAGES stops it."""
from _conn import connect, max_messages, name

limit = max_messages()
connection = connect()
channel = connection.channel()
channel.queue_declare(queue=name("hello"))
seen = 0


def callback(ch, method, properties, body):
    global seen
    print(f" [x] Received {body.decode()!r}", flush=True)
    seen += 1
    if limit and seen >= limit:
        ch.stop_consuming()


channel.basic_consume(queue=name("hello"), on_message_callback=callback, auto_ack=True)
print(" [*] Waiting for messages. To exit press CTRL+C", flush=True)
channel.start_consuming()
connection.close()
