"""Run ansible-playbook the way users do: a subprocess, with the built collection installed."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_path():
    """The collections path holding the installed ocp.day2 (built and installed by make)."""
    path = os.environ.get("OCP_DAY2_COLLECTIONS_PATH") or os.path.join(ROOT, ".build", "collections")
    if not os.path.isdir(os.path.join(path, "ansible_collections", "ocp", "day2")):
        subprocess.run([os.path.join(ROOT, "scripts", "install-collection.sh"), path], check=True)
    return path


def _bin(name):
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    return candidate if os.path.exists(candidate) else name


class PlaybookResult:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def __repr__(self):
        return "PlaybookResult(rc=%d)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.rc,
            self.stdout[-6000:],
            self.stderr[-3000:],
        )


def run_playbook(
    playbook,
    inventory="localhost,",
    extra_vars=None,
    env=None,
    check=False,
    diff=False,
    verbosity=0,
    timeout=900,
    limit=None,
    forks=None,
    cwd=None,
):
    """Run a playbook file; extra_vars is a dict passed as JSON. Returns PlaybookResult."""
    args = [_bin("ansible-playbook"), "-i", inventory, playbook]
    if extra_vars:
        args += ["-e", json.dumps(extra_vars)]
    if check:
        args.append("--check")
    if diff:
        args.append("--diff")
    if verbosity:
        args.append("-" + "v" * verbosity)
    if limit:
        args += ["--limit", limit]
    if forks:
        args += ["--forks", str(forks)]
    full_env = dict(os.environ)
    full_env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="true",
        ANSIBLE_HOST_KEY_CHECKING="false",
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        PYTHONPATH="",
    )
    full_env.pop("PYTHONPATH")
    if env:
        full_env.update(env)
    proc = subprocess.run(args, env=full_env, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)
    return PlaybookResult(proc)


def write_playbook(tmp_path, text, name="play.yml"):
    path = os.path.join(str(tmp_path), name)
    with open(path, "w") as f:
        f.write(text)
    return path
