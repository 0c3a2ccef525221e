"""Connection helper shared by the pika examples.

AMQP_URL picks the broker (default amqp://guest:guest@localhost:5672/%2F).
AMQP_PREFIX (default empty) is prepended to every queue and exchange name, so several
runs can share one broker without seeing each other's messages.
"""
import os

import pika

PREFIX = os.environ.get("AMQP_PREFIX", "")


def connect():
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")
    return pika.BlockingConnection(pika.URLParameters(url))


def name(base):
    """The queue or exchange name for `base`, with AMQP_PREFIX applied."""
    return PREFIX + base


def max_messages():
    """MAX_MESSAGES: consumers stop after this many messages (0 = run until killed)."""
    return int(os.environ.get("MAX_MESSAGES", "0"))


def work_seconds():
    """WORK_SECONDS: seconds of simulated work per '.' in a task body (default 1)."""
    return float(os.environ.get("WORK_SECONDS", "1"))
