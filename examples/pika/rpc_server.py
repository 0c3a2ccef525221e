#!/usr/bin/env python3
"""RPC, server: answers fib(n) on 'rpc_queue', replying to reply_to with the same correlation_id."""
import pika

from _conn import connect, max_messages, name

limit = max_messages()
connection = connect()
channel = connection.channel()
channel.queue_declare(queue=name("rpc_queue"))
seen = 0


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def on_request(ch, method, props, body):
    global seen
    n = int(body)
    print(f" [.] fib({n})", flush=True)
    ch.basic_publish(
        exchange="",
        routing_key=props.reply_to,
        properties=pika.BasicProperties(correlation_id=props.correlation_id),
        body=str(fib(n)),
    )
    ch.basic_ack(delivery_tag=method.delivery_tag)
    seen += 1
    if limit and seen >= limit:
        ch.stop_consuming()


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=name("rpc_queue"), on_message_callback=on_request)
print(" [x] Awaiting RPC requests", flush=True)
channel.start_consuming()
connection.close()
