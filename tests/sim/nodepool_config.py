"""What the NodePool controller does with spec.config, spec.tuningConfig, replicas and nodeDrainTimeout.

Facts from openshift/hypershift (hypershift-operator/controllers/nodepool, read 2026-11), in our words:
- spec.config names ConfigMaps of the NodePool's namespace whose key `config` holds one or more YAML documents
  of machineconfiguration.openshift.io kinds (MachineConfig, KubeletConfig, ContainerRuntimeConfig) or
  ImageContentSourcePolicy / ImageDigestMirrorSet / ClusterImagePolicy; spec.tuningConfig names ConfigMaps whose
  key `tuning` holds a Tuned or PerformanceProfile. A missing ConfigMap, key or unsupported kind sets
  ValidMachineConfig / ValidTuningConfig False and nothing rolls out.
- The controller hashes the rendered configuration and keeps the hash it rolled out in the annotation
  `hypershift.openshift.io/nodePoolCurrentConfig`. While the target hash differs from it, UpdatingConfig is
  True ("Updating config in progress. Target config: <hash>"); once the machines run the new config the
  annotation is updated and UpdatingConfig goes False. Conditions carry observedGeneration.
- nodeDrainTimeout is a metav1.Duration: the CRD only says `type: string`, so the API server stores any text,
  but the controller cannot decode a NodePool whose value is not a Go duration and leaves it alone.
- With autoScaling (and no replicas) the MachineDeployment follows the autoscaler, which starts at `min`.
"""

import hashlib
import re
import time

import yaml

from . import resources
from .store import now

CURRENT_CONFIG = "hypershift.openshift.io/nodePoolCurrentConfig"
MACHINE_CONFIG_KINDS = {
    "machineconfiguration.openshift.io": ("MachineConfig", "KubeletConfig", "ContainerRuntimeConfig"),
    "operator.openshift.io": ("ImageContentSourcePolicy",),
    "config.openshift.io": ("ImageDigestMirrorSet", "ClusterImagePolicy", "ImageContentSourcePolicy"),
}
TUNING_KINDS = {"tuned.openshift.io": ("Tuned",), "performance.openshift.io": ("PerformanceProfile",)}
_CM = resources.lookup(None, "ConfigMap")
_NP = resources.lookup(None, "NodePool")
_DURATION = re.compile(r"^[-+]?(0|(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration(text):
    """Seconds of a Go duration string ("90s", "1h30m", "0"), or None when Go's time.ParseDuration refuses it."""
    if not isinstance(text, str) or not _DURATION.match(text):
        return None
    sign = -1.0 if text.startswith("-") else 1.0
    return sign * sum(float(n) * _UNIT[u] for n, u in _PART.findall(text))


def decodable(np):
    """False when the controller could not decode this NodePool (a duration that is not a Go duration)."""
    spec = np.get("spec") or {}
    return all(go_duration(spec[f]) is not None for f in ("nodeDrainTimeout", "nodeVolumeDetachTimeout") if f in spec)


def desired_replicas(spec):
    """Machines a NodePool asks for: replicas, or autoScaling.min (the autoscaler's floor) when autoscaled."""
    if "replicas" in spec:
        return spec["replicas"] or 0
    return ((spec.get("autoScaling") or {}).get("min")) or 0


def _payloads(store, namespace, refs, key, kinds):
    """(texts, error): the documents of the referenced ConfigMaps, or the first problem found."""
    texts = []
    for ref in refs or []:
        name = (ref or {}).get("name", "")
        cm = store.get(_CM, namespace, name)
        if cm is None:
            return None, 'ConfigMap "%s" not found' % name
        payload = (cm.get("data") or {}).get(key)
        if payload is None:
            return None, 'no manifest found in configmap "%s" with key "%s"' % (name, key)
        try:
            docs = [d for d in yaml.safe_load_all(payload) if d]
        except yaml.YAMLError as exc:
            return None, 'configmap "%s" contains invalid yaml: %s' % (name, exc)
        for doc in docs:
            group = str(doc.get("apiVersion", "")).split("/", maxsplit=1)[0] if isinstance(doc, dict) else ""
            if not isinstance(doc, dict) or doc.get("kind") not in kinds.get(group, ()):
                kind = doc.get("kind") if isinstance(doc, dict) else type(doc).__name__
                problem = "unsupported config type: %s" % kind
                return None, 'configmap "%s" yaml document failed validation: %s' % (name, problem)
        texts.append(payload)
    return sorted(texts), None


def _condition(status, prev, ctype, value, reason, message, generation):
    conds = [c for c in status.get("conditions") or [] if c["type"] != ctype]
    old = prev.get(ctype)
    cond = {"type": ctype, "status": value, "reason": reason, "message": message, "observedGeneration": generation}
    same = old is not None and old.get("status") == value
    cond["lastTransitionTime"] = old["lastTransitionTime"] if same else now()
    status["conditions"] = conds + [cond]


def reconcile(operator, np, status):
    """Bring UpdatingConfig, ValidMachineConfig, ValidTuningConfig and the current-config hash up to date.

    Mutates `status` (the NodePool status the operator is about to write); returns the NodePool as stored.
    """
    store, meta, spec = operator.store, np["metadata"], np["spec"]
    gen = meta.get("generation", 1)
    prev = {c["type"]: c for c in (np.get("status") or {}).get("conditions") or []}
    configs, bad_mc = _payloads(store, meta["namespace"], spec.get("config"), "config", MACHINE_CONFIG_KINDS)
    tunings, bad_tuning = _payloads(store, meta["namespace"], spec.get("tuningConfig"), "tuning", TUNING_KINDS)
    _condition(status, prev, "ValidMachineConfig", "False" if bad_mc else "True",
               "ValidationFailed" if bad_mc else "AsExpected", bad_mc or "", gen)  # fmt: skip
    _condition(status, prev, "ValidTuningConfig", "False" if bad_tuning else "True",
               "ValidationFailed" if bad_tuning else "AsExpected", bad_tuning or "", gen)  # fmt: skip
    annotations = meta.get("annotations") or {}
    current = annotations.get(CURRENT_CONFIG)
    key = ("NodePoolConfig", meta["namespace"], meta["name"])
    if bad_mc or bad_tuning:
        operator._progress.pop(key, None)
        _condition(status, prev, "UpdatingConfig", "False", "AsExpected", "", gen)
        return np
    target = hashlib.sha256("\n---\n".join(configs + tunings).encode()).hexdigest()[:8]
    if current is None:  # a new NodePool's machines are created with their config: nothing to roll out
        return _set_current(store, np, target)
    if current == target:
        operator._progress.pop(key, None)
        _condition(status, prev, "UpdatingConfig", "False", "AsExpected", "", gen)
        return np
    started = operator._progress.get(key)
    if started is None or started[1] != target:
        operator._progress[key] = started = (time.monotonic(), target)
    if time.monotonic() - started[0] >= getattr(operator.mgmt, "config_seconds", 1.0):
        operator._progress.pop(key, None)
        _condition(status, prev, "UpdatingConfig", "False", "AsExpected", "", gen)
        return _set_current(store, np, target)
    _condition(status, prev, "UpdatingConfig", "True", "AsExpected",
               "Updating config in progress. Target config: %s" % target, gen)  # fmt: skip
    return np


def _set_current(store, np, target):
    meta = np["metadata"]
    meta.setdefault("annotations", {})[CURRENT_CONFIG] = target
    return store.update(_NP, np, meta["namespace"], meta["name"], check_rv=False)
