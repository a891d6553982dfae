#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo use, only when something is missing.
set -euo pipefail
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v etcdctl >/dev/null || need+=(etcd-client)
command -v chronyd >/dev/null || need+=(chrony)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
command -v openssl >/dev/null || need+=(openssl)
command -v rsync >/dev/null || need+=(rsync)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
command -v haproxy >/dev/null || need+=(haproxy)
command -v kubectl >/dev/null || echo "note: kubectl is not on PATH; the kubectl checks of the simulator tests will be skipped"
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts no etcd or chrony service in containers, but stop them if a unit did start.
$SUDO systemctl disable --now etcd chrony haproxy >/dev/null 2>&1 || true
