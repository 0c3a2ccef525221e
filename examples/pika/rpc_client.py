#!/usr/bin/env python3
"""RPC, client: fib(n) for each argument, through an exclusive callback queue.

Replies are matched to requests by correlation_id; RPC_TIMEOUT (seconds, default 10) bounds each call.
"""
import os
import sys
import time
import uuid

import pika

from _conn import connect, name


class FibonacciRpcClient:
    def __init__(self):
        self.connection = connect()
        self.channel = self.connection.channel()
        result = self.channel.queue_declare(queue="", exclusive=True)
        self.callback_queue = result.method.queue
        self.channel.basic_consume(
            queue=self.callback_queue, on_message_callback=self.on_response, auto_ack=True
        )
        self.response = None
        self.corr_id = None

    def on_response(self, ch, method, props, body):
        if self.corr_id == props.correlation_id:
            self.response = body

    def call(self, n, timeout):
        self.response = None
        self.corr_id = str(uuid.uuid4())
        self.channel.basic_publish(
            exchange="",
            routing_key=name("rpc_queue"),
            properties=pika.BasicProperties(
                reply_to=self.callback_queue, correlation_id=self.corr_id
            ),
            body=str(n),
        )
        deadline = time.monotonic() + timeout
        while self.response is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply to fib({n}) within {timeout}s")
            self.connection.process_data_events(time_limit=0.1)
        return int(self.response)


timeout = float(os.environ.get("RPC_TIMEOUT", "10"))
client = FibonacciRpcClient()
for arg in sys.argv[1:] or ["30"]:
    n = int(arg)
    print(f" [x] Requesting fib({n})", flush=True)
    print(f" [.] Got {client.call(n, timeout)}", flush=True)
client.connection.close()
