"""Patch semantics of the Kubernetes API: JSON merge patch, JSON patch and strategic merge patch."""

import copy

from .errors import ApiError

# Lists merged by a key in strategic merge patch (the common ones of the core and apps kinds).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "env": "name",
    "ports": "containerPort",
    "volumeClaimTemplates": None,
    "ownerReferences": "uid",
    "conditions": "type",
    "imagePullSecrets": "name",
    "tolerations": None,
}
# Lists of scalars that strategic merge patch merges as sets.
_SET_LISTS = {"finalizers"}


def merge_patch(target, patch):
    """RFC 7386: dicts merge recursively, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target, patch, field=None):
    """A strategic merge patch covering what clients send for the built-in kinds we serve."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key.startswith("$deleteFromPrimitiveList/"):
            if key.startswith("$deleteFromPrimitiveList/"):
                name = key.split("/", 1)[1]
                result[name] = [v for v in result.get(name) or [] if v not in value]
            continue
        if key == "$retainKeys":
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = strategic_merge_patch(result.get(key), value, key)
        elif isinstance(value, list) and key in _SET_LISTS:
            merged = list(result.get(key) or [])
            merged += [v for v in value if v not in merged]
            result[key] = merged
        elif isinstance(value, list) and _MERGE_KEYS.get(key):
            result[key] = _merge_list(result.get(key) or [], value, _MERGE_KEYS[key])
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_list(current, patch, merge_key):
    result = copy.deepcopy(current)
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            result.append(copy.deepcopy(item))
            continue
        idx = next((i for i, cur in enumerate(result) if cur.get(merge_key) == item[merge_key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                result.pop(idx)
        elif idx is None:
            result.append(strategic_merge_patch({}, item))
        else:
            result[idx] = strategic_merge_patch(result[idx], item)
    return result


# -- RFC 6902 ------------------------------------------------------------------------------


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError.invalid_patch("JSON pointer %r must start with /" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, tokens, path):
    cur = doc
    for tok in tokens:
        if isinstance(cur, dict):
            if tok not in cur:
                raise ApiError.invalid_patch("path %s does not exist" % path)
            cur = cur[tok]
        elif isinstance(cur, list):
            try:
                cur = cur[int(tok)]
            except (ValueError, IndexError):
                raise ApiError.invalid_patch("path %s does not exist" % path)
        else:
            raise ApiError.invalid_patch("path %s does not exist" % path)
    return cur


def _get(doc, path):
    return _walk(doc, _pointer(path), path)


def _add(doc, path, value, replace=False):
    tokens = _pointer(path)
    if not tokens:
        return copy.deepcopy(value)
    parent = _walk(doc, tokens[:-1], path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if replace and last not in parent:
            raise ApiError.invalid_patch("replace of missing path %s" % path)
        parent[last] = copy.deepcopy(value)
    elif isinstance(parent, list):
        if last == "-" and not replace:
            parent.append(copy.deepcopy(value))
        else:
            try:
                idx = int(last)
            except ValueError:
                raise ApiError.invalid_patch("bad array index in %s" % path)
            if idx < 0 or idx > len(parent) or (replace and idx == len(parent)):
                raise ApiError.invalid_patch("array index out of range in %s" % path)
            if replace:
                parent[idx] = copy.deepcopy(value)
            else:
                parent.insert(idx, copy.deepcopy(value))
    else:
        raise ApiError.invalid_patch("path %s does not exist" % path)
    return doc


def _remove(doc, path):
    tokens = _pointer(path)
    parent = _walk(doc, tokens[:-1], path)
    last = tokens[-1]
    try:
        if isinstance(parent, dict):
            return parent.pop(last) if last in parent else _missing(path)
        return parent.pop(int(last))
    except (ValueError, IndexError, AttributeError):
        _missing(path)


def _missing(path):
    raise ApiError.invalid_patch("remove of missing path %s" % path)


def json_patch(target, operations):
    if not isinstance(operations, list):
        raise ApiError.bad_request("a JSON patch must be a list of operations")
    doc = copy.deepcopy(target)
    for op in operations:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, op.get("value"))
        elif kind == "replace":
            doc = _add(doc, path, op.get("value"), replace=True)
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "move":
            value = _remove(doc, op["from"])
            doc = _add(doc, path, value)
        elif kind == "copy":
            doc = _add(doc, path, _get(doc, op["from"]))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise ApiError.invalid_patch("test operation on %s failed" % path)
        else:
            raise ApiError.invalid_patch("unknown JSON patch operation %r" % kind)
    return doc
