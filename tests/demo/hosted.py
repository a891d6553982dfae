"""Demo stage 2: hosted-cluster etcd backup and in-place restore on the simulated management cluster."""

import importlib.util
import os

from tests.harness.ansible import ROOT


def available():
    return importlib.util.find_spec("tests.sim") is not None and os.path.isfile(
        os.path.join(ROOT, "playbooks", "hostedcluster_etcd_backup.yml")
    )


def run(work, moto, banner):  # filled in when the hosted-cluster roles land
    banner("stage 2: hosted-cluster backup and in-place restore")
    print("not wired yet")
    return True
