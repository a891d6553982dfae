# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one runner of ocp.day2 modules built on amazon.aws's AnsibleAWSModule.

The same shape as every ocp.day2 module (argument_spec(), execute(module) -> result dict, a short main()):
helpers raise Day2Error and let botocore errors propagate; only run() turns them into a failure.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Interrupted
from ansible_collections.ocp.day2.plugins.module_utils.files import signals_raise

try:
    import botocore.exceptions

    BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:  # AnsibleAWSModule reports the missing library
    BOTO_ERRORS = ()


# Options of amazon.aws's common spec that ours redefine (AnsibleAWSModule lets a module's spec win):
# - the access key id is a credential here, hidden from logs and -vvv like the secret;
# - region and endpoint_url have no `fallback`: Ansible applies fallbacks before aliases, so a region given as
#   s3_region (or aws_region) while AWS_DEFAULT_REGION is set would also set `region` and print "Both option
#   region and its alias s3_region are set". apply_env_fallbacks() reads those variables after validation.
ENV_FALLBACKS = {"region": ("AWS_REGION", "AWS_DEFAULT_REGION"), "endpoint_url": ("AWS_URL",)}


def aws_spec_overrides(region_aliases=("aws_region",), endpoint_aliases=("aws_endpoint_url",)):
    """argument_spec entries to merge into a module's spec (see ENV_FALLBACKS)."""
    return {
        "access_key": {
            "type": "str",
            "aliases": ["aws_access_key_id", "aws_access_key"],
            "fallback": (env_fallback, ["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"]),
            "no_log": True,
        },
        "region": {"type": "str", "aliases": list(region_aliases)},
        "endpoint_url": {"type": "str", "aliases": list(endpoint_aliases)},
    }


def apply_env_fallbacks(params):
    """Fill region and endpoint_url from the environment when no option (nor alias) gave them."""
    for option, names in ENV_FALLBACKS.items():
        if params.get(option) in (None, ""):
            for name in names:
                if os.environ.get(name):
                    params[option] = os.environ[name]
                    break
    return params


def run(module, execute, aws_error_msg="AWS request failed"):
    """Call execute(module) and exit with its result.

    A Day2Error becomes fail_json with its message and extra result keys; a botocore error becomes
    fail_json_aws (which adds the error code, message and response metadata) with aws_error_msg, which
    should say what to check (credentials, region, endpoint_url, the IAM actions the module needs).
    """
    try:
        with signals_raise():
            apply_env_fallbacks(module.params)
            result = execute(module)
    except Day2Interrupted as exc:
        module.fail_json(msg=exc.msg)
    except Day2Error as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except BOTO_ERRORS as exc:
        module.fail_json_aws(exc, msg=aws_error_msg)
    module.exit_json(**result)
