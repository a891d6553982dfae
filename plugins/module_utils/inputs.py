# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of module options that Ansible's argument spec cannot express, with messages an admin can act on.

Every function raises Day2Error saying which option is wrong, what it got and what to give instead, and returns
the value when it is good. They run before any request, command or write, so a refused input changes nothing.
"""

from __future__ import annotations

import os
import re

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

# Kubernetes object names: a DNS-1123 label (namespaces, most workloads) or subdomain (most other objects).
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# A DNS name as Route53 holds it: labels of letters, digits, '-' and '_', a leading '*' label allowed.
DNS_NAME_LABEL = re.compile(r"^(\*|[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?)$")
URL_RE = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(:(?P<port>\d{1,5}))?"
    r"(?P<path>/[^\s]*)?$"
)


def _shown(value):
    return "%r" % (value,)


def text(value, option, example=None):
    """A non-empty string without surrounding blanks."""
    if not isinstance(value, str) or not value.strip():
        raise Day2Error(
            "%s is empty (often a variable that is not set): %s."
            % (option, "give %s, for example %s" % (option, example) if example else "give a value or leave it out")
        )
    if value != value.strip():
        raise Day2Error("%s=%s has leading or trailing blanks; remove them." % (option, _shown(value)))
    return value


def k8s_name(value, option, label=False, example="example"):
    """A Kubernetes object name (a DNS-1123 subdomain, or a label when label=True: namespaces, pods)."""
    text(value, option, example)
    limit, pattern = (63, DNS_LABEL) if label else (253, DNS_SUBDOMAIN)
    if len(value) > limit or not pattern.match(value):
        raise Day2Error(
            "%s=%s is not a valid Kubernetes %s: use at most %d lower-case letters, digits and '-'%s, starting and "
            "ending with a letter or digit (for example %s)."
            % (option, _shown(value), "name" if not label else "name (DNS label)", limit, "" if label else " or '.'",
               example)
        )  # fmt: skip
    return value


def k8s_names(values, option, label=False, example="example"):
    for value in values or []:
        k8s_name(value, option, label, example)
    return values


def dns_name(value, option, example="example.com"):
    """A DNS domain name (a trailing dot and Route53's octal escapes such as \\052 for '*' accepted)."""
    text(value, option, example)
    decoded = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), value).rstrip(".")
    labels = decoded.split(".")
    bad = not decoded or len(decoded) > 253 or any(len(lb) > 63 or not DNS_NAME_LABEL.match(lb) for lb in labels)
    if bad or "*" in decoded.lstrip("*"):
        raise Day2Error(
            "%s=%s is not a DNS name: give dot-separated labels of letters, digits, '-' or '_' (only the first may be "
            "'*'), at most 63 characters each and 253 in all, for example %s." % (option, _shown(value), example)
        )
    return value


def url(value, option, schemes=("https", "http"), example="https://10.0.0.1:2379", path=True):
    """An absolute URL with one of schemes, a host and, when given, a port from 1 to 65535."""
    text(value, option, example)
    match = URL_RE.match(value)
    if not match or match.group("scheme").lower() not in schemes or (match.group("path") and not path):
        raise Day2Error(
            "%s=%s is not a URL: give %s://HOST:PORT (%s), for example %s."
            % (option, _shown(value), schemes[0], " or ".join(schemes), example)
        )
    port = match.group("port")
    if port is not None and not 1 <= int(port) <= 65535:
        raise Day2Error("%s=%s has port %s: a port is between 1 and 65535." % (option, _shown(value), port))
    return value


def port(value, option):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise Day2Error("%s=%s is not a port: give a number between 1 and 65535." % (option, _shown(value)))
    return value


def at_least(value, option, minimum, unit="", maximum=None):
    """value >= minimum (and <= maximum when given); None passes (unset)."""
    if value is None:
        return value
    if value < minimum or (maximum is not None and value > maximum):
        span = "between %s and %s" % (minimum, maximum) if maximum is not None else "%s or more" % minimum
        raise Day2Error("%s=%s is out of range: give %s%s." % (option, value, span, unit and " " + unit))
    return value


def readable_file(path, option, hint=""):
    """An existing regular file this user can read; the message says which of missing / directory / unreadable."""
    text(path, option)
    hint = (" " + hint) if hint else ""
    if os.path.isdir(path):
        raise Day2Error("%s=%s is a directory; give the path of the file itself.%s" % (option, path, hint))
    if not os.path.exists(path):
        raise Day2Error("%s=%s does not exist on this host; check the path.%s" % (option, path, hint))
    if not os.path.isfile(path):
        raise Day2Error("%s=%s is not a regular file; give the path of a file.%s" % (option, path, hint))
    if not os.access(path, os.R_OK):
        raise Day2Error(
            "%s=%s is not readable by this user: run the task with become or fix its mode." % (option, path)
        )
    return path


def existing_dir(path, option, writable=False):
    """An existing directory (writable by this user when asked)."""
    text(path, option)
    if not os.path.exists(path):
        raise Day2Error("%s=%s does not exist on this host; create it or give an existing directory." % (option, path))
    if not os.path.isdir(path):
        raise Day2Error("%s=%s is a file, not a directory; give a directory." % (option, path))
    if writable and not os.access(path, os.W_OK | os.X_OK):
        raise Day2Error(
            "%s=%s is not writable by this user: run the task with become or choose another directory." % (option, path)
        )
    return path


def file_dest(path, option, create_parents=False):
    """A path where a file will be written: not a directory, its (nearest existing) parent writable."""
    text(path, option)
    if os.path.isdir(path):
        raise Day2Error("%s=%s is a directory; give the path of the file to write, such as %s." % (
            option, path, os.path.join(path, "backup.db")))  # fmt: skip
    parent = directory = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise Day2Error("%s=%s cannot be created: %s is a file, not a directory." % (option, path, parent))
    if not create_parents and parent != directory:
        raise Day2Error("The directory of %s=%s does not exist: create %s first." % (option, path, directory))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise Day2Error(
            "%s=%s cannot be written: %s is not writable by this user. Run the task with become or choose another "
            "place." % (option, path, parent)
        )
    return path


def dir_dest(path, option):
    """A directory that is or will be written into: not a file, its (nearest existing) ancestor writable."""
    text(path, option)
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise Day2Error("%s=%s cannot be a directory: %s is a file. Give a directory path." % (option, path, probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise Day2Error(
            "%s=%s cannot be written: %s is not writable by this user. Run the task with become or choose another "
            "place." % (option, path, probe)
        )
    return path


def non_empty_list(values, option, example):
    if not values:
        raise Day2Error("%s is empty: give at least one, for example %s." % (option, example))
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise Day2Error("%s has an empty item (%r): remove it, for example %s." % (option, values, example))
    return values
