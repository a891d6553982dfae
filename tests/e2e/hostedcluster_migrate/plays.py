"""ansible-playbook ocp.day2.hostedcluster_migrate as the fault and bad-input tests run it (one local host)."""

import json
import sys

from tests.harness.ansible import run_playbook
from tests.harness.moto import FAKE_AWS_ENV

NAME, NS = "example", "clusters"


def inventory(tmp_path):
    """The playbook's group hostedclusters with one host run locally."""
    path = tmp_path / "inventory.json"
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    path.write_text(json.dumps({"hostedclusters": {"hosts": {NAME: host}}}))
    return str(path)


def migrate(
    tmp_path, src, dst, https, bucket, phases=None, check=False, verbosity=0, endpoint=None, wait=120, env=None, **extra
):
    """Migrate NS/NAME from src to dst; returns the PlaybookResult and prints what failed.

    S3 goes through the HTTPS front `https` (a restoreSnapshotURL must be https) unless `endpoint` is given (plain
    http to moto: enough for runs that presign nothing). `wait` is every wait timeout of the role, in seconds;
    `env` adds to the playbook's environment.
    """
    extra_vars = {
        "hostedcluster_migrate_name": NAME,
        "hostedcluster_migrate_namespace": NS,
        "hostedcluster_migrate_source_kubeconfig": src.kubeconfig,
        "hostedcluster_migrate_destination_kubeconfig": dst.kubeconfig,
        "hostedcluster_migrate_s3_bucket": bucket,
        "hostedcluster_migrate_s3_region": FAKE_AWS_ENV["AWS_DEFAULT_REGION"],
        "hostedcluster_migrate_s3_endpoint_url": https.endpoint_url,
        "hostedcluster_migrate_s3_ca_bundle": https.ca_cert,
        "hostedcluster_migrate_backup_dir": str(tmp_path / "backup"),
        "hostedcluster_migrate_confirm": True,
        "hostedcluster_migrate_wait_timeout": wait,
        "hostedcluster_migrate_dns_timeout": wait,
        "hostedcluster_migrate_nodes_timeout": wait,
    }
    if phases is not None:
        extra_vars["hostedcluster_migrate_phases"] = phases
    extra_vars.update(extra)
    run_env = dict(FAKE_AWS_ENV, AWS_ENDPOINT_URL=https.endpoint_url, AWS_CA_BUNDLE=https.ca_cert)
    if endpoint:
        extra_vars["hostedcluster_migrate_s3_endpoint_url"] = run_env["AWS_ENDPOINT_URL"] = endpoint
        extra_vars.pop("hostedcluster_migrate_s3_ca_bundle")
        run_env.pop("AWS_CA_BUNDLE")
    run_env.update(env or {})
    res = run_playbook("ocp.day2.hostedcluster_migrate", inventory=inventory(tmp_path), extra_vars=extra_vars,
                       env=run_env, check=check, verbosity=verbosity, timeout=900)  # fmt: skip
    print("=== hostedcluster_migrate phases=%s %s rc=%d ===" % (phases, sorted(extra), res.rc))
    print("\n".join(ln for ln in res.stdout.splitlines() if "fatal:" in ln or "FAILED" in ln or "PLAY RECAP" in ln))
    print(res.stderr[-3000:])
    return res
