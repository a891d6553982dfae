#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: hostedcluster_configuration
short_description: Set OAuth identity providers and the feature set of a HyperShift hosted cluster, checked first
version_added: 0.4.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Writes C(spec.configuration.oauth.identityProviders) and/or C(spec.configuration.featureGate) of a
    HostedCluster (seed 001 §3.1, §5.1) with one merge patch conditional on the resourceVersion read, then waits
    until the HostedCluster reports C(Available=True) for the new generation.
  - O(identity_providers) is the whole list (V([]) removes every provider). Each is checked first - a name without
    C(/), C(:) or C(%), used once; a known C(type) with its settings under the matching key (C(openID), C(htpasswd),
    C(ldap), ...) and no other; C(mappingMethod) claim, lookup, generate or add; clientID and clientSecret.name for
    OpenID, GitHub, GitLab and Google; an OpenID C(issuer) that is https without query or fragment; C(fileData.name)
    for htpasswd; an ldap:// or ldaps:// URL for LDAP.
  - Warns that the first identity provider removes the default kubeadmin user provider, and when providers other
    than htpasswd and request-header are set while no NodePool has nodes (their DNS traffic goes through workers).
  - O(feature_set) V(TechPreviewNoUpgrade) (and the other NoUpgrade sets) cannot be undone and blocks minor updates;
    it is refused unless O(confirm_irreversible=true). A cluster already at C(TechPreviewNoUpgrade) cannot change its
    feature set (the API's own rule); that is refused before any write.
options:
  name:
    description: Name of the HostedCluster.
    type: str
    required: true
  namespace:
    description: Namespace of the HostedCluster (and of the Secrets its providers reference).
    type: str
    default: clusters
  identity_providers:
    description: The identity providers, as in the OpenShift OAuth API; omitted leaves them as they are.
    type: list
    elements: dict
  feature_set:
    description: The feature set; V("") is the default set; omitted leaves it as it is.
    type: str
    choices: ["", TechPreviewNoUpgrade, DevPreviewNoUpgrade, CustomNoUpgrade]
  custom_feature_gates:
    description: With O(feature_set=CustomNoUpgrade) only, C(enabled) and C(disabled) lists of feature gate names.
    type: dict
  confirm_irreversible:
    description: Needed to set a NoUpgrade feature set, which cannot be undone.
    type: bool
    default: false
  wait:
    description: Wait for C(Available=True) after a change.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 900
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
requirements:
  - python >= 3.9
  - kubernetes >= 24.2.0
attributes:
  check_mode:
    support: full
    description: Checks everything, returns the plan and changes nothing.
  diff_mode:
    support: full
    description: Identity providers and feature gate before and after.
seealso:
  - module: ocp.day2.hostedcluster_nodepool_config
"""

EXAMPLES = r"""
- name: Log in through an OpenID Connect provider (seed 001 §3.1)
  ocp.day2.hostedcluster_configuration:
    name: example
    identity_providers:
      - name: IAM
        type: OpenID
        mappingMethod: lookup
        openID:
          clientID: my-client
          clientSecret:
            name: example-oidc-client-secret
          issuer: https://idp.example.com/identity
          claims:
            preferredUsername: [preferred_username]
            name: [name]
            email: [email]

- name: Enable the TechPreviewNoUpgrade feature set on a test cluster (cannot be undone)
  ocp.day2.hostedcluster_configuration:
    name: example
    feature_set: TechPreviewNoUpgrade
    confirm_irreversible: true
"""

RETURN = r"""
plan:
  description: The changes made (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
warnings_given:
  description: The warnings of this call (also shown as Ansible warnings).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.ocp.day2.plugins.module_utils.hypershift.cluster_config import argument_spec, execute
from ansible_collections.ocp.day2.plugins.module_utils.k8s import Day2K8sModule


def main():
    module = Day2K8sModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.run(execute)


if __name__ == "__main__":
    main()
