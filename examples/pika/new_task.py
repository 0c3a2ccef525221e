#!/usr/bin/env python3
"""Work queue, producer: persistent messages on the durable 'task_queue'.

Each argument is one task; every '.' in a task is WORK_SECONDS of work for the worker.
"""
import sys

import pika

from _conn import connect, name

tasks = sys.argv[1:] or ["Hello World!"]
connection = connect()
channel = connection.channel()
channel.queue_declare(queue=name("task_queue"), durable=True)
for task in tasks:
    channel.basic_publish(
        exchange="",
        routing_key=name("task_queue"),
        body=task,
        properties=pika.BasicProperties(delivery_mode=2),
    )
    print(f" [x] Sent {task!r}", flush=True)
connection.close()
