"""kubernetes.core modules run by ansible-playbook against the simulator (no monkeypatching)."""

import hashlib
import os

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.net import wait_for

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/kubernetes.core.k8s:
      kubeconfig: "{{ kubeconfig }}"
      context: mgmt-a
  tasks:
    - name: Create a Deployment
      kubernetes.core.k8s: &helper
        state: present
        apply: true
        definition:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: etcd-data, namespace: "{{ ns }}", labels: {app: etcd-data}}
          spec:
            replicas: 1
            selector: {matchLabels: {app: etcd-data}}
            template:
              metadata: {labels: {app: etcd-data}}
              spec:
                containers:
                  - name: access
                    image: quay.io/example/etcd
                    command: [/usr/bin/bash, -c, "sleep infinity"]
                    volumeMounts: [{name: data, mountPath: /var/lib}]
                volumes: [{name: data, persistentVolumeClaim: {claimName: data-etcd-0}}]
        wait: true
        wait_timeout: 30
      register: created

    - name: Apply the same again (idempotent)
      kubernetes.core.k8s: *helper
      register: again

    - name: Find the helper pod
      kubernetes.core.k8s_info:
        kind: Pod
        namespace: "{{ ns }}"
        label_selectors: [app=etcd-data]
        wait: true
        wait_condition: {type: Ready, status: "True"}
      register: helper

    - name: Snapshot through exec
      kubernetes.core.k8s_exec:
        namespace: "{{ ns }}"
        pod: etcd-0
        container: etcd
        command: >-
          env ETCDCTL_API=3 /usr/bin/etcdctl --cacert /etc/etcd/tls/etcd-ca/ca.crt
          --cert /etc/etcd/tls/client/etcd-client.crt --key /etc/etcd/tls/client/etcd-client.key
          --endpoints=localhost:2379 snapshot save /var/lib/data/snapshot.db
      register: snap

    - name: A failing command reports its rc
      kubernetes.core.k8s_exec:
        namespace: "{{ ns }}"
        pod: etcd-0
        command: sh -c "exit 3"
      register: failing
      failed_when: failing.rc != 3

    - name: Copy the snapshot out of the helper pod (same PVC)
      kubernetes.core.k8s_cp:
        namespace: "{{ ns }}"
        pod: "{{ helper.resources[0].metadata.name }}"
        remote_path: /var/lib/data/snapshot.db
        local_path: "{{ out_dir }}/snapshot.db"
        state: from_pod

    - name: Copy a file into the pod
      kubernetes.core.k8s_cp:
        namespace: "{{ ns }}"
        pod: "{{ helper.resources[0].metadata.name }}"
        remote_path: /var/lib/restored.snap.db
        local_path: "{{ out_dir }}/snapshot.db"
        state: to_pod

    - name: Scale etcd down and wait
      kubernetes.core.k8s_scale:
        api_version: apps/v1
        kind: StatefulSet
        name: etcd
        namespace: "{{ ns }}"
        replicas: 0
        wait: true
        wait_timeout: 30

    - name: Scale etcd back up and wait
      kubernetes.core.k8s_scale:
        api_version: apps/v1
        kind: StatefulSet
        name: etcd
        namespace: "{{ ns }}"
        replicas: 1
        wait: true
        wait_timeout: 30

    - name: JSON patch the HostedCluster
      kubernetes.core.k8s_json_patch:
        kubeconfig: "{{ kubeconfig }}"
        api_version: hypershift.openshift.io/v1beta1
        kind: HostedCluster
        namespace: clusters
        name: ans
        patch:
          - {op: add, path: /spec/pausedUntil, value: "true"}

    - name: Delete the helper
      kubernetes.core.k8s:
        state: absent
        api_version: apps/v1
        kind: Deployment
        namespace: "{{ ns }}"
        name: etcd-data
        wait: true

    - name: Results
      ansible.builtin.debug:
        msg: >-
          RESULTS changed={{ created.changed }} again={{ again.changed }}
          pods={{ helper.resources | length }} rc={{ snap.rc }}
"""


def test_kubernetes_core_modules(mgmt_cluster, tmp_path):
    hc = mgmt_cluster.create_hosted_cluster(name="ans", availability="SingleReplica")
    hc.etcd.put_many({"/ansible/k%d" % i: "v%d" % i for i in range(20)})
    play = write_playbook(tmp_path, PLAY)
    res = run_playbook(
        play, extra_vars={"kubeconfig": mgmt_cluster.kubeconfig, "ns": hc.hcp_namespace, "out_dir": str(tmp_path)}
    )
    assert res.rc == 0, res.stdout[-5000:] + res.stderr[-2000:]
    assert "RESULTS changed=True again=False pods=1 rc=0" in res.stdout
    local = (tmp_path / "snapshot.db").read_bytes()
    with open(os.path.join(hc.member_dir(0), "data", "snapshot.db"), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == hashlib.sha256(local).hexdigest()
    with open(os.path.join(hc.member_dir(0), "restored.snap.db"), "rb") as f:
        assert f.read() == local
    assert mgmt_cluster.get("apps/v1", "Deployment", "etcd-data", hc.hcp_namespace) is None
    wait_for(
        lambda: (
            mgmt_cluster.get("hypershift.openshift.io/v1beta1", "HostedControlPlane", "ans", hc.hcp_namespace)[
                "spec"
            ].get("pausedUntil")
            == "true"
        ),
        timeout=10,
        what="pausedUntil on the HostedControlPlane",
    )
    assert len(hc.etcd.get_all("/ansible/")) == 20
