"""Small controllers: namespaces, garbage collection, PVCs, Deployments, StatefulSets (etcd included)."""

import copy
import hashlib
import json
import logging
import os
import random
import shutil
import string
import threading
import time

from . import capi, resources
from .errors import ApiError
from .store import now

log = logging.getLogger(__name__)

R = {
    kind: resources.lookup(None, kind)
    for kind in ("Namespace", "Pod", "PersistentVolumeClaim", "Deployment", "StatefulSet", "HostedCluster")
}
PVC_FINALIZER = "kubernetes.io/pvc-protection"


def _hash(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:10]


def _owner(obj):
    meta = obj["metadata"]
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


class Controllers:
    def __init__(self, mgmt):
        self.mgmt = mgmt
        self.store = mgmt.store
        self._stop = threading.Event()
        self._thread = None
        self._etcd_pods = {}  # (ns, index) -> pod uid the member runs for
        self._tmpl_hash = {}  # (Deployment uid, generation) -> pod-template-hash
        self._pod_seen = {}  # pod uid -> monotonic time a Deployment's pod was first seen (pod_ready_seconds)

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="sim-controllers-" + self.mgmt.name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self.store.dirty.set()
        if self._thread is not None:
            self._thread.join(30)

    @staticmethod
    def _guard(fn, *args):
        """One failing object or step is logged and retried on the next pass; the others go on."""
        try:
            fn(*args)
        except Exception:
            log.exception("simulator controller step %s failed", getattr(fn, "__name__", fn))

    def _loop(self):
        while not self._stop.is_set():
            self.store.dirty.wait(0.25)
            self.store.dirty.clear()
            if self._stop.is_set():
                return
            try:
                self.reconcile()
            except Exception:
                log.exception("simulator controller pass failed")

    def reconcile(self):
        for step in (self.namespaces, self.garbage_collect, self.pvcs, self.mgmt.operator.reconcile, self.lifecycle):
            self._guard(step)
        for dep in self.store.list(R["Deployment"])[0]:
            self._guard(self.deployment, dep)
        seen = set()
        for sts in self.store.list(R["StatefulSet"])[0]:
            seen.add(sts["metadata"]["namespace"])
            self._guard(self.statefulset, sts)
        for ns, rt in list(self.mgmt.pods.etcd.items()):
            if ns not in seen:
                rt.ensure({})

    def lifecycle(self):
        capi.reconcile_lifecycle(self.mgmt)
        self.mgmt.guests.reconcile()

    # -- namespaces and garbage collection ---------------------------------------------------------
    def namespaces(self):
        for ns in self.store.list(R["Namespace"])[0]:
            if not ns["metadata"].get("deletionTimestamp"):
                continue
            name = ns["metadata"]["name"]
            left = 0
            for res in resources.RESOURCES:
                if not res.namespaced:
                    continue
                for obj in self.store.list(res, name)[0]:
                    left += 1
                    if not obj["metadata"].get("deletionTimestamp"):
                        self._delete(res, obj)
            if not left:
                self.store.finalize(R["Namespace"], None, name)

    def _delete(self, res, obj):
        try:
            self.store.delete(res, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        except ApiError:
            pass

    def garbage_collect(self):
        everything = []
        for res in resources.RESOURCES:
            everything += [(res, o) for o in self.store.peek(res)]  # read-only scan
        uids = {o["metadata"]["uid"] for _res, o in everything}
        for res, obj in everything:
            owners = obj["metadata"].get("ownerReferences") or []
            if (
                owners
                and not any(o.get("uid") in uids for o in owners)
                and not obj["metadata"].get("deletionTimestamp")
            ):
                self._delete(res, obj)

    # -- volumes ------------------------------------------------------------------------------------
    def pvcs(self):
        pods = self.store.peek(R["Pod"])  # read-only
        for pvc in self.store.list(R["PersistentVolumeClaim"])[0]:
            meta = pvc["metadata"]
            ann = meta.get("annotations") or {}
            if meta.get("deletionTimestamp"):
                used = any(
                    p["metadata"]["namespace"] == meta["namespace"]
                    and any(
                        (v.get("persistentVolumeClaim") or {}).get("claimName") == meta["name"]
                        for v in p["spec"].get("volumes") or []
                    )
                    for p in pods
                )
                if not used:
                    shutil.rmtree(ann.get("sim.ocp.day2/host-path", "/nonexistent"), ignore_errors=True)
                    meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != PVC_FINALIZER]
                    self._update(R["PersistentVolumeClaim"], pvc)
                continue
            if "sim.ocp.day2/host-path" in ann:
                continue
            path = os.path.join(self.mgmt.base_dir, "pv", meta["namespace"], "%s-%s" % (meta["name"], meta["uid"][:8]))
            os.makedirs(path, mode=0o700, exist_ok=True)
            meta.setdefault("annotations", {})["sim.ocp.day2/host-path"] = path
            meta["finalizers"] = sorted(set(meta.get("finalizers") or []) | {PVC_FINALIZER})
            pvc.setdefault("spec", {})["volumeName"] = "pvc-" + meta["uid"]
            size = ((pvc["spec"].get("resources") or {}).get("requests") or {}).get("storage", "8Gi")
            pvc["status"] = {
                "phase": "Bound",
                "accessModes": pvc["spec"].get("accessModes", ["ReadWriteOnce"]),
                "capacity": {"storage": size},
            }
            self._update(R["PersistentVolumeClaim"], pvc)

    def _update(self, res, obj, sub=None):
        try:
            return self.store.update(
                res, obj, obj["metadata"].get("namespace"), obj["metadata"]["name"], sub, check_rv=False
            )
        except ApiError:
            return None

    # -- pods ---------------------------------------------------------------------------------------
    def _pvc_ready(self, ns, claim):
        pvc = self.store.get(R["PersistentVolumeClaim"], ns, claim)
        return bool(
            pvc
            and not pvc["metadata"].get("deletionTimestamp")
            and "sim.ocp.day2/host-path" in (pvc["metadata"].get("annotations") or {})
        )

    def _new_pod(self, owner, name, template, extra_labels):
        meta = copy.deepcopy(template.get("metadata") or {})
        meta.update(name=name, namespace=owner["metadata"]["namespace"], ownerReferences=[_owner(owner)])
        meta.setdefault("labels", {}).update(extra_labels)
        spec = copy.deepcopy(template["spec"])
        spec.setdefault("nodeName", "%s-worker-%d" % (self.mgmt.name, random.randint(0, 2)))
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending"}}
        return self.store.create(R["Pod"], pod)

    def _set_pod_status(self, pod, phase, ready, waiting=None):
        containers = pod["spec"].get("containers") or []
        started = (pod.get("status") or {}).get("startTime") or now()
        statuses = []
        for c in containers:
            st = {
                "name": c["name"],
                "image": c.get("image", ""),
                "imageID": c.get("image", ""),
                "ready": ready,
                "started": phase == "Running",
                "containerID": "cri-o://" + _hash([pod["metadata"]["uid"], c["name"]]),
                "restartCount": 0,
                "state": {"running": {"startedAt": started}}
                if ready
                else {"waiting": {"reason": waiting or "ContainerCreating"}},
            }
            statuses.append(st)
        cond = "True" if ready else "False"
        status = {
            "phase": phase,
            "podIP": "10.128.0.%d" % (int(pod["metadata"]["uid"][:2], 16) % 250 + 2),
            "hostIP": "10.0.0.1",
            "startTime": started,
            "conditions": [{"type": t, "status": cond} for t in ("Initialized", "Ready", "ContainersReady")]
            + [{"type": "PodScheduled", "status": "True"}],
            "containerStatuses": statuses,
        }
        if pod.get("status") != status:
            pod["status"] = status
            self._update(R["Pod"], pod, "status")

    def _started_long_enough(self, pod):
        """A Deployment's pod runs once pod_ready_seconds have passed since it was created (a real kube-apiserver
        is Ready no sooner than its first readiness probe, every 10 s upstream). Until then it stays Pending."""
        delay = getattr(self.mgmt, "pod_ready_seconds", 0) or 0
        if delay <= 0:
            return True
        first = self._pod_seen.setdefault(pod["metadata"]["uid"], time.monotonic())
        if time.monotonic() - first >= delay:
            self._pod_seen.pop(pod["metadata"]["uid"], None)
            return True
        return False  # the controllers pass again within 0.25 s

    def _run_pod(self, pod):
        claims = [
            v["persistentVolumeClaim"]["claimName"]
            for v in pod["spec"].get("volumes") or []
            if "persistentVolumeClaim" in v
        ]
        if not all(self._pvc_ready(pod["metadata"]["namespace"], c) for c in claims):
            self._set_pod_status(pod, "Pending", False)
            return
        self.mgmt.pods.prepare_pod(pod)
        self._set_pod_status(pod, "Running", True)

    # -- Deployments ------------------------------------------------------------------------------
    def deployment(self, dep):
        meta, spec = dep["metadata"], dep["spec"]
        ns = meta["namespace"]
        want = spec.get("replicas", 1)
        # the template changes only with the generation (the store bumps it on every spec change)
        memo = (meta["uid"], meta.get("generation"))
        tmpl_hash = self._tmpl_hash.get(memo)
        if tmpl_hash is None:
            tmpl_hash = _hash(spec["template"])
            if memo[1] is not None:
                self._tmpl_hash[memo] = tmpl_hash
        pods = [
            p
            for p in self.store.peek(R["Pod"], ns)  # read-only: copied before a change
            if any(o.get("uid") == meta["uid"] for o in p["metadata"].get("ownerReferences") or [])
        ]
        for p in pods:
            if (p["metadata"].get("labels") or {}).get("pod-template-hash") != tmpl_hash:
                self._delete(R["Pod"], p)
        pods = [p for p in pods if (p["metadata"].get("labels") or {}).get("pod-template-hash") == tmpl_hash]
        while len(pods) < want and not meta.get("deletionTimestamp"):
            suffix = "".join(random.choices(string.ascii_lowercase + "0123456789", k=5))
            pods.append(
                self._new_pod(
                    dep,
                    "%s-%s-%s" % (meta["name"], tmpl_hash, suffix),
                    spec["template"],
                    {"pod-template-hash": tmpl_hash},
                )
            )
        for p in sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"])[want:]:
            self._delete(R["Pod"], p)
        pods = pods[:want]
        for p in pods:
            if (p.get("status") or {}).get("phase") != "Running" and self._started_long_enough(p):
                self._run_pod(copy.deepcopy(p))
        ready = sum(
            1
            for p in self.store.peek(R["Pod"], ns)
            if p["metadata"]["name"] in {x["metadata"]["name"] for x in pods}
            and (p.get("status") or {}).get("phase") == "Running"
        )
        cond = "True" if ready >= want else "False"
        status = {
            "observedGeneration": meta.get("generation", 1),
            "replicas": len(pods),
            "updatedReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(want - ready, 0),
            "conditions": [
                {
                    "type": "Available",
                    "status": cond,
                    "reason": "MinimumReplicasAvailable" if cond == "True" else "MinimumReplicasUnavailable",
                },
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        }
        if dep.get("status") != status:
            dep["status"] = status
            self._update(R["Deployment"], dep, "status")

    # -- StatefulSets -------------------------------------------------------------------------------
    def statefulset(self, sts):
        meta, spec = sts["metadata"], sts["spec"]
        ns, name = meta["namespace"], meta["name"]
        want = 0 if meta.get("deletionTimestamp") else spec.get("replicas", 1)
        rt = self.mgmt.pods.etcd_runtime(ns) if name == "etcd" else None
        pods = {
            p["metadata"]["name"]: p
            for p in self.store.list(R["Pod"], ns)[0]
            if any(o.get("uid") == meta["uid"] for o in p["metadata"].get("ownerReferences") or [])
        }
        limit = len(rt.members) if rt else want
        for pname, p in pods.items():
            idx = int(pname.rsplit("-", 1)[1])
            if idx >= want:
                self._delete(R["Pod"], p)
        desired = {}
        for i in range(min(want, limit)):
            pname = "%s-%d" % (name, i)
            claims = []
            for tmpl in spec.get("volumeClaimTemplates") or []:
                claim = "%s-%s" % (tmpl["metadata"]["name"], pname)
                claims.append((tmpl["metadata"]["name"], claim))
                if self.store.get(R["PersistentVolumeClaim"], ns, claim) is None:
                    pvc = {
                        "apiVersion": "v1",
                        "kind": "PersistentVolumeClaim",
                        "metadata": {
                            "name": claim,
                            "namespace": ns,
                            "labels": dict((spec.get("selector") or {}).get("matchLabels") or {}),
                        },
                        "spec": copy.deepcopy(tmpl.get("spec") or {}),
                    }
                    self.store.create(R["PersistentVolumeClaim"], pvc)
            pod = pods.get(pname)
            if rt is not None and (pod is None or self._etcd_pods.get((ns, i)) not in (None, pod["metadata"]["uid"])):
                rt.pod_gone(i)
                self._etcd_pods.pop((ns, i), None)
            if pod is None:
                if not all(self._pvc_ready(ns, c) for _vol, c in claims):
                    continue
                template = copy.deepcopy(spec["template"])
                vols = template["spec"].setdefault("volumes", [])
                for vname, claim in claims:
                    vols[:] = [v for v in vols if v["name"] != vname]
                    vols.append({"name": vname, "persistentVolumeClaim": {"claimName": claim}})
                pod = self._new_pod(sts, pname, template, {"statefulset.kubernetes.io/pod-name": pname})
            if rt is None:
                if (pod.get("status") or {}).get("phase") != "Running":
                    self._run_pod(pod)
                continue
            self._etcd_pods[(ns, i)] = pod["metadata"]["uid"]
            self.mgmt.pods.prepare_pod(pod)
            data = next((c for v, c in claims if v == "data"), None)
            pvc = self.store.get(R["PersistentVolumeClaim"], ns, data) if data else None
            if pvc:
                desired[i] = os.path.join(pvc["metadata"]["annotations"]["sim.ocp.day2/host-path"], "data")
        if rt is not None:
            rt.ensure(desired)
            for i in range(min(want, limit)):
                pod = self.store.get(R["Pod"], ns, "%s-%d" % (name, i))
                if pod is None:
                    continue
                state = rt.status(i)
                self._set_pod_status(
                    pod,
                    "Running" if state != "Pending" else "Pending",
                    state == "Running",
                    state if state != "Running" else None,
                )
        pods = [
            p
            for p in self.store.peek(R["Pod"], ns)
            if any(o.get("uid") == meta["uid"] for o in p["metadata"].get("ownerReferences") or [])
        ]
        ready = sum(
            1 for p in pods if all(c.get("ready") for c in (p.get("status") or {}).get("containerStatuses") or [{}])
        )
        rev = "%s-%s" % (name, _hash(spec["template"]))
        status = {
            "observedGeneration": meta.get("generation", 1),
            "replicas": len(pods),
            "readyReplicas": ready,
            "currentReplicas": len(pods),
            "updatedReplicas": len(pods),
            "availableReplicas": ready,
            "currentRevision": rev,
            "updateRevision": rev,
            "collisionCount": 0,
        }
        if sts.get("status") != status:
            sts["status"] = status
            self._update(R["StatefulSet"], sts, "status")
