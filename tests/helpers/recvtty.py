#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Receive a container's pty master over a --console-socket and copy what the container
# writes to a file (or stdout). Usage:
#   recvtty.py SOCKET [--out FILE] [--input TEXT] [--size ROWSxCOLS]
# Listens on SOCKET, accepts one connection, takes the fd sent as SCM_RIGHTS, optionally
# writes TEXT to the terminal, then copies until the container side closes (EIO) and exits 0.
# Exits 1 if no fd arrives.
import argparse
import fcntl
import os
import socket
import struct
import sys
import termios


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--out")
    ap.add_argument("--input")
    ap.add_argument("--size")
    args = ap.parse_args()

    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    srv.bind(args.socket)
    srv.listen(1)
    conn, _ = srv.accept()
    _, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    conn.close()
    srv.close()
    if not fds:
        print("recvtty: no fd received", file=sys.stderr)
        return 1
    master = fds[0]
    for extra in fds[1:]:
        os.close(extra)
    if args.size:
        rows, cols = (int(x) for x in args.size.split("x"))
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    if args.input:
        os.write(master, args.input.encode())
    out = open(args.out, "wb", buffering=0) if args.out else sys.stdout.buffer
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed
            break
        if not data:
            break
        out.write(data)
        out.flush()
    os.close(master)
    return 0


if __name__ == "__main__":
    sys.exit(main())
