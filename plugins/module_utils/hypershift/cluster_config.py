# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ocp.day2.hostedcluster_configuration: OAuth identity providers and the feature set in a HostedCluster's
spec.configuration (seed 001 §3.1, §5.1), checked before they are written.

Facts (seed 001 and openshift/api config/v1 as vendored by openshift/hypershift, read 2026-11), in our words: an
OpenID issuer must be https with no query or fragment; adding the first identity provider removes the default
kubeadmin provider; a hosted cluster needs at least one node for providers other than htpasswd and request-header
(their traffic resolves through the workers); the feature set TechPreviewNoUpgrade cannot be changed once set (a CEL
rule of the FeatureGate API) and blocks minor updates; CustomNoUpgrade alone takes a customNoUpgrade list.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

from ansible_collections.ocp.day2.plugins.module_utils import inputs
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Timeout
from ansible_collections.ocp.day2.plugins.module_utils.hypershift.objects import (
    HYPERSHIFT_API,
    MERGE_PATCH,
    check_cluster_names,
    condition,
    get_hostedcluster,
    list_nodepools,
)
from ansible_collections.ocp.day2.plugins.module_utils.k8s import auth_arg_spec, with_retries

IDP_TYPES = {
    "BasicAuth": "basicAuth", "GitHub": "github", "GitLab": "gitlab", "Google": "google", "HTPasswd": "htpasswd",
    "Keystone": "keystone", "LDAP": "ldap", "OpenID": "openID", "RequestHeader": "requestHeader",
}  # fmt: skip
NO_NODES_NEEDED = ("HTPasswd", "RequestHeader")
CLIENT_TYPES = ("GitHub", "GitLab", "Google", "OpenID")
MAPPING_METHODS = ("claim", "lookup", "generate", "add")
FEATURE_SETS = ("", "TechPreviewNoUpgrade", "DevPreviewNoUpgrade", "CustomNoUpgrade")
IRREVERSIBLE = ("TechPreviewNoUpgrade", "DevPreviewNoUpgrade", "CustomNoUpgrade")


def argument_spec():
    spec = auth_arg_spec()
    spec.update(
        name={"type": "str", "required": True},
        namespace={"type": "str", "default": "clusters"},
        identity_providers={"type": "list", "elements": "dict"},
        feature_set={"type": "str", "choices": list(FEATURE_SETS)},
        custom_feature_gates={"type": "dict"},
        confirm_irreversible={"type": "bool", "default": False},
        wait={"type": "bool", "default": True},
        wait_timeout={"type": "int", "default": 900},
    )
    return spec


def _where(index, idp):
    name = idp.get("name") if isinstance(idp, dict) else None
    return "identity_providers[%d]%s" % (index, " (%s)" % name if name else "")


def check_idp(index, idp, seen):
    where = _where(index, idp)
    name = idp.get("name")
    if not isinstance(name, str) or not name.strip() or any(c in name for c in "/:%"):
        raise Day2Error("%s needs a name without '/', ':' or '%%' (it prefixes the identities it creates)." % where)
    if name in seen:
        raise Day2Error("%s: the name %s is used twice; every identity provider needs its own." % (where, name))
    seen.add(name)
    kind = idp.get("type")
    if kind not in IDP_TYPES:
        raise Day2Error("%s: type %r is not one of %s." % (where, kind, ", ".join(IDP_TYPES)))
    if idp.get("mappingMethod", "claim") not in MAPPING_METHODS:
        raise Day2Error("%s: mappingMethod must be one of %s." % (where, ", ".join(MAPPING_METHODS)))
    body = idp.get(IDP_TYPES[kind])
    if not isinstance(body, dict):
        raise Day2Error("%s: type %s needs its settings under %s." % (where, kind, IDP_TYPES[kind]))
    others = [k for k in IDP_TYPES.values() if k != IDP_TYPES[kind] and idp.get(k) is not None]
    if others:
        raise Day2Error(
            "%s: only %s may be set for type %s, not %s." % (where, IDP_TYPES[kind], kind, ", ".join(others))
        )
    if kind in CLIENT_TYPES and (not body.get("clientID") or not (body.get("clientSecret") or {}).get("name")):
        raise Day2Error("%s: %s needs clientID and clientSecret.name (a Secret in the HostedCluster's namespace)."
                        % (where, IDP_TYPES[kind]))  # fmt: skip
    if kind == "OpenID":
        issuer = urlparse(str(body.get("issuer") or ""))
        if issuer.scheme != "https" or not issuer.netloc or issuer.query or issuer.fragment:
            raise Day2Error("%s: openID.issuer %r must be an https URL without query or fragment (the OpenID Issuer "
                            "Identifier)." % (where, body.get("issuer")))  # fmt: skip
    if kind == "HTPasswd" and not (body.get("fileData") or {}).get("name"):
        raise Day2Error("%s: htpasswd needs fileData.name (a Secret holding the htpasswd file)." % where)
    if kind == "LDAP" and not str(body.get("url") or "").startswith(("ldap://", "ldaps://")):
        raise Day2Error("%s: ldap.url must start with ldap:// or ldaps://." % where)


def check_options(params):
    check_cluster_names(params, nodepools=False)
    inputs.at_least(params["wait_timeout"], "wait_timeout", 0, "seconds")
    if params.get("identity_providers") is None and params.get("feature_set") is None:
        raise Day2Error("Give identity_providers and/or feature_set; nothing to configure otherwise.")
    seen = set()
    for index, idp in enumerate(params.get("identity_providers") or []):
        check_idp(index, idp, seen)
    gates = params.get("custom_feature_gates")
    if (params.get("feature_set") == "CustomNoUpgrade") != (gates is not None):
        raise Day2Error("custom_feature_gates ({enabled: [...], disabled: [...]}) go with feature_set=CustomNoUpgrade "
                        "and only with it.")  # fmt: skip
    if gates is not None and (
        set(gates) - {"enabled", "disabled"} or not all(isinstance(v, list) for v in gates.values())
    ):
        raise Day2Error("custom_feature_gates takes the lists enabled and disabled (feature gate names).")


def wanted_feature_gate(params):
    gate = {"featureSet": params["feature_set"]}
    if params["feature_set"] == "CustomNoUpgrade":
        gate["customNoUpgrade"] = {
            k: list(params["custom_feature_gates"].get(k) or []) for k in ("enabled", "disabled")
        }
    return gate


def execute(module):
    params = module.params
    check_options(params)
    ns, name = params["namespace"], params["name"]
    hc = get_hostedcluster(module, name, ns)
    config = (hc.get("spec") or {}).get("configuration") or {}
    before = {"identityProviders": ((config.get("oauth") or {}).get("identityProviders")) or [],
              "featureGate": config.get("featureGate") or {}}  # fmt: skip
    patch, plan, warnings = {}, [], []
    if params.get("identity_providers") is not None and params["identity_providers"] != before["identityProviders"]:
        patch["oauth"] = {"identityProviders": params["identity_providers"] or None}
        plan.append(
            "set spec.configuration.oauth.identityProviders to %s" % [i["name"] for i in params["identity_providers"]]
        )
        if params["identity_providers"] and not before["identityProviders"]:
            first = params["identity_providers"][0]["name"]
            warnings.append("The first identity provider removes the default kubeadmin user provider (seed 001 "
                            "§3.1): make sure you can log in through %s." % first)  # fmt: skip
        needs_nodes = [i["name"] for i in params["identity_providers"] if i["type"] not in NO_NODES_NEEDED]
        if needs_nodes and not any(_nodes(p) for p in list_nodepools(module, ns, name)):
            warnings.append("No NodePool of %s/%s has nodes; %s need at least one (their DNS traffic goes through the "
                            "workers)." % (ns, name, ", ".join(needs_nodes)))  # fmt: skip
    if params.get("feature_set") is not None:
        gate = wanted_feature_gate(params)
        current = before["featureGate"].get("featureSet", "")
        if {k: v for k, v in before["featureGate"].items() if v not in (None, "")} != {
            k: v for k, v in gate.items() if v
        }:
            if current == "TechPreviewNoUpgrade":
                raise Day2Error("HostedCluster %s/%s has featureSet TechPreviewNoUpgrade, which cannot be changed (the "
                                "API refuses it); nothing was changed." % (ns, name))  # fmt: skip
            if (
                gate["featureSet"] in IRREVERSIBLE
                and current != gate["featureSet"]
                and not params["confirm_irreversible"]
            ):
                raise Day2Error("featureSet %s cannot be undone and blocks minor version updates of the hosted cluster "
                                "(seed 001 §5.1); never on a production cluster. Set confirm_irreversible=true to go "
                                "ahead; nothing was changed." % gate["featureSet"])  # fmt: skip
            patch["featureGate"] = gate
            plan.append("set spec.configuration.featureGate to %s" % gate)
    for text in warnings:
        module.warn(text)
    result = {"changed": bool(patch), "plan": plan, "warnings_given": warnings}
    if module._diff:
        after = dict(before)
        if "oauth" in patch:
            after["identityProviders"] = params["identity_providers"]
        if "featureGate" in patch:
            after["featureGate"] = patch["featureGate"]
        result["diff"] = {"before": before, "after": after}
    if patch and not module.check_mode:
        body = {
            "metadata": {"resourceVersion": hc["metadata"].get("resourceVersion")},
            "spec": {"configuration": patch},
        }
        res = module.resource(HYPERSHIFT_API, "HostedCluster")
        new = with_retries(res.patch, body=body, name=name, namespace=ns, content_type=MERGE_PATCH)
        new = new.to_dict() if hasattr(new, "to_dict") else dict(new)
        if params["wait"]:
            wait_available(module, ns, name, new["metadata"].get("generation"), params["wait_timeout"])
    return result


def _nodes(pool):
    spec = pool.get("spec") or {}
    return spec.get("replicas") or ((spec.get("autoScaling") or {}).get("min")) or 0


def wait_available(module, ns, name, generation, timeout):
    """Until the HostedCluster reports Available=True for the new generation."""
    deadline = time.monotonic() + timeout
    while True:
        hc = get_hostedcluster(module, name, ns)
        cond = condition(hc, "Available") or {}
        if cond.get("status") == "True" and (cond.get("observedGeneration") or generation or 0) >= (generation or 0):
            return
        if time.monotonic() >= deadline:
            raise Day2Timeout(
                "HostedCluster %s/%s did not report Available=True for its new configuration within %ds (Available=%s: "
                "%s)." % (ns, name, timeout, cond.get("status"), cond.get("message"))
            )
        time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
