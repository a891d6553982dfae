# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one runner of ocp.day2 modules built on amazon.aws's AnsibleAWSModule.

The same shape as every ocp.day2 module (argument_spec(), execute(module) -> result dict, a short main()):
helpers raise Day2Error and let botocore errors propagate; only run() turns them into a failure.
"""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

try:
    import botocore.exceptions

    BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
except ImportError:  # AnsibleAWSModule reports the missing library
    BOTO_ERRORS = ()


def run(module, execute, aws_error_msg="AWS request failed"):
    """Call execute(module) and exit with its result.

    A Day2Error becomes fail_json with its message and extra result keys; a botocore error becomes
    fail_json_aws (which adds the error code, message and response metadata) with aws_error_msg, which
    should say what to check (credentials, region, endpoint_url, the IAM actions the module needs).
    """
    try:
        result = execute(module)
    except Day2Error as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    except BOTO_ERRORS as exc:
        module.fail_json_aws(exc, msg=aws_error_msg)
    module.exit_json(**result)
