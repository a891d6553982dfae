# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node pool configuration (seeds 000 §3.3-3.4, 001 §4.1-4.2): MachineConfig and Tuned objects checked and
wrapped in ConfigMaps that NodePools reference from spec.config (key `config`) and spec.tuningConfig (key `tuning`).

Facts from openshift/hypershift (api/hypershift/v1beta1/nodepool_types.go and the NodePool controller, read
2026-11), in our words: both lists hold at most 10 references to ConfigMaps of the NodePool's namespace; the
controller forces the label machineconfiguration.openshift.io/role=worker on every MachineConfig it reads,
reports bad content through ValidMachineConfig / ValidTuningConfig, and shows a rollout with UpdatingConfig.
"""

from __future__ import annotations

import re

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

try:
    import yaml
except ImportError:  # reported by AnsibleK8SModule's requirement check (PyYAML)
    yaml = None

ROLE_LABEL = "machineconfiguration.openshift.io/role"
OWNER_LABEL = "ocp.day2/nodepool-config"
MAX_REFS = 10
TUNED_NAMESPACE = "openshift-cluster-node-tuning-operator"
# Ignition spec versions the Machine Config Operator of OpenShift 4.12 and later reads.
IGNITION_VERSION = re.compile(r"^3\.[0-5]\.0$")
KINDS = {
    # kind: (apiVersion, ConfigMap key, NodePool field, ConfigMap name part)
    "MachineConfig": ("machineconfiguration.openshift.io/v1", "config", "config", "mc"),
    "Tuned": ("tuned.openshift.io/v1", "tuning", "tuningConfig", "tuned"),
}


def _where(kind, index, name=None):
    return "%s #%d%s" % (kind, index + 1, " (%s)" % name if name else "")


def _name(obj, kind, index):
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise Day2Error("%s has no metadata.name; give every object a name." % _where(kind, index))
    inputs.k8s_name(meta["name"], "%s metadata.name" % _where(kind, index), example="99-worker-motd")
    return meta["name"]


def _head(obj, kind, index):
    """apiVersion, kind and name of one object; Day2Error when one is wrong."""
    if not isinstance(obj, dict):
        raise Day2Error(
            "%s is %s, not a mapping; give the object as YAML/dict data." % (_where(kind, index), type(obj).__name__)
        )
    want_api = KINDS[kind][0]
    name = _name(obj, kind, index)
    if obj.get("kind") != kind or obj.get("apiVersion") != want_api:
        raise Day2Error(
            "%s has apiVersion %r and kind %r; it must be apiVersion %s, kind %s."
            % (_where(kind, index, name), obj.get("apiVersion"), obj.get("kind"), want_api, kind)
        )
    return name


def check_machine_config(obj, index, full=True):
    """The MachineConfig as it goes into the ConfigMap (role label set); Day2Error naming what is wrong."""
    name = _head(obj, "MachineConfig", index)
    if not full:
        return obj
    meta = obj["metadata"]
    where = _where("MachineConfig", index, name)
    if meta.get("namespace"):
        raise Day2Error("%s has metadata.namespace; a MachineConfig is cluster-scoped, remove it." % where)
    labels = meta.get("labels") or {}
    if not isinstance(labels, dict):
        raise Day2Error("%s: metadata.labels must be a mapping." % where)
    if labels.get(ROLE_LABEL, "worker") != "worker":
        raise Day2Error(
            "%s has label %s=%s. NodePool nodes are workers: HyperShift rewrites this label to 'worker', so a "
            "MachineConfig meant for another role would silently apply to the pool. Use role 'worker' (or leave the "
            "label out)." % (where, ROLE_LABEL, labels.get(ROLE_LABEL))
        )
    config = (obj.get("spec") or {}).get("config")
    version = ((config or {}).get("ignition") or {}).get("version") if isinstance(config, dict) else None
    if not isinstance(version, str) or not IGNITION_VERSION.match(version):
        raise Day2Error(
            "%s: spec.config.ignition.version is %r; it must be an Ignition spec 3 version the Machine Config "
            "Operator reads, 3.0.0 to 3.5.0 (the seeds use 3.2.0)." % (where, version)
        )
    out = dict(obj, metadata=dict(meta, labels=dict(labels, **{ROLE_LABEL: "worker"})))
    return out


def check_tuned(obj, index, full=True):
    """The Tuned object as it goes into the ConfigMap; Day2Error naming what is wrong."""
    name = _head(obj, "Tuned", index)
    if not full:
        return obj
    where = _where("Tuned", index, name)
    meta = obj["metadata"]
    if meta.get("namespace", TUNED_NAMESPACE) != TUNED_NAMESPACE:
        raise Day2Error("%s: metadata.namespace must be %s (or left out)." % (where, TUNED_NAMESPACE))
    spec = obj.get("spec") or {}
    profiles = spec.get("profile")
    if not isinstance(profiles, list) or not profiles:
        raise Day2Error("%s: spec.profile must list at least one profile ({name, data})." % where)
    names = set()
    for i, prof in enumerate(profiles):
        if not isinstance(prof, dict) or not isinstance(prof.get("name"), str) or not isinstance(prof.get("data"), str):
            raise Day2Error("%s: spec.profile[%d] needs a name and its data (the TuneD profile text)." % (where, i))
        names.add(prof["name"])
    for i, rec in enumerate(spec.get("recommend") or []):
        if not isinstance(rec, dict) or not isinstance(rec.get("profile"), str):
            raise Day2Error("%s: spec.recommend[%d] needs the profile it recommends." % (where, i))
        if not isinstance(rec.get("priority", 0), int):
            raise Day2Error("%s: spec.recommend[%d].priority must be a number." % (where, i))
    out = dict(obj, metadata=dict(meta, namespace=TUNED_NAMESPACE))
    return out


def configmap_name(cluster, kind, obj_name):
    return "%s-%s-%s" % (cluster, KINDS[kind][3], obj_name)


def desired(params, full=True):
    """[(kind, ConfigMap name, object)] for the objects given; Day2Error for a bad one or a clash of names."""
    out, seen = [], set()
    for kind, option, check in (
        ("MachineConfig", "machine_configs", check_machine_config),
        ("Tuned", "tuned", check_tuned),
    ):
        for index, obj in enumerate(params.get(option) or []):
            obj = check(obj, index, full)
            cm = configmap_name(params["name"], kind, obj["metadata"]["name"])
            if len(cm) > 253:
                raise Day2Error("The ConfigMap name %s would be longer than 253 characters; use a shorter name." % cm)
            if cm in seen:
                raise Day2Error("%s %s is given twice; give each object once." % (kind, obj["metadata"]["name"]))
            seen.add(cm)
            out.append((kind, cm, obj))
    if not out:
        raise Day2Error("Give at least one object in machine_configs or tuned.")
    return out


def render(namespace, cluster, kind, cm_name, obj):
    """The ConfigMap that carries one object, as the seeds write it (one YAML document under the kind's key)."""
    text = yaml.safe_dump(obj, sort_keys=True, default_flow_style=False)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": cm_name, "namespace": namespace, "labels": {OWNER_LABEL: cluster}},
        "data": {KINDS[kind][1]: text},
    }


def refs_after(current, names, present):
    """The reference list of a NodePool field after adding (present) or removing the ConfigMap names."""
    current = [r for r in current or [] if isinstance(r, dict)]
    have = [r.get("name") for r in current]
    if present:
        return current + [{"name": n} for n in names if n not in have]
    return [r for r in current if r.get("name") not in names]


def check_limit(pool, field, refs):
    if len(refs) > MAX_REFS:
        raise Day2Error(
            "NodePool %s would reference %d ConfigMaps in spec.%s; the API allows at most %d. Put several objects of "
            "one kind into fewer ConfigMaps, or remove some first." % (pool, len(refs), field, MAX_REFS)
        )
