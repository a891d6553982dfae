#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_must_gather
short_description: Collect troubleshooting data about a HyperShift hosted cluster into a private tar.gz
version_added: 0.4.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - The seed's troubleshooting collection (001 §9.1) for one hosted cluster, as one archive
    C(<dest>/must-gather-<namespace>-<name>-<UTC time>.tar.gz) with mode 0600, written atomically.
  - It holds, as YAML one object a file under C(namespaces/<namespace>/<kind>/), the HostedCluster, its NodePools,
    the HostedControlPlane, the Cluster API objects (Cluster, MachineDeployment, MachineSet, Machine, AWSCluster,
    AWSMachineTemplate, AWSMachine), the Deployments and StatefulSets of the control-plane namespace, the events of
    both namespaces (those of the HostedCluster's namespace about objects named after it), the status and
    containers of every pod of the control-plane namespace and the logs of their containers
    (C(namespaces/<ns>/pods/<pod>/<container>.log)), and C(ocp-day2-summary.yaml).
  - Secret values are never included. Secrets (and ConfigMaps of the control-plane namespace) appear as their
    names, types and keys only; then every Secret value read (8 characters or more, as text and in base64) is
    searched for in every file of the archive, logs included, and replaced by a marker (C(redacted)). The
    files where this happened are listed in RV(redacted_files).
  - With O(oc_must_gather=auto) (the default) and C(oc) on PATH, also runs the seed's
    C(oc adm must-gather --image=registry.redhat.io/multicluster-engine/must-gather-rhel9:v<mce_version>
    /usr/bin/gather hosted-cluster-namespace=<namespace> hosted-cluster-name=<name>) into C(oc-must-gather/) of the
    archive (redacted the same way). The multicluster engine version is O(mce_version) or read from the
    MultiClusterEngine resource; when C(oc) or the version is missing, that part is skipped and said in RV(notes).
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster.
    type: str
    default: clusters
  dest:
    description: Directory on the host running the module where the archive is written (created 0700 if missing).
    type: path
    required: true
  logs:
    description: Collect the container logs of the control-plane pods.
    type: bool
    default: true
  log_tail_lines:
    description: Lines of each container log kept, the newest (V(0) for all).
    type: int
    default: 5000
  oc_must_gather:
    description:
      - V(auto) runs C(oc adm must-gather) when C(oc) is on PATH and the multicluster engine version is known.
      - V(always) fails when it cannot run; V(never) does not try.
    type: str
    choices: [auto, always, never]
    default: auto
  mce_version:
    description: Multicluster engine version as X.Y (for example C(2.6)), for the must-gather image tag.
    type: str
  must_gather_image:
    description: The must-gather image to use instead of the multicluster engine's (a mirror, for example).
    type: str
  oc_timeout:
    description: Seconds C(oc adm must-gather) may take (its C(--timeout)).
    type: int
    default: 1800
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
attributes:
  check_mode:
    support: full
    description: Reads the HostedCluster and returns the archive path it would write; nothing is collected.
  diff_mode:
    support: none
    description: Nothing on the cluster changes; the archive is new each time.
notes:
  - Reads only; nothing on the cluster changes. C(changed) is true when an archive was written.
  - Share the archive with care all the same - object names, events and logs can say much about a cluster.
seealso:
  - module: ocp.day2.hostedcluster_nodepool_scale
"""

EXAMPLES = r"""
- name: Collect must-gather data of example
  ocp.day2.hostedcluster_must_gather:
    name: example
    dest: /var/tmp/must-gather
    mce_version: "2.6"
  register: gathered

- name: Say where it is
  ansible.builtin.debug:
    msg: "{{ gathered.path }}"
"""

RETURN = r"""
path:
  description: The archive written (or, in check mode, that would be).
  returned: always
  type: str
  sample: /var/tmp/must-gather/must-gather-clusters-example-20261126T140000Z.tar.gz
files:
  description: Files collected by this module (the C(oc adm must-gather) output not counted).
  returned: when an archive was written
  type: int
skipped:
  description: Kinds the API server does not serve.
  returned: when an archive was written
  type: list
  elements: str
errors:
  description: What could not be read (listed in the summary too); the rest was collected.
  returned: when an archive was written
  type: list
  elements: str
notes:
  description: Why C(oc adm must-gather) was skipped or failed, when it was.
  returned: when an archive was written
  type: list
  elements: str
redacted_files:
  description: Files in which a Secret value was found and replaced.
  returned: when an archive was written
  type: list
  elements: str
oc_must_gather:
  description: The C(oc adm must-gather) command run, its exit code and image; null when it did not run.
  returned: when an archive was written
  type: dict
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.must_gather import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
