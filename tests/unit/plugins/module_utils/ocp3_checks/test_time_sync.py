from __future__ import annotations

import pytest

from ansible_collections.ocp.day2.plugins.module_utils.ocp3_checks import time_sync

PARAMS = {"ntp_offset_warn_ms": 100, "ntp_offset_fail_ms": 500, "chronyc_socket": None}
CHRONY_SYNCED = (
    "C0A80101,ntp1.example.com,3,1795388665.3,0.000012000,-0.000001,0.0000020,1.2,0.0,0.1,0.01,0.001,64.0,Normal\n"
)
CHRONY_UNSYNCED = "00000000,,0,0.0,0.000000000,0.0,0.0,0.0,0.0,0.0,1.0,1.0,0.0,Not synchronised\n"
NTPQ = """     remote           refid      st t when poll reach   delay   offset  jitter
==============================================================================
*10.0.0.1        .GPS.            1 u   33   64  377    0.412  -612.301   0.021
+10.0.0.2        10.0.0.1         2 u   12   64  377    0.388    0.120   0.030
"""
TIMEDATECTL_RHEL7 = """      Local time: Mon 2026-11-23 08:00:00 KST
  Universal time: Sun 2026-11-22 23:00:00 UTC
        Timezone: Asia/Seoul (KST, +0900)
     NTP enabled: yes
NTP synchronized: no
 RTC in local TZ: no
"""


def test_chrony_synchronised_is_ok(probe):
    result = time_sync.check_ntp(probe(commands={"chronyc": (0, CHRONY_SYNCED, "")}), PARAMS)
    assert result.status == "ok"
    assert result.observed == "chronyc: synchronised, offset 0.012 ms"


def test_chrony_not_synchronised_fails(probe):
    result = time_sync.check_ntp(probe(commands={"chronyc": (0, CHRONY_UNSYNCED, "")}), PARAMS)
    assert result.status == "fail"
    assert "not synchronised" in result.message and "chrony" in result.remedy


@pytest.mark.parametrize(("offset", "status"), [("0.099", "ok"), ("-0.150", "warn"), ("0.700", "fail")])
def test_chrony_offset_thresholds(probe, offset, status):
    line = CHRONY_SYNCED.replace("0.000012000", offset)
    assert time_sync.check_ntp(probe(commands={"chronyc": (0, line, "")}), PARAMS).status == status


def test_chronyc_socket_is_passed(probe):
    fake = probe(commands={"chronyc": (0, CHRONY_SYNCED, "")})
    time_sync.check_ntp(fake, dict(PARAMS, chronyc_socket="/run/x.sock"))
    assert fake.calls[0][:3] == ["chronyc", "-h", "/run/x.sock"]


def test_ntpq_is_asked_when_chronyd_does_not_answer(probe):
    fake = probe(commands={"chronyc": (1, "", "506 Cannot talk to daemon"), "ntpq": (0, NTPQ, "")})
    result = time_sync.check_ntp(fake, PARAMS)
    assert result.status == "fail"  # -612 ms is over 500 ms
    assert "612.301 ms" in result.observed and result.observed.startswith("ntpq")


def test_ntpq_without_selected_peer_fails(probe):
    text = NTPQ.replace("*10.0.0.1", " 10.0.0.1")
    result = time_sync.check_ntp(probe(commands={"ntpq": (0, text, "")}), PARAMS)
    assert result.status == "fail"


def test_timedatectl_rhel7_wording(probe):
    result = time_sync.check_ntp(probe(commands={"timedatectl": (0, TIMEDATECTL_RHEL7, "")}), PARAMS)
    assert result.status == "fail" and result.observed == "timedatectl: not synchronised"
    synced = TIMEDATECTL_RHEL7.replace("NTP synchronized: no", "NTP synchronized: yes")
    assert time_sync.check_ntp(probe(commands={"timedatectl": (0, synced, "")}), PARAMS).status == "ok"


def test_newer_timedatectl_wording():
    info = time_sync.parse_timedatectl("System clock synchronized: yes\n              NTP service: active\n")
    assert info == {"synchronised": True, "enabled": True}


def test_nothing_answers_fails_naming_every_source(probe):
    result = time_sync.check_ntp(probe(commands={"chronyc": (1, "", "506 Cannot talk to daemon")}), PARAMS)
    assert result.status == "fail"
    assert "chronyc: 506 Cannot talk to daemon" in result.observed
    assert "ntpq: ntpq: command not found" in result.observed
    assert "timedatectl" in result.observed


TIMEDATECTL_DISABLED = TIMEDATECTL_RHEL7.replace("NTP enabled: yes", "NTP enabled: no").replace(
    "NTP synchronized: no", "NTP synchronized: yes"
)


def test_ntp_not_enabled_fails_even_when_synchronised(probe):
    # 002 §2.1: both "NTP enabled" and "NTP synchronized" must say yes.
    fake = probe(commands={"chronyc": (0, CHRONY_SYNCED, ""), "timedatectl": (0, TIMEDATECTL_DISABLED, "")})
    result = time_sync.check_ntp(fake, PARAMS)
    assert result.status == "fail", result
    assert result.observed.endswith("NTP enabled: no") and "set-ntp true" in result.remedy
    only_timedatectl = time_sync.check_ntp(probe(commands={"timedatectl": (0, TIMEDATECTL_DISABLED, "")}), PARAMS)
    assert only_timedatectl.status == "fail" and "NTP enabled: no" in only_timedatectl.observed


def test_ntp_enabled_is_shown_and_unknown_leaves_the_verdict(probe):
    enabled = TIMEDATECTL_DISABLED.replace("NTP enabled: no", "NTP enabled: yes")
    fake = probe(commands={"chronyc": (0, CHRONY_SYNCED, ""), "timedatectl": (0, enabled, "")})
    result = time_sync.check_ntp(fake, PARAMS)
    assert result.status == "ok" and result.observed.endswith("NTP enabled: yes")
    no_systemd = probe(commands={"chronyc": (0, CHRONY_SYNCED, ""), "timedatectl": (1, "", "Failed to connect to bus")})
    assert time_sync.check_ntp(no_systemd, PARAMS).status == "ok"
