"""Fixtures shared by the module unit tests."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args


@pytest.fixture
def run_main(capsys):
    """run_main(main, args, check=False, diff=False) -> the module's JSON result, whether it exited or failed."""

    def run(main, args, check=False, diff=False):
        with patch_module_args(dict(args, _ansible_check_mode=check, _ansible_diff=diff)), pytest.raises(SystemExit):
            main()
        return json.loads(capsys.readouterr().out)

    return run
