"""ManagementCluster: the simulated HyperShift management cluster (API server, controllers, etcd pods)."""

import base64
import os
import threading

import yaml
from moto.server import ThreadedMotoServer

from tests.harness.net import wait_for
from tests.harness.pki import CA

from . import guest, resources
from .apiserver import ApiServer
from .controllers import Controllers
from .faults import Faults
from .guest import GuestServers
from .guest_handle import GuestHandle
from .hypershift import HostedClusterHandle, Operator
from .objects import bootstrap_objects, hosted_cluster_objects
from .pods import PodRuntime
from .store import Store


class ManagementCluster:
    """A management cluster over real HTTPS on 127.0.0.1; see docs/simulator.md.

    `base_dir` holds the PKI, kubeconfig, PVC directories and etcd logs. `moto` is a
    tests.harness.moto.MotoServer (S3 and Route53) or None (no DNS records, no restore from URLs).
    """

    def __init__(
        self,
        base_dir,
        moto=None,
        name="mgmt",
        external_dns_delay=2.0,
        upgrade_seconds=1.0,
        operator=True,
        pod_ready_seconds=0.0,
    ):
        self.base_dir = os.path.abspath(str(base_dir))
        self.with_operator = operator
        self.terminated_instances = []  # EC2 instance ids CAPA terminated on this management cluster
        self.guests = None
        self.moto = moto
        self.name = name
        self.external_dns_delay = external_dns_delay
        self.upgrade_seconds = upgrade_seconds
        # a Deployment's new pod turns Ready this long after it was created (0: at once); see docs/simulator.md
        self.pod_ready_seconds = pod_ready_seconds
        self.store = Store()
        self.faults = Faults()
        self.hosted = {}  # (namespace, name) -> HostedClusterHandle
        self._lock = threading.RLock()
        self.api = None
        self.controllers = None
        self.kubeconfig = os.path.join(self.base_dir, "kubeconfig")

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self):
        os.makedirs(self.base_dir, exist_ok=True)
        pki = os.path.join(self.base_dir, "pki")
        self.ca = CA(pki, cn="%s-kube-ca" % self.name)
        server = self.ca.issue("apiserver", sans=("127.0.0.1", "localhost", "kubernetes.default.svc"))
        self.admin = self.ca.issue("admin", cn="system:admin", organization="system:masters")
        self.pods = PodRuntime(self)
        self.operator = Operator(self)
        self.guests = GuestServers(self)
        self.api = ApiServer(
            self.store,
            self.ca,
            server,
            self.faults,
            self.pods.exec_handler,
            self.pods.logs,
            access_log=os.path.join(self.base_dir, "access.log"),
        )
        self.api.start()
        self._write_kubeconfig()
        for obj in bootstrap_objects(self.name, operator=self.with_operator):
            self.store.put(obj)
        self.controllers = Controllers(self).start()
        return self

    def stop(self):
        if getattr(self, "_s3_is_down", False):
            self.s3_down(False)  # the moto server is shared: never leave it down for the next test
        if self.controllers is not None:
            self.controllers.stop()
            self.controllers = None
        if self.guests is not None:
            self.guests.stop_all()
        if getattr(self, "pods", None) is not None:
            self.pods.stop_all()
        if self.api is not None:
            self.api.stop()
            self.api = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def api_url(self):
        return self.api.url

    def _write_kubeconfig(self):
        def b64(path):
            with open(path, "rb") as f:
                return base64.b64encode(f.read()).decode()

        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": self.name,
                    "cluster": {"server": self.api_url, "certificate-authority-data": b64(self.ca.cert)},
                }
            ],
            "users": [
                {
                    "name": "admin-" + self.name,
                    "user": {
                        "client-certificate-data": b64(self.admin.cert),
                        "client-key-data": b64(self.admin.key),
                    },
                }
            ],
            "contexts": [{"name": self.name, "context": {"cluster": self.name, "user": "admin-" + self.name}}],
            "current-context": self.name,
        }
        with open(self.kubeconfig, "w") as f:
            yaml.safe_dump(config, f)
        os.chmod(self.kubeconfig, 0o600)

    # -- direct store access --------------------------------------------------------------------
    def guest(self, hc, namespace="clusters"):
        """The hosted cluster's own API as served by this management cluster (a handle or a name)."""
        if isinstance(hc, str):
            return GuestHandle(self, hc, namespace)
        return GuestHandle(self, hc.name, hc.namespace)

    def terminate_instance(self, instance_id):
        """CAPA terminated an instance: every guest API loses that node."""
        guest.terminate_everywhere(instance_id)
        if instance_id not in self.terminated_instances:
            self.terminated_instances.append(instance_id)

    def dns_owner(self, fqdn):
        """The ExternalDNS owner id in the TXT registry record of fqdn in Route53 (None: none there)."""
        if self.moto is None:
            raise RuntimeError("this management cluster has no moto server")
        fqdn = fqdn.rstrip(".")
        zones = [
            z
            for z in self.operator.dns._client().list_hosted_zones()["HostedZones"]
            if not z.get("Config", {}).get("PrivateZone") and (fqdn + ".").endswith("." + z["Name"])
        ]
        if not zones:
            return None
        zone = max(zones, key=lambda z: len(z["Name"]))
        return self.operator.dns.owner_of(fqdn, zone["Id"].split("/")[-1])

    def get(self, api_version, kind, name, namespace=None):
        return self.store.get(resources.lookup(api_version, kind), namespace, name)

    def list(self, api_version, kind, namespace=None):
        return self.store.list(resources.lookup(api_version, kind), namespace)[0]

    def put(self, obj):
        return self.store.put(obj)

    def delete(self, api_version, kind, name, namespace=None):
        return self.store.delete(resources.lookup(api_version, kind), namespace, name)

    # -- hosted clusters --------------------------------------------------------------------------
    def create_hosted_cluster(
        self,
        name="example",
        namespace="clusters",
        availability="HighlyAvailable",
        release_image="quay.io/openshift-release-dev/ocp-release:4.14.8-x86_64",
        nodepools=1,
        encryption=True,
        base_domain="example.com",
        wait=True,
        timeout=60,
        **extra,
    ):
        """Create a HostedCluster (and its NodePools and secrets) the way `hcp create cluster` does.

        The operator stand-in then renders the control-plane namespace; with wait=True this returns
        once the etcd members are healthy and the control-plane pods run.
        """
        for obj in hosted_cluster_objects(
            name, namespace, availability, release_image, nodepools, encryption, base_domain, **extra
        ):
            self.store.put(obj)
        handle = self.hosted_handle(name, namespace)
        if wait and not extra.get("paused_until"):
            self.wait_hosted_cluster(handle, timeout=timeout)
        return handle

    def hosted_handle(self, name, namespace="clusters"):
        with self._lock:
            key = (namespace, name)
            if key not in self.hosted:
                self.hosted[key] = HostedClusterHandle(self, name, namespace)
            return self.hosted[key]

    def wait_hosted_cluster(self, hc, timeout=60):
        def ready():
            self.store.dirty.set()
            sts = self.get("apps/v1", "StatefulSet", "etcd", hc.hcp_namespace)
            if not sts:
                return False
            want = sts["spec"].get("replicas", 1)
            return (sts.get("status") or {}).get("readyReplicas", 0) == want and hc.etcd.healthy()

        wait_for(ready, timeout=timeout, interval=0.1, what="hosted cluster %s etcd" % hc.hcp_namespace)
        return hc

    # -- faults ---------------------------------------------------------------------------------
    def kill_etcd_member(self, hc, i):
        """Kill member i's etcd; its pod goes to CrashLoopBackOff until the pod is deleted."""
        self.pods.etcd_runtime(hc.hcp_namespace).fail_member(i)
        self.store.dirty.set()

    def s3_down(self, down=True):
        """Stop (down=True) or restart the shared moto server on the same port; its state is kept.

        S3 and Route53 are one server here, so both are unreachable while it is down.
        """
        if self.moto is None:
            raise RuntimeError("this management cluster has no moto server")
        if getattr(self, "_s3_is_down", False) == down:
            return
        self._s3_is_down = down
        if down:
            self.moto._server.stop()
            self.moto._server._server.server_close()  # free the port: clients get "connection refused"
        else:
            self.moto._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.moto.port, verbose=False)
            self.moto._server.start()
