#!/usr/bin/env python3
"""Work queue, worker: fair dispatch (prefetch 1) and a manual ack once the work is done.

Each '.' in a body is WORK_SECONDS of work; MAX_MESSAGES stops it. WORKER_NAME tags its output.
"""
import os
import time

from _conn import connect, max_messages, name, work_seconds

limit = max_messages()
unit = work_seconds()
me = os.environ.get("WORKER_NAME", str(os.getpid()))
connection = connect()
channel = connection.channel()
channel.queue_declare(queue=name("task_queue"), durable=True)
seen = 0


def callback(ch, method, properties, body):
    global seen
    again = " (redelivered)" if method.redelivered else ""
    print(f" [{me}] Received {body.decode()!r}{again}", flush=True)
    time.sleep(body.count(b".") * unit)
    print(f" [{me}] Done {body.decode()!r}", flush=True)
    ch.basic_ack(delivery_tag=method.delivery_tag)
    seen += 1
    if limit and seen >= limit:
        ch.stop_consuming()


channel.basic_qos(prefetch_count=1)
channel.basic_consume(queue=name("task_queue"), on_message_callback=callback)
print(f" [{me}] Waiting for messages. To exit press CTRL+C", flush=True)
channel.start_consuming()
connection.close()
