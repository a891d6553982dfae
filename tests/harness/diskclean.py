"""Free the disk that finished tests' etcd members hold.

Every etcd member preallocates its write-ahead log (a 62 MB segment plus a 62 MB spare `.tmp`), and a full run
starts a few hundred members: left in pytest's base directory that is about 20 GB per run. When a test file is done
(its module-scoped fixtures torn down), the WAL segments and bolt databases of members that no etcd process uses any
more are deleted; logs, certificates, manifests and backups stay for post-mortem reading.
"""

import os


def running_data_dirs():
    """The --data-dir of every etcd process alive on this machine (any worker's)."""
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if not argv or not os.path.basename(argv[0].decode(errors="replace")).startswith("etcd"):
            continue
        for i, arg in enumerate(argv):
            arg = arg.decode(errors="replace")
            if arg == "--data-dir" and i + 1 < len(argv):
                found.add(os.path.realpath(argv[i + 1].decode(errors="replace")))
            elif arg.startswith("--data-dir="):
                found.add(os.path.realpath(arg.split("=", 1)[1]))
    return found


def purge_idle_etcd_data(base):
    """Delete WAL segments and bolt dbs under `base` whose data dir no running etcd uses. Returns bytes freed."""
    busy = running_data_dirs()
    freed = 0
    for top, dirs, _files in os.walk(base):
        if "member" not in dirs:
            continue
        if os.path.realpath(top) in busy:
            dirs.remove("member")
            continue
        member = os.path.join(top, "member")
        for sub, pattern in (("wal", (".wal", ".tmp")), ("snap", ("db",))):
            path = os.path.join(member, sub)
            if not os.path.isdir(path):
                continue
            for name in os.listdir(path):
                if name.endswith(pattern):
                    target = os.path.join(path, name)
                    try:
                        freed += os.path.getsize(target)
                        os.unlink(target)
                    except OSError:
                        pass
        dirs.remove("member")
    return freed
