"""The resource kinds served by the simulated management cluster (discovery data)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    shortnames: tuple = ()
    subresources: tuple = ("status",)
    singular: str = ""
    # Path of the replica count for the scale subresource (all our scalable kinds use spec.replicas).
    categories: tuple = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def key(self):
        return (self.group, self.plural)

    @property
    def scalable(self):
        return "scale" in self.subresources

    @property
    def has_status(self):
        return "status" in self.subresources


_SCALE = ("status", "scale")

RESOURCES = [
    Resource("", "v1", "namespaces", "Namespace", namespaced=False, shortnames=("ns",)),
    Resource("", "v1", "secrets", "Secret", subresources=()),
    Resource("", "v1", "configmaps", "ConfigMap", shortnames=("cm",), subresources=()),
    Resource("", "v1", "services", "Service", shortnames=("svc",)),
    Resource("", "v1", "pods", "Pod", shortnames=("po",), subresources=("status", "exec", "log")),
    Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", shortnames=("pvc",)),
    Resource("", "v1", "persistentvolumes", "PersistentVolume", namespaced=False, shortnames=("pv",)),
    Resource("", "v1", "nodes", "Node", namespaced=False, shortnames=("no",)),
    Resource("", "v1", "serviceaccounts", "ServiceAccount", shortnames=("sa",), subresources=()),
    Resource("", "v1", "events", "Event", shortnames=("ev",), subresources=()),
    Resource("apps", "v1", "deployments", "Deployment", shortnames=("deploy",), subresources=_SCALE),
    Resource("apps", "v1", "statefulsets", "StatefulSet", shortnames=("sts",), subresources=_SCALE),
    Resource("apps", "v1", "replicasets", "ReplicaSet", shortnames=("rs",), subresources=_SCALE),
    Resource("route.openshift.io", "v1", "routes", "Route"),
    Resource("config.openshift.io", "v1", "clusterversions", "ClusterVersion", namespaced=False),
    Resource("hypershift.openshift.io", "v1beta1", "hostedclusters", "HostedCluster", shortnames=("hc", "hcs")),
    Resource(
        "hypershift.openshift.io", "v1beta1", "nodepools", "NodePool", shortnames=("np", "nps"), subresources=_SCALE
    ),
    Resource(
        "hypershift.openshift.io", "v1beta1", "hostedcontrolplanes", "HostedControlPlane", shortnames=("hcp", "hcps")
    ),
    Resource("cluster.x-k8s.io", "v1beta1", "clusters", "Cluster", shortnames=("cl",)),
    Resource(
        "cluster.x-k8s.io",
        "v1beta1",
        "machinedeployments",
        "MachineDeployment",
        shortnames=("md",),
        subresources=_SCALE,
    ),
    Resource("cluster.x-k8s.io", "v1beta1", "machinesets", "MachineSet", shortnames=("ms",), subresources=_SCALE),
    Resource("cluster.x-k8s.io", "v1beta1", "machines", "Machine", shortnames=("ma",)),
    Resource("infrastructure.cluster.x-k8s.io", "v1beta2", "awsclusters", "AWSCluster"),
    Resource(
        "infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachinetemplates", "AWSMachineTemplate", subresources=()
    ),
    Resource("infrastructure.cluster.x-k8s.io", "v1beta2", "awsmachines", "AWSMachine"),
    Resource(
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        namespaced=False,
        shortnames=("csr",),
        subresources=("status", "approval"),
    ),
]
from .ocp4_kinds import OCP4_RESOURCES  # noqa: E402 - OpenShift 4 kinds (tests/sim/ocp4.py); needs Resource

RESOURCES += OCP4_RESOURCES
from .ocp3_kinds import OCP3_RESOURCES  # noqa: E402 - OpenShift 3.11 kinds (Endpoints); needs Resource

RESOURCES += OCP3_RESOURCES

# Kinds with a spec the API server owns a generation for (all but the plain data kinds).
_NO_GENERATION = {"Secret", "ConfigMap", "Namespace", "Pod", "Event", "ServiceAccount", "Endpoints"}

BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
BY_KEY = {r.key: r for r in RESOURCES}
BY_KIND = {}
for _r in RESOURCES:
    BY_KIND[(_r.api_version, _r.kind)] = _r
    BY_KIND.setdefault((None, _r.kind), _r)


def lookup(api_version, kind):
    """The Resource for an apiVersion and kind (apiVersion may be None for the first match)."""
    res = BY_KIND.get((api_version, kind))
    if res is None:
        raise KeyError("the simulator does not serve %s %s" % (api_version, kind))
    return res


def tracks_generation(res):
    return res.kind not in _NO_GENERATION


def is_crd(res):
    return res.group not in ("", "apps", "certificates.k8s.io")
