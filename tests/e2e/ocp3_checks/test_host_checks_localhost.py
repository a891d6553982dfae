"""Host checks run for real on localhost through ansible-playbook: NTP against real chronyd daemons,
disk, entropy (kernel-aware) and the container storage driver."""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys

from tests.harness.ansible import run_playbook, write_playbook


def _run_module_tasks(tmp_path, tasks):
    """Run ocp3_host_check once per {label: args} on localhost; return {label: {check name: result}}."""
    lines = [
        "- name: Host checks on localhost",
        "  hosts: localhost",
        "  connection: local",
        "  gather_facts: false",
        "  tasks:",
    ]
    for label, args in tasks.items():
        lines += [
            "    - name: Check %s" % label,
            "      ocp.day2.ocp3_host_check: %s" % json.dumps(args),
            "      register: r_%s" % label,
        ]
    lines += [
        "    - name: Save the results",
        "      ansible.builtin.copy:",
        '        content: "{{ {%s} | to_json }}"' % ", ".join("'%s': r_%s" % (k, k) for k in tasks),
        "        dest: %s" % (tmp_path / "results.json"),
        "        mode: '0600'",
    ]
    result = run_playbook(write_playbook(tmp_path, "\n".join(lines) + "\n"))
    assert result.rc == 0, result
    data = json.loads((tmp_path / "results.json").read_text())
    return {label: {c["name"]: c for c in data[label]["checks"]} for label in tasks}, data


def test_ntp_against_real_chronyd(chronyd_pair, tmp_path):
    synced, unsynced = chronyd_pair
    results, data = _run_module_tasks(
        tmp_path,
        {
            "synced": {"checks": ["ntp"], "chronyc_socket": synced.socket},
            "unsynced": {"checks": ["ntp"], "chronyc_socket": unsynced.socket},
            "no_daemon": {"checks": ["ntp"], "chronyc_socket": str(tmp_path / "no-chronyd-here.sock")},
            "tight": {
                "checks": ["ntp"],
                "chronyc_socket": synced.socket,
                "ntp_offset_warn_ms": 0,
                "ntp_offset_fail_ms": 0,
            },
        },
    )
    good = results["synced"]["ntp"]
    assert good["status"] == "ok", good
    assert re.match(r"chronyc: synchronised, offset \d+\.\d{3} ms", good["observed"]), good
    bad = results["unsynced"]["ntp"]
    assert bad["status"] == "fail", bad
    assert "not synchronised" in bad["observed"] and "chronyd" in bad["remedy"]
    # A zero offset limit makes even a perfect clock fail: the offset is really compared.
    assert results["tight"]["ntp"]["status"] == "fail"
    assert data["synced"]["changed"] is False
    # Nothing listens on that socket (as when chronyd is stopped): no source answers.
    nothing = results["no_daemon"]["ntp"]
    assert nothing["status"] == "fail", nothing
    assert nothing["observed"].startswith("chronyc: ") and "No time service answered" in nothing["message"]


def test_disk_entropy_and_storage_driver_on_localhost(tmp_path):
    overlay = tmp_path / "docker-storage-overlay2"
    overlay.write_text("DOCKER_STORAGE_OPTIONS='--storage-driver overlay2'\n")
    devicemapper = tmp_path / "docker-storage-dm"
    devicemapper.write_text('DOCKER_STORAGE_OPTIONS="--storage-driver devicemapper --storage-opt dm.fs=xfs"\n')
    results, _data = _run_module_tasks(
        tmp_path,
        {
            "small": {
                "checks": ["disk", "entropy"],
                "disks": [{"path": "/var", "min_gb": 1}, {"path": "/var/lib/no-such-dir", "min_gb": 1}],
                "disk_free_warn_percent": 0,
            },
            "huge": {"checks": ["disk"], "disks": [{"path": "/var", "min_gb": 1000000}]},
            "overlay2": {
                "checks": ["storage_driver"],
                "docker_binary": "ocpd2t-no-docker",
                "docker_storage_config": str(overlay),
            },
            "devicemapper": {
                "checks": ["storage_driver"],
                "docker_binary": "ocpd2t-no-docker",
                "docker_storage_config": str(devicemapper),
            },
            "none": {
                "checks": ["storage_driver"],
                "docker_binary": "ocpd2t-no-docker",
                "docker_storage_config": str(tmp_path / "absent"),
            },
        },
    )
    assert results["small"]["disk:/var"]["status"] == "ok"
    missing = results["small"]["disk:/var/lib/no-such-dir"]
    assert missing["status"] == "ok" and "does not exist" in missing["observed"]
    huge = results["huge"]["disk:/var"]
    assert huge["status"] == "fail" and huge["threshold"] == ">= 1e+06 GB total", huge

    entropy = results["small"]["entropy"]
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", platform.release()).groups())
    if (major, minor) >= (5, 18):
        assert entropy["status"] == "skipped", entropy
        assert "Does not apply" in entropy["message"] and "256" in entropy["message"]
    else:
        assert entropy["status"] in ("ok", "warn", "fail") and "bits" in entropy["observed"]

    assert results["overlay2"]["storage_driver"]["status"] == "ok"
    dm = results["devicemapper"]["storage_driver"]
    assert dm["status"] == "fail" and dm["observed"].startswith("devicemapper"), dm
    # Neither docker nor CRI-O here: the check does not apply (unless this machine has CRI-O config files).
    assert results["none"]["storage_driver"]["status"] in ("skipped",), results["none"]


def test_bad_options_fail_with_a_message(tmp_path):
    play = write_playbook(
        tmp_path,
        "- name: Bad thresholds\n  hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n"
        "    - name: Check\n      ocp.day2.ocp3_host_check:\n        entropy_ok: 500\n        entropy_fail: 800\n",
    )
    result = run_playbook(play)
    assert result.rc != 0
    assert "entropy_fail (800) must not be above entropy_ok (500)" in result.output
    assert "Traceback" not in result.output


REMEDY_PLAY = """
- name: Remedies in check mode on localhost
  hosts: nodes
  gather_facts: false
  roles:
    - role: ocp.day2.ocp3_health_check
"""


def test_remedy_in_check_mode_and_unreachable_cluster(tmp_path):
    inventory = tmp_path / "inventory.json"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory.write_text(json.dumps({"all": {"children": {"nodes": {"hosts": {"node1": host}}}}}))
    before = subprocess.run(["pgrep", "-x", "chronyd"], capture_output=True, text=True, check=False).stdout
    result = run_playbook(
        write_playbook(tmp_path, REMEDY_PLAY),
        inventory=str(inventory),
        check=True,
        extra_vars={
            "ocp3_health_check_checks": ["ntp", "entropy"],
            "ocp3_health_check_chronyc_socket": str(tmp_path / "no-chronyd-here.sock"),
            # The cluster cannot be reached: one failed summary row, and the play goes on.
            "ocp3_health_check_kubeconfig": str(tmp_path / "no-such-kubeconfig"),
            "ocp3_health_check_cluster_checks": ["nodes_ready"],
            "ocp3_health_check_fail_on": "never",
            "ocp3_health_check_remedy_chrony": True,
            "ocp3_health_check_chrony_package": "chrony",
            "ocp3_health_check_chrony_service": "chrony",
            "ocp3_health_check_remedy_rngd": True,
        },
    )
    assert result.rc == 0, result
    # The NTP check failed, so the chrony remedy ran, in check mode: it reports the start it would do...
    assert re.search(
        r"TASK \[ocp.day2.ocp3_health_check : Enable and start chrony\] \*+\nchanged: \[node1\]", result.stdout
    ), result.stdout
    # ...and did not do it.
    after = subprocess.run(["pgrep", "-x", "chronyd"], capture_output=True, text=True, check=False).stdout
    assert after == before
    assert re.search(r"\(cluster\)\s+cluster_checks\s+FAIL", result.stdout), result.stdout
    # Entropy does not apply on this kernel (or passed), so rngd is not touched even though it was asked for.
    major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", platform.release()).groups())
    if (major, minor) >= (5, 18):
        assert "Install rng-tools" not in result.stdout
