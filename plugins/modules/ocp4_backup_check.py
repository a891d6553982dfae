#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ocp4_backup_check
short_description: Record or check the manifest of an OpenShift 4 etcd backup (same z-stream guard)
version_added: 0.2.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Works on a backup directory written by C(cluster-backup.sh) on the host the module runs on (usually the
    controller after the files were fetched). The directory must hold exactly one C(snapshot_<timestamp>.db)
    and one C(static_kuberesources_<timestamp>.tar.gz) with the same timestamp, as one backup run writes them.
  - With O(write_manifest=true) it writes C(manifest.json) (mode 0600) with the cluster's release (x.y.z), the
    timestamp and the sha256 and size of both files. The release is read from the ClusterVersion C(version)
    unless O(cluster_version) is given. An existing manifest with the same content is left alone (not changed);
    one that records another backup is never rewritten.
  - With O(write_manifest=false) (the default) it is the guard a restore must pass
    (seed 003 §5.4.2.2) and fails unless the manifest's release equals the release the cluster runs, the
    manifest names the files' timestamp, and both files still have the recorded sha256. Every problem
    found is reported. The guard also refuses while a cluster update is in progress.
  - Why not M(ansible.builtin.stat) and M(kubernetes.core.k8s_info)? The file-name pairing, the version parsing
    of the ClusterVersion history and the comparison are the guard; roles call this one module instead of
    re-deriving it in Jinja.
options:
  path:
    description: The backup directory on the host the module runs on.
    type: path
    required: true
  write_manifest:
    description: Write the manifest (V(true)) or check the backup against the cluster (V(false)).
    type: bool
    default: false
  cluster_version:
    description:
      - The release the cluster runs, such as C(4.14.8). When left out it is read from the ClusterVersion
        C(version) (the newest history entry, which must be C(Completed)).
    type: str
  expected_sha256:
    description:
      - Only with O(write_manifest=true). Sha256 of the files measured where they were taken, keyed by file name;
        a file that differs fails the task before the manifest is written.
    type: dict
  source_host:
    description: The control-plane host the backup was taken on, recorded in the manifest.
    type: str
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
attributes:
  check_mode:
    support: full
    description: Reports whether the manifest would be written; the check itself runs as usual (read only).
notes:
  - The guard compares releases exactly (C(4.14.8) is not C(4.14.7) nor C(4.14.8-rc.1)).
"""

EXAMPLES = r"""
- name: Record the manifest of a fetched backup
  ocp.day2.ocp4_backup_check:
    path: /srv/backups/ocp4/2024-03-03_032848
    write_manifest: true
    source_host: master-0
  delegate_to: localhost

- name: Refuse a restore from a backup of another z-stream release
  ocp.day2.ocp4_backup_check:
    path: /srv/backups/ocp4/2024-03-03_032848
    kubeconfig: /root/auth/kubeconfig
  delegate_to: localhost
"""

RETURN = r"""
manifest_path:
  description: Path of the manifest.
  returned: always
  type: str
  sample: /srv/backups/ocp4/2024-03-03_032848/manifest.json
cluster_version:
  description: The release the cluster runs (or O(cluster_version)).
  returned: success, and on a failed check
  type: str
  sample: 4.14.8
backup:
  description: The backup found.
  returned: always
  type: dict
  contains:
    timestamp:
      description: The timestamp in both file names.
      type: str
      returned: always
      sample: 2024-03-03_032848
    snapshot:
      description: Name of the snapshot file.
      type: str
      returned: always
    static_resources:
      description: Name of the static pod resources archive.
      type: str
      returned: always
    cluster_version:
      description: The release the manifest records.
      type: str
      returned: always
    files:
      description: sha256 and size of both files, by name.
      type: dict
      returned: always
problems:
  description: Every reason the backup cannot restore the cluster.
  returned: on a failed check
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule
from ansible_collections.ocp.day2.plugins.module_utils.ocp4.backup_check import argument_spec, execute


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
