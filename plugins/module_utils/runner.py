# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one runner of modules built on plain AnsibleModule (Kubernetes modules use Day2K8sModule.run).

Every ocp.day2 module has the same shape: argument_spec(), execute(module) -> result dict, and a main()
that builds the module and hands execute to a runner. Helpers raise Day2Error; only the runner fails.
"""

from __future__ import annotations

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error, Day2Interrupted
from ansible_collections.ocp.day2.plugins.module_utils.files import signals_raise


def run(module, execute):
    """Call execute(module) and exit with its result; a Day2Error becomes fail_json with its message."""
    try:
        with signals_raise():
            result = execute(module)
    except Day2Interrupted as exc:
        module.fail_json(msg=exc.msg)
    except Day2Error as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    module.exit_json(**result)
