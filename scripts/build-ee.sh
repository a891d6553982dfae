#!/usr/bin/env bash
# Builds the execution-environment context with `ansible-builder create` (no container engine needed) and
# checks that the image's Python requirements resolve against constraints.txt. Run by `make test` (lint).
#   .build/ee/files/ocp-day2.tar.gz   the collection, installed into the image by meta/ee-collections.yml
#   .build/ee/context/                the build context (Containerfile, _build/); build the image with
#     ansible-builder build -f meta/execution-environment.yml -c .build/ee/context -t ocp-day2-ee:0.1.0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${OCP_DAY2_VENV_BIN:-$root/.venv/bin}"
out="$root/.build/ee"
rm -rf "$out"
mkdir -p "$out/files" "$out/check/ansible_collections"
cd "$root"

"$bin/ansible-galaxy" collection build "$root" --output-path "$out/files" --force >/dev/null
mv "$out"/files/ocp-day2-*.tar.gz "$out/files/ocp-day2.tar.gz"

"$bin/ansible-builder" create -f meta/execution-environment.yml -c "$out/context" --output-filename Containerfile \
  >/dev/null
for f in Containerfile _build/requirements.yml _build/requirements.txt _build/bindep.txt \
  _build/ocp-day2/ocp-day2.tar.gz; do
  [ -e "$out/context/$f" ] || { echo "build-ee: ansible-builder create did not write $f" >&2; exit 1; }
done

# The collection versions the image pins are those make test runs with.
site=$("$bin/python" -c 'import ansible_collections.kubernetes.core as m, os; print(os.path.dirname(os.path.dirname(os.path.dirname(list(m.__path__)[0]))))')
"$bin/python" - "$site" meta/ee-collections.yml <<'PY'
import json, sys, yaml
site, path = sys.argv[1:]
wanted = {c["name"]: c.get("version", "") for c in yaml.safe_load(open(path))["collections"]}
for name in ("kubernetes.core", "amazon.aws"):
    ns, coll = name.split(".")
    have = json.load(open("%s/ansible_collections/%s/%s/MANIFEST.json" % (site, ns, coll)))["collection_info"]["version"]
    if wanted.get(name) != "==" + have:
        sys.exit("build-ee: meta/ee-collections.yml pins %s %s, make test runs with %s" % (name, wanted.get(name), have))
PY

# Python requirements of every collection in the image (as ansible-builder gathers them in the image), plus
# ansible-core and ansible-runner, resolved with pip against constraints.txt without installing anything.
for dep in kubernetes/core amazon/aws; do
  mkdir -p "$out/check/ansible_collections/${dep%/*}"
  ln -sfn "$site/ansible_collections/$dep" "$out/check/ansible_collections/$dep"
done
"$bin/ansible-galaxy" collection install "$out/files/ocp-day2.tar.gz" -p "$out/check" --no-deps --force >/dev/null
"$bin/ansible-builder" introspect --sanitize --user-pip meta/requirements.txt --user-bindep meta/bindep.txt \
  --exclude-bindep-reqs "$out/context/_build/exclude-bindep.txt" --write-pip "$out/python-requirements.txt" \
  --write-bindep "$out/system-requirements.txt" "$out/check" >/dev/null
if grep -Eq '^etcd' "$out/system-requirements.txt"; then
  echo "build-ee: the image would install etcd packages (see $out/system-requirements.txt)" >&2
  exit 1
fi
ee=$(sed -n 's/.*\(ansible-core==[^ "]*\).*/\1/p; s/.*\(ansible-runner==[^ "]*\).*/\1/p' meta/execution-environment.yml)
# shellcheck disable=SC2086
"$bin/pip" install --dry-run --ignore-installed --quiet --disable-pip-version-check --report "$out/resolved.json" \
  -r "$out/python-requirements.txt" $ee -c constraints.txt 2>"$out/pip.log" || {
  echo "build-ee: the execution environment's Python requirements do not resolve against constraints.txt:" >&2
  grep -v "^WARNING: Location" "$out/pip.log" >&2
  exit 1
}
"$bin/python" - "$out/resolved.json" constraints.txt <<'PY'
import json, re, sys
report, constraints = sys.argv[1:]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
pins = {}
for line in open(constraints):
    line = line.split("#")[0].strip()
    if "==" in line:
        name, version = line.split("==", 1)
        pins[norm(name)] = version
resolved = {norm(i["metadata"]["name"]): i["metadata"]["version"] for i in json.load(open(report))["install"]}
wrong = ["%s %s (constraints.txt: %s)" % (n, v, pins[n]) for n, v in sorted(resolved.items()) if n in pins and pins[n] != v]
if wrong:
    sys.exit("build-ee: resolved away from constraints.txt: " + ", ".join(wrong))
unpinned = sorted(n for n in resolved if n not in pins)
print("build-ee: context in .build/ee/context; %d Python packages resolve against constraints.txt (%d not pinned "
      "there: %s)" % (len(resolved), len(unpinned), ", ".join(unpinned) or "none"))
PY
