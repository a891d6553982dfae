#!/usr/bin/env bash
# Test stand-in for OpenShift 4's /usr/local/bin/cluster-restore.sh (not the real script): what it does on the
# recovery host, under OCP4_HOST_ROOT. Stops the control-plane static pods, waits for their containers to go, moves
# /var/lib/etcd/member to /var/lib/etcd-backup, restores the snapshot into /var/lib/etcd with etcdctl, and starts
# the restore-etcd pod and the static pods of the backup's revisions. Records the proxy variables it ran with.
set -euo pipefail
ROOT="${OCP4_HOST_ROOT:?OCP4_HOST_ROOT is not set}"
BACKUP="${1:?usage: cluster-restore.sh <backup dir>}"
FAULT="$ROOT/run/faults/cluster-restore.sh"  # a test's fault switch: fails before any change while the file exists
if [ -e "$FAULT" ]; then echo "cluster-restore.sh: $(cat "$FAULT")" >&2; exit 1; fi
K="$ROOT/etc/kubernetes"
RES="$K/static-pod-resources"
# shellcheck disable=SC1091
source "$RES/etcd-certs/etcdctl.env"
mapfile -t snaps < <(find "$BACKUP" -maxdepth 1 -name 'snapshot_*.db')
mapfile -t statics < <(find "$BACKUP" -maxdepth 1 -name 'static_kuberesources_*.tar.gz')
[ "${#snaps[@]}" = 1 ] && [ "${#statics[@]}" = 1 ] || { echo "backup dir must hold one snapshot and one static resources archive" >&2; exit 1; }
mkdir -p "$ROOT/run"
env | grep -i -E '^(http_proxy|https_proxy|no_proxy)=' | sort > "$ROOT/run/cluster-restore.env" || true
mkdir -p "$K/manifests-stopped"
for pod in kube-apiserver-pod.yaml kube-controller-manager-pod.yaml kube-scheduler-pod.yaml etcd-pod.yaml; do
  if [ -e "$K/manifests/$pod" ]; then echo "...stopping $pod"; mv "$K/manifests/$pod" "$K/manifests-stopped/"; fi
done
for c in etcd kube-apiserver kube-controller-manager kube-scheduler; do
  printf 'Waiting for container %s to stop ' "$c"
  for _ in $(seq 600); do
    [ -z "$("$ROOT/usr/bin/crictl" ps --name "^$c\$" -q)" ] && break
    printf .; sleep 0.1
  done
  [ -z "$("$ROOT/usr/bin/crictl" ps --name "^$c\$" -q)" ] || { echo "container $c did not stop" >&2; exit 1; }
  echo complete
done
if [ -d "$ROOT/var/lib/etcd/member" ]; then
  echo "Moving etcd data-dir $ROOT/var/lib/etcd/member to $ROOT/var/lib/etcd-backup"
  rm -rf "$ROOT/var/lib/etcd-backup"; mkdir -p "$ROOT/var/lib/etcd-backup"
  mv "$ROOT/var/lib/etcd/member" "$ROOT/var/lib/etcd-backup/"
fi
mkdir -p "$ROOT/var/lib/etcd"
tar -C "$K" -xzf "${statics[0]}"
tmp=$(mktemp -d "$ROOT/var/lib/etcd-restore.XXXXXX")
ETCDCTL_API=3 etcdctl snapshot restore "${snaps[0]}" --data-dir "$tmp/data" --name "$ETCD_NAME" \
  --initial-cluster "$ETCD_NAME=$ETCD_PEER_URL" --initial-advertise-peer-urls "$ETCD_PEER_URL" \
  --initial-cluster-token restored-cluster >/dev/null 2>&1
mv "$tmp/data/member" "$ROOT/var/lib/etcd/member"; rm -rf "$tmp"
echo "starting restore-etcd static pod"
cp "$RES/etcd-certs/configmaps/restore-etcd-pod/pod.yaml" "$K/manifests/etcd-pod.yaml"
for pod in kube-apiserver-pod kube-controller-manager-pod kube-scheduler-pod; do
  latest=$(tar -tzf "${statics[0]}" | grep -o "static-pod-resources/$pod-[0-9]*" | sort -V | tail -1)
  echo "starting $pod.yaml $latest/$pod.yaml"
  cp "$K/$latest/$pod.yaml" "$K/manifests/$pod.yaml"
done
echo "$BACKUP" >> "$ROOT/run/cluster-restore.calls"  # each completed run, for the tests
