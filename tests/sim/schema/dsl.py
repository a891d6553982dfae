"""Small builders for structural OpenAPI schemas (the subset a CRD uses) with CEL rules.

Every builder returns a plain dict in the shape of a CRD's `openAPIV3Schema` node, so the
validator can hand it to `jsonschema` as is (the `x-kubernetes-*` keys are ignored there and read
by our pruning, defaulting and CEL passes).
"""

import copy


def rule(expression, message):
    """One `x-kubernetes-validations` entry: a CEL expression over `self` (and `oldSelf`)."""
    return {"rule": expression, "message": message}


def _finish(node, rules=None, default=None, **extra):
    if rules:
        node["x-kubernetes-validations"] = list(rules)
    if default is not None:
        node["default"] = copy.deepcopy(default)
    node.update({k: v for k, v in extra.items() if v is not None})
    return node


def string(min_length=None, max_length=None, pattern=None, rules=None, default=None, fmt=None):
    return _finish(
        {"type": "string"}, rules, default, minLength=min_length, maxLength=max_length, pattern=pattern, format=fmt
    )


def enum(*values, rules=None, default=None, max_length=None):
    return _finish({"type": "string", "enum": list(values)}, rules, default, maxLength=max_length)


def integer(minimum=None, maximum=None, rules=None, default=None, fmt=None):
    return _finish({"type": "integer"}, rules, default, minimum=minimum, maximum=maximum, format=fmt)


def boolean(rules=None, default=None):
    return _finish({"type": "boolean"}, rules, default)


def int_or_string(pattern=None, rules=None, default=None):
    """`x-kubernetes-int-or-string` (a quantity or a percentage); a pattern applies to strings only."""
    node = {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}
    if pattern:
        node["pattern"] = pattern
    return _finish(node, rules, default)


def obj(
    properties=None, required=None, rules=None, default=None, opaque=(), atomic=False, max_properties=None,
    min_properties=None,
):  # fmt: skip
    """An object; `opaque` names upstream fields we do not model (any value is kept as sent)."""
    props = dict(properties or {})
    for name in opaque:
        props.setdefault(name, anything())
    node = {"type": "object", "properties": props}
    if required:
        node["required"] = list(required)
    if atomic:
        node["x-kubernetes-map-type"] = "atomic"
    return _finish(node, rules, default, maxProperties=max_properties, minProperties=min_properties)


def string_map(max_properties=None, rules=None):
    return _finish(
        {"type": "object", "additionalProperties": {"type": "string"}}, rules, None, maxProperties=max_properties
    )


def array(items, max_items=None, min_items=None, rules=None, default=None, list_type=None, map_keys=None):
    node = {"type": "array", "items": items}
    if list_type:
        node["x-kubernetes-list-type"] = list_type
    if map_keys:
        node["x-kubernetes-list-map-keys"] = list(map_keys)
    return _finish(node, rules, default, maxItems=max_items, minItems=min_items)


def anything():
    """A node kept as sent, unvalidated: what the simulator does not model (see docs/simulator.md)."""
    return {"x-kubernetes-preserve-unknown-fields": True}


def local_ref():
    """A LocalObjectReference (atomic, `name` defaulting to "")."""
    return obj({"name": string(default="")}, atomic=True)


def immutable(message):
    return rule("self == oldSelf", message)
