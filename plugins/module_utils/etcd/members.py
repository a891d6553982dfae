# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""etcd membership, health and status: the etcdctl command lines and the parsing of their output.

Pure functions (no I/O), shared by the etcd_member_info module (pod and host mode) and the OpenShift 3.11
cluster checks. Every parser reads both formats:
- JSON (`-w json`, etcd 3.4 and later for every command; 3.2/3.3 for `member list` and `endpoint status`);
- the simple text format, which is all etcd 3.2/3.3 print for `endpoint health` (they ignore `-w json`
  there). etcd 3.4 prints health lines on stderr, 3.2/3.3 on stdout, so both streams are read.
"""

from __future__ import annotations

import json
import re

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.etcd.commands import tls_args

# A short dial timeout: a member that does not accept a connection within it is down, not slow.
DIAL_TIMEOUT = 3
HEALTH_RE = re.compile(r"^(\S+) is (healthy|unhealthy): (.*)$")
TOOK_RE = re.compile(r"took = (\S+)")
STATUS_ERROR_RE = re.compile(r"^Failed to get the status of endpoint (\S+) \((.*)\)$")
SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?) ?([kKMGTPE]?i?B)$")
SIZE_UNITS = {"B": 1, "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "PB": 10**15, "EB": 10**18}
SIZE_UNITS.update({"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50, "EiB": 2**60})
URL_RE = re.compile(r"^(https?)://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?/?$")


def validate_endpoint(url, option="endpoints"):
    """An etcd client URL must be http(s)://host[:port]; anything else would reach etcdctl as a flag or garbage."""
    if not isinstance(url, str) or not URL_RE.match(url):
        raise Day2Error(
            "%s: %r is not an etcd client URL. Use https://HOST:PORT, e.g. https://10.0.0.1:2379." % (option, url)
        )
    port = url.rsplit(":", 1)[-1].rstrip("/")
    if port.isdigit() and not 0 < int(port) < 65536:
        raise Day2Error("%s: %r has an invalid port." % (option, url))
    return url


def global_args(endpoints, cacert=None, cert=None, key=None, command_timeout=10):
    """etcdctl's global flags: endpoints, client TLS (paths only), a short dial and a bounded command timeout."""
    timeout = max(1, int(command_timeout))
    args = ["--endpoints=%s" % ",".join(endpoints)]
    args += tls_args(cacert, cert, key)
    args += ["--dial-timeout=%ds" % min(DIAL_TIMEOUT, timeout), "--command-timeout=%ds" % timeout]
    return args


def member_list_args(endpoints, tls, command_timeout):
    return global_args(endpoints, *tls, command_timeout=command_timeout) + ["member", "list", "-w", "json"]


def health_args(endpoints, tls, command_timeout):
    # Explicit endpoints rather than --cluster: etcd 3.2 has no --cluster, and the caller already knows them.
    return global_args(endpoints, *tls, command_timeout=command_timeout) + ["endpoint", "health", "-w", "json"]


def status_args(endpoints, tls, command_timeout):
    return global_args(endpoints, *tls, command_timeout=command_timeout) + ["endpoint", "status", "-w", "json"]


def _text(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")


def _json_document(stdout):
    """The JSON document etcdctl printed on stdout, or None when it printed text."""
    text = _text(stdout).strip()
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") or line.startswith("["):
            try:
                return json.loads(line)
            except ValueError:
                try:  # a pretty-printed document spans lines
                    return json.loads(text[text.index(line) :])
                except ValueError:
                    return None
    return None


def hex_id(value):
    """Member IDs as etcd prints them in text (lowercase hex, no padding), whatever form they came in."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return "%x" % value
    text = str(value).strip().lower()
    return text if re.match(r"^[0-9a-f]+$", text) else None


def parse_size(text):
    """'25 MB' / '20 kB' / '1.2 GB' (go-humanize, SI) -> bytes (int, approximate as printed)."""
    match = SIZE_RE.match(text.strip())
    if not match or match.group(2) not in SIZE_UNITS:
        return None
    return int(round(float(match.group(1)) * SIZE_UNITS[match.group(2)]))


def _bool(text):
    return {"true": True, "false": False}.get(text.strip().lower())


def _int(text):
    text = text.strip()
    return int(text) if text.isdigit() else None


def _fields(line):
    """Split a simple-format line on ', ' (lists inside a field are joined with ',' alone)."""
    return [f.strip().rstrip(",") for f in line.rstrip("\r\n").split(", ")]


# -- member list ---------------------------------------------------------------------------------
def parse_member_list(stdout):
    """(members, 'json'|'text'): [{id, name, peer_urls, client_urls, is_learner, started}]."""
    doc = _json_document(stdout)
    if isinstance(doc, dict):
        out = []
        for m in doc.get("members") or []:
            out.append(
                {
                    "id": hex_id(m.get("ID")),
                    "name": m.get("name") or "",
                    "peer_urls": list(m.get("peerURLs") or []),
                    "client_urls": list(m.get("clientURLs") or []),
                    "is_learner": bool(m.get("isLearner")),
                    "started": bool(m.get("name")),
                }
            )
        return out, "json"
    out = []
    for line in _text(stdout).splitlines():
        if not line.strip():
            continue
        f = _fields(line)
        # 3.2/3.3: ID, status, name, peer URLs, client URLs; 3.4+ adds is-learner.
        if len(f) < 5 or hex_id(f[0]) is None or f[1] not in ("started", "unstarted"):
            raise Day2Error("Could not read the etcdctl member list line %r (expected ID, status, name, ...)." % line)
        out.append(
            {
                "id": hex_id(f[0]),
                "name": f[2],
                "peer_urls": [u for u in f[3].split(",") if u],
                "client_urls": [u for u in f[4].split(",") if u],
                "is_learner": len(f) > 5 and _bool(f[5]) is True,
                "started": f[1] == "started",
            }
        )
    if not out:
        raise Day2Error("etcdctl member list printed no member (output %r)." % _text(stdout)[:300])
    return out, "text"


# -- endpoint health -----------------------------------------------------------------------------
def parse_health(stdout, stderr=""):
    """(entries, 'json'|'text'): {endpoint: {healthy, error, took}}."""
    doc = _json_document(stdout)
    if isinstance(doc, list):
        out = {}
        for e in doc:
            if isinstance(e, dict) and e.get("endpoint"):
                healthy = e.get("health") is True or str(e.get("health")).lower() == "true"
                out[e["endpoint"]] = {
                    "healthy": healthy,
                    "error": None if healthy else (e.get("error") or "unhealthy"),
                    "took": e.get("took"),
                }
        return out, "json"
    out = {}
    for line in (_text(stdout) + "\n" + _text(stderr)).splitlines():
        match = HEALTH_RE.match(line.strip())
        if not match:
            continue
        endpoint, state, rest = match.groups()
        took = TOOK_RE.search(rest)
        healthy = state == "healthy"
        out[endpoint] = {"healthy": healthy, "error": None if healthy else rest, "took": took and took.group(1)}
    return out, "text"


# -- endpoint status -----------------------------------------------------------------------------
def parse_status(stdout, stderr=""):
    """(entries, 'json'|'text'): {endpoint: {id, leader_id, is_leader, version, db_size, ...}}.

    Endpoints that failed are keyed too, with only `error` set (etcd 3.4 prints them on stderr).
    """
    doc = _json_document(stdout)
    out = {}
    fmt = "text"
    if isinstance(doc, list):
        fmt = "json"
        for e in doc:
            status = (e or {}).get("Status") or {}
            header = status.get("header") or {}
            member_id = hex_id(header.get("member_id"))
            leader_id = hex_id(status.get("leader"))
            out[e.get("Endpoint")] = {
                "id": member_id,
                "leader_id": leader_id,
                "is_leader": member_id is not None and member_id == leader_id,
                "is_learner": bool(status.get("isLearner")),
                "version": status.get("version"),
                "db_size": status.get("dbSize"),
                "db_size_in_use": status.get("dbSizeInUse"),
                "raft_term": status.get("raftTerm"),
                "raft_index": status.get("raftIndex"),
                "revision": header.get("revision"),
                "error": "; ".join(status.get("errors") or []) or None,
            }
    else:
        for line in _text(stdout).splitlines():
            if line.strip() and not line.startswith("{"):
                out.update(_status_line(line))
    for line in _text(stderr).splitlines():
        match = STATUS_ERROR_RE.match(line.strip())
        if match and match.group(1) not in out:
            out[match.group(1)] = {"error": match.group(2)}
    return out, fmt


def _status_line(line):
    """endpoint, ID, version, db size[, db size in use], is leader[, is learner], raft term, raft index[, ...]."""
    f = _fields(line)
    if len(f) < 7 or hex_id(f[1]) is None:
        raise Day2Error("Could not read the etcdctl endpoint status line %r." % line)
    sizes, flags, numbers = [], [], []
    for value in f[3:]:
        if parse_size(value) is not None and not value.isdigit():
            sizes.append(parse_size(value))
        elif _bool(value) is not None:
            flags.append(_bool(value))
        elif _int(value) is not None:
            numbers.append(_int(value))
    member_id = hex_id(f[1])
    is_leader = bool(flags and flags[0])
    return {
        f[0]: {
            "id": member_id,
            "leader_id": member_id if is_leader else None,
            "is_leader": is_leader,
            "is_learner": len(flags) > 1 and flags[1],
            "version": f[2],
            "db_size": sizes[0] if sizes else None,
            "db_size_in_use": sizes[1] if len(sizes) > 1 else None,
            "raft_term": numbers[0] if numbers else None,
            "raft_index": numbers[1] if len(numbers) > 1 else None,
            "revision": None,  # the text format does not print it
            "error": None,
        }
    }


# -- the merged view -----------------------------------------------------------------------------
def member_endpoint(member):
    return member["client_urls"][0] if member["client_urls"] else None


def merge(members, health, status):
    """One record per member (the interface of etcd_member_info), by name (members not started last)."""
    by_id = {s.get("id"): s for s in status.values() if s.get("id")}
    leader_ids = [s["leader_id"] for s in status.values() if s.get("leader_id")]
    leader_id = max(set(leader_ids), key=leader_ids.count) if leader_ids else None
    out = []
    for m in sorted(members, key=lambda m: (not m["name"], _natural(m["name"]), m["id"] or "")):
        urls = m["client_urls"]
        h = next((health[u] for u in urls if u in health), None)
        s = by_id.get(m["id"]) or next((status[u] for u in urls if u in status), None) or {}
        if not m["started"]:
            healthy, error = False, "member was added but has not started (no name, no client URLs)"
        elif h is None:
            healthy, error = False, s.get("error") or "no health answer from %s" % (", ".join(urls) or "the member")
        else:
            healthy, error = h["healthy"], h["error"]
        out.append(
            {
                "name": m["name"],
                "id": m["id"],
                "peer_urls": m["peer_urls"],
                "client_urls": urls,
                "endpoint": member_endpoint(m),
                "started": m["started"],
                "is_learner": m["is_learner"] or bool(s.get("is_learner")),
                "healthy": healthy,
                "error": error,
                "took": h and h.get("took"),
                "leader": m["id"] is not None and m["id"] == leader_id,
                "revision": s.get("revision"),
                "raft_term": s.get("raft_term"),
                "raft_index": s.get("raft_index"),
                "db_size": s.get("db_size"),
                "db_size_in_use": s.get("db_size_in_use"),
                "version": s.get("version"),
            }
        )
    return out


def _natural(name):
    """etcd-2 before etcd-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def label(member):
    return member["name"] or member["id"] or "?"


def summarize(members, expect_members=None):
    """healthy / quorum / leader / unhealthy for the module result."""
    sick = [label(m) for m in members if not m["healthy"]]
    good = len(members) - len(sick)
    leader = next((label(m) for m in members if m["leader"]), None)
    count_ok = expect_members is None or len(members) == int(expect_members)
    return {
        "healthy": bool(members) and not sick and count_ok,
        "quorum": good > len(members) / 2.0,
        "leader": leader,
        "unhealthy": sick,
    }


def describe(members, expect_members=None):
    """One sentence on what is not healthy, for failure messages."""
    parts = ["%s (%s)" % (label(m), m["error"] or "unhealthy") for m in members if not m["healthy"]]
    if expect_members is not None and len(members) != int(expect_members):
        parts.append("%d member(s) listed, %d expected" % (len(members), int(expect_members)))
    return "; ".join(parts) or "all members healthy"
