#!/usr/bin/env bash
# Runs every pytest suite (unit, simulator, end-to-end) in one session and prints the totals.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PYTHONPATH="$root/.build/pythonpath${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p .build/pythonpath/ansible_collections/ocp
ln -sfn "$root" .build/pythonpath/ansible_collections/ocp/day2
[ $# -eq 0 ] && set -- tests
# Three workers on the 2-core machines: the suite is mostly ansible-playbook CPU, but enough of it waits (etcd, the
# simulator's controllers, polls) that a third worker fills the gaps: 1360 tests in 20:16 with 3 workers against 944 in
# 22:44 with 2 (fresh clones, the same machine).
workers=${PYTEST_WORKERS:-3}
xdist=()
[ "$workers" -gt 1 ] && xdist=(-n "$workers" --dist loadfile --no-loadscope-reorder)
.venv/bin/python -m pytest -p no:cacheprovider -q -ra --durations=25 "${xdist[@]}" "$@"
rc=$?
exit $rc
