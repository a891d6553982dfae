"""The object store behind the simulated API server: uid, resourceVersion, generation, finalizers."""

import collections
import copy
import datetime
import pickle
import random
import re
import string
import threading
import uuid

from . import metadata, resources, schema
from .errors import ApiError
from .selectors import match_fields, match_labels, parse_field_selector, parse_label_selector

_DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _copy(obj):
    """A deep copy of a stored object: a pickle round trip (C code) takes about a ninth of copy.deepcopy's time
    on these plain dict/list/str trees, and copying on every read and write was the simulator's largest cost."""
    try:
        return pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):  # never in JSON-shaped objects
        return copy.deepcopy(obj)


class _Objects(dict):
    """The objects keyed by (group, plural, namespace, name), with an index per (group, plural): a list of one
    kind scans that kind only, not every object of the cluster (the controllers list on every pass)."""

    def __init__(self):
        super().__init__()
        self._kinds = collections.defaultdict(dict)

    def __setitem__(self, key, obj):
        super().__setitem__(key, obj)
        self._kinds[key[:2]][key] = obj

    def __delitem__(self, key):
        super().__delitem__(key)
        del self._kinds[key[:2]][key]

    def pop(self, key, *default):
        self._kinds[key[:2]].pop(key, None)
        return super().pop(key, *default)

    def _not_indexed(self, *_args, **_kwargs):
        raise TypeError("the store's objects change only by item assignment, del and pop (the per-kind index)")

    update = setdefault = clear = popitem = __ior__ = _not_indexed

    def of_kind(self, kind_key):
        """{key: object} of one (group, plural), in insertion order like the dict itself."""
        return self._kinds.get(kind_key) or {}


def _spec_of(obj):
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "kind", "apiVersion")}


class Store:
    """Thread-safe objects keyed by (group, plural, namespace, name); every change bumps resourceVersion."""

    def __init__(self):
        self.lock = threading.RLock()
        self.dirty = threading.Event()  # set on every change; the controllers wait on it
        self._objs = _Objects()
        self._rv = 0
        self._history = collections.deque(maxlen=5000)
        self._listeners = []

    # -- plumbing ----------------------------------------------------------------------------
    @property
    def resource_version(self):
        return str(self._rv)

    def add_listener(self, fn):
        with self.lock:
            self._listeners.append(fn)

    def remove_listener(self, fn):
        with self.lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def events_since(self, rv):
        with self.lock:
            return [e for e in self._history if e[0] > rv]

    def _emit(self, etype, res, obj):
        event = (int(obj["metadata"]["resourceVersion"]), res.key, etype, _copy(obj))
        self._history.append(event)
        for fn in list(self._listeners):
            fn(event)
        self.dirty.set()

    def _next_rv(self):
        self._rv += 1
        return str(self._rv)

    @staticmethod
    def _key(res, ns, name):
        return (res.group, res.plural, ns or "" if res.namespaced else "", name)

    # -- reads -------------------------------------------------------------------------------
    def get(self, res, ns, name):
        with self.lock:
            obj = self._objs.get(self._key(res, ns, name))
            return _copy(obj) if obj is not None else None

    def must_get(self, res, ns, name):
        obj = self.get(res, ns, name)
        if obj is None:
            raise ApiError.not_found(res, name)
        return obj

    def list(self, res, ns=None, label_selector=None, field_selector=None):
        labels = parse_label_selector(label_selector)
        fields = parse_field_selector(field_selector)
        with self.lock:
            items = [
                _copy(obj)
                for (_group, _plural, ons, _name), obj in sorted(self._objs.of_kind(res.key).items())
                if not ns or ons == ns
                if match_labels(obj, labels) and match_fields(obj, fields)
            ]
            return items, self.resource_version

    def exists(self, res, ns, name):
        with self.lock:
            return self._key(res, ns, name) in self._objs

    def peek(self, res, ns=None):
        """The stored objects themselves, not copies: for the simulator's read-only scans (never mutate them)."""
        with self.lock:
            return [
                obj for (_group, _plural, ons, _name), obj in self._objs.of_kind(res.key).items() if not ns or ons == ns
            ]

    # -- writes ------------------------------------------------------------------------------
    def create(self, res, obj, ns=None, http=False, dry_run=False):
        obj = _copy(obj)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.choices(string.ascii_lowercase + "0123456789", k=5))
        name = meta.get("name")
        if not name:
            raise ApiError.invalid(res, "", "metadata.name", "Required value: name or generateName is required")
        if not _DNS1123.match(name) or len(name) > 253:
            raise ApiError.invalid(res, name, "metadata.name", "Invalid value: %r: a lowercase RFC 1123 name" % name)
        if res.namespaced:
            if ns and meta.get("namespace") and meta["namespace"] != ns:
                raise ApiError.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            ns = ns or meta.get("namespace") or "default"
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        with self.lock:
            key = self._key(res, ns, name)
            if key in self._objs:
                raise ApiError.already_exists(res, name)
            if http and res.namespaced:
                nsobj = self._objs.get(("", "namespaces", "", ns))
                if nsobj is None:
                    raise ApiError(
                        404, "NotFound", 'namespaces "%s" not found' % ns, {"name": ns, "kind": "namespaces"}
                    )
                if nsobj["metadata"].get("deletionTimestamp"):
                    raise ApiError(
                        403,
                        "Forbidden",
                        "unable to create new content in namespace %s because it is being terminated" % ns,
                    )
            if http and meta.get("resourceVersion"):
                # what kube-apiserver's storage layer answers (a 500), e.g. for a backup applied as is
                raise ApiError(500, "InternalError", "resourceVersion should not be set on objects to be created")
            if http and res.has_status and resources.is_crd(res):
                obj.pop("status", None)
            validate(res, obj)
            schema.admit(res, obj)
            apply_defaults(res, obj)
            for k in ("deletionTimestamp", "resourceVersion"):
                meta.pop(k, None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now()
            if resources.tracks_generation(res):
                meta["generation"] = 1
            if res.kind == "Namespace":
                obj.setdefault("spec", {"finalizers": ["kubernetes"]})
                obj["status"] = {"phase": "Active"}
            if dry_run:
                return obj
            meta["resourceVersion"] = self._next_rv()
            self._objs[key] = obj
            self._emit("ADDED", res, obj)
            return _copy(obj)

    def update(self, res, obj, ns, name, subresource=None, http=False, dry_run=False, check_rv=True):
        obj = _copy(obj)
        with self.lock:
            key = self._key(res, ns, name)
            old = self._objs.get(key)
            if old is None:
                raise ApiError.not_found(res, name)
            meta = obj.setdefault("metadata", {})
            if meta.get("name", name) != name:
                raise ApiError.bad_request(
                    "the name of the object (%s) does not match the name on the URL (%s)" % (meta.get("name"), name)
                )
            rv = meta.get("resourceVersion")
            if check_rv and rv and rv != old["metadata"]["resourceVersion"]:
                raise ApiError.conflict(res, name)
            if subresource == "status":
                new = _copy(old)
                new["status"] = obj.get("status", {})
            else:
                new = obj
                if http and res.has_status and res.kind != "Namespace":
                    if "status" in old:
                        new["status"] = _copy(old["status"])
                    else:
                        new.pop("status", None)
            new["apiVersion"], new["kind"] = res.api_version, res.kind
            nmeta = new.setdefault("metadata", {})
            ometa = old["metadata"]
            nmeta["name"] = name
            if res.namespaced:
                nmeta["namespace"] = ometa["namespace"]
            for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
                if k in ometa:
                    nmeta[k] = ometa[k]
                else:
                    nmeta.pop(k, None)
            if http:
                validate(res, new, old)
            schema.admit(res, new, old)
            apply_defaults(res, new)
            if resources.tracks_generation(res):
                nmeta["generation"] = ometa.get("generation", 1) + (_spec_of(new) != _spec_of(old))
            if new == old:
                return _copy(old)
            if dry_run:
                return new
            nmeta["resourceVersion"] = self._next_rv()
            if nmeta.get("deletionTimestamp") and not nmeta.get("finalizers"):
                del self._objs[key]
                self._emit("DELETED", res, new)
                return _copy(new)
            self._objs[key] = new
            self._emit("MODIFIED", res, new)
            return _copy(new)

    def delete(self, res, ns, name, uid=None, resource_version=None, dry_run=False):
        with self.lock:
            key = self._key(res, ns, name)
            old = self._objs.get(key)
            if old is None:
                raise ApiError.not_found(res, name)
            if (uid and uid != old["metadata"]["uid"]) or (
                resource_version and resource_version != old["metadata"]["resourceVersion"]
            ):
                raise ApiError.conflict(res, name)
            obj = _copy(old)
            if dry_run:
                return obj
            finalizers = obj["metadata"].get("finalizers") or (obj.get("spec") or {}).get("finalizers") or []
            if res.kind == "Namespace":
                finalizers = finalizers or ["kubernetes"]
            if finalizers:
                if obj["metadata"].get("deletionTimestamp"):
                    return obj
                obj["metadata"]["deletionTimestamp"] = now()
                obj["metadata"]["deletionGracePeriodSeconds"] = 0
                if res.kind == "Namespace":
                    obj["status"] = {"phase": "Terminating"}
                obj["metadata"]["resourceVersion"] = self._next_rv()
                self._objs[key] = obj
                self._emit("MODIFIED", res, obj)
                return _copy(obj)
            del self._objs[key]
            obj["metadata"]["resourceVersion"] = self._next_rv()
            self._emit("DELETED", res, obj)
            return obj

    def finalize(self, res, ns, name):
        """What the namespace controller does: remove the object for good (no finalizer checks)."""
        with self.lock:
            obj = self._objs.pop(self._key(res, ns, name), None)
            if obj is not None:
                obj["metadata"]["resourceVersion"] = self._next_rv()
                self._emit("DELETED", res, obj)

    def put(self, obj):
        """Create or replace without checks (the simulator's and the tests' own writes)."""
        res = resources.lookup(obj.get("apiVersion"), obj["kind"])
        meta = obj.get("metadata", {})
        ns = meta.get("namespace") or ("default" if res.namespaced else None)
        with self.lock:
            if self.get(res, ns, meta["name"]) is None:
                return self.create(res, obj, ns)
            return self.update(res, obj, ns, meta["name"], check_rv=False)

    def all_keys(self):
        with self.lock:
            return list(self._objs)


def validate(res, obj, old=None):
    metadata.validate(res, obj)
    name = obj["metadata"]["name"]
    spec = obj.get("spec") or {}
    if res.kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        if not spec.get("selector"):
            raise ApiError.invalid(res, name, "spec.selector", "Required value")
        if not (spec.get("template") or {}).get("spec", {}).get("containers"):
            raise ApiError.invalid(res, name, "spec.template.spec.containers", "Required value")
        if old is not None and (old.get("spec") or {}).get("selector") != spec.get("selector"):
            raise ApiError.invalid(res, name, "spec.selector", "Invalid value: field is immutable")
    replicas = spec.get("replicas")
    if res.scalable and replicas is not None and (not isinstance(replicas, int) or replicas < 0):
        msg = "Invalid value: %r: must be greater than or equal to 0" % replicas
        raise ApiError.invalid(res, name, "spec.replicas", msg)
    if res.kind == "Pod" and not spec.get("containers"):
        raise ApiError.invalid(res, name, "spec.containers", "Required value")


def _pod_defaults(spec):
    for key, value in (
        ("restartPolicy", "Always"),
        ("dnsPolicy", "ClusterFirst"),
        ("schedulerName", "default-scheduler"),
        ("terminationGracePeriodSeconds", 30),
        ("securityContext", {}),
    ):
        spec.setdefault(key, value)
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        image = c.get("image", "")
        latest = ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
        c.setdefault("imagePullPolicy", "Always" if latest and "@" not in image else "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})


def apply_defaults(res, obj):
    """The defaults the real API server fills in (those clients and kubernetes.core's waiters read)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if res.kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        if isinstance(spec.get("template"), dict) and isinstance(spec["template"].get("spec"), dict):
            _pod_defaults(spec["template"]["spec"])
    if res.kind == "Deployment":
        spec.setdefault(
            "strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
        )
        spec.setdefault("progressDeadlineSeconds", 600)
    elif res.kind == "StatefulSet":
        spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
    elif res.kind == "Pod":
        _pod_defaults(spec)
    elif res.kind == "Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec.get("clusterIP") is None:
            spec["clusterIP"] = "172.30.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    elif res.kind == "PersistentVolumeClaim":
        spec.setdefault("volumeMode", "Filesystem")
