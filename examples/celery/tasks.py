"""A minimal Celery app on an AMQP broker (Warren's or RabbitMQ), results over `rpc://`.

AMQP_URL picks the broker (default amqp://guest:guest@localhost:5672//); CELERY_QUEUE
(default "celery") names the task queue, so several runs can share one broker.
"""
import os

from celery import Celery

app = Celery(
    "tasks",
    broker=os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672//"),
    backend="rpc://",
)
app.conf.update(
    task_default_queue=os.environ.get("CELERY_QUEUE", "celery"),
    broker_connection_retry_on_startup=True,
    # Results are AMQP messages to the client's reply queue; keep them transient.
    result_persistent=False,
    worker_hijack_root_logger=False,
)


@app.task
def add(x, y):
    return x + y


@app.task
def mul(x, y):
    return x * y
