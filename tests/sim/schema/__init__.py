"""Schema validation of the HyperShift kinds the simulator serves (see engine.py and kinds.py)."""

import threading

from .engine import Validator
from .kinds import SCHEMAS

GROUP = "hypershift.openshift.io"
_VALIDATORS = {}
_LOCK = threading.Lock()


def validator(kind):
    with _LOCK:
        if kind not in _VALIDATORS:
            _VALIDATORS[kind] = Validator(kind, GROUP, SCHEMAS[kind]())
        return _VALIDATORS[kind]


def covers(res):
    return res.group == GROUP and res.kind in SCHEMAS


def admit(res, obj, old=None):
    """Prune, default and validate a HostedCluster, NodePool or HostedControlPlane (no-op for other kinds)."""
    if covers(res):
        validator(res.kind).admit(obj, old)
