"""Host backup archive and restore helpers, and the two host modules run in-process (nothing mocked but argv)."""

import io
import json
import os
import tarfile

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.testing import patch_module_args

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup import restore as restore_utils
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.archive import (
    collect,
    create,
    package_diff,
    read_members,
    select,
)
from ansible_collections.ocp.day2.plugins.module_utils.ocp3_backup.restore import apply, plan
from ansible_collections.ocp.day2.plugins.modules import ocp3_host_backup_archive, ocp3_host_backup_extract


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "root"
    (root / "etc/origin/master").mkdir(parents=True)
    (root / "etc/origin/master/master-config.yaml").write_text("a: 1\n")
    (root / "etc/origin/master/ca.key").write_text("key\n")
    (root / "etc/sysconfig").mkdir(parents=True)
    (root / "etc/sysconfig/docker").write_text("OPTIONS=\n")
    (root / "etc/sysconfig/docker-network").write_text("MTU=1450\n")
    (root / "etc/sysconfig/other").write_text("no\n")
    return root


def run(module, args, capsys, monkeypatch, check=False):
    monkeypatch.setattr(_internal, "is_controller", False)
    with patch_module_args(dict(args, _ansible_check_mode=check)), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def test_collect_expands_globs_and_reports_missing(tree):
    entries, missing = collect(str(tree), ["/etc/origin", "/etc/sysconfig/docker*", "/etc/cni"])
    names = [entry[0] for entry in entries]
    assert "etc/origin/master/ca.key" in names and "etc/sysconfig/docker-network" in names
    assert "etc/sysconfig/other" not in names
    assert missing == ["/etc/cni"]
    with pytest.raises(Day2Error):
        collect(str(tree), ["etc/origin"])


def test_archive_is_reproducible_and_mode_0600(tree, tmp_path):
    entries = collect(str(tree), ["/etc/origin"])[0]
    dest = str(tmp_path / "a.tar.gz")
    changed, sha, size, members = create(dest, entries, {".ocp-day2/packages.txt": b"p-1\n"})
    assert changed and os.stat(dest).st_mode & 0o777 == 0o600 and size == os.path.getsize(dest)
    os.utime(dest, (0, 0))
    changed2, sha2 = create(dest, entries, {".ocp-day2/packages.txt": b"p-1\n"})[:2]
    assert not changed2 and sha2 == sha
    check_changed, check_sha = create(dest, entries, {".ocp-day2/packages.txt": b"p-2\n"}, check_mode=True)[:2]
    assert check_changed and check_sha != sha
    assert create(dest, entries, {".ocp-day2/packages.txt": b"p-1\n"})[1] == sha, "check mode wrote nothing"
    assert {m["path"] for m in members} >= {"/etc/origin/master/ca.key", "/etc/origin/master"}


def test_select_and_package_diff(tree, tmp_path):
    entries = collect(str(tree), ["/etc/origin", "/etc/sysconfig"])[0]
    dest = str(tmp_path / "a.tar.gz")
    create(dest, entries, {".ocp-day2/packages.txt": b"x\n"})
    tar, members = read_members(dest)
    with tar:
        names, unmatched = select(members, ["/etc/origin/master", "/etc/sysconfig/docker*", "/nope"])
    assert "etc/origin/master/ca.key" in names and "etc/sysconfig/docker-network" in names
    assert "etc/sysconfig/other" not in names and ".ocp-day2/packages.txt" not in names
    assert unmatched == ["/nope"]
    assert package_diff(["a-1", "b-1"], ["b-1", "c-1"]) == {
        "backup_count": 2, "current_count": 2, "missing": ["a-1"], "added": ["c-1"]
    }  # fmt: skip


def test_restore_rolls_back_every_file_when_one_fails(tree, tmp_path, monkeypatch):
    entries = collect(str(tree), ["/etc/origin", "/etc/sysconfig"])[0]
    dest = str(tmp_path / "a.tar.gz")
    create(dest, entries)
    (tree / "etc/origin/master/master-config.yaml").write_text("changed\n")
    (tree / "etc/sysconfig/docker").write_text("changed too\n")
    tar, members = read_members(dest)
    names = select(members, ["/etc/origin/master/master-config.yaml", "/etc/sysconfig/docker"])[0]
    steps = plan(tar, members, names, str(tree))
    assert [s["action"] for s in steps] == ["replace", "replace"]
    real_write = restore_utils._write_file
    calls = []

    def failing(tar_, info, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_write(tar_, info, target)

    monkeypatch.setattr(restore_utils, "_write_file", failing)
    with pytest.raises(Day2Error) as err:
        apply(tar, members, steps, str(tree), ".old")
    assert "etc/sysconfig/docker" in err.value.msg and "put back" in err.value.msg
    assert (tree / "etc/origin/master/master-config.yaml").read_text() == "changed\n"
    assert (tree / "etc/sysconfig/docker").read_text() == "changed too\n"
    tar.close()


def test_restore_refuses_member_leaving_the_root(tmp_path):
    dest = tmp_path / "evil.tar.gz"
    with tarfile.open(dest, "w:gz") as tar:
        info = tarfile.TarInfo("../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    (tmp_path / "root").mkdir()
    tar, members = read_members(str(dest))
    with tar, pytest.raises(Day2Error):
        plan(tar, members, ["../escape"], str(tmp_path / "root"))


def test_modules_end_to_end_in_process(tree, tmp_path, capsys, monkeypatch):
    pkgs = tmp_path / "pkgs.txt"
    pkgs.write_text("b-1\na-1\n")
    dest = str(tmp_path / "h.tar.gz")
    args = {
        "paths": ["/etc/origin", "/etc/cni"],
        "root": str(tree),
        "dest": dest,
        "package_command": ["cat", str(pkgs)],
    }
    result = run(ocp3_host_backup_archive, args, capsys, monkeypatch)
    assert result["changed"] and result["missing"] == ["/etc/cni"] and result["packages_count"] == 2
    assert run(ocp3_host_backup_archive, args, capsys, monkeypatch)["changed"] is False

    (tree / "etc/origin/master/ca.key").unlink()
    pkgs.write_text("a-1\nz-9\n")
    extract = {
        "src": dest,
        "root": str(tree),
        "files": ["/etc/origin/master/ca.key"],
        "package_command": ["cat", str(pkgs)],
    }
    checked = run(ocp3_host_backup_extract, extract, capsys, monkeypatch, check=True)
    assert checked["changed"] and not (tree / "etc/origin/master/ca.key").exists()
    done = run(ocp3_host_backup_extract, extract, capsys, monkeypatch)
    assert done["restored"] == [
        {"path": "/etc/origin/master/ca.key", "action": "create", "reason": "missing", "backup": None}
    ]
    assert done["packages"] == {"backup_count": 2, "current_count": 2, "missing": ["b-1"], "added": ["z-9"]}
    assert (tree / "etc/origin/master/ca.key").read_text() == "key\n"
    assert run(ocp3_host_backup_extract, extract, capsys, monkeypatch)["changed"] is False
    bad = run(ocp3_host_backup_extract, dict(extract, files=["/etc/typo"]), capsys, monkeypatch)
    assert bad["failed"] and "/etc/typo" in bad["msg"]
