"""Loopback ports and waiting helpers shared by the test harness."""

import socket
import time


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.1, what="condition"):
    """Poll predicate() until it is truthy; return its value or raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - the last error is reported on timeout
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError("timed out after %.0fs waiting for %s (last error: %r)" % (timeout, what, last_exc))
