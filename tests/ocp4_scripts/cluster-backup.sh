#!/usr/bin/env bash
# Test stand-in for OpenShift 4's /usr/local/bin/cluster-backup.sh (not the real script): what it does with
# etcdctl on a control-plane host, under OCP4_HOST_ROOT. Writes snapshot_<ts>.db and static_kuberesources_<ts>.tar.gz
# (the newest revision of each static pod's resources) into the directory given.
set -euo pipefail
ROOT="${OCP4_HOST_ROOT:?OCP4_HOST_ROOT is not set}"
DIR="${1:?usage: cluster-backup.sh <backup dir>}"
RES="$ROOT/etc/kubernetes/static-pod-resources"
# shellcheck disable=SC1091
source "$RES/etcd-certs/etcdctl.env"
mkdir -p "$DIR"
TS=$(date -u +%F_%H%M%S)
dirs=()
for pod in kube-apiserver-pod kube-controller-manager-pod kube-scheduler-pod etcd-pod; do
  latest=$(find "$RES" -maxdepth 1 -name "$pod-*" -printf '%f\n' | sort -V | tail -1)
  [ -n "$latest" ] || { echo "no static pod resources for $pod in $RES" >&2; exit 1; }
  dirs+=("static-pod-resources/$latest")
done
tar -C "$ROOT/etc/kubernetes" -czf "$DIR/static_kuberesources_$TS.tar.gz" "${dirs[@]}"
ETCDCTL_API=3 etcdctl snapshot save "$DIR/snapshot_$TS.db" >/dev/null
echo "snapshot db and kube resources are successfully saved to $DIR"
