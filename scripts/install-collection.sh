#!/usr/bin/env bash
# Builds the collection tarball and installs it (with no network) into the given collections path,
# the way users install it. The bundled kubernetes.core and amazon.aws satisfy the dependencies.
set -euo pipefail
dest=${1:?usage: install-collection.sh COLLECTIONS_PATH}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.venv/bin"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$dest"
"$bin/ansible-galaxy" collection build "$root" --output-path "$out" --force >/dev/null
"$bin/ansible-galaxy" collection install "$out"/ocp-day2-*.tar.gz -p "$dest" --force --no-deps >/dev/null
echo "installed $(basename "$out"/ocp-day2-*.tar.gz) into $dest"
