#!/usr/bin/env bash
# `make test` after deps and the collection: the linters and the pytest suite side by side.
# The suite keeps both cores busy most of the time but waits now and then (etcd start-up, the simulator's
# controllers, polls); the linters (about 200 s of single-threaded CPU, two at a time) fill those gaps instead of
# running before the suite. Their output is kept and printed after the suite; either failing fails the run.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p .build
lint_log=.build/lint.log
start=$(date +%s)
(
  make --no-print-directory -k -j2 --output-sync=target COLLECTION_DEP= lint >"$lint_log" 2>&1
  echo $? >.build/lint.rc
  echo "lint finished after $(($(date +%s) - start)) s" >>"$lint_log"
) &
lint_pid=$!
make --no-print-directory COLLECTION_DEP= pytest
pytest_rc=$?
wait "$lint_pid"
lint_rc=$(cat .build/lint.rc 2>/dev/null || echo 1)
echo "===== lint (ruff, ansible-lint, changelog, collection docs, execution environment, ansible-test sanity) ====="
cat "$lint_log"
echo "===== make test: pytest rc=$pytest_rc, lint rc=$lint_rc, $(($(date +%s) - start)) s after the collection was installed ====="
[ "$pytest_rc" -eq 0 ] && [ "$lint_rc" -eq 0 ]
