#!/usr/bin/python
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pod_exec
short_description: Run a command in a container of a pod, with a lighter Kubernetes client load than k8s_exec
version_added: 0.4.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Runs one command in a container through the Kubernetes exec API and returns its exit code, standard output
    and standard error, like M(kubernetes.core.k8s_exec).
  - Why not M(kubernetes.core.k8s_exec) - it imports the deprecated C(kubernetes.client.apis) package, which loads
    every typed API class of the client. With kubernetes 37 that costs about 4 seconds of CPU on the controller
    for each task, before any request, while the exec itself takes milliseconds. This module opens the exec with
    the client's API client alone (the same websocket call), so a restore that runs several commands in a helper
    pod, or a fleet job that does it for many clusters, does not pay that each time.
  - The command fails the task when it exits non-zero; RV(rc), RV(stdout) and RV(stderr) are returned either way,
    so C(failed_when) can decide.
  - In check mode the command runs only when O(read_only=true) (a command that changes nothing); otherwise the
    task reports what it would run and changes nothing.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  namespace:
    description: Namespace of the pod.
    type: str
    required: true
  pod:
    description: Name of the pod.
    type: str
    required: true
  container:
    description: Container to run the command in. Default is the pod's first container.
    type: str
  command:
    description:
      - The command, split into arguments like a shell would split it (no shell features; use C(sh -c '...')
        for pipes and C(&&)).
    type: str
    required: true
  read_only:
    description:
      - The command changes nothing (a status or a check). It then runs in check mode too and the task reports
        no change.
    type: bool
    default: false
  timeout:
    description: Seconds the command may run before the task fails.
    type: int
    default: 300
notes:
  - Needs C(get) on pods and C(create) on C(pods/exec) in O(namespace).
  - Standard output beyond 1 MiB is not kept.
requirements:
  - kubernetes (the Python client, 30 or later for the light path; older clients use the typed API class)
"""

EXAMPLES = r"""
- name: Check a copied snapshot in a helper pod
  ocp.day2.pod_exec:
    namespace: clusters-example
    pod: etcd-data-5d9c7b-x2x7q
    container: access
    command: etcdutl snapshot status /var/lib/data/snapshot.db -w json
    read_only: true
  register: status

- name: Replace a member's data, reporting instead of failing on a non-zero exit
  ocp.day2.pod_exec:
    namespace: clusters-example
    pod: etcd-data-5d9c7b-x2x7q
    container: access
    command: sh -c 'rm -rf /var/lib/data/member && etcdutl snapshot restore /tmp/s.db --data-dir /var/lib/data'
  register: restored
  failed_when: restored.rc != 0
"""

RETURN = r"""
rc:
  description: Exit code of the command (-1 when the API server reported a failure without one).
  returned: when the command ran
  type: int
  sample: 0
return_code:
  description: The same as RV(rc), under the name M(kubernetes.core.k8s_exec) uses.
  returned: when the command ran
  type: int
stdout:
  description: Standard output, decoded as UTF-8 (invalid bytes replaced).
  returned: when the command ran
  type: str
stdout_lines:
  description: RV(stdout) split into lines.
  returned: when the command ran
  type: list
  elements: str
stderr:
  description:
    - Standard error, decoded as UTF-8, as kept for messages - its last 2000 characters, a repeated line once,
      and without the JSON log records and Go stack dumps that etcd tools print around an error.
  returned: when the command ran
  type: str
stderr_lines:
  description: RV(stderr) split into lines.
  returned: when the command ran
  type: list
  elements: str
container:
  description: The container the command ran in (or would run in, in check mode).
  returned: always
  type: str
command:
  description: The command as split into arguments.
  returned: always
  type: list
  elements: str
"""

import shlex

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import Deadline
from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import PodExec
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule, auth_arg_spec


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        namespace={"type": "str", "required": True},
        pod={"type": "str", "required": True},
        container={"type": "str"},
        command={"type": "str", "required": True},
        read_only={"type": "bool", "default": False},
        timeout={"type": "int", "default": 300},
    )
    return spec


def split_command(text):
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise Day2Error("`command` cannot be split into arguments (%s): check its quotes." % exc)
    if not argv:
        raise Day2Error("`command` is empty: give the command to run in the container.")
    return argv


def first_container(pexec):
    """The pod's first container."""
    names = [c.get("name") for c in (pexec.read_pod().get("spec") or {}).get("containers") or []]
    if not names:
        raise Day2Error("Pod %s/%s has no containers to run a command in." % (pexec.namespace, pexec.pod))
    return names[0]


def execute(module):
    p = module.params
    inputs.k8s_name(p["namespace"], "namespace", label=True, example="clusters-example")
    inputs.k8s_name(p["pod"], "pod", example="etcd-data-5d9c7b-x2x7q")
    if p["container"] is not None:
        inputs.k8s_name(p["container"], "container", label=True, example="access")
    inputs.at_least(p["timeout"], "timeout", 1, " seconds")
    argv = split_command(p["command"])
    api_client = module.client.client.client  # K8SClient -> DynamicClient -> kubernetes ApiClient
    pexec = PodExec(api_client, p["namespace"], p["pod"], p["container"])
    if not pexec.container:
        pexec.container = first_container(pexec)
    result = {"changed": not p["read_only"], "container": pexec.container, "command": argv}
    if module.check_mode and not p["read_only"]:
        result["msg"] = "check mode: would run %s in %s" % (" ".join(argv), pexec.where)
        return result
    deadline = Deadline(p["timeout"], what="the command in %s" % pexec.where)
    ran = pexec.run(argv, deadline, "running %s" % argv[0])
    stdout = ran.stdout.decode("utf-8", "replace")
    stderr = ran.stderr if isinstance(ran.stderr, str) else bytes(ran.stderr or b"").decode("utf-8", "replace")
    rc = ran.exit_code if ran.exit_code is not None else -1
    result.update(
        rc=rc,
        return_code=rc,
        stdout=stdout,
        stdout_lines=stdout.splitlines(),
        stderr=stderr,
        stderr_lines=stderr.splitlines(),
    )
    if rc != 0:
        raise Day2Error(
            "%s exited with %s in %s: %s"
            % (argv[0], rc, pexec.where, (stderr.strip() or ran.message or "no error output")[-2000:]),
            **{k: v for k, v in result.items() if k != "changed"},
        )
    return result


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
