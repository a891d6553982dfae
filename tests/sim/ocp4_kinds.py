"""The OpenShift 4 kinds the simulated OpenShift 4 cluster serves (tests/sim/ocp4.py), for resources.RESOURCES."""

from .resources import Resource

OPERATOR_KINDS = ("Etcd", "KubeAPIServer", "KubeControllerManager", "KubeScheduler")

OCP4_RESOURCES = [
    Resource("config.openshift.io", "v1", "proxies", "Proxy", namespaced=False),
    Resource("config.openshift.io", "v1", "networks", "Network", namespaced=False),
    Resource("operator.openshift.io", "v1", "etcds", "Etcd", namespaced=False),
    Resource("operator.openshift.io", "v1", "kubeapiservers", "KubeAPIServer", namespaced=False),
    Resource("operator.openshift.io", "v1", "kubecontrollermanagers", "KubeControllerManager", namespaced=False),
    Resource("operator.openshift.io", "v1", "kubeschedulers", "KubeScheduler", namespaced=False),
    Resource("apps", "v1", "daemonsets", "DaemonSet", shortnames=("ds",)),
    Resource("machine.openshift.io", "v1beta1", "machines", "Machine", shortnames=("machine",)),
]
