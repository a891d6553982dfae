from __future__ import annotations

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import disk, entropy, storage_driver

ENTROPY = {"entropy_ok": 1000, "entropy_fail": 800}
PATH = entropy.PATH


@pytest.mark.parametrize(
    ("value", "status"),
    [("2683\n", "ok"), ("1000", "ok"), ("999", "warn"), ("800", "warn"), ("799", "fail"), ("120", "fail")],
)
def test_entropy_thresholds_on_old_kernels(probe, value, status):
    result = entropy.check_entropy(probe(files={PATH: value}), ENTROPY)
    assert result.status == status
    assert result.threshold == ">= 1000 ok, < 800 fail"


@pytest.mark.parametrize("kernel", ["5.18.0", "6.1.0-27-amd64", "6.18.44-fc-v669"])
def test_entropy_does_not_apply_on_new_kernels(probe, kernel):
    result = entropy.check_entropy(probe(files={PATH: "256"}, kernel=kernel), ENTROPY)
    assert result.status == "skipped"
    assert "Does not apply" in result.message and result.remedy == ""


def test_entropy_applies_just_before_5_18(probe):
    assert entropy.check_entropy(probe(files={PATH: "256"}, kernel="5.17.15"), ENTROPY).status == "fail"


def test_entropy_unreadable_fails(probe):
    assert entropy.check_entropy(probe(files={}), ENTROPY).status == "fail"


def test_disk_thresholds(probe):
    fake = probe(disks={"/var": (30, 45), "/var/lib": (2, 14)})
    assert disk.check_disk(fake, "/var", 40, 10).status == "ok"
    small = disk.check_disk(fake, "/var/lib/docker", 15, 10)  # measured on /var/lib, which exists
    assert small.status == "fail"
    assert small.name == "disk:/var/lib/docker" and "on /var/lib (/var/lib/docker does not exist)" in small.observed
    assert "at least 15 GB" in small.remedy


def test_disk_low_free_space_warns(probe):
    result = disk.check_disk(probe(disks={"/var": (2, 50)}), "/var", 40, 10)
    assert result.status == "warn" and "4%" in result.observed


DRIVER = {"storage_driver": "overlay2", "docker_binary": "docker", "docker_storage_config": "/etc/sysconfig/ds"}


def test_docker_info_overlay2_ok(probe):
    result = storage_driver.check_storage_driver(probe(commands={"docker": (0, "overlay2\n", "")}), DRIVER)
    assert result.status == "ok" and result.observed == "overlay2 (docker, from docker info)"


def test_docker_devicemapper_fails(probe):
    result = storage_driver.check_storage_driver(probe(commands={"docker": (0, "devicemapper\n", "")}), DRIVER)
    assert result.status == "fail" and "devicemapper" in result.message


def test_docker_down_falls_back_to_its_config_file(probe):
    fake = probe(
        commands={"docker": (1, "", "Cannot connect to the Docker daemon")},
        files={"/etc/sysconfig/ds": "DOCKER_STORAGE_OPTIONS='--storage-driver=overlay2'"},
    )
    assert storage_driver.check_storage_driver(fake, DRIVER).status == "ok"


def test_docker_down_without_config_warns(probe):
    fake = probe(commands={"docker": (1, "", "Cannot connect to the Docker daemon")})
    result = storage_driver.check_storage_driver(fake, DRIVER)
    assert result.status == "warn" and "Cannot connect" in result.observed


def test_crio_overlay_counts_as_overlay2(probe):
    fake = probe(files={"/etc/crio/crio.conf": '[crio]\nstorage_driver = "overlay"\n'}, binaries=[])
    result = storage_driver.check_storage_driver(fake, DRIVER)
    assert result.status == "ok" and "cri-o" in result.observed


def test_no_runtime_is_skipped(probe):
    assert storage_driver.check_storage_driver(probe(binaries=[]), DRIVER).status == "skipped"


@pytest.mark.parametrize(
    ("text", "driver"),
    [
        ("DOCKER_STORAGE_OPTIONS='--storage-driver overlay2'", "overlay2"),
        ('DOCKER_STORAGE_OPTIONS="-s devicemapper --storage-opt dm.thinpooldev=x"', "devicemapper"),
        ("DOCKER_STORAGE_OPTIONS=", None),
    ],
)
def test_docker_storage_file(text, driver):
    assert storage_driver.driver_from_docker_storage(text) == driver


class _BytesProbe:
    """A disk whose size is given in bytes, as statvfs reports it."""

    def __init__(self, total):
        self.total = total

    def exists(self, path):
        return True

    def disk_free(self, path):
        return self.total // 2, self.total


def test_disk_sizes_are_gb_as_the_guide_counts():
    # A disk sold as 40 GB holds 40 * 10^9 bytes (37.3 GiB): it meets the guide's 40 GB for a master's /var.
    assert disk.check_disk(_BytesProbe(40 * 10**9), "/var", 40, 10).status == "ok"
    result = disk.check_disk(_BytesProbe(40 * 10**9 - 10**8), "/var", 40, 10)
    assert result.status == "fail" and result.observed.startswith("39.9 GB total")
