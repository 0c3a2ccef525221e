#!/usr/bin/env python3
"""Calls the worker: add.delay(2, 3).get(timeout=10) == 5, then a small batch; prints results."""
import os
import sys

from tasks import add, mul

timeout = float(os.environ.get("RESULT_TIMEOUT", "10"))
result = add.delay(2, 3).get(timeout=timeout)
print(f"add(2, 3) = {result}", flush=True)
if result != 5:
    sys.exit(1)
batch = [add.delay(i, i) for i in range(10)]
print(f"batch = {[r.get(timeout=timeout) for r in batch]}", flush=True)
print(f"mul(6, 7) = {mul.apply_async((6, 7)).get(timeout=timeout)}", flush=True)
