"""Retention policy maths (module_utils/retention.py): counts, ages, tiers, and the backups never removed."""

import datetime

import pytest

from ansible_collections.ocp.day2.plugins.module_utils import retention as r
from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

NOW = datetime.datetime(2026, 3, 18, 12, 30, tzinfo=datetime.timezone.utc)  # a Wednesday


def b(hours_ago, verified=True, complete=True, locked=None, name=None):
    moment = NOW - datetime.timedelta(hours=hours_ago)
    return {"id": name or moment.strftime("%Y%m%dT%H%M%SZ"), "time": moment, "complete": complete,
            "verified": verified, "locked": locked}  # fmt: skip


def kept_ids(backups, policy):
    kept, _removed = r.plan(backups, r.check_policy(policy), NOW)
    return [k["id"] for k in kept]


def hours(backups, policy):
    ids = set(kept_ids(backups, policy))
    return [round((NOW - x["time"]).total_seconds() / 3600, 2) for x in backups if x["id"] in ids]


HOURLY_FOR_10_DAYS = [b(h) for h in range(0, 240)]


def test_keep_last():
    assert hours(HOURLY_FOR_10_DAYS, {"keep_last": 3}) == [0, 1, 2]


def test_keep_within():
    assert hours(HOURLY_FOR_10_DAYS, {"keep_within": "5h"}) == [0, 1, 2, 3, 4, 5]
    assert len(kept_ids(HOURLY_FOR_10_DAYS, {"keep_within": "1w"})) == 169 - 0  # 7 days back, both ends included


def test_hourly_counts_calendar_hours_back_from_now():
    # 12:30 now: hours 12, 11, 10 -> the newest backup in each (taken at :30)
    assert hours(HOURLY_FOR_10_DAYS, {"hourly": 3}) == [0, 1, 2]
    sparse = [b(0.25), b(0.4), b(5)]  # two in the current hour, none in the next 4
    assert hours(sparse, {"hourly": 3}) == [0.25]  # empty hours count, only the newest of an hour is kept


def test_daily_keeps_newest_of_each_day():
    assert hours(HOURLY_FOR_10_DAYS, {"daily": 3}) == [0, 13, 37]  # today 12:30, yesterday 23:30, the day before


def test_weekly_and_monthly_use_iso_weeks_and_months():
    weekly = hours(HOURLY_FOR_10_DAYS, {"weekly": 2})
    # Wednesday 12:30 now: this ISO week (newest) and the previous one (its Sunday 23:30, 60.5 h -> 61 h ago)
    assert weekly == [0, 61]
    monthly = [b(24 * d) for d in range(0, 70)]
    assert [round(h / 24) for h in hours(monthly, {"monthly": 3})] == [0, 18, 46]  # Mar 18, Feb 28, Jan 31


def test_tiers_combine_like_gardener():
    got = hours(HOURLY_FOR_10_DAYS, {"hourly": 4, "daily": 3, "weekly": 2})
    assert got == [0, 1, 2, 3, 13, 37, 61]


def test_rules_union():
    assert hours(HOURLY_FOR_10_DAYS, {"keep_last": 2, "daily": 2}) == [0, 1, 13]


def test_incomplete_and_locked_never_go():
    backups = [b(0), b(1, complete=False), b(50, locked="migration m1 in progress")]
    kept, removed = r.plan(backups, r.check_policy({"keep_last": 1}), NOW)
    assert [k["id"] for k in kept] == [backups[0]["id"], backups[1]["id"], backups[2]["id"]] and removed == []
    assert "in use: migration m1 in progress" in kept[2]["reasons"]
    assert kept[1]["reasons"][0].startswith("incomplete")


@pytest.mark.parametrize(
    "policy",
    [{"keep_last": 1}, {"keep_within": "1h"}, {"hourly": 1}, {"daily": 1}, {"weekly": 1}, {"monthly": 1},
     {"hourly": 0, "keep_within": "1s"}],
)  # fmt: skip
def test_only_verified_backup_survives_any_policy(policy):
    backups = [b(0.1, verified=False), b(0.2, verified=False), b(24 * 40), b(24 * 80, verified=False)]
    kept, removed = r.plan(backups, r.check_policy(policy), NOW)
    assert backups[2]["id"] in [k["id"] for k in kept]
    reasons = next(k for k in kept if k["id"] == backups[2]["id"])["reasons"]
    assert "the newest verified backup: never removed" in reasons
    assert backups[3]["id"] in [x["id"] for x in removed]


def test_newest_verified_not_added_when_a_verified_one_is_kept():
    backups = [b(0), b(1), b(2)]
    assert kept_ids(backups, {"keep_last": 1}) == [backups[0]["id"]]


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ({}, "keeps nothing"),
        ({"keep_last": 0}, "at least 1"),
        ({"daily": -1}, ">= 0"),
        ({"daily": 0}, "keeps nothing"),
        ({"keep_within": "two weeks"}, "not a duration"),
        ({"keep_within": "0d"}, "zero"),
        ({"yearly": 3}, "Unknown retention rule"),
        ({"keep_last": True}, "whole number"),
    ],
)
def test_policy_refusals(policy, words):
    with pytest.raises(Day2Error, match=words):
        r.check_policy(policy)


def test_parse_age():
    assert r.parse_age("2w") == 14 * 86400 and r.parse_age("1d12h") == 129600
