"""The least a Python command can do to print a Directus instance's snapshot as YAML.

``python bench/least_snapshot.py URL`` (the token in ``DIRECTUS_TOKEN``, plain http only): the two
calls ``drift snapshot URL`` makes, the admin check and ``GET /schema/snapshot``, sent at once on
connections of their own right after the interpreter starts; the snapshot's JSON parsed; drift's
own YAML writer (loaded while the server works); the text written to stdout. No argument parsing,
no checks of the answers, no error handling. ``directus_bench.py`` times it beside drift and the
bare calls: the gap between this process and the bare calls made inside a running process is what
any Python command pays (the interpreter's start-up, turning the answer into the output), and the
gap between drift and this process is what drift's own safety and generality cost.
"""

import os
import socket
import sys


def _send(host: str, port: int, path: str, token: str) -> socket.socket:
    sock = socket.create_connection((host.encode("ascii"), port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                 "Connection: close\r\n\r\n".encode("ascii"))
    return sock


def _body(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(1 << 20):
        chunks.append(chunk)
    sock.close()
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    if b"chunked" in head.lower():
        raise SystemExit("least_snapshot: a chunked answer is not handled")
    return body


def main() -> None:
    hostport = sys.argv[1].split("://", 1)[1].rstrip("/")
    host, _, port = hostport.partition(":")
    token = os.environ["DIRECTUS_TOKEN"]
    admin = _send(host, int(port or 80), "/policies/me/globals", token)
    snapshot = _send(host, int(port or 80), "/schema/snapshot", token)
    import json

    from drift.snapshot.yamlio import dump_yaml

    _body(admin)
    text = dump_yaml(json.loads(_body(snapshot))["data"])
    sys.stdout.write(text)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
