#!/usr/bin/env bash
# Runs every pytest suite (unit, simulator, end-to-end) in one session and prints the totals.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PYTHONPATH="$root/.build/pythonpath${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p .build/pythonpath/ansible_collections/ocp
ln -sfn "$root" .build/pythonpath/ansible_collections/ocp/day2
[ $# -eq 0 ] && set -- tests
# Two workers: most of the time goes to waiting on ansible-playbook, etcd and the simulator, not CPU.
workers=${PYTEST_WORKERS:-2}
xdist=()
[ "$workers" -gt 1 ] && xdist=(-n "$workers" --dist loadfile --no-loadscope-reorder)
.venv/bin/python -m pytest -p no:cacheprovider -q -ra --durations=25 "${xdist[@]}" "$@"
rc=$?
exit $rc
