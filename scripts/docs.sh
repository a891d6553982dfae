#!/usr/bin/env bash
# Renders the module, plugin and role docs of ocp.day2 with antsibull-docs and Sphinx into a browsable site:
# .build/docs/html/index.html (`make docs`). Offline: cross-references to other collections' pages and to
# docs.ansible.com (intersphinx) stay plain text; any other Sphinx warning fails the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${OCP_DAY2_VENV_BIN:-$root/.venv/bin}"
out="$root/.build/docs"
src="$out/src"
rm -rf "$out"
mkdir -p "$src" "$root/.build/pythonpath/ansible_collections/ocp"
# antsibull-docs finds the collection through ansible-doc: give it ansible_collections/ocp/day2 = this tree.
ln -sfn "$root" "$root/.build/pythonpath/ansible_collections/ocp/day2"
export ANSIBLE_COLLECTIONS_PATH="$root/.build/pythonpath"
export PATH="$bin:$PATH"
version=$(sed -n 's/^version: *//p' "$root/galaxy.yml")

antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --lenient \
  --project ocp.day2 --title "ocp.day2 ${version}" --copyright "ocp.day2 contributors" \
  --dest-dir "$src" ocp.day2 >/dev/null
# No network here: no intersphinx inventories to fetch.
printf '\nintersphinx_mapping = {}\n' >>"$src/conf.py"
mkdir -p "$src/rst"
chmod og-w "$src/rst"
antsibull-docs --config-file "$src/antsibull-docs.cfg" collection --use-current --squash-hierarchy \
  --fail-on-error --cleanup everything --dest-dir "$src/rst" ocp.day2 >/dev/null
sphinx-build -q -b html -c "$src" "$src/rst" "$out/html" 2>"$out/sphinx.log" || {
  cat "$out/sphinx.log" >&2
  exit 1
}
# Offline, references to other collections, ansible.builtin labels and ansible-core environment variables
# cannot resolve; everything else is a real problem.
external="undefined label: '(ansible_collections\.|common_return_values|ansible_configuration_settings)|'envvar' reference target not found: ANSIBLE_"
if grep 'WARNING' "$out/sphinx.log" | grep -Ev "$external" >&2; then
  echo "docs: Sphinx warnings above (full log: $out/sphinx.log)" >&2
  exit 1
fi
pages=$(find "$out/html" -name '*.html' | wc -l)
echo "docs: $pages pages in .build/docs/html (open .build/docs/html/index.html); $(grep -c WARNING "$out/sphinx.log" || true) unresolved external references"
