# Copyright: ocp.day2 contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only walk of an etcd backend file (bbolt format): per-bucket key counts, revision, data hash.

Used by the test-restore to compare the data of a snapshot with the data of the database restored from it.
`snapshot restore` rewrites etcd's membership and meta buckets by design (new member, new consistent index),
so `snapshot status`'s hash and key count of the restored database differ from the original's; the data
buckets (keys, leases, auth, alarms) must come out identical, and that is what `data_keys` and `data_sha256`
measure on both sides. The file is read with positioned reads, page by page; nothing is written.
"""

from __future__ import annotations

import hashlib
import os
import struct

from ansible_collections.ocp.day2.plugins.module_utils.errors import Day2Error

MAGIC = 0xED0CDAED
PAGE_HEADER = struct.Struct("<QHHI")  # id, flags, count, overflow
META = struct.Struct("<IIII QQ QQQ")  # magic, version, page size, flags, root bucket (root, seq), freelist, pgid, txid
BRANCH_ELEM = struct.Struct("<IIQ")  # pos, ksize, pgid
LEAF_ELEM = struct.Struct("<IIII")  # flags, pos, ksize, vsize
BUCKET_HEADER = struct.Struct("<QQ")  # root pgid, sequence
BRANCH, LEAF = 0x01, 0x02
BUCKET_LEAF = 0x01
# Buckets `snapshot restore` rewrites (membership, consistent index, cluster version); all others are data.
REWRITTEN = frozenset((b"members", b"members_removed", b"meta", b"cluster"))


class BoltFile:
    def __init__(self, path):
        self.path = path
        try:
            self.f = open(path, "rb")  # noqa: SIM115 - closed by close(), figures() uses finally
            self.size = os.fstat(self.f.fileno()).st_size
            head = self.f.read(PAGE_HEADER.size + META.size)
        except OSError as exc:
            raise Day2Error("Cannot read %s: %s" % (path, exc.strerror or exc))
        if len(head) < PAGE_HEADER.size + META.size:
            raise Day2Error("%s is too short (%d bytes) to be an etcd database." % (path, self.size))
        first = META.unpack_from(head, PAGE_HEADER.size)
        if first[0] != MAGIC:
            raise Day2Error("%s is not an etcd (bbolt) database: bad magic number." % path)
        self.page_size = first[2]
        metas = [m for m in (self._meta(0), self._meta(1)) if m]
        if not metas:
            raise Day2Error("%s has no valid meta page." % path)
        self.root = max(metas, key=lambda m: m[8])[4]  # the meta of the newest transaction

    def _meta(self, pgid):
        data = self._read(pgid * self.page_size, PAGE_HEADER.size + META.size)
        if len(data) < PAGE_HEADER.size + META.size:
            return None
        meta = META.unpack_from(data, PAGE_HEADER.size)
        return meta if meta[0] == MAGIC else None

    def _read(self, offset, length):
        self.f.seek(offset)
        return self.f.read(length)

    def close(self):
        self.f.close()

    def page(self, pgid):
        """(flags, count, buffer) of a page with its overflow pages."""
        head = self._read(pgid * self.page_size, PAGE_HEADER.size)
        if len(head) < PAGE_HEADER.size:
            raise Day2Error("%s: page %d lies beyond the end of the file (truncated?)." % (self.path, pgid))
        _id, flags, count, overflow = PAGE_HEADER.unpack(head)
        buf = self._read(pgid * self.page_size, (overflow + 1) * self.page_size)
        if len(buf) < (overflow + 1) * self.page_size:
            raise Day2Error("%s: page %d is cut short (truncated file)." % (self.path, pgid))
        return flags, count, buf

    def items(self, root, inline=None, depth=0):
        """(key, value, is_bucket) of a bucket's B+tree, in key order."""
        if depth > 64:
            raise Day2Error("%s: the B+tree is deeper than any etcd database (corrupt)." % self.path)
        if inline is not None:
            _id, flags, count, _overflow = PAGE_HEADER.unpack_from(inline, 0)
            buf = inline
        else:
            flags, count, buf = self.page(root)
        if flags & BRANCH:
            for i in range(count):
                _pos, _ksize, child = BRANCH_ELEM.unpack_from(buf, PAGE_HEADER.size + i * BRANCH_ELEM.size)
                yield from self.items(child, depth=depth + 1)
        elif flags & LEAF:
            for i in range(count):
                at = PAGE_HEADER.size + i * LEAF_ELEM.size
                eflags, pos, ksize, vsize = LEAF_ELEM.unpack_from(buf, at)
                start = at + pos
                yield buf[start : start + ksize], buf[start + ksize : start + ksize + vsize], bool(eflags & BUCKET_LEAF)
        else:
            raise Day2Error("%s: page %s has unexpected flags %#x (corrupt)." % (self.path, root, flags))

    def bucket_items(self, value):
        root, _seq = BUCKET_HEADER.unpack_from(value, 0)
        if root == 0:  # an inline bucket: its page follows the header in the value
            return self.items(0, inline=value[BUCKET_HEADER.size :])
        return self.items(root)


def figures(path):
    """What the test-restore compares: revision, total keys, per-bucket counts, data keys and data sha256."""
    db = BoltFile(path)
    try:
        buckets = {}
        data_hash = hashlib.sha256()
        data_keys = 0
        revision = 0
        for name, value, is_bucket in db.items(db.root):
            if not is_bucket:
                continue
            count = 0
            last = None
            for key, val, _nested in db.bucket_items(value):
                count += 1
                last = key
                if name not in REWRITTEN:
                    data_hash.update(b"%d:%s%d:%s%d:%s" % (len(name), name, len(key), key, len(val), val))
            buckets[name.decode("utf-8", "replace")] = count
            if name not in REWRITTEN:
                data_keys += count
            if name == b"key" and last is not None and len(last) >= 8:
                revision = struct.unpack(">Q", last[:8])[0]  # key = 8-byte main revision, '_', sub revision
        return {
            "revision": revision,
            "total_keys": sum(buckets.values()),
            "buckets": buckets,
            "data_keys": data_keys,
            "data_sha256": data_hash.hexdigest(),
        }
    except (struct.error, IndexError) as exc:
        raise Day2Error("%s cannot be read as an etcd database (%s): it is damaged." % (path, exc))
    finally:
        db.close()
