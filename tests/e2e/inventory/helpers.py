"""Helpers for the inventory plugin end-to-end tests: sources, `ansible-inventory --list`, kubeconfigs."""

import json
import os
import subprocess
import sys

import yaml

from tests.harness.ansible import collections_path


def write_source(tmp_path, config, name="fleet.hostedclusters.yml"):
    """An inventory source for ocp.day2.hostedclusters (the file name must end in hostedclusters.yml)."""
    path = os.path.join(str(tmp_path), name)
    with open(path, "w") as f:
        yaml.safe_dump(dict({"plugin": "ocp.day2.hostedclusters"}, **config), f)
    return path


def plain(value):
    """ansible-inventory's JSON with the `__ansible_unsafe` / `__ansible_vault` wrappers taken off."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class Listing:
    def __init__(self, proc):
        self.rc, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.data = plain(json.loads(proc.stdout)) if proc.returncode == 0 and proc.stdout.strip() else {}

    @property
    def hostvars(self):
        return self.data.get("_meta", {}).get("hostvars", {})

    def group(self, name):
        """Hosts of a group and of its children."""
        entry = self.data.get(name) or {}
        hosts = set(entry.get("hosts") or [])
        for child in entry.get("children") or []:
            hosts |= self.group(child)
        return hosts

    def __repr__(self):
        return "Listing(rc=%d)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (self.rc, self.stdout[-4000:], self.stderr)


def ansible_env(extra=None):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    env.update(extra or {})
    return env


def inventory_list(source, *args, env=None):
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    proc = subprocess.run(
        [binary, "-i", source, "--list", *args],
        env=ansible_env(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Listing(proc)


def dead_kubeconfig(mgmt, path):
    """A copy of mgmt's kubeconfig whose server is a closed loopback port (connection refused)."""
    with open(mgmt.kubeconfig) as f:
        config = yaml.safe_load(f)
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = "https://127.0.0.1:9"
    with open(path, "w") as f:
        yaml.safe_dump(config, f)
    return str(path)
