"""etcd_snapshot command lines and output parsing (pure functions)."""

import json

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.etcd import commands as cmds


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def deadline(seconds=300, clock=None):
    return cmds.Deadline(seconds, clock=clock or Clock())


STATUS = {"hash": 3361405138, "revision": 2001, "totalKey": 2004, "totalSize": 331776}


def test_parse_status_reads_all_fields():
    assert cmds.parse_status(json.dumps(STATUS)) == STATUS


def test_parse_status_skips_deprecation_notice_and_accepts_bytes():
    out = (
        "Deprecated: Use `etcdutl snapshot status` instead.\n\n" + json.dumps(dict(STATUS, version="3.5.0"))
    ).encode()
    assert cmds.parse_status(out, "etcdctl") == STATUS


@pytest.mark.parametrize("field", ["hash", "revision", "totalKey", "totalSize"])
def test_parse_status_refuses_missing_field(field):
    data = dict(STATUS)
    del data[field]
    with pytest.raises(Day2Error, match="no integer '%s'.*NOT considered good" % field):
        cmds.parse_status(json.dumps(data))


def test_parse_status_refuses_non_integer_and_bool():
    with pytest.raises(Day2Error, match="'hash'"):
        cmds.parse_status(json.dumps(dict(STATUS, hash="12")))
    with pytest.raises(Day2Error, match="'revision'"):
        cmds.parse_status(json.dumps(dict(STATUS, revision=True)))


def test_parse_status_refuses_table_output_and_empty():
    with pytest.raises(Day2Error, match="did not print a JSON status"):
        cmds.parse_status("+------+\n| HASH |\n+------+\n")
    with pytest.raises(Day2Error, match="did not print a JSON status"):
        cmds.parse_status("")


def test_parse_status_refuses_empty_database():
    with pytest.raises(Day2Error, match="not a usable etcd snapshot"):
        cmds.parse_status(json.dumps(dict(STATUS, revision=0)))


def test_parse_sha256sum():
    digest = "ab" * 32
    assert cmds.parse_sha256sum(("%s  /var/lib/data/x.db\n" % digest.upper()).encode()) == digest
    with pytest.raises(Day2Error, match="Could not read the sha256"):
        cmds.parse_sha256sum("sha256sum: /x: No such file or directory", "/x")


def test_save_command_host_has_one_endpoint_tls_paths_and_timeouts():
    cmd = cmds.save_command("/usr/bin/etcdctl", "https://10.0.0.1:2379", "/tmp/s.db", "/ca", "/c", "/k", deadline(120))
    assert cmd[0] == "/usr/bin/etcdctl"
    assert "--endpoints=https://10.0.0.1:2379" in cmd
    assert [a for a in cmd if a.startswith(("--cacert", "--cert", "--key"))] == [
        "--cacert=/ca",
        "--cert=/c",
        "--key=/k",
    ]
    assert "--command-timeout=120s" in cmd and "--dial-timeout=10s" in cmd
    assert cmd[-3:] == ["snapshot", "save", "/tmp/s.db"]


def test_save_command_pod_uses_env_like_the_seeds():
    cmd = cmds.save_command(
        "etcdctl", "https://localhost:2379", "/var/lib/data/s.db", "/a", "/b", "/c", deadline(), True
    )
    assert cmd[0] == "env" and cmd[cmd.index("ETCDCTL_API=3") + 1] == "etcdctl"
    for var in ("ETCDCTL_CACERT", "ETCDCTL_CERT", "ETCDCTL_KEY", "ETCDCTL_ENDPOINTS"):
        assert cmd[cmd.index(var) - 1] == "-u"  # the container's variables would shadow our flags


def test_save_command_omits_unset_tls_and_shrinks_timeouts():
    clock = Clock()
    d = cmds.Deadline(100, clock=clock)
    clock.now += 96.5
    cmd = cmds.save_command("etcdctl", "http://127.0.0.1:2379", "/s", None, None, None, d)
    assert not [a for a in cmd if a.startswith(("--cacert", "--cert", "--key"))]
    assert "--command-timeout=3s" in cmd and "--dial-timeout=3s" in cmd


def test_status_commands():
    assert cmds.status_command("etcdutl", "etcdutl", "/p", use_env=True) == [
        "env", "etcdutl", "snapshot", "status", "/p", "-w", "json",
    ]  # fmt: skip
    assert cmds.status_command("etcdctl", "etcdctl", "/p", use_env=True)[:2] == ["env", "-u"]
    assert cmds.status_command("etcdctl", "/bin/etcdctl", "/p") == [
        "/bin/etcdctl",
        "snapshot",
        "status",
        "/p",
        "-w",
        "json",
    ]


def test_deadline_raises_timeout_naming_the_step():
    clock = Clock()
    d = cmds.Deadline(30, clock=clock)
    assert d.check("x") == 30
    clock.now += 31
    with pytest.raises(Day2Timeout, match=r"Timed out after 30s while copying.*Raise `timeout`"):
        d.check("copying")


@pytest.mark.parametrize(
    "stderr,hint",
    [
        ("open /etc/etcd/nope.crt: no such file or directory", "does not exist"),
        ("x509: certificate signed by unknown authority", "TLS failed"),
        ("context deadline exceeded", "did not answer"),
        ("something else", "endpoint health"),
    ],
)
def test_unreachable_hint(stderr, hint):
    assert hint in cmds.unreachable_hint(stderr)


def test_clean_stderr_keeps_the_tail():
    assert cmds.clean_stderr(b"a" * 10 + b"END\n", limit=5) == "...aaEND"
