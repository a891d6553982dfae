"""The simulated Kubernetes API server: kmock's scaffold for discovery, our store for the objects.

kmock 0.8 gives discovery (`/api`, `/apis`, `/version`, group lists) and Status errors for unknown
endpoints; its object emulator cannot be used as is (its URL parser fails on `/api/v1/namespaces`,
lists lack kind/apiVersion, PUT answers 404, no selectors/uid/resourceVersion, no scale or exec), so
resource URLs are served here from `Store`, and kmock's aiohttp handler is mounted behind an HTTPS
`aiohttp.web.TCPSite` with client-certificate authentication (kmock's own `Server` is plain HTTP).
"""

import asyncio
import contextlib
import hashlib
import json
import os
import ssl
import tempfile
import threading
import time

import aiohttp.web
import attrs
import kmock
import yaml

from . import resources, tables
from .errors import ApiError
from .faults import fault_status
from .patch import json_patch, merge_patch, strategic_merge_patch
from .selectors import match_fields, match_labels, parse_field_selector, parse_label_selector, selector_string


@attrs.define(kw_only=True)
class Discovery(kmock.KubernetesScaffold):
    """kmock's discovery, fed with our resource table; per-version lists carry the right subresource kinds."""

    kinds: frozenset = attrs.field(default=None)  # served kinds (None: all), e.g. a hosted cluster's own API

    def _served(self):
        return [r for r in resources.RESOURCES if self.kinds is None or r.kind in self.kinds]

    def __attrs_post_init__(self):
        super().__attrs_post_init__()
        for r in self._served():
            self.resources[kmock.resource(group=r.group, version=r.version, plural=r.plural)] = kmock.ResourceInfo(
                kind=r.kind, namespaced=r.namespaced, shortnames=set(r.shortnames), singular=r.kind.lower()
            )

    async def _serve_version(self, request):
        group, version = request.resource.group, request.resource.version
        served = [r for r in self._served() if (r.group, r.version) == (group, version)]
        if not served:
            raise kmock.KubernetesResourceNotFoundError()
        verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        out = []
        for r in served:
            base = {"namespaced": r.namespaced, "singularName": r.kind.lower()}
            out.append(dict(base, name=r.plural, kind=r.kind, verbs=verbs, shortNames=list(r.shortnames)))
            for sub in r.subresources:
                entry = dict(base, name="%s/%s" % (r.plural, sub), kind=r.kind, verbs=["get", "patch", "update"])
                if sub == "scale":
                    entry.update(kind="Scale", group="autoscaling", version="v1")
                elif sub == "exec":
                    entry.update(kind="PodExecOptions", verbs=["create", "get"])
                elif sub == "log":
                    entry.update(kind="Pod", verbs=["get"])
                out.append(entry)
        return {
            "apiVersion": "v1",
            "kind": "APIResourceList",
            "groupVersion": "%s/%s" % (group, version) if group else version,
            "resources": out,
        }


def _json(obj, status=200):
    return aiohttp.web.json_response(obj, status=status)


def _parse_path(path):
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) >= 3 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    ns = None
    if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
        ns, rest = rest[1], rest[2:]
    return group, version, rest[0], ns, (rest[1] if len(rest) > 1 else None), "/".join(rest[2:]) or None


def forget_cached_discovery(url):
    """Remove kubernetes.core's discovery cache of an API URL (a file in the temp dir named after a sha256 of the
    URL, alone or joined with the user's login name or uid). Ports come back: a server started on the port of
    an earlier one, serving other kinds, would otherwise be answered from the earlier server's discovery."""
    ids = {url}
    for user in (_login(), os.getuid(), os.environ.get("USERNAME")):
        if user:
            ids.add("%s-%s" % (url, user))
    for cache_id in ids:
        name = "k8srcp-%s.json" % hashlib.sha256(cache_id.encode("utf-8")).hexdigest()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(tempfile.gettempdir(), name))


def _login():
    try:
        return os.getlogin()
    except OSError:
        return None


class ApiServer:
    """HTTPS on 127.0.0.1 in a thread of its own; `exec_handler(raw, ns, pod, params)` serves pod exec."""

    def __init__(
        self, store, ca, server_cert, faults, exec_handler=None, log_handler=None, access_log=None, kinds=None
    ):
        self.kinds = frozenset(kinds) if kinds else None
        self.access_log = open(access_log, "a", buffering=1) if access_log else None  # noqa: SIM115 - lives with the server
        self.store = store
        self.faults = faults
        self.exec_handler = exec_handler
        self.log_handler = log_handler
        self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ssl.load_cert_chain(server_cert.cert, server_cert.key)
        self._ssl.load_verify_locations(ca.cert)
        self._ssl.verify_mode = ssl.CERT_REQUIRED
        self.port = None
        self.loop = None
        self._thread = None
        self._runner = None

    @property
    def url(self):
        return "https://127.0.0.1:%d" % self.port

    def start(self):
        ready = threading.Event()
        errors = []

        def run():
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(self._start())
            except Exception as exc:  # noqa: BLE001 - reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            self.loop.run_forever()
            self.loop.run_until_complete(self._shutdown())
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.wait(pending, timeout=5))
            self.loop.close()

        self._thread = threading.Thread(target=run, name="sim-apiserver", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self

    async def _start(self):
        self.discovery = Discovery(kinds=self.kinds)
        await self.discovery.__aenter__()
        self._runner = aiohttp.web.ServerRunner(
            aiohttp.web.Server(self._dispatch), handle_signals=False, shutdown_timeout=1
        )
        await self._runner.setup()
        site = aiohttp.web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        forget_cached_discovery(self.url)

    async def _shutdown(self):
        await self._runner.cleanup()
        await self.discovery.__aexit__(None, None, None)

    def stop(self):
        if self._thread is None or self.loop is None:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(15)
        self._thread = None
        if self.access_log is not None:
            self.access_log.close()

    # -- dispatch ---------------------------------------------------------------------------
    async def _dispatch(self, raw):
        started = time.monotonic()
        response = await self._dispatch_inner(raw)
        if self.access_log is not None:
            self.access_log.write(
                "%s %s %s %d %.3fs\n"
                % (time.strftime("%H:%M:%S"), raw.method, raw.path_qs, response.status, time.monotonic() - started)
            )
        return response

    async def _dispatch_inner(self, raw):
        fault = self.faults.match(raw.method, raw.path)
        if fault is not None:
            if fault.stall:
                await asyncio.sleep(fault.stall)
            if fault.status:
                await raw.read()
                return _json(fault_status(fault.status), fault.status)
        parsed = _parse_path(raw.path)
        if parsed is None:
            response = await self.discovery(raw)
            self.discovery._requests.clear()  # kmock keeps every request for assertions; we don't need them
            return response
        group, version, plural, ns, name, sub = parsed
        res = resources.BY_PATH.get((group, version, plural))
        try:
            if res is None or (self.kinds is not None and res.kind not in self.kinds):
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            if sub == "exec" and self.exec_handler is not None:
                return await self.exec_handler(raw, ns, name, dict(raw.query))
            if raw.method == "GET" and raw.query.get("watch") in ("true", "1"):
                return await self._watch(raw, res, ns, name)
            body = await raw.read()
            args = (raw.method, res, ns, name, sub, dict(raw.query), body, raw.headers)
            return await asyncio.get_running_loop().run_in_executor(None, self._serve, *args)
        except ApiError as exc:
            return _json(exc.status(), exc.code)

    def _serve(self, method, res, ns, name, sub, query, body, headers):
        try:
            out, code = self._serve_inner(method, res, ns, name, sub, query, body, headers)
        except ApiError as exc:
            return _json(exc.status(), exc.code)
        if isinstance(out, str):
            return aiohttp.web.Response(text=out, content_type="text/plain")
        return _json(out, code)

    def _serve_inner(self, method, res, ns, name, sub, query, body, headers):
        store = self.store
        dry = "dryRun" in query
        if res.namespaced and name is None and ns is None and method not in ("GET",):
            raise ApiError.method_not_allowed()
        if method == "GET":
            if name is None:
                items, rv = store.list(res, ns, query.get("labelSelector"), query.get("fieldSelector"))
                if "as=Table" in headers.get("Accept", ""):
                    return tables.table(res.kind, items, rv), 200
                kind = res.kind + "List"
                return {
                    "kind": kind,
                    "apiVersion": res.api_version,
                    "metadata": {"resourceVersion": rv},
                    "items": items,
                }, 200
            if sub == "log":
                return (self.log_handler(ns, name, query) if self.log_handler else ""), 200
            obj = store.must_get(res, ns, name)
            if sub == "scale":
                return self._scale_view(res, obj), 200
            if "as=Table" in headers.get("Accept", ""):
                return tables.table(res.kind, [obj], obj["metadata"]["resourceVersion"]), 200
            return obj, 200
        data = self._body(body, headers)
        if method == "POST":
            if name is not None:
                raise ApiError.method_not_allowed()
            return store.create(res, data, ns, http=True, dry_run=dry), 201
        if method == "DELETE":
            opts = data if isinstance(data, dict) else {}
            pre = opts.get("preconditions") or {}
            if name is None:
                items, _rv = store.list(res, ns, query.get("labelSelector"), query.get("fieldSelector"))
                for item in items:
                    store.delete(res, item["metadata"].get("namespace"), item["metadata"]["name"], dry_run=dry)
                return {"kind": res.kind + "List", "apiVersion": res.api_version, "metadata": {}, "items": items}, 200
            obj = store.delete(res, ns, name, pre.get("uid"), pre.get("resourceVersion"), dry_run=dry)
            return obj, 200
        if name is None:
            raise ApiError.method_not_allowed()
        if method == "PUT":
            if sub == "scale":
                return self._apply_scale(res, ns, name, data, dry), 200
            if sub not in (None, "status") and not (sub == "approval" and getattr(store, "serves_approval", False)):
                raise ApiError.method_not_allowed()
            return store.update(res, data, ns, name, subresource=sub, http=True, dry_run=dry), 200
        if method == "PATCH":
            ctype = headers.get("Content-Type", "").split(";")[0].strip()
            old = store.get(res, ns, name)
            if old is None:
                if ctype == "application/apply-patch+yaml" and sub is None:
                    data.setdefault("metadata", {})["name"] = name
                    return store.create(res, data, ns, http=True, dry_run=dry), 201
                raise ApiError.not_found(res, name)
            target = self._scale_view(res, old) if sub == "scale" else old
            if ctype == "application/merge-patch+json":
                new = merge_patch(target, data)
            elif ctype == "application/json-patch+json":
                new = json_patch(target, data)
            elif ctype == "application/strategic-merge-patch+json":
                if resources.is_crd(res) and sub != "scale":
                    raise ApiError.unsupported_media(
                        "the body of the request was in an unknown format - accepted media types include: "
                        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                    )
                new = strategic_merge_patch(target, data)
            elif ctype == "application/apply-patch+yaml":
                new = merge_patch(target, data)
            else:
                raise ApiError.unsupported_media("unsupported patch type %r" % ctype)
            if sub == "scale":
                return self._apply_scale(res, ns, name, new, dry), 200
            return store.update(res, new, ns, name, subresource=sub, http=True, dry_run=dry), 200
        raise ApiError.method_not_allowed()

    @staticmethod
    def _body(body, headers):
        if not body:
            return {}
        if "protobuf" in headers.get("Content-Type", "") or "cbor" in headers.get("Content-Type", ""):
            raise ApiError.unsupported_media("the simulator accepts JSON and YAML bodies only")
        try:
            if "yaml" in headers.get("Content-Type", ""):
                return yaml.safe_load(body)
            return json.loads(body)
        except ValueError as exc:
            raise ApiError.bad_request("the request body could not be decoded: %s" % exc)

    # -- scale subresource (autoscaling/v1 Scale) ---------------------------------------------
    @staticmethod
    def _scale_view(res, obj):
        if not res.scalable:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        meta = obj["metadata"]
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in meta
            },
            "spec": {"replicas": spec.get("replicas", 1 if res.kind in ("Deployment", "StatefulSet") else 0)},
            "status": {"replicas": status.get("replicas", 0), "selector": selector_string(spec.get("selector") or {})},
        }

    def _apply_scale(self, res, ns, name, scale, dry):
        obj = self.store.must_get(res, ns, name)
        if not res.scalable:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        if rv and rv != obj["metadata"]["resourceVersion"]:
            raise ApiError.conflict(res, name)
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise ApiError.invalid(res, name, "spec.replicas", "Invalid value: %r: must be >= 0" % replicas)
        obj.setdefault("spec", {})["replicas"] = replicas
        new = self.store.update(res, obj, ns, name, dry_run=dry, check_rv=False)
        return self._scale_view(res, new)

    # -- watch --------------------------------------------------------------------------------
    async def _watch(self, raw, res, ns, name):
        query = raw.query
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"))
        if name:
            fields.append(("metadata.name", True, name))
        timeout = float(query.get("timeoutSeconds") or 1800)
        as_table = "as=Table" in raw.headers.get("Accept", "")
        loop = asyncio.get_running_loop()
        queue = asyncio.Queue()

        def listener(event):
            loop.call_soon_threadsafe(queue.put_nowait, event)

        with self.store.lock:
            self.store.add_listener(listener)
            rv = query.get("resourceVersion")
            if rv and rv != "0":
                initial = self.store.events_since(int(rv))
            else:
                items, _rv = self.store.list(res, ns)
                initial = [(0, res.key, "ADDED", o) for o in items]
        resp = aiohttp.web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(raw)
        try:
            for event in initial:
                queue.put_nowait(event)
            deadline = loop.time() + timeout
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    _erv, key, etype, obj = await asyncio.wait_for(queue.get(), remaining)
                except asyncio.TimeoutError:
                    break
                if key != res.key or (ns and obj["metadata"].get("namespace") != ns):
                    continue
                if not (match_labels(obj, labels) and match_fields(obj, fields)):
                    continue
                if as_table:
                    obj = tables.table(res.kind, [obj], obj["metadata"].get("resourceVersion", ""))
                await resp.write(json.dumps({"type": etype, "object": obj}).encode() + b"\n")
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.store.remove_listener(listener)
        return resp
