"""deploy/local.sh: two replicas behind Debian's HAProxy answer through the proxy, and a browser sticks to one.

Runs ``bash deploy/local.sh 2`` (scripts/test.sh installs haproxy), waits for its one line
``proxy=http://127.0.0.1:PORT replicas=PID,PID``, checks Streamlit's health through the proxy, the stickiness
cookie (SERVERID, inserted by the proxy, HttpOnly) and that requests and the websocket carrying it reach the
replica it names; then stops the script and checks that it took its replicas and the proxy with it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import selectors
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
LINE = re.compile(r"^proxy=http://127\.0\.0\.1:(\d+) replicas=(\d+(?:,\d+)*)$")
START_TIMEOUT = 50.0


def get(port: int, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    r = conn.getresponse()
    r.body = r.read()  # type: ignore[attr-defined]
    conn.close()
    return r


def server_cookie(r: http.client.HTTPResponse) -> str | None:
    for value in r.headers.get_all("Set-Cookie") or []:
        if value.startswith("SERVERID="):
            return value
    return None


def read_line(proc: subprocess.Popen, timeout: float) -> str:
    """The first stdout line, or fail with what the script said on stderr."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sel.select(timeout=0.5):
            line = proc.stdout.readline()
            if line:
                return line.strip()
        if proc.poll() is not None:
            break
    raise AssertionError(f"no proxy line within {timeout:.0f} s (exit {proc.poll()}): {proc.stderr.read()[-2000:]}")


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def websocket_replica(port: int, cookie: str) -> tuple[str, str | None]:
    """The websocket the browser opens, through the proxy with the cookie: the replica that answered it.
    (The sync client: other tests may leave an event loop running in this thread.)"""
    with connect(
        f"ws://127.0.0.1:{port}/_stcore/stream",
        subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],  # type: ignore[list-item]
        additional_headers={"Cookie": cookie},
        origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
        open_timeout=10,
    ) as ws:
        assert ws.response is not None
        return ws.response.headers.get("X-Served-By", ""), ws.subprotocol


def test_local_deploy_two_replicas_behind_haproxy():
    proc = subprocess.Popen(
        ["bash", "deploy/local.sh", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    replicas: list[int] = []
    try:
        line = read_line(proc, START_TIMEOUT)
        m = LINE.match(line)
        assert m, f"unexpected first line: {line!r}"
        port = int(m.group(1))
        replicas = [int(p) for p in m.group(2).split(",")]
        assert len(replicas) == 2
        assert all(psutil.pid_exists(p) for p in replicas)

        r = get(port, "/_stcore/health")
        assert r.status == 200
        assert r.body == b"ok"  # type: ignore[attr-defined]
        set_cookie = server_cookie(r)
        assert set_cookie is not None, r.headers
        assert "httponly" in set_cookie.lower()
        first = r.headers["X-Served-By"]
        assert first in ("r1", "r2")

        # with its cookie a browser stays on its replica, and the proxy does not set the cookie again
        cookie = set_cookie.split(";", 1)[0]
        for path in ("/_stcore/health", "/", "/_stcore/host-config", "/rnn?seed=3"):
            r = get(port, path, cookie)
            assert r.status == 200, path
            assert r.headers["X-Served-By"] == first, path
            assert server_cookie(r) is None, path

        # without a cookie the proxy spreads new browsers over both replicas
        seen = {get(port, "/_stcore/health").headers["X-Served-By"] for _ in range(6)}
        assert seen == {"r1", "r2"}

        # the websocket (where the session lives) reaches the cookie's replica too
        served, subprotocol = websocket_replica(port, cookie)
        assert served == first
        assert subprotocol == "streamlit"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    # stopping the script stops its replicas (each in its own process group) and the proxy
    deadline = time.monotonic() + 10
    while not all(gone(p) for p in replicas) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(gone(p) for p in replicas)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the proxy still listens after the script stopped"
