#!/usr/bin/env python3
"""Hello world, producer: one message to the queue 'hello' through the default exchange."""
import sys

from _conn import connect, name

message = " ".join(sys.argv[1:]) or "Hello World!"
connection = connect()
channel = connection.channel()
channel.queue_declare(queue=name("hello"))
channel.basic_publish(exchange="", routing_key=name("hello"), body=message)
print(f" [x] Sent {message!r}", flush=True)
connection.close()
