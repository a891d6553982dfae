"""ocp3_registry_config on a host tree in a temporary directory, with the real openssl (002 §7.2.1, §7.3.2): a
registry CA trusted and verified, the allow and block lists written, docker restarted once; the same again in
check mode changes nothing; a certificate openssl refuses is taken out of the trust again."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.pki import CA

PLAY = "- hosts: localhost\n  connection: local\n  gather_facts: false\n  roles:\n    - ocp.day2.ocp3_registry_config\n"


def _changed(result):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl (scripts/system-deps.sh)")
def test_registry_ca_trusted_and_lists_written(tmp_path):
    root = tmp_path / "host"
    anchors = root / "etc/pki/ca-trust/source/anchors"
    anchors.mkdir(parents=True)
    (root / "etc/containers").mkdir(parents=True)
    bundle = root / "etc/pki/ca-trust/extracted/tls-ca-bundle.pem"
    bundle.parent.mkdir(parents=True)
    restarts = tmp_path / "docker-restarts.log"
    ca = CA(str(tmp_path / "registry-ca"), cn="myregistry-ca")
    # a server certificate of a CA nobody trusts: openssl cannot chain it to the trust
    leaf = CA(str(tmp_path / "other-ca"), cn="untrusted-ca").issue("registry-leaf")
    extra = {
        "ocp3_registry_config_ca_certs": [{"registry": "myregistry.example.com:5000", "src": ca.cert}],
        "ocp3_registry_config_anchors_dir": str(anchors),
        "ocp3_registry_config_docker_certs_dir": str(root / "etc/docker/certs.d"),
        # update-ca-trust extract, as a stand-in: the anchors make the bundle openssl verifies against
        "ocp3_registry_config_update_trust_command": ["sh", "-c", "cat %s/*.crt > %s" % (anchors, bundle)],
        "ocp3_registry_config_trust_bundle": str(bundle),
        "ocp3_registry_config_registries": ["registry.redhat.io", "my.registry.example.com"],
        "ocp3_registry_config_blocked": ["all"],
        "ocp3_registry_config_registries_conf": str(root / "etc/containers/registries.conf"),
        "ocp3_registry_config_restart_command": ["sh", "-c", "echo restart >> %s" % restarts],
    }
    play = write_playbook(tmp_path, PLAY)
    result = run_playbook(play, extra_vars=extra)
    assert result.rc == 0, result
    anchor = anchors / "myregistry.example.com_5000.crt"
    with open(ca.cert, "rb") as f:
        assert anchor.read_bytes() == f.read()
    assert (root / "etc/docker/certs.d/myregistry.example.com:5000/ca.crt").exists()
    conf = (root / "etc/containers/registries.conf").read_text()
    assert 'registries = ["registry.redhat.io", "my.registry.example.com"]' in conf
    assert '[registries.block]\nregistries = ["all"]' in conf
    assert restarts.read_text().split() == ["restart"]

    again = run_playbook(play, extra_vars=extra, check=True)
    assert again.rc == 0 and _changed(again) == 0, again

    bad = dict(extra, ocp3_registry_config_ca_certs=[{"registry": "other.example.com", "src": leaf.cert}])
    refused = run_playbook(play, extra_vars=bad)
    assert refused.rc != 0, refused
    assert "FAILED at step 'Verify each certificate against the system trust (openssl verify)'" in refused.output
    assert "unable to get local issuer certificate" in refused.output, refused
    assert not (anchors / "other.example.com.crt").exists(), "taken out of the trust again"
    assert ca.cert and anchor.exists(), "the trusted CA of the first run stays"
    assert restarts.read_text().split() == ["restart"], "docker not restarted for a refused certificate"
