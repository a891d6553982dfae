# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who probes whom: the port and MTU targets of one host, from inventory groups and port rules."""

from __future__ import annotations

# The ports of 002 §3.5 between the groups of a 3.11 inventory: (from group, to group, port, proto, what).
DEFAULT_PORT_RULES = [
    {"from": "masters", "to": "etcd", "port": 2379, "proto": "tcp", "name": "etcd client"},
    {"from": "etcd", "to": "etcd", "port": 2380, "proto": "tcp", "name": "etcd peer"},
    {"from": "nodes", "to": "masters", "port": 8443, "proto": "tcp", "name": "API"},
    {"from": "nodes", "to": "masters", "port": 8053, "proto": "tcp", "name": "SkyDNS"},
    {"from": "nodes", "to": "masters", "port": 8053, "proto": "udp", "name": "SkyDNS"},
    {"from": "masters", "to": "nodes", "port": 10250, "proto": "tcp", "name": "kubelet"},
    {"from": "nodes", "to": "nodes", "port": 4789, "proto": "udp", "name": "SDN VXLAN"},
    {"from": "nodes", "to": "infra", "port": 80, "proto": "tcp", "name": "router"},
    {"from": "nodes", "to": "infra", "port": 443, "proto": "tcp", "name": "router"},
]


def port_targets(rules, groups, addresses, me):
    """[{host, port, proto, name}] that `me` must reach; rules name groups, addresses map host -> address.

    A host never probes itself; a target seen by several rules with the same port/proto is probed once.
    """
    seen = set()
    targets = []
    for rule in rules:
        if me not in (groups.get(rule["from"]) or []):
            continue
        for host in groups.get(rule["to"]) or []:
            if host == me:
                continue
            address = addresses.get(host, host)
            key = (address, int(rule["port"]), rule.get("proto", "tcp"))
            if key in seen:
                continue
            seen.add(key)
            targets.append(
                {
                    "host": address,
                    "port": int(rule["port"]),
                    "proto": rule.get("proto", "tcp"),
                    "name": rule.get("name") or "",
                }
            )
    return targets


def peer_addresses(addresses, me, hosts=None):
    """The addresses of the other hosts (of `hosts`, default all in addresses), sorted, without duplicates."""
    mine = addresses.get(me)
    wanted = hosts if hosts is not None else list(addresses)
    return sorted({addresses.get(h, h) for h in wanted if h != me and addresses.get(h, h) != mine})
