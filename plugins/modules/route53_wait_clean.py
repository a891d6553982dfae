#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: route53_wait_clean
short_description: Wait until ExternalDNS has removed a domain's records from a Route53 hosted zone
version_added: 0.1.0
author:
  - ocp.day2 maintainers (@ocp-day2)
description:
  - Polls a Route53 hosted zone until no more than O(allowed_remaining) records are left whose name is
    O(domain) or ends in C(.<domain>), as after deleting a hosted control plane's routes during a
    disaster-recovery migration, when ExternalDNS removes their records.
  - The zone apex NS and SOA records are never counted. Wildcard names (C(\052) in Route53) are matched
    like any other name.
  - Fails when O(timeout) runs out, with the records still present in the message and in RV(remaining).
  - Records are listed with the C(list_resource_record_sets) paginator starting at O(domain) (where Route53
    sorts the domain's records), through every page, with throttling retried with jittered backoff.
  - Why not M(amazon.aws.route53_info) in an C(until) loop? It lists the records but cannot filter them by
    domain, decode C(\052), leave out the zone apex NS and SOA or count what matches; that would be Jinja
    repeated in every role, and a retries loop that runs out does not say which records are left.
options:
  hosted_zone_id:
    description:
      - ID of the hosted zone, with or without the C(/hostedzone/) prefix.
      - Exactly one of O(hosted_zone_id) and O(zone_name) is required.
    type: str
  zone_name:
    description:
      - Name of the hosted zone, for example C(hypershift.example.com); looked up with
        C(list_hosted_zones_by_name). Fails when no zone or more than one zone of that name and O(private_zone)
        exists.
    type: str
  private_zone:
    description: With O(zone_name), look for a private hosted zone instead of a public one.
    type: bool
    default: false
  domain:
    description:
      - The domain whose records must go, for example the hosted cluster's C(example.hypershift.example.com).
      - It must be a DNS name (labels of letters, digits, C(-) or C(_), a leading C(*) allowed); anything else is
        refused, since it could match no record and be reported clean.
    type: str
    required: true
  allowed_remaining:
    description: How many matching records may remain for the zone to count as clean.
    type: int
    default: 0
  interval:
    description: Seconds between two listings.
    type: int
    default: 5
  timeout:
    description: Seconds to wait in total before failing; V(0) lists once and fails if not clean.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Lists the records once and reports them without waiting or failing.
  diff_mode:
    support: none
    description: Nothing is changed.
notes:
  - Never changes the zone; C(changed) is always false.
  - The AWS access key id is treated as a secret (hidden from logs).
"""

EXAMPLES = r"""
- name: Wait for ExternalDNS to clean up the hosted cluster's records
  ocp.day2.route53_wait_clean:
    zone_name: hypershift.example.com
    domain: example.hypershift.example.com
    timeout: 400
    interval: 10

- name: Same, by zone id, tolerating the two records the seed procedure tolerates
  ocp.day2.route53_wait_clean:
    hosted_zone_id: Z0123456789ABCDEFGHIJ
    domain: example.hypershift.example.com
    allowed_remaining: 2
"""

RETURN = r"""
remaining:
  description: The matching records still present at the last listing (zone apex NS and SOA excluded).
  returned: always
  type: list
  elements: dict
  sample: [{"name": "api.example.hypershift.example.com", "type": "A"}]
remaining_count:
  description: Number of records in RV(remaining).
  returned: always
  type: int
  sample: 0
elapsed:
  description: Seconds spent, listings included.
  returned: always
  type: float
  sample: 12.3
zone_id:
  description: The hosted zone ID, without the C(/hostedzone/) prefix.
  returned: always
  type: str
  sample: Z0123456789ABCDEFGHIJ
waited:
  description: Whether the module had to wait (the first listing was not clean).
  returned: always
  type: bool
  sample: true
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.ocp.day2.plugins.module_utils.aws.route53 import (
    AWS_ERROR_MSG,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    argument_spec,
    execute,
)
from ansible_collections.ocp.day2.plugins.module_utils.aws.runner import run


def main():
    module = AnsibleAWSModule(
        argument_spec=argument_spec(),
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    run(module, execute, AWS_ERROR_MSG)


if __name__ == "__main__":
    main()
