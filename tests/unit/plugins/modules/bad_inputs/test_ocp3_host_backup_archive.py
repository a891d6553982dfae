"""ocp3_host_backup_archive: wrong paths and lists refused before anything is read or written."""

import pytest

from ansible_collections.ocp.day2.plugins.modules import ocp3_host_backup_archive

ARCHIVE = {"paths": ["/dir"], "root": "{ws}", "dest": "{ws}/out.tar.gz", "package_list": False}

BAD_INPUTS = [
    ("paths empty list", dict(ARCHIVE, paths=[]), ["paths is empty", "/etc/origin"]),
    ("paths item empty", dict(ARCHIVE, paths=[""]), "paths"),
    ("paths missing", {k: v for k, v in ARCHIVE.items() if k != "paths"}, "paths"),
    ("path relative", dict(ARCHIVE, paths=["etc/origin"]), "must be absolute"),
    ("path leaves the root", dict(ARCHIVE, paths=["/../.."]), "outside the root"),
    ("nothing exists", dict(ARCHIVE, paths=["/nope", "/nope2"]), ["None of paths", "/nope"]),
    ("root missing", dict(ARCHIVE, root="{missing}"), ["root=", "does not exist"]),
    ("root is a file", dict(ARCHIVE, root="{file}"), "is a file, not a directory"),
    ("root empty", dict(ARCHIVE, root=""), "root is empty"),
    ("dest is a directory", dict(ARCHIVE, dest="{dir}"), ["dest=", "is a directory"]),
    ("dest parent missing", dict(ARCHIVE, dest="{missing}/out.tar.gz"), "does not exist: create"),
    ("dest under a file", dict(ARCHIVE, dest="{file}/out.tar.gz"), "is a file, not a directory"),
    ("dest read-only", dict(ARCHIVE, dest="{ro}/out.tar.gz"), "not writable"),
    ("dest empty", dict(ARCHIVE, dest=""), "dest is empty"),
    ("package_command empty list", dict(ARCHIVE, package_list=True, package_command=[]), "package_command is empty"),
    ("package_list not a bool", dict(ARCHIVE, package_list="rpm"), "package_list"),
]


@pytest.mark.parametrize("case, args, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused(refuse, case, args, words):
    refuse(ocp3_host_backup_archive.main, args, words)
