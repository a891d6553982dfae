# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The etcd_member_info module: argument spec, the pod/host witnesses and execute(module).

A witness is where etcdctl runs: a pod of the etcd StatefulSet (through the exec API) or the host the module
runs on with one of `endpoints`. The first witness that answers `member list` is used for the health and
status of every member, so a dead member is never the witness.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.etcd import members as em
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import (
    POD_ENV,
    Deadline,
    connect_error,
    unreachable_hint,
)
from ansible_collections.ocp.day2.plugins.module_utils.etcd.host import etcdctl_env, find_tool
from ansible_collections.ocp.day2.plugins.module_utils.etcd.survey import Unanswered, collect
from ansible_collections.ocp.day2.plugins.module_utils.k8s import api_error_text, auth_arg_spec

# What a HyperShift etcd container mounts (control-plane-operator etcd StatefulSet): the client certificate
# from Secret etcd-client-tls at /etc/etcd/tls/client, the CA from ConfigMap etcd-ca at /etc/etcd/tls/etcd-ca.
POD_CACERT = "/etc/etcd/tls/etcd-ca/ca.crt"
POD_CERT = "/etc/etcd/tls/client/etcd-client.crt"
POD_KEY = "/etc/etcd/tls/client/etcd-client.key"
POLL_INTERVAL = 2.0


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        mode={"type": "str", "choices": ["pod", "host"], "default": "pod"},
        namespace={"type": "str"},
        statefulset={"type": "str", "default": "etcd"},
        pod={"type": "str"},
        container={"type": "str", "default": "etcd"},
        endpoint={"type": "str", "default": "https://localhost:2379"},
        endpoints={"type": "list", "elements": "str"},
        cacert={"type": "str"},
        cert={"type": "str"},
        key={"type": "str", "no_log": False},
        etcdctl={"type": "str"},
        command_timeout={"type": "int", "default": 10},
        wait_healthy={"type": "bool", "default": False},
        timeout={"type": "int", "default": 300},
        expect_members={"type": "int"},
        hostedcluster={"type": "str"},
        hostedcluster_namespace={"type": "str", "default": "clusters"},
    )
    return spec


class PodWitness:
    def __init__(self, pexec, params):
        self.pexec = pexec
        self.name = pexec.pod
        self.etcdctl = params.get("etcdctl") or "etcdctl"
        self.endpoints = [params["endpoint"]]

    def run(self, args, timeout):
        deadline = Deadline(timeout + 15, "etcdctl in %s" % self.pexec.where)
        result = self.pexec.run(POD_ENV + [self.etcdctl] + args, deadline, "running etcdctl %s" % args[-4])
        if result.exit_code is None:
            raise Unanswered("the exec stream closed without an exit status (%s)" % result.message)
        if result.exit_code == 127 or result.exit_code == 126:
            raise Day2Error(
                "etcdctl could not run in %s (exit code %d): %s. Set `etcdctl` to its path in the container."
                % (self.pexec.where, result.exit_code, result.stderr or result.message)
            )
        return result.exit_code, result.stdout.decode("utf-8", "replace"), result.stderr


class HostWitness:
    def __init__(self, etcdctl, endpoint):
        self.etcdctl = etcdctl
        self.name = endpoint
        self.endpoints = [endpoint]

    def run(self, args, timeout):
        if "member" in args:  # the witness itself: fail in seconds when nothing listens there
            refused = connect_error(self.endpoints[0])
            if refused:
                raise Unanswered(refused)
        try:
            proc = subprocess.run(
                [self.etcdctl] + args,
                env=etcdctl_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout + 15,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise Unanswered("etcdctl did not return within %ss" % (timeout + 15))
        except OSError as exc:
            raise Day2Error("Could not run %s: %s" % (self.etcdctl, exc.strerror or exc))
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


# -- witnesses -----------------------------------------------------------------------------------
def _read_json(call, what):
    try:
        return json.loads(call().data)
    except ValueError as exc:
        raise Day2Error("The API server answered %s with invalid JSON: %s" % (what, exc))


def _ordinal(pod):
    match = re.search(r"-(\d+)$", pod["metadata"]["name"])
    return int(match.group(1)) if match else 1 << 30


def pod_witnesses(module):
    """PodWitness for `pod`, or for every Running pod of the StatefulSet in ordinal order."""
    module.requires("kubernetes")
    from kubernetes.client.rest import ApiException

    from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import PodExec, core_api

    p = module.params
    api_client = module.client.client.client  # K8SClient -> DynamicClient -> kubernetes ApiClient
    ns = p["namespace"]
    if p.get("pod"):
        return [PodWitness(PodExec(api_client, ns, p["pod"], p["container"]), p)], []
    try:
        sts = _read_json(
            lambda: core_api(api_client, "apps_v1_api").read_namespaced_stateful_set(
                p["statefulset"], ns, _preload_content=False
            ),
            "StatefulSet %s/%s" % (ns, p["statefulset"]),
        )
        labels = ((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        selector = ",".join("%s=%s" % kv for kv in sorted(labels.items()))
        pods = _read_json(
            lambda: core_api(api_client).list_namespaced_pod(ns, label_selector=selector, _preload_content=False),
            "the pods of %s/%s" % (ns, p["statefulset"]),
        ).get("items", [])
    except ApiException as exc:
        if getattr(exc, "status", None) == 404:
            raise Day2Error(
                "StatefulSet %s not found in namespace %s. Give the hosted control plane namespace "
                "(<clusters namespace>-<hosted cluster name>) and the etcd StatefulSet name." % (p["statefulset"], ns)
            )
        raise Day2Error("Reading the etcd pods of %s/%s failed: %s" % (ns, p["statefulset"], api_error_text(exc)))
    witnesses, skipped = [], []
    for pod in sorted(pods, key=_ordinal):
        name = pod["metadata"]["name"]
        phase = (pod.get("status") or {}).get("phase")
        if phase == "Running" and not pod["metadata"].get("deletionTimestamp"):
            witnesses.append(PodWitness(PodExec(api_client, ns, name, p["container"]), p))
        else:
            skipped.append("%s: pod is %s" % (name, "terminating" if phase == "Running" else phase))
    return witnesses, skipped


def host_witnesses(p):
    etcdctl = find_tool("etcdctl", p.get("etcdctl"))
    if not etcdctl:
        raise Day2Error(
            "etcdctl not found (%s). Install the etcd client (RHEL 7: `yum install etcd`) or set `etcdctl`."
            % (p.get("etcdctl") or "looked up on PATH")
        )
    for option in ("cacert", "cert", "key"):
        path = p.get(option)
        if path and not os.path.isfile(path):
            raise Day2Error(
                "%s file %s does not exist on this host (OpenShift 3.11 etcd hosts: /etc/etcd/ca.crt, "
                "/etc/etcd/peer.crt, /etc/etcd/peer.key)." % (option, path)
            )
        if path and not os.access(path, os.R_OK):
            raise Day2Error("%s file %s is not readable by this user: run the task with become." % (option, path))
    return [HostWitness(etcdctl, ep) for ep in p["endpoints"]], []


# -- the HostedCluster (option hostedcluster) ------------------------------------------------------
KEY_ROLES = (("active", "activeKey"), ("backup", "backupKey"))


def _get_raw(module, path, what):
    """The object at `path` as a dict, or None when it does not exist (no typed API, no discovery)."""
    from ansible_collections.ocp.day2.plugins.module_utils.k8s import NotFoundError, with_retries

    try:
        return with_retries(module.client.client.request, "GET", path).to_dict()
    except NotFoundError:
        return None
    except Exception as exc:
        if getattr(exc, "status", None) is None:
            raise
        raise Day2Error("Reading %s failed: %s" % (what, api_error_text(exc)))


def hosted_cluster(module):
    """(HostedCluster or None, [{role, secret, found}] for its AES-CBC key secrets; their data is never kept)."""
    p = module.params
    name, ns = p["hostedcluster"], p["hostedcluster_namespace"]
    hc = _get_raw(
        module,
        "/apis/hypershift.openshift.io/v1beta1/namespaces/%s/hostedclusters/%s" % (ns, name),
        "HostedCluster %s/%s" % (ns, name),
    )
    keys = []
    aescbc = (((hc or {}).get("spec") or {}).get("secretEncryption") or {}).get("aescbc") or {}
    for role, field in KEY_ROLES:
        secret = (aescbc.get(field) or {}).get("name")
        if secret:
            found = _get_raw(module, "/api/v1/namespaces/%s/secrets/%s" % (ns, secret), "Secret %s/%s" % (ns, secret))
            keys.append({"role": role, "secret": secret, "found": found is not None})
    return hc, keys


# -- the module ------------------------------------------------------------------------------------
def check_params(p):
    """Everything wrong with the options, refused before any command or request."""
    if p.get("hostedcluster") is not None:
        inputs.k8s_name(p["hostedcluster"], "hostedcluster", example="example")
        inputs.k8s_name(p["hostedcluster_namespace"], "hostedcluster_namespace", label=True, example="clusters")
        if p["mode"] != "pod":
            raise Day2Error("hostedcluster works in pod mode only (the etcd of a hosted control plane).")
        p["namespace"] = p.get("namespace") or "%s-%s" % (p["hostedcluster_namespace"], p["hostedcluster"])
    for option in ("namespace", "statefulset", "pod", "container", "endpoint", "cacert", "cert", "key", "etcdctl"):
        if p.get(option) is not None and option != "statefulset":
            inputs.text(p[option], option)
    if p["mode"] == "pod" and not p.get("namespace"):
        raise Day2Error("mode=pod needs `namespace`, the hosted control plane namespace.")
    if p["mode"] == "pod" and not p.get("pod") and not (p.get("statefulset") or "").strip():
        raise Day2Error("mode=pod needs `statefulset` (the etcd StatefulSet, etcd in HyperShift) or a `pod` to ask.")
    if p["mode"] == "pod":
        inputs.k8s_name(p["namespace"], "namespace", label=True, example="clusters-example")
        if p.get("pod"):
            inputs.k8s_name(p["pod"], "pod", example="etcd-0")
        else:
            inputs.k8s_name(p["statefulset"], "statefulset", example="etcd")
        inputs.k8s_name(p["container"], "container", label=True, example="etcd")
    if p["mode"] == "host" and not p.get("endpoints"):
        raise Day2Error("mode=host needs `endpoints`, etcd client URLs such as https://10.0.0.1:2379.")
    for ep in p.get("endpoints") or []:
        em.validate_endpoint(ep, "endpoints")
    em.validate_endpoint(p["endpoint"], "endpoint")
    if p["mode"] == "host":
        for option in ("cacert", "cert", "key"):
            if p.get(option):
                inputs.readable_file(p[option], option)
        etcdctl = p.get("etcdctl")
        if etcdctl and os.path.sep in etcdctl and not (os.path.isfile(etcdctl) and os.access(etcdctl, os.X_OK)):
            raise Day2Error(
                "etcdctl not found: %s is not an executable file on this host. Give the path of etcdctl, or leave "
                "etcdctl unset to use the one on PATH." % etcdctl
            )
    if p["command_timeout"] < 1 or p["timeout"] < 1:
        raise Day2Error("command_timeout and timeout must be positive numbers of seconds.")
    if p.get("expect_members") is not None and p["expect_members"] < 1:
        raise Day2Error("expect_members must be at least 1.")


def tls_of(p):
    if p["mode"] == "pod":
        return (p.get("cacert") or POD_CACERT, p.get("cert") or POD_CERT, p.get("key") or POD_KEY)
    return (p.get("cacert"), p.get("cert"), p.get("key"))


def observe(witnesses, skipped, tls, command_timeout):
    """(members, output format, witness name) from the first witness that answers."""
    failures = list(skipped)
    for witness in witnesses:
        try:
            merged, fmt = collect(witness, tls, command_timeout)
            return merged, fmt, witness.name
        except Unanswered as exc:
            failures.append("%s: %s" % (witness.name, exc))
        except Day2Error as exc:
            if "etcdctl could not run" in exc.msg:
                raise
            failures.append("%s: %s" % (witness.name, exc.msg))
    text = "; ".join(failures) or "no witness to ask"
    raise Day2Error(
        "No etcd member answered `etcdctl member list` (%s). %s" % (text, unreachable_hint(text)), failures=failures
    )


def execute(module):
    p = module.params
    check_params(p)
    hosted = {}
    if p.get("hostedcluster"):
        module.requires("kubernetes")
        hc, keys = hosted_cluster(module)
        hosted = {"hostedcluster": hc, "encryption_keys": keys, "namespace": p["namespace"]}
        if hc is None:  # nothing to probe: the caller reports the missing HostedCluster
            return dict(hosted, changed=False, members=[], healthy=False, quorum=False, leader=None, unhealthy=[],
                        summary="HostedCluster %s/%s not found" % (p["hostedcluster_namespace"], p["hostedcluster"]),
                        witness=None, output=None)  # fmt: skip
    tls = tls_of(p)
    witnesses, skipped = pod_witnesses(module) if p["mode"] == "pod" else host_witnesses(p)
    expect = p.get("expect_members")
    started = time.monotonic()
    while True:
        look = time.monotonic()
        command_timeout = p["command_timeout"]
        if p["wait_healthy"]:  # a look never runs past the time the admin allowed for the whole wait
            command_timeout = max(1, min(command_timeout, int(p["timeout"] - (look - started))))
        try:
            merged, fmt, witness = observe(witnesses, skipped, tls, command_timeout)
            summary = em.summarize(merged, expect)
            last = None
        except Day2Error as exc:
            if not p["wait_healthy"]:
                raise
            last = exc
        if not p["wait_healthy"] or (last is None and summary["healthy"]):
            break
        if time.monotonic() - started + POLL_INTERVAL > p["timeout"]:
            what = last.msg if last is not None else "unhealthy: %s" % em.describe(merged, expect)
            raise Day2Timeout(
                "etcd was not healthy after %ss (%s). Check the etcd pods' logs or `journalctl -u etcd`, and "
                "recover the failed member(s) before going on." % (p["timeout"], what),
                **({} if last is not None else {"members": merged, "unhealthy": summary["unhealthy"]}),
            )
        time.sleep(max(0.0, POLL_INTERVAL - (time.monotonic() - look)))  # a slow look was wait enough
        if p["mode"] == "pod" and not p.get("pod"):
            witnesses, skipped = pod_witnesses(module)  # pods come and go while we wait
    result = {"changed": False, "members": merged, "witness": witness, "output": fmt}
    result.update(hosted)
    result.update(summary)
    result["summary"] = em.describe(merged, expect)
    return result
