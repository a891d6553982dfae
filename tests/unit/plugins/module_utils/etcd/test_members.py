"""Parsing of etcdctl member list / endpoint health / endpoint status (JSON, etcd 3.4 text, etcd 3.2/3.3 text),
the merged member view, leader and quorum.

The etcd 3.2/3.3 samples follow those versions' simple printer: fields joined with ", ", URL lists with ","
inside a field, member IDs in hex, sizes from go-humanize ("25 MB"), health lines on stdout. The etcd 3.4 text
samples are captured at test time from a real 3-member etcd (tests/harness/etcd.py).
"""

import json

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd import members as em

# OpenShift 3.11 on three masters, etcd 3.2.22 (member list -w json exists there, endpoint health -w json does not).
MEMBERS_32_TEXT = """\
1d7ea5f8b3d6d3a1, started, master-0.example.com, https://10.0.0.1:2380, https://10.0.0.1:2379
5a3b9c2e10f4e7b8, started, master-1.example.com, https://10.0.0.2:2380, https://10.0.0.2:2379
c04f1e2d3a4b5c6d, started, master-2.example.com, https://10.0.0.3:2380, https://10.0.0.3:2379
"""
# etcd 3.3.11: a member added with `member add` but never started has no name and no client URLs.
MEMBERS_33_UNSTARTED = """\
1d7ea5f8b3d6d3a1, started, master-0.example.com, https://10.0.0.1:2380, https://10.0.0.1:2379,https://127.0.0.1:2379
5a3b9c2e10f4e7b8, started, master-1.example.com, https://10.0.0.2:2380, https://10.0.0.2:2379
c04f1e2d3a4b5c6d, unstarted, , https://10.0.0.3:2380, \n"""
HEALTH_33_TEXT = """\
https://10.0.0.1:2379 is healthy: successfully committed proposal: took = 1.934662ms
https://10.0.0.3:2379 is unhealthy: failed to connect: dial tcp 10.0.0.3:2379: getsockopt: connection refused
https://10.0.0.2:2379 is healthy: successfully committed proposal: took = 2.120837ms
"""
HEALTH_32_COMMIT_FAILED = (
    "https://10.0.0.2:2379 is unhealthy: failed to commit proposal: context deadline exceeded\n"
    "Error: unhealthy cluster\n"
)
# etcd 3.3 simple status: endpoint, ID, version, db size, is leader, raft term, raft index.
STATUS_33_TEXT = """\
https://10.0.0.1:2379, 1d7ea5f8b3d6d3a1, 3.3.11, 25 MB, true, 8, 1234567
https://10.0.0.2:2379, 5a3b9c2e10f4e7b8, 3.3.11, 25 MB, false, 8, 1234567
https://10.0.0.3:2379, c04f1e2d3a4b5c6d, 3.3.11, 2.1 GB, false, 8, 1234566
"""

MEMBERS_JSON = {
    "header": {"cluster_id": 1, "member_id": 2, "raft_term": 2},
    "members": [
        {
            "ID": 7527461920978679854,
            "name": "etcd-2",
            "peerURLs": ["https://e2:2380"],
            "clientURLs": ["https://e2:2379"],
        },
        {
            "ID": 6855379266531364598,
            "name": "etcd-0",
            "peerURLs": ["https://e0:2380"],
            "clientURLs": ["https://e0:2379"],
        },
        {
            "ID": 15048577947716542836,
            "name": "etcd-1",
            "peerURLs": ["https://e1:2380"],
            "clientURLs": ["https://e1:2379"],
        },
    ],
}
HEALTH_JSON = [
    {"endpoint": "https://e2:2379", "health": True, "took": "5.1ms"},
    {"endpoint": "https://e0:2379", "health": True, "took": "6.6ms"},
    {"endpoint": "https://e1:2379", "health": False, "took": "3.0s", "error": "context deadline exceeded"},
]


def _status(endpoint, member_id, leader, revision=41):
    return {
        "Endpoint": endpoint,
        "Status": {
            "header": {"cluster_id": 1, "member_id": member_id, "revision": revision, "raft_term": 3},
            "version": "3.5.14",
            "dbSize": 20480,
            "leader": leader,
            "raftIndex": 9,
            "raftTerm": 3,
            "raftAppliedIndex": 9,
            "dbSizeInUse": 16384,
        },
    }


STATUS_JSON = [
    _status("https://e2:2379", 7527461920978679854, 6855379266531364598),
    _status("https://e0:2379", 6855379266531364598, 6855379266531364598),
]
STATUS_STDERR_34 = "Failed to get the status of endpoint https://e1:2379 (context deadline exceeded)\n"


def test_member_list_json_ids_are_hex():
    members, fmt = em.parse_member_list(json.dumps(MEMBERS_JSON))
    assert fmt == "json"
    assert [m["id"] for m in members] == ["6876eabc2436b82e", "5f23331f1e2e0ef6", "d0d749e9a46be174"]
    assert members[0]["client_urls"] == ["https://e2:2379"] and members[0]["started"]


def test_member_list_32_text():
    members, fmt = em.parse_member_list(MEMBERS_32_TEXT)
    assert fmt == "text" and len(members) == 3
    assert members[1] == {
        "id": "5a3b9c2e10f4e7b8",
        "name": "master-1.example.com",
        "peer_urls": ["https://10.0.0.2:2380"],
        "client_urls": ["https://10.0.0.2:2379"],
        "is_learner": False,
        "started": True,
    }


def test_member_list_33_unstarted_and_several_urls():
    members, _fmt = em.parse_member_list(MEMBERS_33_UNSTARTED)
    assert members[0]["client_urls"] == ["https://10.0.0.1:2379", "https://127.0.0.1:2379"]
    assert members[2]["started"] is False and members[2]["name"] == "" and members[2]["client_urls"] == []
    assert members[2]["peer_urls"] == ["https://10.0.0.3:2380"]


def test_member_list_garbage_is_refused():
    with pytest.raises(Day2Error, match="member list"):
        em.parse_member_list("Error: context deadline exceeded\n")
    with pytest.raises(Day2Error, match="no member"):
        em.parse_member_list("")


def test_health_json_and_text():
    health, fmt = em.parse_health(json.dumps(HEALTH_JSON), '{"level":"warn","msg":"retrying"}\n')
    assert fmt == "json" and health["https://e1:2379"] == {
        "healthy": False,
        "error": "context deadline exceeded",
        "took": "3.0s",
    }
    health, fmt = em.parse_health(HEALTH_33_TEXT)
    assert fmt == "text"
    assert health["https://10.0.0.1:2379"] == {"healthy": True, "error": None, "took": "1.934662ms"}
    assert health["https://10.0.0.3:2379"]["error"].startswith("failed to connect: dial tcp")
    health, _fmt = em.parse_health("", HEALTH_32_COMMIT_FAILED)  # read from stderr too (etcd 3.4 prints there)
    assert health == {
        "https://10.0.0.2:2379": {
            "healthy": False,
            "error": "failed to commit proposal: context deadline exceeded",
            "took": None,
        }
    }


def test_status_33_text():
    status, fmt = em.parse_status(STATUS_33_TEXT)
    assert fmt == "text"
    first = status["https://10.0.0.1:2379"]
    assert first["id"] == "1d7ea5f8b3d6d3a1" and first["is_leader"] and first["version"] == "3.3.11"
    assert first["db_size"] == 25_000_000 and first["raft_term"] == 8 and first["raft_index"] == 1234567
    assert first["revision"] is None
    assert status["https://10.0.0.3:2379"]["db_size"] == 2_100_000_000


def test_status_json_with_a_failed_endpoint():
    status, fmt = em.parse_status(json.dumps(STATUS_JSON), STATUS_STDERR_34)
    assert fmt == "json"
    assert status["https://e0:2379"]["is_leader"] and not status["https://e2:2379"]["is_leader"]
    assert status["https://e0:2379"]["revision"] == 41 and status["https://e0:2379"]["db_size_in_use"] == 16384
    assert status["https://e1:2379"] == {"error": "context deadline exceeded"}


def test_sizes():
    assert em.parse_size("0 B") == 0 and em.parse_size("20 kB") == 20000 and em.parse_size("1.5 MiB") == 1572864
    assert em.parse_size("12") is None and em.parse_size("big") is None


def test_merge_marks_leader_quorum_and_errors():
    members, _fmt = em.parse_member_list(json.dumps(MEMBERS_JSON))
    health, _fmt = em.parse_health(json.dumps(HEALTH_JSON))
    status, _fmt = em.parse_status(json.dumps(STATUS_JSON), STATUS_STDERR_34)
    merged = em.merge(members, health, status)
    assert [m["name"] for m in merged] == ["etcd-0", "etcd-1", "etcd-2"]
    assert [m["leader"] for m in merged] == [True, False, False]
    assert merged[1]["healthy"] is False and merged[1]["error"] == "context deadline exceeded"
    assert merged[1]["revision"] is None and merged[0]["revision"] == 41
    summary = em.summarize(merged, expect_members=3)
    assert summary == {"healthy": False, "quorum": True, "leader": "etcd-0", "unhealthy": ["etcd-1"]}
    assert "etcd-1 (context deadline exceeded)" in em.describe(merged)


def test_merge_text_33_with_unstarted_member():
    members, _fmt = em.parse_member_list(MEMBERS_33_UNSTARTED)
    health, _fmt = em.parse_health(HEALTH_33_TEXT)
    status, _fmt = em.parse_status(STATUS_33_TEXT)
    merged = em.merge(members, health, status)
    assert [m["name"] for m in merged] == ["master-0.example.com", "master-1.example.com", ""]
    assert merged[2]["healthy"] is False and "not started" in merged[2]["error"]
    assert merged[0]["leader"] and merged[0]["db_size"] == 25_000_000
    summary = em.summarize(merged)
    assert summary["quorum"] is True and summary["unhealthy"] == ["c04f1e2d3a4b5c6d"] and not summary["healthy"]


def test_quorum_and_expected_count():
    member = {"name": "a", "id": "1", "healthy": True, "leader": True, "error": None}
    assert em.summarize([member], expect_members=3) == {
        "healthy": False,
        "quorum": True,
        "leader": "a",
        "unhealthy": [],
    }
    two_down = [member, dict(member, name="b", healthy=False, leader=False), dict(member, name="c", healthy=False)]
    assert em.summarize(two_down)["quorum"] is False
    assert em.summarize([])["healthy"] is False
    assert "1 member(s) listed, 3 expected" in em.describe([member], expect_members=3)


def test_no_health_answer_for_a_member_is_unhealthy():
    members, _fmt = em.parse_member_list(MEMBERS_32_TEXT)
    merged = em.merge(members, {}, {"https://10.0.0.2:2379": {"error": "context deadline exceeded"}})
    assert all(not m["healthy"] for m in merged)
    assert merged[1]["error"] == "context deadline exceeded" and "no health answer" in merged[0]["error"]


@pytest.mark.parametrize(
    "url", ["https://10.0.0.1:2379", "http://etcd-0.etcd-discovery.ns.svc:2379", "https://[::1]:2379"]
)
def test_endpoint_validation_accepts(url):
    assert em.validate_endpoint(url) == url


@pytest.mark.parametrize("url", ["10.0.0.1:2379", "https://host:2379 --insecure", "--debug", "https://h:99999", ""])
def test_endpoint_validation_refuses(url):
    with pytest.raises(Day2Error, match="endpoint"):
        em.validate_endpoint(url)


def test_command_lines():
    args = em.health_args(["https://a:2379", "https://b:2379"], ("/ca", "/c", "/k"), 20)
    assert args[0] == "--endpoints=https://a:2379,https://b:2379"
    assert "--cacert=/ca" in args and "--dial-timeout=3s" in args and "--command-timeout=20s" in args
    assert args[-4:] == ["endpoint", "health", "-w", "json"] and "--cluster" not in args


# -- etcd 3.4's own text output, captured from a real cluster -----------------------------------------
@pytest.fixture(scope="module")
def real_etcd(tmp_path_factory):
    from tests.harness.etcd import EtcdCluster

    cluster = EtcdCluster(str(tmp_path_factory.mktemp("etcd")), names=("etcd-0", "etcd-1", "etcd-2")).start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_real_etcdctl_34_text_output(real_etcd):
    listed = real_etcd.etcdctl("member", "list")
    members, fmt = em.parse_member_list(listed.stdout)
    assert fmt == "text" and sorted(m["name"] for m in members) == ["etcd-0", "etcd-1", "etcd-2"]
    as_json, _fmt = em.parse_member_list(real_etcd.etcdctl("member", "list", "-w", "json").stdout)
    assert {m["id"] for m in members} == {m["id"] for m in as_json}

    health = real_etcd.etcdctl("endpoint", "health")
    parsed, fmt = em.parse_health(health.stdout, health.stderr)  # 3.4 prints these lines on stderr
    assert fmt == "text" and set(parsed) == set(real_etcd.endpoints)
    assert all(h["healthy"] and h["took"] for h in parsed.values())

    status = real_etcd.etcdctl("endpoint", "status")
    parsed, fmt = em.parse_status(status.stdout, status.stderr)
    assert fmt == "text" and set(parsed) == set(real_etcd.endpoints)
    assert sum(s["is_leader"] for s in parsed.values()) == 1
    for s in parsed.values():
        assert s["version"].startswith("3.") and s["db_size"] > 0 and s["raft_term"] >= 1 and s["raft_index"] >= 1
        assert s["is_learner"] is False

    merged = em.merge(members, em.parse_health(health.stdout, health.stderr)[0], parsed)
    summary = em.summarize(merged, expect_members=3)
    assert summary["healthy"] and summary["quorum"] and summary["leader"] in ("etcd-0", "etcd-1", "etcd-2")
