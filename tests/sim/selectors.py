"""Label and field selectors (the string forms of list/watch queries and the LabelSelector object)."""

import re

from .errors import ApiError


def _split(selector):
    parts, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


_SET_RE = re.compile(r"^([\w./-]+)\s+(in|notin)\s+\((.*)\)$")


def parse_label_selector(selector):
    reqs = []
    for part in _split(selector or ""):
        m = _SET_RE.match(part)
        if m:
            reqs.append((m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}))
        elif "!=" in part:
            k, v = part.split("!=", 1)
            reqs.append((k.strip(), "!=", v.strip()))
        elif "=" in part:
            k, v = part.split("==", 1) if "==" in part else part.split("=", 1)
            reqs.append((k.strip(), "=", v.strip()))
        elif part.startswith("!"):
            reqs.append((part[1:].strip(), "!exists", None))
        else:
            reqs.append((part, "exists", None))
    return reqs


def match_labels(obj, reqs):
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for key, op, val in reqs:
        have = labels.get(key)
        ok = {
            "=": have == val,
            "!=": have != val,
            "in": have in val if isinstance(val, set) else False,
            "notin": have not in val if isinstance(val, set) else True,
            "exists": key in labels,
            "!exists": key not in labels,
        }[op]
        if not ok:
            return False
    return True


def parse_field_selector(selector):
    reqs = []
    for part in _split(selector or ""):
        if "!=" in part:
            k, v = part.split("!=", 1)
            reqs.append((k.strip(), False, v.strip()))
        elif "=" in part:
            k, v = part.split("==", 1) if "==" in part else part.split("=", 1)
            reqs.append((k.strip(), True, v.strip()))
        else:
            raise ApiError.bad_request("invalid field selector %r" % part)
    return reqs


def match_fields(obj, reqs):
    for path, equal, val in reqs:
        cur = obj
        for p in path.split("."):
            cur = cur.get(p) if isinstance(cur, dict) else None
        have = "" if cur is None else str(cur).lower() if isinstance(cur, bool) else str(cur)
        if (have == val) != equal:
            return False
    return True


def match_selector(obj, selector):
    """A LabelSelector dict (matchLabels/matchExpressions) against an object's labels."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], set(expr.get("values") or [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def selector_string(selector):
    return ",".join("%s=%s" % kv for kv in sorted((selector.get("matchLabels") or {}).items()))
