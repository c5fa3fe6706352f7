#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A minimal seccomp notify agent for the integration tests: listens on a unix socket (the
# config's linux.seccomp.listenerPath), takes one connection carrying the Container Process
# State JSON and the listener fd (SCM_RIGHTS), saves that JSON, then answers every notified
# syscall with success and a fixed return value, without running it, until the fd hangs up.
#
# Usage: seccomp_agent.py SOCKET STATE_OUT VALUE
#   prints "ready" once listening; STATE_OUT receives {"state": <json>, "fds": n,
#   "answered": [syscall numbers]} when the agent ends.
import array
import ctypes
import fcntl
import json
import os
import select
import socket
import sys


class SeccompData(ctypes.Structure):
    _fields_ = [("nr", ctypes.c_int32), ("arch", ctypes.c_uint32),
                ("instruction_pointer", ctypes.c_uint64), ("args", ctypes.c_uint64 * 6)]


class SeccompNotif(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("pid", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("data", SeccompData)]


class SeccompNotifResp(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint64), ("val", ctypes.c_int64), ("error", ctypes.c_int32),
                ("flags", ctypes.c_uint32)]


def _iowr(magic, nr, size):
    return (3 << 30) | (size << 16) | (ord(magic) << 8) | nr


NOTIF_RECV = _iowr("!", 0, ctypes.sizeof(SeccompNotif))
NOTIF_SEND = _iowr("!", 1, ctypes.sizeof(SeccompNotifResp))


def receive_state(listener):
    """One connection: the state JSON (possibly in several reads) and the fds on the first."""
    conn, _ = listener.accept()
    data, fds = b"", []
    with conn:
        while True:
            fdbuf = array.array("i")
            msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(16 * fdbuf.itemsize))
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fdbuf.frombytes(payload[:len(payload) - len(payload) % fdbuf.itemsize])
                    fds.extend(fdbuf)
            if not msg:
                break
            data += msg
    return json.loads(data.decode()), fds


def answer(fd, value):
    """Answer notifications until the filter's last user is gone; returns the syscall numbers."""
    answered = []
    while True:
        r, _, _ = select.select([fd], [], [], 60)
        if not r:
            break
        req = SeccompNotif()
        try:
            fcntl.ioctl(fd, NOTIF_RECV, req)
        except OSError:
            break  # hung up (ENOENT/EBADF), or the caller died meanwhile
        resp = SeccompNotifResp(id=req.id, val=value, error=0, flags=0)
        try:
            fcntl.ioctl(fd, NOTIF_SEND, resp)
        except OSError:
            continue  # the process went away before the answer
        answered.append(req.data.nr)
    return answered


def main():
    sock_path, out_path, value = sys.argv[1], sys.argv[2], int(sys.argv[3])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(1)
    print("ready", flush=True)
    state, fds = receive_state(listener)
    listener.close()
    answered = answer(fds[0], value) if fds else []
    for fd in fds:
        os.close(fd)
    with open(out_path + ".tmp", "w") as f:
        json.dump({"state": state, "fds": len(fds), "answered": answered}, f)
    os.rename(out_path + ".tmp", out_path)


if __name__ == "__main__":
    main()
