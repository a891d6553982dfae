"""hostedcluster_upgrade steps against an in-memory API: the one control-plane patch (release, force annotation,
gate record), the gate refusing without a backup, NodePools only after the control plane, waits and timeouts."""

import copy
import json
import time
from types import SimpleNamespace

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift import upgrade_run as run
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.upgrade import FORCE_ANNOTATION, GATE_ANNOTATION
from tests.unit.plugins.module_utils.hypershift.fake_k8s import FakeInstance, api_error, merge_patch
from tests.unit.plugins.module_utils.hypershift.test_upgrade_plan import MANIFEST, SUPPORTED, hc, img, np


class Resource:
    def __init__(self, api, kind):
        self.api, self.kind = api, kind

    def get(self, name=None, namespace=None):
        objs = self.api.objects[self.kind]
        if name is None:
            return FakeInstance({"items": list(objs.values())})
        if name not in objs:
            raise api_error(404)
        return FakeInstance(objs[name])

    def patch(self, body=None, name=None, namespace=None, content_type=None):
        self.api.patches.append((self.kind, name, copy.deepcopy(body)))
        merge_patch(self.api.objects[self.kind][name], copy.deepcopy(body))


class Api:
    def __init__(self, cluster, pools):
        self.objects = {
            "HostedCluster": {"example": cluster},
            "NodePool": {p["metadata"]["name"]: dict(p, spec=dict(p["spec"], clusterName="example")) for p in pools},
            "ConfigMap": {"supported-versions": SUPPORTED},
        }
        self.patches = []

    def module(self, check=False, **params):
        base = {"name": "example", "namespace": "clusters", "target_version": "4.14.9", "target_image": None,
                "accept_risks": [], "channel": None, "nodepools": ["all"], "batch_size": 0, "force": False,
                "control_plane_only": False, "step": "control_plane", "action": "start", "backup_manifest": None,
                "backup_verified": False, "backup_max_age": "24h", "node_drain_timeout": None, "wait_timeout": 0,
                "timeout_at": None}  # fmt: skip
        base.update(params)
        return SimpleNamespace(
            params=base, check_mode=check, _diff=True, resource=lambda _a, kind: Resource(self, kind)
        )


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setattr(run, "POLL_SLEEP", 0.01)
    manifest = dict(MANIFEST, finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    cluster = hc(annotations={FORCE_ANNOTATION: img("4.13.1")})
    return Api(cluster, [np("example-a"), np("example-b")]), manifest


def test_no_backup_no_patch(api):
    fake, _manifest = api
    with pytest.raises(Day2Error, match="No upgrade without a verified backup.*No backup was given"):
        run.execute_upgrade(fake.module())
    assert fake.patches == []


def test_control_plane_one_patch_with_gate_and_stale_force_removed(api):
    fake, manifest = api
    res = run.execute_upgrade(fake.module(backup_manifest=manifest, backup_verified=True, channel="stable-4.15"))
    [(kind, _name, body)] = [p for p in fake.patches if p[0] == "HostedCluster" and "release" in p[2].get("spec", {})]
    assert res["changed"] and kind == "HostedCluster"
    assert body["spec"]["release"]["image"] == img("4.14.9") and body["spec"].get("channel") == "stable-4.15"
    assert body["metadata"]["annotations"][FORCE_ANNOTATION] is None  # a force for another release would block
    assert json.loads(body["metadata"]["annotations"][GATE_ANNOTATION])["backup_id"] == "b1"
    again = run.execute_upgrade(fake.module())  # the gate record and spec say it was started: no second patch
    assert again["changed"] is False and len(fake.patches) == 1


def test_force_sets_the_annotation_to_the_target_and_check_mode_patches_nothing(api):
    fake, manifest = api
    res = run.execute_upgrade(fake.module(check=True, force=True, backup_manifest=manifest, backup_verified=True))
    assert res["changed"] and res["patch"]["metadata"]["annotations"][FORCE_ANNOTATION] == img("4.14.9")
    assert fake.patches == []


def test_nodepools_wait_for_the_control_plane_then_patch_with_drain_timeout(api):
    fake, manifest = api
    with pytest.raises(Day2Error, match="not at 4.14.9 yet"):
        run.execute_upgrade(fake.module(step="nodepools", backup_manifest=manifest, backup_verified=True))
    run.execute_upgrade(fake.module(backup_manifest=manifest, backup_verified=True))
    cluster = fake.objects["HostedCluster"]["example"]
    cluster["status"]["version"]["history"].insert(
        0, {"version": "4.14.9", "image": img("4.14.9"), "state": "Completed"}
    )
    cluster["status"]["version"]["desired"] = {"version": "4.14.9", "image": img("4.14.9")}
    cluster["status"]["conditions"] += [
        {"type": t, "status": "True"} for t in ("ClusterVersionReleaseAccepted", "ValidReleaseImage")
    ]
    done = run.execute_upgrade(fake.module(action="wait"))
    assert done["done"] is True
    res = run.execute_upgrade(fake.module(step="nodepools", nodepools=["example-b"], node_drain_timeout="60s"))
    assert res["nodepools"] == ["example-b"]
    assert fake.objects["NodePool"]["example-b"]["spec"]["nodeDrainTimeout"] == "60s"
    assert fake.objects["NodePool"]["example-a"]["spec"]["release"]["image"] == img("4.14.8")
    going = run.execute_upgrade(fake.module(step="nodepools", action="wait", nodepools=["example-b"]))
    assert going["done"] is False and "status.version is 4.14.8" in " ".join(going["holds"])
    with pytest.raises(Day2Timeout, match="nodepools to reach 4.14.9; what held it: NodePool example-b"):
        run.execute_upgrade(fake.module(step="nodepools", action="wait", nodepools=["example-b"], timeout_at=1.0))
    fake.objects["NodePool"]["example-b"]["status"]["conditions"].append(
        {"type": "SupportedVersionSkew", "status": "False", "reason": "UnsupportedSkew", "message": "too far"}
    )
    with pytest.raises(Day2Error, match="SupportedVersionSkew=False"):
        run.execute_upgrade(fake.module(step="nodepools", action="wait", nodepools=["example-b"]))


def test_control_plane_wait_names_what_holds_it_and_stops_on_a_refused_release(api):
    fake, manifest = api
    run.execute_upgrade(fake.module(backup_manifest=manifest, backup_verified=True))
    with pytest.raises(Day2Timeout, match=r"history\[0\] is 4.14.8 Completed.*ClusterVersionReleaseAccepted=\(none\)"):
        run.execute_upgrade(fake.module(action="wait", timeout_at=1.0))
    fake.objects["HostedCluster"]["example"]["status"]["conditions"].append(
        {"type": "ValidReleaseImage", "status": "False", "reason": "InvalidImage", "message": "not supported",
         "observedGeneration": 3}
    )  # fmt: skip
    with pytest.raises(Day2Error, match="HyperShift refuses the release: ValidReleaseImage=False"):
        run.execute_upgrade(fake.module(action="wait"))
