"""What every Kubernetes API server checks in an object's metadata, whatever its kind.

Label keys, annotation keys and finalizers are qualified names: an optional prefix that is a DNS subdomain (253
characters at most) and a slash, then a name of 63 characters at most that starts and ends with a letter or digit
and holds only letters, digits, '-', '_' and '.'. A label value is empty or follows the same rule as that name. All
annotations of an object together (keys and values) stay within 256 KiB. A refusal is a 422 naming the field.
"""

import re

from .errors import ApiError

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ANNOTATIONS_MAX_BYTES = 256 * 1024
_LABEL_VALUE = (
    "a valid label value must be an empty string or at most 63 alphanumeric characters, '-', '_' or '.', "
    "starting and ending with an alphanumeric character"
)


def _qualified_name_problem(key):
    prefix, _slash, name = key.rpartition("/")
    if _slash and (not prefix or len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        return "prefix part must be a lowercase RFC 1123 subdomain of at most 253 characters"
    if not name or len(name) > 63 or not _NAME.match(name):
        return (
            "name part must consist of at most 63 alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return None


def _refuse(res, name, field, value, problem):
    raise ApiError.invalid(res, name, field, "Invalid value: %r: %s" % (value, problem))


def validate(res, obj):
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    for key, value in (meta.get("labels") or {}).items():
        problem = _qualified_name_problem(key)
        if problem:
            _refuse(res, name, "metadata.labels", key, problem)
        if not isinstance(value, str) or (value and (len(value) > 63 or not _NAME.match(value))):
            _refuse(res, name, "metadata.labels", value, _LABEL_VALUE)
    annotations = meta.get("annotations") or {}
    for key, value in annotations.items():
        problem = _qualified_name_problem(key)
        if problem:
            _refuse(res, name, "metadata.annotations", key, problem)
        if not isinstance(value, str):
            _refuse(res, name, "metadata.annotations", key, "annotation values must be strings")
    size = sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
    if size > ANNOTATIONS_MAX_BYTES:
        raise ApiError.invalid(res, name, "metadata.annotations",
                               "Too long: must have at most %d bytes" % ANNOTATIONS_MAX_BYTES)  # fmt: skip
    for finalizer in meta.get("finalizers") or []:
        problem = _qualified_name_problem(finalizer) if isinstance(finalizer, str) else "must be a string"
        if problem:
            _refuse(res, name, "metadata.finalizers", finalizer, problem)
