"""route53_wait_clean through ansible-playbook, with the collection installed, against moto on loopback.

The waits (records that go, records that stay, a zone found by name, check mode) run one playbook each; the
refusals run as the tasks of ONE playbook (fixture `refusals`), each with its own arguments and environment."""

import json
import logging
import threading
import time

import pytest

from tests.harness.ansible import run_playbook, write_playbook
from tests.harness.moto import FAKE_AWS_ENV

DOMAIN = "example.hypershift.example.com"
ZONE_NAME = "hypershift.example.com"

PLAYBOOK = """
- name: Wait for Route53 to be clean
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Wait for the domain's records to go
      ocp.day2.route53_wait_clean:
        hosted_zone_id: "{{ zone_id | default(omit) }}"
        zone_name: "{{ zone_name | default(omit) }}"
        domain: "{{ domain }}"
        endpoint_url: "{{ endpoint_url }}"
        access_key: "{{ access_key | default(omit) }}"
        secret_key: "{{ secret_key | default(omit) }}"
        allowed_remaining: "{{ allowed | default(0) }}"
        interval: 1
        timeout: "{{ timeout | default(30) }}"
      register: wait
      ignore_errors: true

    - name: Save the result for the test
      ansible.builtin.copy:
        content: "{{ wait | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
      check_mode: false
"""


def make_zone(moto, name=ZONE_NAME, private=False):
    client = moto.client("route53")
    params = {"Name": name, "CallerReference": "%s-%s" % (name, time.time())}
    if private:
        params["VPC"] = {"VPCRegion": "us-east-1", "VPCId": "vpc-12345678"}
        params["HostedZoneConfig"] = {"PrivateZone": True, "Comment": "private"}
    return client.create_hosted_zone(**params)["HostedZone"]["Id"].split("/")[-1]


def change(moto, zone_id, action, names):
    batch = [
        {
            "Action": action,
            "ResourceRecordSet": {"Name": n, "Type": "A", "TTL": 30, "ResourceRecords": [{"Value": "192.0.2.10"}]},
        }
        for n in names
    ]
    moto.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": batch})


CLUSTER_RECORDS = [
    "api." + DOMAIN,
    "api-int." + DOMAIN,
    "oauth." + DOMAIN,
    "*.apps." + DOMAIN,
    "ignition." + DOMAIN,
]
OTHER_RECORDS = ["api.other.hypershift.example.com", "my" + DOMAIN]


def play(tmp_path, moto, verbosity=0, check=False, **extra):
    path = write_playbook(tmp_path, PLAYBOOK)
    result_file = tmp_path / "result.json"
    extra = dict(
        extra, domain=extra.get("domain", DOMAIN), endpoint_url=moto.endpoint_url, result_file=str(result_file)
    )
    env = dict(FAKE_AWS_ENV)
    proc = run_playbook(path, extra_vars=extra, env=env, check=check, verbosity=verbosity, timeout=300)
    assert proc.rc == 0, proc
    return json.loads(result_file.read_text()), proc


@pytest.fixture
def zone(moto):
    zone_id = make_zone(moto)
    change(moto, zone_id, "CREATE", CLUSTER_RECORDS + OTHER_RECORDS)
    return zone_id


class FirstListing(logging.Handler):
    """Set when moto (in this process) serves the first record listing of the zone: the module is polling."""

    def __init__(self, zone_id):
        super().__init__()
        self.zone_id = zone_id
        self.seen = threading.Event()

    def emit(self, record):
        message = record.getMessage()
        if "GET " in message and "/hostedzone/%s/rrset" % self.zone_id in message:
            self.seen.set()


def delete_later(moto, zone_id, names, delay):
    """Delete the records `delay` seconds after the module's first listing, as ExternalDNS would."""
    listener = FirstListing(zone_id)
    log = logging.getLogger("werkzeug")
    log.addHandler(listener)
    previous_level = log.level
    log.setLevel(logging.INFO)

    def run():
        try:
            listener.seen.wait(120)
            time.sleep(delay)
            change(moto, zone_id, "DELETE", names)
        finally:
            log.removeHandler(listener)
            log.setLevel(previous_level)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, listener


def test_waits_for_external_dns_to_clean(tmp_path, moto, zone):
    actor, listener = delete_later(moto, zone, CLUSTER_RECORDS, 3)
    result, _unused = play(tmp_path, moto, zone_id=zone)
    actor.join(10)
    assert listener.seen.is_set()
    assert not result.get("failed"), result
    assert result["remaining"] == [] and result["remaining_count"] == 0
    assert result["waited"] is True
    assert result["elapsed"] >= 2
    assert result["zone_id"] == zone
    assert result["changed"] is False
    remaining = {
        r["Name"] for r in moto.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    }
    assert "api.other.hypershift.example.com." in remaining


def test_timeout_names_the_remaining_records(tmp_path, moto, zone):
    change(moto, zone, "DELETE", CLUSTER_RECORDS[2:])
    result, _unused = play(tmp_path, moto, zone_id=zone, timeout=2)
    assert result["failed"] is True
    assert "Timed out after 2s: 2 record(s) for %s remain in Route53 zone %s" % (DOMAIN, zone) in result["msg"]
    assert "api.%s A" % DOMAIN in result["msg"] and "api-int.%s A" % DOMAIN in result["msg"]
    assert sorted(r["name"] for r in result["remaining"]) == ["api-int." + DOMAIN, "api." + DOMAIN]
    assert result["elapsed"] >= 2


def test_zone_by_name_and_allowed_remaining(tmp_path, moto, zone):
    # A private zone of the same name must not be picked for a public lookup.
    make_zone(moto, private=True)
    change(moto, zone, "DELETE", CLUSTER_RECORDS[:3])
    result, _unused = play(tmp_path, moto, zone_name=ZONE_NAME + ".", allowed=2)
    assert not result.get("failed"), result
    assert result["zone_id"] == zone and result["remaining_count"] == 2 and result["waited"] is False
    assert {"name": "*.apps." + DOMAIN, "type": "A"} in result["remaining"]


def test_check_mode_reports_without_waiting(tmp_path, moto, zone):
    start = time.monotonic()
    result, _unused = play(tmp_path, moto, check=True, zone_id=zone, timeout=60)
    assert not result.get("failed"), result
    assert result["remaining_count"] == len(CLUSTER_RECORDS) and result["waited"] is False
    assert time.monotonic() - start < 30


REFUSALS_PLAYBOOK = """
- name: Refusals of route53_wait_clean, one task each
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Refuse {{ item.case }}
      ocp.day2.route53_wait_clean:
        hosted_zone_id: "{{ item.zone_id | default(omit) }}"
        zone_name: "{{ item.zone_name | default(omit) }}"
        domain: "{{ item.domain | default(domain) }}"
        endpoint_url: "{{ item.endpoint_url | default(endpoint_url) }}"
        # the keys reach only the case that asks for them, never through the loop item (which -vvv prints)
        access_key: "{{ access_key if item.with_keys | default(false) else omit }}"
        secret_key: "{{ secret_key if item.with_keys | default(false) else omit }}"
        interval: 1
        timeout: "{{ item.timeout | default(30) }}"
      environment: "{{ item.env | default({}) }}"
      loop: "{{ cases }}"
      loop_control:
        label: "{{ item.case }}"
      register: refused
      ignore_errors: true

    - name: Save the results for the tests
      ansible.builtin.copy:
        content: "{{ dict(refused.results | map(attribute='item.case') | zip(refused.results)) | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""


@pytest.fixture(scope="module")
def refusals(tmp_path_factory, moto_server):
    """ONE playbook run (-vvv, the failure path prints the most) with a task per refusal: {case: result}, output."""
    tmp_path = tmp_path_factory.mktemp("route53-refusals")
    zone_id = make_zone(moto_server)
    change(moto_server, zone_id, "CREATE", CLUSTER_RECORDS + OTHER_RECORDS)
    no_credentials = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }  # never ask the instance metadata service (not loopback)
    cases = [
        {"case": "zone-id-not-found", "zone_id": "ZDOESNOTEXIST"},
        {"case": "zone-name-not-found", "zone_name": "nothere.example.com"},
        {"case": "unreachable", "zone_id": "Z1", "endpoint_url": "http://127.0.0.1:9",
         "env": {"AWS_MAX_ATTEMPTS": "1"}},
        {"case": "timeout-with-secret", "zone_id": zone_id, "timeout": 0, "with_keys": True},
        {"case": "no-credentials", "zone_id": "Z1", "env": no_credentials},
        {"case": "domain-outside-zone", "zone_id": zone_id, "domain": "example.other.org"},
    ]  # fmt: skip
    result_file = tmp_path / "result.json"
    extra = {"cases": cases, "domain": DOMAIN, "endpoint_url": moto_server.endpoint_url,
             "result_file": str(result_file), "access_key": FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
             "secret_key": FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"]}  # fmt: skip
    proc = run_playbook(write_playbook(tmp_path, REFUSALS_PLAYBOOK), extra_vars=extra, env=dict(FAKE_AWS_ENV),
                        verbosity=3, timeout=300)  # fmt: skip
    assert proc.rc == 0, proc
    return json.loads(result_file.read_text()), proc, zone_id


def test_zone_not_found_by_id(refusals):
    result = refusals[0]["zone-id-not-found"]
    assert result["failed"] is True
    assert "Route53 hosted zone ZDOESNOTEXIST not found" in result["msg"]


def test_zone_not_found_by_name(refusals):
    result = refusals[0]["zone-name-not-found"]
    assert result["failed"] is True
    assert "No public Route53 hosted zone named nothere.example.com was found" in result["msg"]


def test_unreachable_endpoint(refusals):
    result = refusals[0]["unreachable"]
    assert result["failed"] is True
    assert "Route53 request failed" in result["msg"] and "127.0.0.1:9" in result["msg"]


def test_secret_never_printed_with_vvv(refusals):
    results, proc, _zone_id = refusals
    assert results["timeout-with-secret"]["failed"] is True  # the failure path prints the most
    assert "route53_wait_clean" in proc.output
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in proc.output  # the secret key was given, and masked
    assert FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"] not in proc.output


def test_missing_credentials(refusals):
    result = refusals[0]["no-credentials"]
    assert result["failed"] is True
    assert "Route53 request failed (check the AWS credentials" in result["msg"]
    assert "Unable to locate credentials" in result["msg"]


def test_domain_outside_the_zone_is_refused(refusals):
    result = refusals[0]["domain-outside-zone"]
    assert result["failed"] is True
    assert "The domain example.other.org is not in the hosted zone hypershift.example.com" in result["msg"]
