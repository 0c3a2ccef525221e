#!/usr/bin/env python3
"""Routing, producer: argv[1] is the severity (routing key) on the direct exchange 'direct_logs'."""
import sys

from _conn import connect, name

severity = sys.argv[1] if len(sys.argv) > 1 else "info"
message = " ".join(sys.argv[2:]) or "Hello World!"
connection = connect()
channel = connection.channel()
channel.exchange_declare(exchange=name("direct_logs"), exchange_type="direct")
channel.basic_publish(exchange=name("direct_logs"), routing_key=severity, body=message)
print(f" [x] Sent {severity}:{message}", flush=True)
connection.close()
