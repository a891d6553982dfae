#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_export
short_description: Export a HyperShift hosted cluster's objects to files, for a restore on another management cluster
version_added: 0.3.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Reads, on a management cluster, everything the documented disaster-recovery backup of a hosted cluster saves
    (the HostedCluster, its NodePools, their Secrets and ConfigMaps, the control-plane namespace's Secrets, the
    HostedControlPlane, the Cluster API objects) and writes each object to its own YAML file under O(dest), as the
    seeds' C(oc get -o yaml) loop does, with a manifest C(export.json) that lists every file with its sha256.
  - Read-only on the cluster. Objects are written without C(status), without server-set metadata (uid,
    resourceVersion, generation, creationTimestamp, managedFields, selfLink, ownerReferences, deletionTimestamp,
    deletionGracePeriodSeconds), without the O(strip_annotations) and, for the HostedCluster, NodePools and
    HostedControlPlane, without C(spec.pausedUntil), so that M(ocp.day2.hostedcluster_import) can create them as
    they are.
  - "Exported, in the apply order of the manifest's groups: C(hc-secrets): every Secret the HostedCluster or a
    NodePool references (pull secret, SSH key, AES-CBC active and backup keys, audit webhook, service-account signing
    key, OAuth identity-provider secrets and templates, API server named certificates, OIDC client secrets,
    platform credentials, the keys named in C(status.secretEncryption)) plus the Secrets of the HostedCluster's
    namespace whose name starts with O(name) (those of another HostedCluster whose name starts with O(name), such as
    C(example2) for C(example), are left out, and so are those HyperShift writes itself from the control plane's
    secrets, C(<name>-admin-kubeconfig), C(<name>-kubeadmin-password) and those named in C(status.kubeconfig),
    C(status.kubeadminPassword), C(status.customKubeconfig): the destination writes them again, and an old copy
    would point at the source until then); C(hc-configmaps): the ConfigMaps referenced (additional trust
    bundle, proxy and image CAs, OAuth and OIDC CAs, API server client CA, NodePool C(config) and C(tuningConfig));
    C(hcp-secrets): the Secrets of the control-plane namespace C(<namespace>-<name>) except service-account tokens,
    docker config Secrets and those named C(oauth-openshift*) or C(token-<name>*); C(hcp); C(cluster): the CAPI
    Cluster and the AWSCluster; C(machines) (with O(machines=true)): AWSMachineTemplates, AWSMachines,
    MachineDeployments, MachineSets and Machines; C(hostedcluster); C(nodepools)."
  - Every file is written atomically with mode 0600, only when its content changed; directories are 0700. Files an
    earlier export of the same O(dest) listed and this one does not are removed. C(export.json) is written last
    (atomically), and only when the objects changed, so exporting the same objects again reports no change.
  - Fails before writing anything when the HostedCluster or its HostedControlPlane does not exist, when a
    referenced Secret or ConfigMap is missing (the message names each one and the field that references it), or
    when O(dest) is a file or cannot be written.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster and its NodePools.
    type: str
    default: clusters
  dest:
    description:
      - The export directory. Created (0700) when missing, with C(namespaces/<namespace>/) and
        C(namespaces/<namespace>-<name>/) below it; an existing one is set to 0700.
      - "Files: C(hc-<name>.yaml), C(np-<nodepool>.yaml), C(secret-<s>.yaml) and C(configmap-<c>.yaml) in the
        HostedCluster's namespace directory; C(hcp-<name>.yaml), C(secret-<s>.yaml), C(cl-<n>.yaml),
        C(awscl-<n>.yaml), C(awsmt-<n>.yaml), C(awsm-<n>.yaml), C(machinedeployment-<n>.yaml),
        C(machineset-<n>.yaml) and C(machine-<n>.yaml) in the control-plane namespace's directory."
    type: path
    required: true
  machines:
    description: Also export AWSMachineTemplates, AWSMachines, MachineDeployments, MachineSets and Machines (needed
      to restore the nodes by reusing their instances).
    type: bool
    default: true
  strip_annotations:
    description: Annotations removed from every exported object (records of a quiesce or a migration, the
      last-applied configuration).
    type: list
    elements: str
    default: [ocp.day2/quiesce-prior-state, ocp.day2/migration-prior-state,
              kubectl.kubernetes.io/last-applied-configuration]
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
attributes:
  check_mode:
    support: full
    description: Reads the cluster and returns the full plan (every object and the sha256 of its file); writes
      nothing.
  diff_mode:
    support: full
    description: Shows the files added, changed or removed, by sha256 (never their content).
notes:
  - The files hold Secrets in clear (base64). Keep O(dest) private; the module never returns or logs their data.
  - Export after M(ocp.day2.hostedcluster_quiesce) so that nothing changes between the etcd snapshot and the
    export; C(spec.pausedUntil) and the quiesce record are not exported either way.
seealso:
  - module: ocp.day2.hostedcluster_import
"""

EXAMPLES = r"""
- name: Export the hosted cluster clusters/example with its machine objects
  ocp.day2.hostedcluster_export:
    name: example
    namespace: clusters
    dest: /var/backups/hcp/clusters-example
  register: export

- name: Show what was exported
  ansible.builtin.debug:
    msg: "{{ export.objects | map(attribute='file') | list }}"

- name: What would be exported (writes nothing)
  ocp.day2.hostedcluster_export:
    name: example
    dest: /var/backups/hcp/clusters-example
    machines: false
  check_mode: true
"""

RETURN = r"""
manifest:
  description: The content of C(export.json) (in check mode with C(exported_at) null when it would change).
  returned: always
  type: dict
  sample:
    format: 1
    exported_at: "2026-11-26T10:00:00Z"
    hostedcluster:
      namespace: clusters
      name: example
      uid: 5b3c...
      controllerAvailabilityPolicy: HighlyAvailable
      release_image: quay.io/openshift-release-dev/ocp-release:4.17.3-x86_64
      version: 4.17.3
      etcd_members: 3
      api_hostnames: [api.example.hypershift.example.com]
      base_domain: hypershift.example.com
    source: {server: "https://api.mgmt-a.example.com:6443"}
    objects: []
objects:
  description: Every object exported, in apply order (as in the manifest; never their data).
  returned: always
  type: list
  elements: dict
  contains:
    group:
      description: hc-secrets, hc-configmaps, hcp-secrets, hcp, cluster, machines, hostedcluster or nodepools.
      type: str
    apiVersion:
      description: API version of the object.
      type: str
    kind:
      description: Kind of the object.
      type: str
    namespace:
      description: Namespace of the object.
      type: str
    name:
      description: Name of the object.
      type: str
    file:
      description: The file, relative to O(dest).
      type: str
      sample: namespaces/clusters/hc-example.yaml
    sha256:
      description: sha256 of the file.
      type: str
dest:
  description: The export directory (absolute).
  returned: always
  type: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.export import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
