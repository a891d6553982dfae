"""spec.pausedUntil values: "true", RFC3339 times and durations."""

import datetime

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.durations import (
    format_rfc3339,
    parse_duration,
    parse_rfc3339,
    parse_until,
    pause_state,
    same_instant,
)
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

UTC = datetime.timezone.utc
NOW = datetime.datetime(2024, 3, 3, 3, 28, 48, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, seconds",
    [("2h", 7200), ("30m", 1800), ("1h30m", 5400), ("90s", 90), ("1d", 86400), ("1D2H", 93600), (" 5m ", 300)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2", "h", "2x", "-1h", "1.5h", "1h 30m", "P1D", "2hours"])
def test_parse_duration_refuses(text):
    with pytest.raises(Day2Error, match="is not a duration"):
        parse_duration(text)


def test_zero_duration_refused():
    with pytest.raises(Day2Error, match="zero"):
        parse_duration("0h0m")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-03T03:28:48Z", datetime.datetime(2024, 3, 3, 3, 28, 48, tzinfo=UTC)),
        ("2024-03-03t03:28:48z", datetime.datetime(2024, 3, 3, 3, 28, 48, tzinfo=UTC)),
        ("2024-03-03T12:28:48+09:00", datetime.datetime(2024, 3, 3, 3, 28, 48, tzinfo=UTC)),
        ("2024-03-02T22:28:48-05:00", datetime.datetime(2024, 3, 3, 3, 28, 48, tzinfo=UTC)),
        ("2024-03-03T03:28:48.5Z", datetime.datetime(2024, 3, 3, 3, 28, 48, 500000, tzinfo=UTC)),
    ],
)
def test_parse_rfc3339(text, expected):
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-03",
        "2024-03-03 03:28:48Z",
        "2024-03-03T03:28:48",
        "2024-02-30T00:00:00Z",
        "2024-03-03T25:00:00Z",
        "2024-03-03T03:28:48+24:00",
        "true",
        None,
        5,
    ],
)
def test_parse_rfc3339_refuses(text):
    assert parse_rfc3339(text) is None


def test_format_rfc3339_is_utc():
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    assert format_rfc3339(datetime.datetime(2024, 3, 3, 12, 28, 48, tzinfo=tokyo)) == "2024-03-03T03:28:48Z"
    assert format_rfc3339(NOW) == "2024-03-03T03:28:48.123456Z"


@pytest.mark.parametrize("text", ["true", "True", "TRUE", " true "])
def test_until_true(text):
    until = parse_until(text)
    assert (until.kind, until.value) == ("indefinite", "true")


def test_until_time_normalised_to_utc():
    until = parse_until("2024-03-03T12:28:48+09:00")
    assert (until.kind, until.value) == ("time", "2024-03-03T03:28:48Z")


def test_until_duration_from_now_whole_seconds():
    until = parse_until("1h30m", now=NOW)
    assert until.kind == "duration"
    assert until.seconds == 5400
    assert until.value == "2024-03-03T04:58:48Z"


def test_until_duration_uses_the_clock():
    before = datetime.datetime.now(UTC).replace(microsecond=0)
    until = parse_until("2h")
    after = datetime.datetime.now(UTC)
    assert before + datetime.timedelta(hours=2) <= until.moment <= after + datetime.timedelta(hours=2)


@pytest.mark.parametrize("text", ["false", "yes", "tomorrow", "2024-03-03", "", "0", None, "1h-5m"])
def test_until_refused_lists_accepted(text):
    with pytest.raises(Day2Error) as err:
        parse_until(text)
    assert '"true"' in err.value.msg
    assert "RFC3339" in err.value.msg
    assert "1h30m" in err.value.msg


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-03T03:28:48",  # no zone
        "2024-03-03T03:28:48 UTC",
        "2024-02-30T03:28:48Z",  # no such day
        "2024-03-03T25:28:48Z",
        "2024-03-03T03:28:48+24:00",
        "2024-03-03T03:28:48.Z",
    ],
)
def test_until_passing_the_cel_pattern_but_not_rfc3339_is_refused(text):
    """The CRD's CEL rule lets these through, but HyperShift would not pause on them (InvalidPausedUntilValue)."""
    with pytest.raises(Day2Error) as err:
        parse_until(text)
    assert "looks like a time but is not RFC3339" in err.value.msg
    assert "InvalidPausedUntilValue" in err.value.msg


@pytest.mark.parametrize(
    "value, state",
    [
        (None, "absent"),
        ("true", "indefinite"),
        ("2024-03-03T04:00:00Z", "until"),
        ("2024-03-03T03:00:00Z", "expired"),
        ("", "invalid"),
        ("True", "indefinite"),
        ("false", "false"),
        ("2024-03-03t04:00:00z", "invalid"),
        ("2024-03-03T04:00:00", "invalid"),
    ],
)
def test_pause_state(value, state):
    assert pause_state(value, now=NOW) == state


def test_same_instant():
    assert same_instant("2024-03-03T12:28:48+09:00", "2024-03-03T03:28:48Z")
    assert not same_instant("2024-03-03T03:28:49Z", "2024-03-03T03:28:48Z")
    assert not same_instant(None, "2024-03-03T03:28:48Z")
    assert not same_instant("true", "2024-03-03T03:28:48Z")
