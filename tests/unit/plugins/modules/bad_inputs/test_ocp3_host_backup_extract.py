"""ocp3_host_backup_extract: wrong paths and lists refused before anything is restored."""

import io
import tarfile

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_host_backup_extract

EXTRACT = {"src": "{ws}/backup.tar.gz", "files": ["/dir/inside.txt"], "root": "{dir}", "package_diff": False}

BAD_INPUTS = [
    ("files empty list", dict(EXTRACT, files=[]), ["files is empty", "master-config.yaml"]),
    ("files item empty", dict(EXTRACT, files=[""]), "files"),
    ("files missing", {k: v for k, v in EXTRACT.items() if k != "files"}, "files"),
    ("file not in the backup", dict(EXTRACT, files=["/etc/nothing"]), "not in the backup"),
    ("src missing", dict(EXTRACT, src="{missing}.tar.gz"), ["src=", "does not exist"]),
    ("src is a directory", dict(EXTRACT, src="{dir}"), "is a directory"),
    ("src empty", dict(EXTRACT, src=""), "src is empty"),
    ("src not an archive", dict(EXTRACT, src="{file}"), "file.txt"),
    ("root missing", dict(EXTRACT, root="{missing}"), "does not exist"),
    ("root is a file", dict(EXTRACT, root="{file}"), "is a file, not a directory"),
    ("root read-only", dict(EXTRACT, root="{ro}"), "not writable"),
    ("backup_suffix empty", dict(EXTRACT, backup_suffix=""), "backup_suffix"),
    ("backup_suffix with a slash", dict(EXTRACT, backup_suffix="/old"), "backup_suffix"),
    ("package_command empty list", dict(EXTRACT, package_diff=True, package_command=[]), "package_command is empty"),
]


@pytest.fixture
def backup(workspace):
    """A small archive in the workspace holding /dir/inside.txt."""
    path = workspace.root + "/backup.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        data = b"keep"
        info = tarfile.TarInfo("dir/inside.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, backup, case, args, words):
    refuse(ocp3_host_backup_extract.main, args, words)
