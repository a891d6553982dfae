#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: etcd_member_info
short_description: Members, health, leader and status of an etcd cluster (hosted control plane pod or etcd host)
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Runs C(etcdctl member list), C(endpoint health) and C(endpoint status) and returns one record per member
    (name, hex ID, URLs, health and its error, leader, revision, raft term and index, database size, version),
    plus whether every member is healthy, whether the healthy members hold quorum, and the leader.
  - O(mode=pod) runs etcdctl inside a pod of a hosted control plane's etcd StatefulSet through the Kubernetes
    exec API. Every Running pod is tried in order until one answers, so a dead member is never the witness.
    The container's own C(ETCDCTL_*) variables are unset (C(env -u)) because the TLS flags are given
    explicitly; etcdctl 3.4 refuses a flag that its variable also sets.
  - O(mode=host) runs etcdctl on the host where the module runs, such as an OpenShift 3.11 master or etcd host,
    trying O(endpoints) in order.
  - The member list comes from the witness; health and status are asked of every member's advertised client
    URL. A member that does not answer is reported unhealthy with its error, which is data, not a failure.
  - Reads the JSON output of etcd 3.4 and later, and the text output of etcd 3.2 and 3.3 (OpenShift 3.11),
    whose C(endpoint health) has no JSON form.
  - With O(wait_healthy=true) it polls until every member is healthy (and O(expect_members) are listed).
  - Read-only. Runs the same in check mode.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
options:
  mode:
    description:
      - C(pod) runs etcdctl in an etcd pod through the Kubernetes API (hosted control planes).
      - C(host) runs etcdctl on the host where the module runs (OpenShift 3.11 etcd hosts).
    type: str
    choices: [pod, host]
    default: pod
  namespace:
    description:
      - Hosted control plane namespace (C(<clusters namespace>-<hosted cluster name>)). Required when O(mode=pod),
        unless O(hostedcluster) is given (then it defaults to O(hostedcluster_namespace)-O(hostedcluster)).
    type: str
  statefulset:
    description: The etcd StatefulSet whose pods are tried as witnesses, in ordinal order (O(mode=pod)).
    type: str
    default: etcd
  pod:
    description: Ask only this pod (O(mode=pod)). Default is every Running pod of O(statefulset) until one answers.
    type: str
  container:
    description: Container that has etcdctl (O(mode=pod)).
    type: str
    default: etcd
  endpoint:
    description: The witness pod's own etcd client URL, as seen from inside the container (O(mode=pod)).
    type: str
    default: https://localhost:2379
  endpoints:
    description: etcd client URLs tried in order as witnesses (O(mode=host), required there).
    type: list
    elements: str
  cacert:
    description:
      - CA bundle of the etcd server certificates.
      - O(mode=pod) default C(/etc/etcd/tls/etcd-ca/ca.crt), where HyperShift mounts ConfigMap C(etcd-ca) in the
        etcd container. O(mode=host), a path on the host (C(/etc/etcd/ca.crt) on OpenShift 3.11).
    type: str
  cert:
    description:
      - Client certificate. O(mode=pod) default C(/etc/etcd/tls/client/etcd-client.crt) (Secret
        C(etcd-client-tls)). O(mode=host), for example C(/etc/etcd/peer.crt) on OpenShift 3.11.
    type: str
  key:
    description:
      - Client key, a path only. O(mode=pod) default C(/etc/etcd/tls/client/etcd-client.key). O(mode=host), for
        example C(/etc/etcd/peer.key) on OpenShift 3.11.
    type: str
  etcdctl:
    description: etcdctl to run. Default is C(etcdctl) on C(PATH) (of the host, or of the container).
    type: str
  command_timeout:
    description:
      - Seconds etcdctl may take for each command (C(--command-timeout)). Connections time out after
        3 seconds at most (C(--dial-timeout)), so an unreachable member is reported quickly.
    type: int
    default: 10
  wait_healthy:
    description: Poll until every member is healthy and, with O(expect_members), that many are listed.
    type: bool
    default: false
  timeout:
    description: Seconds O(wait_healthy) waits before failing with the list of unhealthy members.
    type: int
    default: 300
  expect_members:
    description: How many members etcd must list. With it, RV(healthy) also needs the count to match.
    type: int
  hostedcluster:
    description:
      - Name of a HostedCluster to read first (O(mode=pod)). The module returns it as RV(hostedcluster) and
        reports in RV(encryption_keys) whether the key secrets named by its C(spec.secretEncryption.aescbc) exist,
        without returning their content. When the HostedCluster does not exist, etcd is not asked and
        RV(hostedcluster) is null (no failure, the caller decides).
      - Saves a separate read of the HostedCluster and its secrets (M(kubernetes.core.k8s_info) would need one
        module run, and one import of the Kubernetes client, per kind) for callers that need all three before
        acting, such as the hostedcluster_etcd_backup role.
    type: str
    version_added: 0.4.0
  hostedcluster_namespace:
    description: Namespace of O(hostedcluster) and of its key secrets.
    type: str
    default: clusters
    version_added: 0.4.0
notes:
  - In O(mode=host) the witness endpoint must accept a TCP connection within 3 seconds before etcdctl runs, so a
    dead witness is skipped in seconds.
  - In O(mode=pod) the module needs C(pods/exec) on the etcd pods and C(get) on the StatefulSet and pods.
  - Hosted control planes before 4.12 (and the seeds' DR scripts) used C(/etc/etcd/tls/client/etcd-client-ca.crt);
    later ones mount the CA only at C(/etc/etcd/tls/etcd-ca/ca.crt). Set O(cacert) for the older layout.
  - The text format of C(endpoint status) prints sizes rounded (C(25 MB)) and no revision; RV(output) says
    which format was read.
requirements:
  - kubernetes (pod mode)
  - etcdctl with the v3 API (etcd 3.2 or later)
"""

EXAMPLES = r"""
- name: Health of a hosted control plane's etcd
  ocp.day2.etcd_member_info:
    namespace: clusters-example
  register: etcd

- name: Wait until the three members are back and healthy
  ocp.day2.etcd_member_info:
    namespace: clusters-example
    wait_healthy: true
    expect_members: 3
    timeout: 600

- name: Members of an OpenShift 3.11 etcd cluster, from a master
  become: true
  ocp.day2.etcd_member_info:
    mode: host
    endpoints: "{{ groups['etcd'] | map('regex_replace', '^(.*)$', 'https://\\1:2379') | list }}"
    cacert: /etc/etcd/ca.crt
    cert: /etc/etcd/peer.crt
    key: /etc/etcd/peer.key
  register: etcd311

- name: A HostedCluster, whether its encryption key secrets exist, and the health of its etcd, in one run
  ocp.day2.etcd_member_info:
    hostedcluster: example
    hostedcluster_namespace: clusters
  register: hc_etcd

- name: Stop when quorum is lost
  ansible.builtin.assert:
    that: etcd311.quorum
    fail_msg: "etcd lost quorum; unhealthy: {{ etcd311.unhealthy | join(', ') }}"
"""

RETURN = r"""
members:
  description: One record per member, sorted by name (members added but not started last).
  returned: success
  type: list
  elements: dict
  contains:
    name: {description: Member name (empty for a member added but not started), type: str, sample: etcd-0}
    id: {description: Member ID in hex as etcdctl prints it, type: str, sample: 8e9e05c52164694d}
    peer_urls: {description: Peer URLs, type: list, elements: str}
    client_urls: {description: Client URLs, type: list, elements: str}
    endpoint: {description: The client URL asked for health and status, type: str}
    started: {description: Whether the member has started, type: bool}
    is_learner: {description: Whether the member is a learner, type: bool}
    healthy: {description: Whether the member committed a proposal through C(endpoint health), type: bool}
    error: {description: "Why the member is not healthy, or null.", type: str}
    took: {description: "How long the health check took, as etcdctl prints it.", type: str, sample: 4.5ms}
    leader: {description: Whether this member is the raft leader, type: bool}
    revision: {description: Store revision (null with the text format), type: int}
    raft_term: {description: Raft term, type: int}
    raft_index: {description: Raft index, type: int}
    db_size: {description: Database size in bytes (rounded with the text format), type: int}
    db_size_in_use: {description: Database bytes in use (etcd 3.4 and later), type: int}
    version: {description: etcd server version, type: str, sample: 3.5.14}
healthy:
  description: Every member is healthy (and the count is O(expect_members) when given).
  returned: success
  type: bool
quorum:
  description: More than half of the members are healthy.
  returned: success
  type: bool
leader:
  description: Name of the leader, or null when no member reports one.
  returned: success
  type: str
unhealthy:
  description: Names (or IDs) of the members that are not healthy.
  returned: success, and on a wait_healthy timeout
  type: list
  elements: str
summary:
  description: One sentence on what is not healthy (each unhealthy member with its error, a wrong member count).
  returned: success
  type: str
  sample: "etcd-2 (context deadline exceeded); 2 member(s) listed, 3 expected"
witness:
  description: The pod or endpoint whose etcdctl answered.
  returned: success
  type: str
  sample: etcd-0
output:
  description: C(json), or C(text) when at least one answer had to be read in the text format (etcd 3.2/3.3).
  returned: success
  type: str
hostedcluster:
  description: The HostedCluster O(hostedcluster) as read, or null when it does not exist.
  returned: when O(hostedcluster) is given
  type: dict
encryption_keys:
  description: The key secrets named by the HostedCluster's C(spec.secretEncryption.aescbc), active key first.
  returned: when O(hostedcluster) is given
  type: list
  elements: dict
  contains:
    role: {description: "C(active) or C(backup).", type: str}
    secret: {description: Name of the Secret in O(hostedcluster_namespace)., type: str}
    found: {description: Whether the Secret exists., type: bool}
  sample: [{role: active, secret: example-etcd-encryption-key, found: true}]
namespace:
  description: The hosted control plane namespace asked (derived from O(hostedcluster) when not given).
  returned: when O(hostedcluster) is given
  type: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.etcd.member_info import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(
        check_k8s=False,  # pod mode checks for kubernetes itself; host mode runs without it
        check_pyyaml=False,
        argument_spec=argument_spec(),
        required_if=[("mode", "pod", ["namespace", "hostedcluster"], True), ("mode", "host", ["endpoints"])],
        supports_check_mode=True,
    )
    module.run(execute)


if __name__ == "__main__":
    main()
