# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshot source inside an etcd pod, through the Kubernetes exec API.

kubernetes' WSClient buffers every byte of stdout twice (its channel buffer and a capture-all
buffer it always enables), so a large `cat` through it would hold the whole snapshot in memory.
We open the exec with kubernetes.stream.stream(..., _preload_content=False, binary=True) like
kubernetes.core's k8s_cp, then read the websocket frames ourselves and hand each stdout frame to a
callback at once: memory stays bounded by one frame whatever the snapshot size.
"""

from __future__ import annotations

import ast
import importlib
import json
import posixpath
import re
import threading
import uuid
from urllib.parse import urlencode

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd import commands as cmds
from ansible_collections.ocp.day2.plugins.module_utils.k8s import api_error_text

try:
    from kubernetes.client.rest import ApiException
    from kubernetes.stream import stream, ws_client
    from websocket import ABNF, WebSocketConnectionClosedException, WebSocketException, WebSocketTimeoutException
except ImportError:  # pod mode checks for kubernetes before using any of these

    class ApiException(Exception):
        pass

    class WebSocketConnectionClosedException(Exception):
        pass

    class WebSocketTimeoutException(Exception):
        pass

    class WebSocketException(Exception):
        pass


# kubernetes.stream.stream() swaps the ApiClient's call_api while it opens the websocket, so no other call may
# use that ApiClient meanwhile: every API call of PodExec (the exec handshake, reading the pod) holds this lock.
# The streams themselves then run in parallel (etcd_snapshot `members`, etcd_member_info).
API_LOCK = threading.Lock()
STDOUT_CHANNEL = 1
STDERR_CHANNEL = 2
ERROR_CHANNEL = 3
OUTPUT_LIMIT = 1024 * 1024  # for commands whose output is kept (status, sha256sum), not streamed
STDERR_LIMIT = 64 * 1024


class ExecResult:
    def __init__(self, exit_code, stdout, stderr, message=""):
        self.exit_code = exit_code
        self.stdout = bytes(stdout)
        self.stderr = cmds.clean_stderr(bytes(stderr))
        self.message = message


def parse_exec_status(raw):
    """(exit code, message) from the exec error channel; (None, ...) when the status never came."""
    if not raw:
        return None, "the exec stream closed without a status"
    try:
        status = json.loads(bytes(raw).decode("utf-8", "replace"))
    except ValueError:
        return None, "unreadable exec status %r" % bytes(raw)[:200]
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message")), status.get("message", "")
            except (TypeError, ValueError):
                break
    return -1, status.get("message") or "exec failed"


HANDSHAKE_RE = re.compile(r"Handshake status (\d+) ([^-]*?)\s*-\+-\+-.*-\+-\+-\s*(.*)$", re.S)


def exec_refusal_text(exc):
    """Why the API server refused an exec: its status and message, not the websocket handshake dump
    (the kubernetes client puts the whole response, headers included, into ApiException.reason)."""
    reason = str(getattr(exc, "reason", None) or exc)
    match = HANDSHAKE_RE.search(reason)
    if not match:
        return reason if len(reason) <= 300 else reason[:300] + "..."
    status, phrase, body = match.group(1), match.group(2).strip(), match.group(3).strip()
    if body.startswith(("b'", 'b"')):  # older websocket-client put the body's repr there
        try:
            body = ast.literal_eval(body).decode("utf-8", "replace")
        except (ValueError, SyntaxError, AttributeError):
            body = body[2:-1]
    message = None
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        message = body[:200] if body and body != "None" else None
    return "HTTP %s %s%s" % (status, phrase, ": %s" % message if message else "")


class RawApi:
    """The few core API calls of the etcd modules (read a pod or a StatefulSet, list pods, open an exec), made with
    the ApiClient alone. The typed API classes (CoreV1Api, AppsV1Api) of recent kubernetes clients build pydantic
    models for their whole API group when imported: about 0.75 s of CPU per module run, more than the rest of the
    client, for calls whose answers we read as raw JSON anyway. Clients without `param_serialize` (before the
    pydantic generator) get the typed classes instead (core_api() below)."""

    def __init__(self, api_client):
        self.api_client = api_client

    def _request(self, path, accept="application/json", **path_params):
        return self.api_client.param_serialize(
            "GET", path, path_params=path_params, header_params={"Accept": accept}, auth_settings=["BearerToken"]
        )

    def get(self, path, query=None, **path_params):
        """GET `path` (with {placeholders} filled from path_params); the response with its raw `data`."""
        method, url, headers, _body, _post = self._request(path, **path_params)
        if query:
            url += ("&" if "?" in url else "?") + urlencode(query)
        response = self.api_client.call_api(method, url, headers)
        response.read()
        if not 200 <= response.status <= 299:
            raise ApiException(http_resp=response)
        return response

    def read_namespaced_pod(self, name, namespace, _preload_content=False):
        return self.get("/api/v1/namespaces/{namespace}/pods/{name}", namespace=namespace, name=name)

    def list_namespaced_pod(self, namespace, label_selector=None, _preload_content=False):
        query = [("labelSelector", label_selector)] if label_selector else None
        return self.get("/api/v1/namespaces/{namespace}/pods", query, namespace=namespace)

    def read_namespaced_stateful_set(self, name, namespace, _preload_content=False):
        return self.get("/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}", namespace=namespace, name=name)

    def exec_stream(self, name, namespace, command, container):
        """An open exec websocket (kubernetes' WSClient), as stream(..., _preload_content=False, binary=True)."""
        _method, url, headers, _body, _post = self._request(
            "/api/v1/namespaces/{namespace}/pods/{name}/exec", accept="*/*", namespace=namespace, name=name
        )
        query = [("command", list(command)), ("container", container)]
        query += [("stderr", "true"), ("stdin", "false"), ("stdout", "true"), ("tty", "false")]
        return ws_client.websocket_call(
            self.api_client.configuration, "GET", url, headers=headers, query_params=query,
            _preload_content=False, binary=True,
        )  # fmt: skip


def core_api(api_client, typed="core_v1_api"):
    """RawApi, or the typed API class for a client that cannot serialize requests by itself (kubernetes < 30)."""
    if hasattr(api_client, "param_serialize"):
        return RawApi(api_client)
    module = importlib.import_module("kubernetes.client.api." + typed)
    return getattr(module, "".join(part.capitalize() for part in typed.split("_")[:-1]) + "Api")(api_client)


class PodExec:
    """Runs commands in one container of one pod."""

    def __init__(self, api_client, namespace, pod, container):
        self.core = core_api(api_client) if api_client is not None else None
        self.namespace = namespace
        self.pod = pod
        self.container = container

    @property
    def where(self):
        return "container %s of pod %s/%s" % (self.container, self.namespace, self.pod)

    def read_pod(self):
        """The pod as raw JSON (the typed V1Pod of recent clients rejects objects lacking fields it deems
        mandatory, and only names and phase matter here); a clear error when missing or unreadable."""
        try:
            with API_LOCK:
                response = self.core.read_namespaced_pod(self.pod, self.namespace, _preload_content=False)
                data = response.data
            return json.loads(data)
        except ApiException as exc:
            if getattr(exc, "status", None) == 404:
                raise Day2Error(
                    "Pod %s not found in namespace %s. Check `pod` and `namespace` (the hosted control plane "
                    "namespace, usually <clusters namespace>-<hosted cluster name>)." % (self.pod, self.namespace)
                )
            raise Day2Error("Reading pod %s/%s failed: %s" % (self.namespace, self.pod, api_error_text(exc)))
        except ValueError as exc:
            raise Day2Error("The API server answered pod %s/%s with invalid JSON: %s" % (self.namespace, self.pod, exc))

    def check_pod(self):
        pod = self.read_pod()
        names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        if self.container not in names:
            raise Day2Error(
                "Container %s not found in pod %s/%s; it has: %s. Fix `container`."
                % (self.container, self.namespace, self.pod, ", ".join(names) or "no containers")
            )
        phase = (pod.get("status") or {}).get("phase")
        if phase != "Running":
            raise Day2Error(
                "Pod %s/%s is %s, not Running: etcd cannot be snapshotted there." % (self.namespace, self.pod, phase)
            )

    def _open(self, command):
        with API_LOCK:
            return self._stream(command)

    def _stream(self, command):
        if isinstance(self.core, RawApi):
            return self.core.exec_stream(self.pod, self.namespace, command, self.container)
        return stream(
            self.core.connect_get_namespaced_pod_exec,
            self.pod,
            self.namespace,
            command=command,
            container=self.container,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
            binary=True,
        )

    def run(self, command, deadline, step, on_stdout=None):
        """Run `command`; stdout goes to on_stdout(chunk) when given, else is kept (up to OUTPUT_LIMIT)."""
        deadline.check(step)
        try:
            client = self._open(command)
        except ApiException as exc:
            if not getattr(exc, "status", None) and "Handshake status" not in str(getattr(exc, "reason", "")):
                # no HTTP answer at all (refused, reset, TLS failure): the websocket never reached the server
                host = getattr(getattr(getattr(self.core, "api_client", None), "configuration", None), "host", None)
                raise Day2Error(
                    "Cannot reach the Kubernetes API server%s to exec in %s while %s: %s. Check that the API URL "
                    "in the kubeconfig is reachable from this host and that the cluster is up."
                    % (" at %s" % host if host else "", self.where, step, exec_refusal_text(exc))
                )
            raise Day2Error(
                "Could not exec in %s while %s: %s. Check that the pod is running and that you may create "
                "pods/exec there." % (self.where, step, exec_refusal_text(exc))
            )
        stdout, stderr, status = bytearray(), bytearray(), bytearray()
        try:
            ws = client.sock
            while True:
                ws.settimeout(max(0.05, deadline.check(step)))
                try:
                    opcode, frame = ws.recv_data_frame(True)
                except WebSocketTimeoutException:
                    continue  # the deadline check at the top of the loop raises
                except (WebSocketConnectionClosedException, ConnectionError):
                    break
                except WebSocketException as exc:
                    raise Day2Error("The exec stream from %s broke while %s: %s" % (self.where, step, exc))
                if opcode == ABNF.OPCODE_CLOSE:
                    break
                if opcode not in (ABNF.OPCODE_BINARY, ABNF.OPCODE_TEXT) or not frame.data:
                    continue
                data = frame.data if isinstance(frame.data, bytes) else frame.data.encode("utf-8")
                channel, payload = data[0], data[1:]
                if channel == STDOUT_CHANNEL:
                    if on_stdout is not None:
                        on_stdout(payload)
                    elif len(stdout) < OUTPUT_LIMIT:
                        stdout += payload
                elif channel == STDERR_CHANNEL:
                    stderr += payload
                    del stderr[:-STDERR_LIMIT]
                elif channel == ERROR_CHANNEL:
                    status += payload
        finally:
            client.close()
        exit_code, message = parse_exec_status(status)
        return ExecResult(exit_code, stdout, stderr, message)


class PodSource:
    """etcdctl in the etcd container writes the snapshot to pod_tmp_dir; we read it back with `cat`."""

    mode = "pod"

    def __init__(self, pexec, params):
        self.pexec = pexec
        self.params = params
        self.path = posixpath.join(params["pod_tmp_dir"], "ocp-day2-snapshot-%s.db" % uuid.uuid4().hex[:12])
        self.member = params.get("member") or params["pod"]
        self.tool = None

    def describe(self):
        return {
            "mode": "pod",
            "member": self.member,
            "namespace": self.params["namespace"],
            "pod": self.params["pod"],
            "container": self.params["container"],
            "endpoint": self.params["pod_endpoint"],
            "tmp_path": self.path,
        }

    def preflight(self, deadline):
        self.pexec.check_pod()

    def _fail(self, what, result, hint=""):
        raise Day2Error(
            "%s failed in %s (exit code %s): %s%s"
            % (what, self.pexec.where, result.exit_code, result.stderr or result.message or "no error output", hint),
            stderr=result.stderr,
        )

    def take(self, deadline):
        p = self.params
        probe = cmds.probe_command(
            p["etcdctl_path"] or "etcdctl",
            p["pod_endpoint"],
            p["pod_cacert"],
            p["pod_cert"],
            p["pod_key"],
            use_env=True,
        )
        result = self.pexec.run(probe, deadline, "checking that etcd answers (etcdctl endpoint status)")
        if result.exit_code != 0:
            self._fail(
                "etcd at %s did not answer within %ds: etcdctl endpoint status"
                % (p["pod_endpoint"], cmds.PROBE_TIMEOUT),
                result,
                ". " + cmds.unreachable_hint(result.stderr),
            )
        command = cmds.save_command(
            p["etcdctl_path"] or "etcdctl", p["pod_endpoint"], self.path,
            p["pod_cacert"], p["pod_cert"], p["pod_key"], deadline, use_env=True,
        )  # fmt: skip
        result = self.pexec.run(command, deadline, "taking the snapshot (etcdctl snapshot save)")
        if result.exit_code != 0:
            self._fail("etcdctl snapshot save", result, ". " + cmds.unreachable_hint(result.stderr))

    def status(self, deadline):
        step = "checking the snapshot (snapshot status)"
        result = self.pexec.run(
            cmds.status_command("etcdutl", self.params["etcdutl_path"] or "etcdutl", self.path, use_env=True),
            deadline,
            step,
        )
        self.tool = "etcdutl"
        if result.exit_code == 127:  # no etcdutl in this image (etcd < 3.5)
            self.tool = "etcdctl"
            result = self.pexec.run(
                cmds.status_command("etcdctl", self.params["etcdctl_path"] or "etcdctl", self.path, use_env=True),
                deadline,
                step,
            )
        if result.exit_code != 0:
            self._fail("%s snapshot status" % self.tool, result, "; the snapshot is NOT considered good.")
        return cmds.parse_status(result.stdout, self.tool)

    def sha256(self, deadline):
        result = self.pexec.run(["sha256sum", self.path], deadline, "computing the snapshot's sha256 in the pod")
        if result.exit_code != 0:
            self._fail("sha256sum", result)
        return cmds.parse_sha256sum(result.stdout, self.path)

    def stream(self, delivery, deadline):
        result = self.pexec.run(["cat", self.path], deadline, "copying the snapshot out of the pod", delivery.write)
        if result.exit_code != 0:
            self._fail("Reading the snapshot with cat", result)

    def cleanup(self, deadline):
        """Remove the temporary file (and etcdctl's .part); returns a warning text or None."""
        # Cleanup gets its own minute: it must run even when the operation's deadline has passed.
        own = cmds.Deadline(60, "removing the temporary snapshot")
        try:
            result = self.pexec.run(["rm", "-f", self.path, self.path + ".part"], own, "removing the snapshot")
        except Day2Error as exc:
            return "Could not remove %s from %s: %s" % (self.path, self.pexec.where, exc.msg)
        if result.exit_code != 0:
            return "Could not remove %s from %s: %s" % (self.path, self.pexec.where, result.stderr or result.message)
        return None
