"""The ocp.day2.pause_until filter."""

import datetime

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ocp.day2.plugins.filter.pause_until import FilterModule


def test_filter_values():
    pause_until = FilterModule().filters()["pause_until"]
    assert pause_until("True") == "true"
    assert pause_until("2024-03-03T12:28:48+09:00") == "2024-03-03T03:28:48Z"
    moment = datetime.datetime.strptime(pause_until("30m"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    delta = moment - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=29) < delta <= datetime.timedelta(minutes=30)


def test_filter_refuses_with_accepted_forms():
    with pytest.raises(AnsibleFilterError, match=r"ocp.day2.pause_until: until='soon' is not accepted.*RFC3339"):
        FilterModule().filters()["pause_until"]("soon")


def test_filter_refuses_a_time_hypershift_would_ignore():
    with pytest.raises(AnsibleFilterError, match="looks like a time but is not RFC3339"):
        FilterModule().filters()["pause_until"]("2024-03-03T03:28:48")
