#!/usr/bin/env python3
"""Publish/subscribe, producer: broadcast to every queue bound to the fanout exchange 'logs'."""
import sys

from _conn import connect, name

message = " ".join(sys.argv[1:]) or "info: Hello World!"
connection = connect()
channel = connection.channel()
channel.exchange_declare(exchange=name("logs"), exchange_type="fanout")
channel.basic_publish(exchange=name("logs"), routing_key="", body=message)
print(f" [x] Sent {message!r}", flush=True)
connection.close()
