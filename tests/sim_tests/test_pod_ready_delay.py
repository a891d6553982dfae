"""ManagementCluster(pod_ready_seconds=...): a Deployment's new pods turn Ready only after the delay."""

import time

from tests.harness.net import wait_for
from tests.sim.cluster import ManagementCluster


def _ready(mgmt, name, ns):
    dep = mgmt.get("apps/v1", "Deployment", name, ns)
    return (dep.get("status") or {}).get("readyReplicas") or 0


def test_new_pods_are_ready_only_after_the_delay(tmp_path):
    mgmt = ManagementCluster(str(tmp_path / "m"), name="m", operator=False, pod_ready_seconds=1.5).start()
    try:
        mgmt.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "work"}})
        dep = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "work"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "api"}},
                "template": {
                    "metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [{"name": "api", "image": "example/api"}]},
                },
            },
        }
        started = time.monotonic()
        mgmt.put(dep)
        wait_for(lambda: mgmt.list("v1", "Pod", "work"), timeout=10, what="the pod")
        time.sleep(0.5)
        assert _ready(mgmt, "api", "work") == 0  # created, not Ready yet
        wait_for(lambda: _ready(mgmt, "api", "work") == 1, timeout=10, interval=0.05, what="the pod Ready")
        assert time.monotonic() - started >= 1.5
    finally:
        mgmt.stop()
