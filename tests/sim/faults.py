"""Fault injection for the simulated API server: fail or stall matching requests, once or always."""

import re
import threading
from dataclasses import dataclass
from typing import Optional


@dataclass
class Fault:
    method: Optional[str]
    path: "re.Pattern"
    status: Optional[int]
    stall: Optional[float]
    times: Optional[int]
    hits: int = 0


class Faults:
    """`add(method="PATCH", path=r"regex", status=500, times=1)`; `stall=seconds` delays instead.

    `path` is searched (re.search) in the request path without the query string; `method=None`
    matches every method; `times=None` keeps the fault until `clear()`.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, method=None, path=r".*", status=None, stall=None, times=1):
        if status is None and stall is None:
            status = 500
        fault = Fault(method.upper() if method else None, re.compile(path), status, stall, times)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self):
        with self._lock:
            self._faults.clear()

    def match(self, method, path):
        """The first live fault for this request (its use is counted), or None."""
        with self._lock:
            for fault in self._faults:
                if fault.method and fault.method != method.upper():
                    continue
                if not fault.path.search(path):
                    continue
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self._faults.remove(fault)
                return fault
        return None


_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def fault_status(code):
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "injected fault: the simulator answers %d" % code,
        "reason": _REASONS.get(code, "InternalError"),
        "details": {"retryAfterSeconds": 1} if code in (429, 503) else {},
        "code": code,
    }
