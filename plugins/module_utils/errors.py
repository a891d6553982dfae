# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors raised by helpers; only a module's main() turns them into fail_json."""

from __future__ import annotations


class Day2Error(Exception):
    """An error whose message tells the admin what is wrong and what to do.

    `result` holds extra keys returned with the failure (for example the records still present).
    """

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


class Day2Timeout(Day2Error):
    """A wait ran out of time."""


class Day2Interrupted(BaseException):
    """SIGTERM, SIGINT or SIGHUP arrived: unwinds like KeyboardInterrupt (no `except Exception` stops it), so
    every `finally` removes its temporary files; the runners report it as a failure."""

    def __init__(self, signame):
        super().__init__(signame)
        self.msg = (
            "Interrupted by %s before the task finished; its temporary files were removed (changes already made "
            "stay, see the task's documentation for how to undo them). Run the task again." % signame
        )
