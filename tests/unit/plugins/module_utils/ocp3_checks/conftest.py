"""Fixtures of the check unit tests: a HostProbe stand-in (the checks' only boundary to the host)."""

from __future__ import annotations

import pytest

GB = 10**9


class FakeProbe:
    def __init__(self, commands=None, files=None, disks=None, kernel="3.10.0-1160.el7.x86_64", binaries=None):
        self.commands = commands or {}  # tuple(args) or args[0] -> (rc, out, err)
        self.files = files or {}
        self.disks = disks or {}  # path -> (free_gb, total_gb), GB = 10^9 bytes
        self.kernel = kernel
        self.binaries = set(
            binaries if binaries is not None else [k[0] if isinstance(k, tuple) else k for k in self.commands]
        )
        self.calls = []

    def which(self, name):
        return "/usr/bin/" + name if name in self.binaries else None

    def run(self, args, timeout=None):
        self.calls.append(list(args))
        for key in (tuple(args), args[0]):
            if key in self.commands:
                answer = self.commands[key]
                return answer(args) if callable(answer) else answer
        return 127, "", "%s: command not found" % args[0]

    def read(self, path):
        return self.files.get(path)

    def exists(self, path):
        return path in self.disks or path in self.files

    def disk_free(self, path):
        free, total = self.disks[path]
        return int(free * GB), int(total * GB)

    def kernel_release(self):
        return self.kernel


@pytest.fixture
def probe():
    """A factory: probe(commands=..., files=..., disks=..., kernel=...)."""
    return FakeProbe
