#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_import
short_description: Apply an export of a HyperShift hosted cluster onto a (destination) management cluster
version_added: 0.3.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Applies what M(ocp.day2.hostedcluster_export) wrote, in the order of the documented restore (seeds 000 §4.2.4),
    first the HostedCluster's namespace and its control-plane namespace C(<namespace>-<name>), then the groups
    C(hc-secrets), C(hc-configmaps), C(hcp-secrets), C(hcp), C(cluster), C(machines), C(hostedcluster) and
    C(nodepools), each object in the order of the manifest.
  - Before anything is applied, reads C(export.json) and checks the sha256 of B(every) file it lists (also those of
    groups not applied now); a missing or changed file is refused and named, and nothing is applied.
  - An object is created when missing; an existing one is merged (JSON merge patch, its finalizers left as the
    destination's controllers set them) when it differs, and left alone otherwise. The HostedCluster is the
    exception, it is only ever created, with O(restore_snapshot_url) as its one
    C(spec.etcd.managed.storage.restoreSnapshotURL) (the API reads it at creation and refuses to change it) and no
    C(spec.pausedUntil). An existing HostedCluster of that name is left as it is and reported in
    RV(hostedcluster_existed).
  - The HostedControlPlane gets the same C(restoreSnapshotURL) as the HostedCluster. HyperShift copies the
    HostedCluster's etcd spec onto it, and the API refuses to add that field to an existing object or change it, so
    a control plane created without it (the seeds apply it before the HostedCluster) would keep etcd from restoring.
    With O(restore_snapshot_url) given, group C(hcp) is applied with it; otherwise, just before the HostedCluster is
    created (only then, since nothing reconciles the control plane while no HostedCluster exists), a HostedControlPlane
    without the same URL is deleted (finalizers removed) and created again with it (action V(recreated)).
  - Transient API errors (HTTP 5xx, 429, refused or reset connections) are retried with backoff. When an object
    cannot be applied, the failure names it and lists in RV(applied) what is already in place; a re-run continues.
options:
  src:
    description: The export directory (O(ocp.day2.hostedcluster_export#module:dest) of the export).
    type: path
    required: true
  groups:
    description:
      - The groups to apply now; they are always applied in the fixed order whatever the order given here.
      - For a migration, first the secrets, control plane and CAPI objects
        (V(hc-secrets), V(hc-configmaps), V(hcp-secrets), V(hcp), V(cluster), V(machines)), then V(hostedcluster),
        then V(nodepools).
    type: list
    elements: str
    default: [hc-secrets, hc-configmaps, hcp-secrets, hcp, cluster, machines, hostedcluster, nodepools]
  restore_snapshot_url:
    description:
      - Required when V(hostedcluster) is in O(groups). The URL the HostedCluster's etcd restores from, https (for
        example an S3 presigned URL in the bucket's region) or s3; at most 1024 characters.
      - It is never shown in results, diffs or logs.
    type: str
  labels:
    description:
      - Labels added to every namespace and object this module creates (never to existing ones), so that a later
        run knows what it created. For example the label C(ocp.day2/migration-id) with the migration's id.
    type: dict
    default: {}
  create_namespaces:
    description: Create the namespaces C(<namespace>) and C(<namespace>-<name>) (with O(labels)) when missing. With
      V(false) a missing namespace fails the task before anything is applied.
    type: bool
    default: true
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
attributes:
  check_mode:
    support: full
    description: Checks the export and reads the cluster; returns what would be created, updated or left alone.
  diff_mode:
    support: full
    description: Shows which namespaces and objects would be created or updated (never their data).
notes:
  - Machine objects (group V(machines)) let the destination adopt the running instances. Leave the group out to
    restore the control plane only.
seealso:
  - module: ocp.day2.hostedcluster_export
"""

EXAMPLES = r"""
- name: Apply the secrets, control plane and CAPI objects of the export
  ocp.day2.hostedcluster_import:
    src: /var/backups/hcp/clusters-example
    groups: [hc-secrets, hc-configmaps, hcp-secrets, hcp, cluster, machines]
    labels:
      ocp.day2/migration-id: m-20261126

- name: Create the HostedCluster from the etcd snapshot, then its NodePools
  ocp.day2.hostedcluster_import:
    src: /var/backups/hcp/clusters-example
    groups: [hostedcluster, nodepools]
    restore_snapshot_url: "{{ presigned_url }}"
    labels:
      ocp.day2/migration-id: m-20261126
  register: imported

- name: What would be applied (changes nothing)
  ocp.day2.hostedcluster_import:
    src: /var/backups/hcp/clusters-example
    restore_snapshot_url: "{{ presigned_url }}"
  check_mode: true
"""

RETURN = r"""
applied:
  description: Every object of the chosen groups, in apply order, with what was done (or would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    group:
      description: The manifest group.
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
    action:
      description: created, updated, unchanged, or (HostedControlPlane only) recreated.
      type: str
  sample:
    - {group: hc-secrets, kind: Secret, namespace: clusters, name: example-pull-secret, action: created}
hostedcluster_existed:
  description: Whether the HostedCluster already existed (it was then left alone).
  returned: always
  type: bool
namespaces_created:
  description: The namespaces created (or that would be, in check mode).
  returned: always
  type: list
  elements: str
src:
  description: The export directory (absolute).
  returned: success
  type: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.importer import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
