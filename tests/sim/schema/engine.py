"""What kube-apiserver does with a custom resource on every write: prune, default, validate.

- pruning: fields the structural schema does not know are dropped (except under
  `x-kubernetes-preserve-unknown-fields`);
- defaulting: a missing field whose schema has a `default` gets it, on create and on update, and the
  defaulted value is defaulted further (the etcd default gets its storage size default, ...);
- OpenAPI validation with `jsonschema` (types, enums, required, limits, patterns);
- the CEL rules (`x-kubernetes-validations`) with `celpy`, at the node they are written on, with
  `self` and, on update when the old object has that node, `oldSelf`. Rules that use `oldSelf`
  (transition rules) run only then. As with CRD validation ratcheting (Kubernetes 1.30+), a node
  whose value did not change in an update is not validated again.

A refusal is a 422 `Invalid` Status whose message and causes carry the Kubernetes field paths.
"""

import copy
import json
import re
import urllib.parse

import celpy
import jsonschema
from celpy import celtypes

from ..errors import ApiError

_MISSING = object()
EVAL_ERROR = "evaluation error"
_OLD_SELF = re.compile(r"\boldSelf\b")
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def _is_url(value):
    """Kubernetes' CEL `isURL`: parses as a request URI (absolute URL or absolute path)."""
    text = str(value)
    if not text or any(c.isspace() for c in text):
        return celtypes.BoolType(False)
    if text.startswith("/"):
        return celtypes.BoolType(True)
    parts = urllib.parse.urlsplit(text)
    return celtypes.BoolType(bool(parts.scheme) and bool(parts.netloc or parts.path))


FUNCTIONS = {"isURL": _is_url}


def _type_name(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _show(value):
    if isinstance(value, (dict, list)):
        return json.dumps(_type_name(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _path(parts):
    out = ""
    for p in parts:
        out += "[%d]" % p if isinstance(p, int) else ("." if out else "") + str(p)
    return out


class FieldError:
    def __init__(self, path, kind, detail, reason):
        self.path = path or "<nil>"
        self.kind = kind
        self.detail = detail
        self.reason = reason

    def body(self):
        return "%s: %s" % (self.kind, self.detail) if self.detail else self.kind

    def __str__(self):
        return "%s: %s" % (self.path, self.body())


def _schema_error(err):
    path = _path(err.absolute_path)
    v, inst, kind = err.validator_value, err.instance, err.validator
    where = path or "body"
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else "?"
        return FieldError(_path(list(err.absolute_path) + [missing]), "Required value", "", "FieldValueRequired")
    if kind == "enum":
        supported = ", ".join(json.dumps(x) for x in v)
        return FieldError(
            path, "Unsupported value", "%s: supported values: %s" % (_show(inst), supported), "FieldValueNotSupported"
        )
    if kind in ("maxItems", "maxProperties"):
        return FieldError(path, "Too many", "%d: must have at most %d items" % (len(inst), v), "FieldValueTooMany")
    if kind == "maxLength":
        return FieldError(path, "Too long", "may not be more than %d bytes" % v, "FieldValueTooLong")
    details = {
        "minItems": "%s in body should have at least %s items",
        "minLength": "%s in body should be at least %s chars long",
        "pattern": "%s in body should match '%s'",
        "minimum": "%s in body should be greater than or equal to %s",
        "maximum": "%s in body should be less than or equal to %s",
        "minProperties": "%s in body should have at least %s properties",
    }
    if kind in details:
        return FieldError(
            path, "Invalid value", "%s: %s" % (_show(inst), details[kind] % (where, v)), "FieldValueInvalid"
        )
    if kind == "type":
        got = _type_name(inst)
        return FieldError(
            path,
            "Invalid value",
            '"%s": %s in body must be of type %s: "%s"' % (got, where, v, got),
            "FieldValueTypeInvalid",
        )
    if kind == "anyOf":
        return FieldError(
            path,
            "Invalid value",
            '"%s": %s in body must be of type integer or string' % (_type_name(inst), where),
            "FieldValueTypeInvalid",
        )
    return FieldError(path, "Invalid value", "%s: %s" % (_show(inst), err.message), "FieldValueInvalid")  # fmt: skip


class Rule:
    def __init__(self, env, spec):
        self.message = spec["message"]
        self.source = spec["rule"]
        self.transition = bool(_OLD_SELF.search(self.source))
        self._env = env
        self._program = None

    def evaluate(self, value, old):
        if self._program is None:  # compiled once, on first use
            self._program = self._env.program(self._env.compile(self.source), functions=FUNCTIONS)
        activation = {"self": celpy.json_to_cel(value)}
        if old is not _MISSING:
            activation["oldSelf"] = celpy.json_to_cel(old)
        try:
            result = self._program.evaluate(activation)
        except Exception:  # noqa: BLE001 - an evaluation error is a refusal, as in kube-apiserver
            return EVAL_ERROR
        if isinstance(result, celtypes.BoolType) and bool(result):
            return None
        if isinstance(result, celtypes.BoolType):
            return self.message
        return EVAL_ERROR


class Validator:
    """Prune, default and validate one kind; built once per kind and process."""

    def __init__(self, kind, group, schema):
        self.kind = kind
        self.group = group
        self.schema = schema
        jsonschema.Draft7Validator.check_schema(schema)
        self._json = jsonschema.Draft7Validator(schema)
        env = celpy.Environment()
        self._rules = {}
        self._compile(schema, env)

    def _compile(self, node, env):
        if not isinstance(node, dict):
            return
        if node.get("x-kubernetes-validations"):
            self._rules[id(node)] = [Rule(env, r) for r in node["x-kubernetes-validations"]]
        for child in (node.get("properties") or {}).values():
            self._compile(child, env)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                self._compile(node[key], env)

    # -- pruning and defaulting ----------------------------------------------------------------
    def prune(self, node, value):
        if isinstance(value, dict):
            props = node.get("properties")
            extra = node.get("additionalProperties")
            keep = node.get("x-kubernetes-preserve-unknown-fields")
            for key in list(value):
                child = (props or {}).get(key) or (extra if isinstance(extra, dict) else None)
                if child is None:
                    if not keep and (props is not None or extra is not None):
                        del value[key]
                    continue
                self.prune(child, value[key])
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for item in value:
                self.prune(node["items"], item)

    def default(self, node, value):
        if isinstance(value, dict):
            props = node.get("properties") or {}
            for key, child in props.items():
                if key not in value and "default" in child:
                    value[key] = copy.deepcopy(child["default"])
            extra = node.get("additionalProperties")
            for key, item in value.items():
                child = props.get(key) or (extra if isinstance(extra, dict) else None)
                if child is not None:
                    self.default(child, item)
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for item in value:
                self.default(node["items"], item)

    # -- validation ---------------------------------------------------------------------------
    def cel(self, node, value, old, parts, errors, update):
        want = _TYPES.get(node.get("type"))
        if want is not None and not isinstance(value, want):
            return  # the schema error is reported already
        if update and old is not _MISSING and old == value:
            return  # ratcheting: an unchanged value is not validated again
        for r in self._rules.get(id(node), ()):
            if r.transition and old is _MISSING:
                continue
            failed = r.evaluate(value, old)
            if failed is EVAL_ERROR:
                if errors:
                    continue  # e.g. a field the rule reads is missing: its Required error says it already
                failed = "%s: the rule could not be evaluated on this value" % r.message
            if failed:
                shown = json.dumps(_type_name(value))
                errors.append(
                    FieldError(_path(parts), "Invalid value", "%s: %s" % (shown, failed), "FieldValueInvalid")
                )
        if isinstance(value, dict):
            props = node.get("properties") or {}
            extra = node.get("additionalProperties")
            for key, item in value.items():
                child = props.get(key) or (extra if isinstance(extra, dict) else None)
                if child is not None:
                    prev = old.get(key, _MISSING) if isinstance(old, dict) else _MISSING
                    self.cel(child, item, prev, parts + [key], errors, update)
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            keys = node.get("x-kubernetes-list-map-keys")
            for i, item in enumerate(value):
                prev = _MISSING
                if keys and isinstance(old, list) and isinstance(item, dict):
                    ident = [item.get(k) for k in keys]
                    prev = next((o for o in old if isinstance(o, dict) and [o.get(k) for k in keys] == ident), _MISSING)
                self.cel(node["items"], item, prev, parts + [i], errors, update)

    def admit(self, obj, old=None):
        """Prune and default `obj` in place (and a copy of `old`), then validate; raise ApiError 422."""
        self.prune(self.schema, obj)
        self.default(self.schema, obj)
        errors = [_schema_error(e) for e in sorted(self._json.iter_errors(obj), key=lambda e: list(e.absolute_path))]
        prev = _MISSING
        if old is not None:
            prev = copy.deepcopy(old)
            self.default(self.schema, prev)
        self.cel(self.schema, obj, prev, [], errors, old is not None)
        if errors:
            raise self.refusal(obj["metadata"].get("name", ""), errors)

    def refusal(self, name, errors):
        listed = [str(e) for e in errors]
        text = listed[0] if len(listed) == 1 else "[%s]" % ", ".join(listed)
        message = '%s.%s "%s" is invalid: %s' % (self.kind, self.group, name, text)
        details = {
            "name": name,
            "group": self.group,
            "kind": self.kind,
            "causes": [{"reason": e.reason, "message": e.body(), "field": e.path} for e in errors],
        }
        return ApiError(422, "Invalid", message, details)
