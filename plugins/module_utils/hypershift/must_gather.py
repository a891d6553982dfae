# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_must_gather: what support asks for about a hosted cluster (seed 001 §9.1), in one
private tar.gz, with no Secret value in it.

Objects are written as YAML, one file each, under namespaces/<namespace>/<kind>/<name>.yaml; Secrets and ConfigMaps
as their names, types and keys only; pods as their status and containers; logs under
namespaces/<ns>/pods/<pod>/<container>.log. Every Secret value read (8 characters or more, as text and in base64)
is then searched for in every file, the logs and the output of `oc adm must-gather` included, and replaced.
"""

from __future__ import annotations

import base64
import datetime
import os
import shutil
import tarfile
import tempfile

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.files import atomic_write
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    HYPERSHIFT_API,
    check_cluster_names,
    get_hostedcluster,
    hcp_namespace,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import (
    DynamicApiError,
    ResourceNotFoundError,
    api_error_text,
    auth_arg_spec,
    with_retries,
)

try:
    import yaml
    from kubernetes.client.api import core_v1_api
except ImportError:  # reported by AnsibleK8SModule's requirement check
    yaml = core_v1_api = None

CAPI = "cluster.x-k8s.io/v1beta1"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta2"
# (apiVersion, kind, where: "hc" = the HostedCluster's namespace, "hcp" = the control-plane namespace)
KINDS = (
    (HYPERSHIFT_API, "NodePool", "hc"),
    (HYPERSHIFT_API, "HostedControlPlane", "hcp"),
    (CAPI, "Cluster", "hcp"),
    (CAPI, "MachineDeployment", "hcp"),
    (CAPI, "MachineSet", "hcp"),
    (CAPI, "Machine", "hcp"),
    (INFRA, "AWSCluster", "hcp"),
    (INFRA, "AWSMachineTemplate", "hcp"),
    (INFRA, "AWSMachine", "hcp"),
    ("apps/v1", "Deployment", "hcp"),
    ("apps/v1", "StatefulSet", "hcp"),
    ("v1", "Event", "hc"),
    ("v1", "Event", "hcp"),
    ("v1", "Pod", "hcp"),
    ("v1", "Secret", "hc"),
    ("v1", "Secret", "hcp"),
    ("v1", "ConfigMap", "hcp"),
)
MCE_IMAGE = "registry.redhat.io/multicluster-engine/must-gather-rhel9:v%s"
REDACTED = "<redacted: secret value>"
MIN_SECRET_LEN = 8
MIN_WORD_LEN = 40
DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        dest={"type": "path", "required": True},
        logs={"type": "bool", "default": True},
        log_tail_lines={"type": "int", "default": 5000},
        oc_must_gather={"type": "str", "choices": ["auto", "always", "never"], "default": "auto"},
        mce_version={"type": "str"},
        must_gather_image={"type": "str"},
        oc_timeout={"type": "int", "default": 1800},
    )
    return spec


def check_options(params):
    check_cluster_names(params, nodepools=False)
    inputs.dir_dest(params["dest"], "dest")
    inputs.at_least(params["log_tail_lines"], "log_tail_lines", 0, "lines")
    inputs.at_least(params["oc_timeout"], "oc_timeout", 1, "seconds")
    if params.get("mce_version") is not None and not _mce_version_ok(params["mce_version"]):
        raise Day2Error(
            "mce_version=%r must be the multicluster engine version as X.Y, such as 2.6." % params["mce_version"]
        )
    if params.get("must_gather_image") is not None:
        inputs.text(params["must_gather_image"], "must_gather_image", MCE_IMAGE % "2.6")


def _mce_version_ok(value):
    parts = str(value).split(".")
    return len(parts) == 2 and all(p.isdigit() for p in parts)


def _dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def clean(obj, kind):
    """What goes into the archive for one object: no managedFields, no last-applied copy; Secrets and ConfigMaps
    reduced to names, types and keys; Pods to their status and containers."""
    meta = dict(obj.get("metadata") or {})
    meta.pop("managedFields", None)
    if meta.get("annotations"):
        meta["annotations"] = {k: v for k, v in meta["annotations"].items() if k not in DROPPED_ANNOTATIONS}
    out = {"apiVersion": obj.get("apiVersion"), "kind": kind, "metadata": meta}
    if kind in ("Secret", "ConfigMap"):
        out["type"] = obj.get("type")
        out["keys"] = sorted(
            set(obj.get("data") or {}) | set(obj.get("stringData") or {}) | set(obj.get("binaryData") or {})
        )
        out = {k: v for k, v in out.items() if v is not None}
        return out
    if kind == "Pod":
        spec = obj.get("spec") or {}
        out["spec"] = {
            "nodeName": spec.get("nodeName"),
            "containers": [{"name": c.get("name"), "image": c.get("image")} for c in spec.get("containers") or []],
        }
        out["status"] = obj.get("status")
        return out
    for key, value in obj.items():
        if key not in ("apiVersion", "kind", "metadata"):
            out[key] = value
    return out


def secret_values(secrets):
    """Every value of the Secrets read, as text and base64, long enough to be searched for safely."""
    found = set()
    for secret in secrets:
        for value in (secret.get("data") or {}).values():
            if not isinstance(value, str):
                continue
            found.add(value)
            try:
                decoded = base64.b64decode(value)
            except ValueError:
                continue
            text = decoded.decode("utf-8", errors="ignore")
            found.add(text)
            # key material inside a longer value (a PEM body line, a token in a kubeconfig): long lines without blanks
            found.update(w for line in text.splitlines() for w in line.split() if len(w) >= MIN_WORD_LEN)
        for value in (secret.get("stringData") or {}).values():
            if isinstance(value, str):
                found.add(value)
    return sorted((v for v in found if len(v.strip()) >= MIN_SECRET_LEN), key=len, reverse=True)


def redact_text(text, values):
    for value in values:
        text = text.replace(value, REDACTED)
    return text


def redact_tree(root, values):
    """Replace every secret value in every file under root; returns the files changed."""
    if not values:
        return []
    needles = [v.encode() for v in values]
    changed = []
    for base, _dirs, files in os.walk(root):
        for fname in files:
            path = os.path.join(base, fname)
            with open(path, "rb") as f:
                data = f.read()
            new = data
            for needle in needles:
                if needle in new:
                    new = new.replace(needle, REDACTED.encode())
            if new != data:
                with open(path, "wb") as f:
                    f.write(new)
                changed.append(os.path.relpath(path, root))
    return changed


class Gather:
    def __init__(self, module, work):
        self.module, self.work = module, work
        params = module.params
        self.ns, self.name = params["namespace"], params["name"]
        self.hcp_ns = hcp_namespace(self.ns, self.name)
        self.files, self.skipped, self.secrets, self.errors = [], [], [], []

    def write(self, rel, text):
        path = os.path.join(self.work, rel)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.files.append(rel)

    def dump(self, obj, kind, namespace):
        rel = os.path.join("namespaces", namespace, kind.lower(), "%s.yaml" % obj["metadata"]["name"])
        self.write(rel, yaml.safe_dump(clean(obj, kind), sort_keys=False, default_flow_style=False))

    def list(self, api_version, kind, namespace):
        try:
            res = with_retries(self.module.client.resources.get, api_version=api_version, kind=kind)
        except ResourceNotFoundError:
            self.skipped.append("%s (not served)" % kind)
            return []
        try:
            items = _dict(with_retries(res.get, namespace=namespace)).get("items") or []
        except DynamicApiError as exc:
            self.errors.append("listing %s in %s: %s" % (kind, namespace, api_error_text(exc)))
            return []
        return sorted(items, key=lambda o: o["metadata"]["name"])

    def objects(self, hc):
        self.dump(hc, "HostedCluster", self.ns)
        for api_version, kind, where in KINDS:
            namespace = self.ns if where == "hc" else self.hcp_ns
            items = self.list(api_version, kind, namespace)
            if kind == "NodePool":
                items = [i for i in items if (i.get("spec") or {}).get("clusterName") == self.name]
            if kind == "Event" and where == "hc":
                items = [i for i in items if self._about_cluster(i)]
            if kind == "Secret":
                self.secrets += items
            for item in items:
                self.dump(item, kind, namespace)
            if kind == "Pod" and self.module.params["logs"]:
                self.logs(items)

    def _about_cluster(self, event):
        obj = event.get("involvedObject") or {}
        return obj.get("name", "").startswith(self.name)

    def logs(self, pods):
        core = core_v1_api.CoreV1Api(self.module.client.client.client)
        tail = self.module.params["log_tail_lines"] or None
        for pod in pods:
            pname = pod["metadata"]["name"]
            for c in (pod.get("spec") or {}).get("containers") or []:
                try:
                    text = with_retries(
                        core.read_namespaced_pod_log, pname, self.hcp_ns, container=c["name"], tail_lines=tail
                    )
                except Exception as exc:  # noqa: BLE001 - a pod that has no log yet is noted, not fatal
                    self.errors.append("log of %s/%s: %s" % (pname, c["name"], getattr(exc, "reason", None) or exc))
                    continue
                self.write(os.path.join("namespaces", self.hcp_ns, "pods", pname, "%s.log" % c["name"]), text or "")


def mce_version(module):
    """X.Y of the multicluster engine (MultiClusterEngine status.currentVersion), or None."""
    try:
        res = with_retries(
            module.client.resources.get, api_version="multicluster.openshift.io/v1", kind="MultiClusterEngine"
        )
        items = _dict(with_retries(res.get)).get("items") or []
    except (ResourceNotFoundError, DynamicApiError):
        return None
    for item in items:
        version = (item.get("status") or {}).get("currentVersion") or ""
        parts = version.split(".")
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            return "%s.%s" % (parts[0], parts[1])
    return None


def run_oc(module, work, notes):
    """`oc adm must-gather` with the multicluster engine's image, as the seed shows; into work/oc-must-gather."""
    params = module.params
    if params["oc_must_gather"] == "never":
        return None
    oc = module._module.get_bin_path("oc", required=False)  # AnsibleK8SModule wraps an AnsibleModule
    if oc is None:
        if params["oc_must_gather"] == "always":
            raise Day2Error("oc_must_gather=always but `oc` is not on PATH; install the OpenShift CLI or use auto.")
        notes.append("oc not found on PATH: oc adm must-gather skipped (the archive has this module's collection only)")
        return None
    image = params.get("must_gather_image")
    version = params.get("mce_version") or (None if image else mce_version(module))
    if not image and not version:
        if params["oc_must_gather"] == "always":
            raise Day2Error(
                "The multicluster engine version is unknown (no MultiClusterEngine found): give mce_version."
            )
        notes.append("multicluster engine version unknown (give mce_version): oc adm must-gather skipped")
        return None
    image = image or MCE_IMAGE % version
    dest = os.path.join(work, "oc-must-gather")
    cmd = [oc]
    if params.get("kubeconfig") and isinstance(params["kubeconfig"], str):
        cmd.append("--kubeconfig=%s" % params["kubeconfig"])
    if params.get("context"):
        cmd.append("--context=%s" % params["context"])
    cmd += [
        "adm",
        "must-gather",
        "--image=%s" % image,
        "--timeout=%ds" % params["oc_timeout"],
        "/usr/bin/gather",
        "hosted-cluster-namespace=%s" % params["namespace"],
        "hosted-cluster-name=%s" % params["name"],
        "--dest-dir=%s" % dest,
    ]  # the seed's order
    rc, out, err = module._module.run_command(cmd)
    if rc != 0:
        notes.append("oc adm must-gather failed (rc=%d): %s" % (rc, (err or out).strip()[-500:]))
    return {"cmd": cmd, "rc": rc, "image": image}


def execute(module):
    params = module.params
    check_options(params)
    hc = get_hostedcluster(module, params["name"], params["namespace"])
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = "must-gather-%s-%s-%s" % (params["namespace"], params["name"], stamp)
    path = os.path.join(params["dest"], base + ".tar.gz")
    notes = []
    if module.check_mode:
        return {"changed": False, "path": path, "msg": "check mode: nothing was collected or written"}
    os.makedirs(params["dest"], mode=0o700, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".ocp-day2-must-gather-", dir=params["dest"])
    try:
        gather = Gather(module, os.path.join(work, base))
        gather.objects(hc)
        oc = run_oc(module, os.path.join(work, base), notes)
        values = secret_values(gather.secrets)
        redacted = redact_tree(os.path.join(work, base), values)
        notes = [redact_text(n, values) for n in notes]  # oc's own messages too
        summary = {
            "hostedcluster": "%s/%s" % (gather.ns, gather.name),
            "collected_at": stamp,
            "skipped": gather.skipped,
            "errors": gather.errors,
            "notes": notes,
            "redacted_files": redacted,
        }
        gather.write("ocp-day2-summary.yaml", yaml.safe_dump(summary, sort_keys=False))
        tar_path = os.path.join(work, "archive.tar.gz")
        with tarfile.open(tar_path, mode="w:gz") as tar:
            tar.add(os.path.join(work, base), arcname=base)
        with open(tar_path, "rb") as f:
            atomic_write(path, f, mode=0o600)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "changed": True,
        "path": path,
        "files": len(gather.files),
        "skipped": gather.skipped,
        "errors": gather.errors,
        "notes": notes,
        "redacted_files": redacted,
        "oc_must_gather": oc,
    }
