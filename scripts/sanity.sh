#!/usr/bin/env bash
# ansible-test sanity with empty ignore files. ansible-test wants the collection under
# ansible_collections/ocp/day2 and downloads a pip bootstrap script from a host this
# machine cannot reach; we give it a local one that uses ensurepip instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
for f in get_pip_24_2.py get_pip_24_3.py get_pip_25_0.py; do
  cat > "$cache/$f" <<'PY'
"""Offline stand-in for get-pip.py: ensurepip, then pip install with the same arguments."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
if args:
    subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args, check=True)
PY
done
work="${SANITY_WORK:-$root/.build/sanity}/ansible_collections/ocp/day2"
mkdir -p "$work"
rsync -a --delete --exclude .git --exclude .venv --exclude .build --exclude tests/output \
  --exclude .pytest_cache --exclude .ruff_cache --exclude '__pycache__' "$root/" "$work/"
# The collections we depend on, beside ours, so the import test can load them.
site=$("$bin/python" -c 'import ansible_collections.kubernetes.core as m, os; print(os.path.dirname(os.path.dirname(os.path.dirname(list(m.__path__)[0]))))')
for dep in kubernetes/core amazon/aws; do
  mkdir -p "$(dirname "$work")/../${dep%/*}"
  ln -sfn "$site/ansible_collections/$dep" "$(dirname "$work")/../$dep"
done
cd "$work"
# ansible-test lists files with git when there is a repository; give it one with the tree as is.
git init -q . && git add -A >/dev/null && git -c user.email=ci@localhost -c user.name=ci commit -q --allow-empty -m tree >/dev/null
"$bin/ansible-test" sanity --venv --python 3.11 --color no "$@"
