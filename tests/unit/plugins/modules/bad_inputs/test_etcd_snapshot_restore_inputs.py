"""etcd_snapshot's test-restore options: given the wrong way, refused before etcdctl, the API or S3 is touched."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import etcd_snapshot

HOST = {
    "mode": "host",
    "endpoints": ["https://127.0.0.1:2379"],
    "cacert": "{tls}/ca.crt",
    "cert": "{tls}/peer.crt",
    "key": "{tls}/peer.key",
    "etcdctl_path": "{etcdctl}",
    "dest": "{ws}/out/snap.db",
}
POD = {"mode": "pod", "namespace": "clusters-example", "dest": "{ws}/pod.db"}

BAD_INPUTS = [
    ("test_restore not a bool", dict(HOST, test_restore="perhaps"), "test_restore"),
    ("test_restore_location misspelt", dict(POD, test_restore_location="controller"), ["location", "auto, node"]),
    ("test_restore_location pod in host mode", dict(HOST, test_restore_location="pod"), "needs mode=pod"),
    ("test_restore_dir empty", dict(HOST, test_restore_dir=""), "test_restore_dir is empty"),
    ("test_restore_dir missing", dict(HOST, test_restore_dir="{missing}"), "test_restore_dir"),
    ("test_restore_dir a file", dict(HOST, test_restore_dir="{file}"), "test_restore_dir"),
    ("test_restore_dir read-only", dict(POD, test_restore_dir="{ro}"), "test_restore_dir"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(etcd_snapshot.main, args, words)
