"""The OpenShift 3.11 kinds the simulator serves beyond the common ones, for resources.RESOURCES.

Endpoints: the `kubernetes` service's Endpoints in `default` list the masters' IPs; the 3.11 master retirement
(roles/ocp3_host_retire) waits until the retired master's IP is gone. The simulator stores them as given (no
controller fills them): a test puts them and takes an address out the way the remaining API servers would.
"""

from .resources import Resource

OCP3_RESOURCES = [
    Resource("", "v1", "endpoints", "Endpoints", shortnames=("ep",), subresources=()),
]
