"""Test doubles at the Kubernetes exec boundary: a websocket that replays frames, and a fake etcd pod.

The fake pod interprets the few commands etcd_snapshot runs (etcdctl/etcdutl snapshot save/status,
sha256sum, cat, rm) against an in-memory file system, and answers like the API server does: stdout on
channel 1, stderr on 2, the exec status on 3.
"""

import hashlib
import json

from websocket import ABNF, WebSocketConnectionClosedException

from ansible_collections.ocp.day2.plugins.module_utils.etcd.pod import PodExec

STATUS = {"hash": 1234, "revision": 77, "totalKey": 500, "totalSize": 90000}


class Frame:
    def __init__(self, data):
        self.data = data


class FakeWebSocket:
    def __init__(self, frames):
        self.frames = list(frames)
        self.timeouts = []

    def settimeout(self, timeout):
        self.timeouts.append(timeout)

    def recv_data_frame(self, control_frame=False):
        if not self.frames:
            raise WebSocketConnectionClosedException("closed")
        item = self.frames.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


class FakeWSClient:
    def __init__(self, frames):
        self.sock = FakeWebSocket(frames)
        self.closed = False

    def close(self):
        self.closed = True


def out(channel, payload):
    return (ABNF.OPCODE_BINARY, Frame(bytes([channel]) + payload))


def exit_frames(code, stderr=b""):
    frames = [out(2, stderr)] if stderr else []
    if code == 0:
        status = {"metadata": {}, "status": "Success"}
    else:
        status = {
            "metadata": {},
            "status": "Failure",
            "message": "command terminated with non-zero exit code: exit status %d" % code,
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
        }
    return [*frames, out(3, json.dumps(status).encode()), (ABNF.OPCODE_CLOSE, Frame(b""))]


class FakePod:
    """An etcd container: files in a dict, behaviour switches for failure cases."""

    def __init__(self, snapshot=b"\x00etcd-bolt\xff" * 1000, has_etcdutl=False, frame_size=32 * 1024):
        self.files = {}
        self.snapshot = snapshot
        self.has_etcdutl = has_etcdutl
        self.frame_size = frame_size
        self.commands = []
        self.unset = []  # variables removed with `env -u`
        self.save_error = None  # stderr text to fail etcdctl snapshot save with
        self.probe_error = None  # stderr text to fail the `endpoint status` probe with
        self.corrupt_cat = False
        self.status = STATUS  # what `snapshot status` prints (of the snapshot and of a restored database)
        self.restore_error = None  # stderr text to fail `snapshot restore` with
        self.truncate_cat = False

    def frames_for(self, command):
        self.commands.append(list(command))
        argv = list(command)
        if argv[0] == "env":
            argv = argv[1:]
            while argv[0] == "-u":
                self.unset.append(argv[1])
                argv = argv[2:]
            argv = [a for a in argv if a != "ETCDCTL_API=3"]
        tool = argv[0].rsplit("/", 1)[-1]
        if tool == "etcdutl" and not self.has_etcdutl:
            return exit_frames(127, b"env: 'etcdutl': No such file or directory\n")
        if argv[-2:] == ["endpoint", "status"]:
            if self.probe_error:
                return exit_frames(1, self.probe_error.encode())
            return [out(1, b"https://localhost:2379, 8e9e05c52164694d, 3.5.14, 25 MB, true, false, 2, 9, 9, \n"),
                    *exit_frames(0)]  # fmt: skip
        if argv[-3:-1] == ["snapshot", "save"]:
            if self.save_error:
                return exit_frames(1, self.save_error.encode())
            self.files[argv[-1]] = self.snapshot
            return [out(1, b"Snapshot saved at %s\n" % argv[-1].encode()), *exit_frames(0)]
        if argv[1:3] == ["snapshot", "status"]:
            if argv[3] not in self.files:
                return exit_frames(1, b"Error: stat: no such file")
            return [out(1, json.dumps(self.status).encode() + b"\n"), *exit_frames(0)]
        if argv[1:3] == ["snapshot", "restore"]:
            if tool == "etcdutl" and not self.has_etcdutl:
                return exit_frames(127, b"env: 'etcdutl': No such file or directory")
            if self.restore_error:
                return exit_frames(1, self.restore_error.encode())
            self.files[argv[argv.index("--data-dir") + 1] + "/member/snap/db"] = self.files[argv[3]]
            return exit_frames(0)
        if tool == "sha256sum":
            data = self.files[argv[1]]
            return [out(1, ("%s  %s\n" % (hashlib.sha256(data).hexdigest(), argv[1])).encode()), *exit_frames(0)]
        if tool == "cat":
            data = self.files[argv[1]]
            if self.corrupt_cat:
                data = data[:-1] + bytes([data[-1] ^ 1])
            if self.truncate_cat:
                data = data[: len(data) // 2]
            chunks = [out(1, data[i : i + self.frame_size]) for i in range(0, len(data), self.frame_size)]
            return [*chunks, *exit_frames(0)]
        if tool == "rm":
            for path in argv[2:]:
                self.files.pop(path, None)
                for name in [n for n in self.files if n.startswith(path.rstrip("/") + "/")]:
                    self.files.pop(name)
            return exit_frames(0)
        return exit_frames(126, b"unexpected command %r" % command)


class FakePodExec(PodExec):
    """PodExec whose exec API calls are answered by a FakePod (the client boundary)."""

    def __init__(self, pod, namespace="clusters-example", name="etcd-0", container="etcd"):
        super().__init__(None, namespace, name, container)
        self.fake = pod
        self.clients = []

    def _open(self, command):
        client = FakeWSClient(self.fake.frames_for(command))
        self.clients.append(client)
        return client
