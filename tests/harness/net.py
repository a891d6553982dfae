"""Loopback ports and waiting helpers shared by the test harness."""

import socket
import threading
import time

_HANDED_OUT = set()
_PORT_LOCK = threading.Lock()


def free_port():
    """A loopback port nothing listens on, never the same twice in this process.

    The kernel may give the same ephemeral port to two bind(0) calls once the first socket is closed, and callers
    ask for several ports before anything binds them (an etcd member needs two), so ports already handed out are
    remembered and skipped.
    """
    with _PORT_LOCK:
        for _attempt in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port
        raise RuntimeError("no loopback port left that was not handed out already")


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
