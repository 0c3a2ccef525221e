#!/usr/bin/env python3
"""Topics, producer: argv[1] is a dotted routing key such as 'kern.critical' on 'topic_logs'."""
import sys

from _conn import connect, name

routing_key = sys.argv[1] if len(sys.argv) > 1 else "anonymous.info"
message = " ".join(sys.argv[2:]) or "Hello World!"
connection = connect()
channel = connection.channel()
channel.exchange_declare(exchange=name("topic_logs"), exchange_type="topic")
channel.basic_publish(exchange=name("topic_logs"), routing_key=routing_key, body=message)
print(f" [x] Sent {routing_key}:{message}", flush=True)
connection.close()
