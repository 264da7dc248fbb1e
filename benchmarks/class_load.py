"""A class at once, at the protocol level: many simulated students in one process, each speaking Streamlit's
websocket protocol as a browser does, with no browser rendering on the server's cores.

Run from the repository root::

    python -m benchmarks.class_load --students 10                  # starts its own `streamlit run app.py`
    python -m benchmarks.class_load --students 30 --heavy --mode sidebar
    python -m benchmarks.class_load --students 10 --url http://127.0.0.1:PORT --pids 123,456   # a running server/proxy
    python -m benchmarks.class_load --students 10 --url ... --pids ... --kill-pid 456 --kill-after 5
    python -m benchmarks.class_load --students 30 --replicas 3                    # starts `bash deploy/local.sh 3`
    python -m benchmarks.class_load --students 30 --replicas 3 --think 2 --kill-after 10   # one replica killed

The final table of issue 19 (one server; three replicas, one killed)::

    for n in 1 10 30 100; do python -m benchmarks.class_load --students $n; done
    for n in 1 10 30; do python -m benchmarks.class_load --students $n --heavy; done
    python -m benchmarks.class_load --students 30 --replicas 3 [--heavy]
    python -m benchmarks.class_load --students 30 --replicas 3 --think 2 --kill-after 10 [--mode sidebar]

``--kill-after S`` sends SIGKILL, S seconds into the measured run, to ``--kill-pid`` or else to the first replica
(of ``--replicas``' line or of ``--pids``); students should read their pages (``--think``) so that sockets are open
when it dies. The report then counts the sockets dropped, the sessions that came back (a page that was running
finished again; a reader got a new socket) and the seconds each took, and those that did not.

What a student sends is what Streamlit 1.67's frontend sends (read from its bundle and checked against a real
Chromium by ``benchmarks/class_spotcheck.py``):

- opening a link (``--mode link``, a new session per page): ``GET /<page>?<query>`` (through a proxy this sets the
  stickiness cookie), ``GET /_stcore/health`` and ``/_stcore/host-config``, then a websocket to ``/_stcore/stream``
  with subprotocols ``["streamlit", <_streamlit_xsrf cookie or PLACEHOLDER_AUTH_TOKEN>]`` and the cookies, and one
  ``BackMsg.rerun_script`` with the URL's query string, ``page_name`` from the path, empty widget states and the
  browser's context (timezone, locale, url);
- clicking the sidebar (``--mode sidebar``, one session): ``rerun_script`` with the target's ``page_script_hash``
  (from the server's ``navigation`` message), the widget states of the app's shared controls as the frontend
  reports them (the widgets it has mounted: sliders, number inputs, select boxes, radios, checkboxes, segmented
  controls), no query string, and the hashes of the cacheable messages it holds (the server answers those with
  ``ref_hash``).

A page is done at ``script_finished: FINISHED_SUCCESSFULLY`` (the app may rerun itself once first: that run ends
``FINISHED_EARLY_FOR_RERUN``). Its latency runs from the first request to that message. An exception element in
the delta stream, a compile error, a closed socket that does not come back, a page over ``--timeout``, another page
than the one asked, or a page whose URL (``page_info_changed``) lost the student's seed (but the lab's, which keeps
the shared settings out of its URL) counts as an error.

A student whose socket drops reconnects as the browser does (health pings from 0.5 s, doubling, then a websocket
carrying its last session id; a run that was interrupted is asked again with the page, the URL's query and the
widget states): ``came back`` is the seconds from the drop to the page finished again.

Memory: the peak resident set of the server processes (each with its children), sampled every 0.1 s; CPU: the
server's user + system seconds over the measured run, divided by the pages served. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.cookiejar
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# url path -> label, in the order of the sidebar's path, then its reference pages; "" is the app's root (the book's
# experiment)
PAGES = {"": "/ (book)", "rnn": "/rnn", "remedies": "/remedies", "lstm": "/lstm", "gru": "/gru", "compare": "/compare",
         "lab": "/lab", "model": "/model", "theory": "/theory", "horizon": "/horizon"}  # fmt: skip
FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
COMPILE_ERROR = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_WITH_COMPILE_ERROR")
HEAVY = {"T": 1000, "H": 256}
SEED0 = 1000  # student i opens every page with seed SEED0 + i


class Lost(Exception):
    """The websocket closed under a student (a replica died, say)."""


@dataclass
class Record:
    page: str
    seconds: float
    error: str = ""


@dataclass
class Log:
    records: list[Record] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dropped: int = 0  # sockets that closed under a student
    came_back: list[float] = field(default_factory=list)  # seconds from a drop mid-run to the page finished again
    reconnected: list[float] = field(default_factory=list)  # seconds from a drop while reading to a new socket
    not_back: int = 0


def widget_state(element) -> WidgetState | None:
    """The value the frontend reports for a widget once its component has mounted, or None for those it reports
    only when used (buttons, downloads). Checked against Chromium by ``benchmarks/class_spotcheck.py``."""
    kind = element.WhichOneof("type")
    w = getattr(element, kind)
    if kind not in ("slider", "number_input", "selectbox", "radio", "checkbox", "button_group"):
        return None
    state = WidgetState(id=w.id)
    if kind == "slider":
        state.double_array_value.data.extend(w.value if w.set_value else w.default)
    elif kind == "number_input":
        value = w.value if w.set_value else w.default
        if w.data_type == w.DataType.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind in ("selectbox", "radio"):  # the option's text, as 1.67 sends it
        if w.HasField("raw_value"):
            state.string_value = w.raw_value
        elif w.options and w.HasField("default"):
            state.string_value = w.options[w.default]
        else:
            return None
    elif kind == "checkbox":
        state.bool_value = w.value if w.set_value else w.default
    else:  # button_group: segmented control, pills
        state.string_array_value.data.extend(w.raw_values)
    return state


class Tab:
    """One browser tab: its cookies, its websocket and session, and what the frontend keeps from the messages."""

    def __init__(self, base: str, pool: ThreadPoolExecutor, log: Log, timeout: float):
        self.base = base.rstrip("/")
        self.pool = pool
        self.log = log
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.ws = None
        self.session_id = ""
        self.main_hash = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.widgets: dict[str, tuple[str, WidgetState]] = {}  # id -> (script hash that drew it, state)
        self.links: dict[str, str] = {}  # page script hash -> the query its sidebar link carries
        self.cached: set[str] = set()
        self.path = ""
        self.query = ""
        self.t_sent = 0.0  # when the last page's rerun_script went out

    # -- HTTP, as the page load does
    def _get(self, path: str) -> None:
        with contextlib.suppress(OSError), self.opener.open(self.base + path, timeout=self.timeout) as r:
            r.read()

    async def get(self, path: str) -> None:
        await asyncio.get_running_loop().run_in_executor(self.pool, self._get, path)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    async def connect(self) -> None:
        tokens = ["streamlit", self.cookie("_streamlit_xsrf") or "PLACEHOLDER_AUTH_TOKEN"]
        if self.session_id:
            tokens.append(self.session_id)  # the browser offers its last session back on a reconnect
        headers = {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.jar)} if len(self.jar) else None
        ws_url = "ws" + self.base[len("http") :] + "/_stcore/stream"
        self.ws = await websockets.connect(
            ws_url, subprotocols=tokens, additional_headers=headers, origin=self.base,  # type: ignore[arg-type]
            max_size=None, open_timeout=self.timeout, ping_interval=None, compression=None)  # fmt: skip

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None

    def rerun(self, *, page_name: str = "", page_hash: str = "", query: str = "", main_only: bool = True) -> bytes:
        msg = BackMsg()
        r = msg.rerun_script
        r.query_string = query
        r.page_name = page_name
        r.page_script_hash = page_hash
        r.widget_states.SetInParent()
        for script, state in self.widgets.values():
            if not main_only or script == self.main_hash:
                r.widget_states.widgets.append(state)
        r.cached_message_hashes.extend(sorted(self.cached))
        c = r.context_info
        c.timezone, c.timezone_offset, c.locale = "UTC", 0, "en-US"
        c.url, c.is_embedded, c.color_scheme = f"{self.base}/{self.path}", False, "light"
        return msg.SerializeToString()

    def expected_hash(self, path: str) -> str:
        return self.pages.get(path or "book") or self.pages.get(path, "")

    async def finish(self, label: str) -> None:
        """Read messages until this run finished; keep what the frontend keeps; check the page is the one asked."""
        await self._finish(label)
        if self.page_hash != self.expected_hash(self.path):
            raise RuntimeError(f"landed on another page ({self.page_hash})")

    async def _finish(self, label: str) -> None:
        assert self.ws is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), max(0.01, deadline - loop.time()))
            except websockets.ConnectionClosed as e:
                raise Lost(str(e)) from None
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            if fm.metadata.cacheable and fm.hash:
                self.cached.add(fm.hash)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                ns = fm.new_session
                self.session_id = ns.initialize.session_id or self.session_id
                self.main_hash = ns.main_script_hash
                self.page_hash = ns.page_script_hash
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                self.page_hash = fm.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                if el.WhichOneof("type") == "exception":
                    self.log.exceptions.append(f"{label}: {el.exception.type}: {el.exception.message[:200]}")
                elif el.WhichOneof("type") == "page_link":  # its query goes with a click on it (the settings)
                    self.links[el.page_link.page_script_hash] = el.page_link.query_string
                else:
                    sub = getattr(el, el.WhichOneof("type") or "empty", None)
                    wid = getattr(sub, "id", "")
                    if isinstance(wid, str) and wid.startswith("$$ID"):
                        # the frontend keeps a widget's value across runs unless the server sets it (set_value)
                        known = self.widgets.get(wid)
                        if known is None or getattr(sub, "set_value", False):
                            state = widget_state(el)
                            if state is not None:
                                self.widgets[wid] = (fm.metadata.active_script_hash, state)
                        else:
                            self.widgets[wid] = (fm.metadata.active_script_hash, known[1])
            elif kind == "script_finished":
                if fm.script_finished == FINISHED:
                    return
                if fm.script_finished == COMPILE_ERROR:
                    raise RuntimeError("compile error")

    # -- what a student does
    async def open_link(self, path: str, query: str) -> None:
        """A new tab (a new session) on /path?query; the previous tab of this student closes."""
        await self.close()
        self.session_id, self.widgets, self.cached, self.links = "", {}, set(), {}  # a fresh page: nothing kept
        self.page_hash = ""  # nor a page: until the server names it, the frontend knows the page by its path
        self.path, self.query = path, query
        await self.get(f"/{path}" + (f"?{query}" if query else ""))
        await self.get("/_stcore/health")
        await self.get("/_stcore/host-config")
        await self.connect()
        assert self.ws is not None
        self.t_sent = time.perf_counter()
        await self.ws.send(self.rerun(page_name=path, query=query))
        await self.finish(PAGES[path])

    def click_message(self, path: str) -> bytes:
        """What a click on the sidebar link to ``path`` sends: a rerun of its page with the query the link carries
        (the app's page links carry the settings in force, and a browser sends them)."""
        target = self.expected_hash(path)
        self.path, self.query = path, self.links.get(target, "")
        return self.rerun(page_hash=target, query=self.query)

    async def click(self, path: str) -> None:
        """A sidebar link in the same session."""
        assert self.ws is not None
        await self.ws.send(self.click_message(path))
        await self.finish(PAGES[path])

    async def reconnect(self, running: bool) -> None:
        """After a drop: ping health until it answers, reconnect with the last session id, rerun if interrupted."""
        await self.close()
        wait, deadline = 0.5, time.monotonic() + 4 * self.timeout
        while True:
            await asyncio.sleep(wait)
            try:
                req = self.base + "/_stcore/health"
                ok = await asyncio.get_running_loop().run_in_executor(self.pool, self._health, req)
                if ok:
                    await self.get("/_stcore/host-config")
                    await self.connect()
                    break
            except (TimeoutError, OSError, websockets.InvalidHandshake):
                pass
            if time.monotonic() > deadline:
                raise Lost("no server came back")
            wait = min(2 * wait, 60.0)
        if running:  # the frontend asks again for the run that the drop interrupted: all its widgets, the URL
            assert self.ws is not None
            # the page by its hash once the server named it; a tab dropped before that asks by its URL's path (a
            # stale hash here was the previous tab's page: 5 pages "landed on another page" in one run)
            name = "" if self.page_hash else self.path
            await self.ws.send(self.rerun(page_name=name, page_hash=self.page_hash, query=self.query, main_only=False))
            await self.finish(PAGES.get(self.path, self.path))

    def _health(self, url: str) -> bool:
        try:
            with self.opener.open(url, timeout=5) as r:
                return r.status == 200
        except OSError:
            return False


async def student(i: int, args, http: ThreadPoolExecutor, log: Log, start: asyncio.Event) -> None:
    tab = Tab(args.url, http, log, args.timeout)
    seed = SEED0 if args.shared_seed else SEED0 + i
    query = "&".join([*(f"{k}={v}" for k, v in HEAVY.items() if args.heavy), f"seed={seed}"])
    await start.wait()
    first = True
    for path in PAGES:
        t0 = time.perf_counter()
        try:
            try:
                if args.mode == "link" or first:
                    await tab.open_link(path, query)
                else:
                    await tab.click(path)
            except Lost:
                log.dropped += 1
                t_drop = time.perf_counter()
                try:
                    await tab.reconnect(running=True)
                    log.came_back.append(time.perf_counter() - t_drop)
                except Lost:
                    log.not_back += 1
                    raise
            seconds = time.perf_counter() - t0
            # the view lives in the URL: a page drawn with other settings than the student's counts as an error
            # (the lab has settings of its own and leaves the shared ones out of its URL)
            lost = path != "lab" and f"seed={seed}" not in tab.query.split("&")
            log.records.append(Record(PAGES[path], seconds, f"settings lost: url ?{tab.query}" if lost else ""))
        except Exception as e:  # a benchmark reports every failure and goes on with the next page
            log.records.append(Record(PAGES[path], time.perf_counter() - t0, f"{type(e).__name__}: {e}"[:200]))
            with contextlib.suppress(Exception):
                await tab.close()
            tab.session_id = ""
        first = False
        if args.think:
            await read_page(tab, args.think, log)
    await tab.close()


async def read_page(tab: Tab, seconds: float, log: Log) -> None:
    """The student reads the page with the socket open; a drop meanwhile reconnects at once, as the browser
    does (no run was interrupted, so it asks for none: the page stays on screen)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while tab.ws is not None and loop.time() < end:
        try:
            await asyncio.wait_for(tab.ws.recv(), end - loop.time())
        except TimeoutError:
            return
        except websockets.ConnectionClosed:
            log.dropped += 1
            t_drop = time.perf_counter()
            try:
                await tab.reconnect(running=False)
                log.reconnected.append(time.perf_counter() - t_drop)
            except Lost:
                log.not_back += 1
                return


class Sampler(threading.Thread):
    """Peak RSS of each watched process tree and their CPU seconds, every 0.1 s; every 0.5 s, what they hold
    together: each process's own pages (USS) plus the largest share of pages any of them shares (the libraries
    every replica maps, counted once). For one process that is its RSS; PSS would also split pages shared with
    unrelated processes (this benchmark's own, other jobs) and so undercount."""

    def __init__(self, pids: list[int]):
        super().__init__(daemon=True)
        self.procs = [psutil.Process(p) for p in pids]
        self.peak = 0
        self.last = 0
        self.peak_together = 0
        self.last_together = 0
        self.ticks = 0
        self.halt = threading.Event()
        self.cpu: dict[int, float] = {}  # pid -> last seen user+system seconds (dead children keep theirs)

    def sample(self, together: bool = True) -> None:
        total = own = 0
        shared = 0
        for root in self.procs:
            with contextlib.suppress(psutil.Error):
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                        t = p.cpu_times()
                        self.cpu[p.pid] = t.user + t.system
                        if together:
                            full = p.memory_full_info()
                            own += full.uss
                            shared = max(shared, full.rss - full.uss)
        self.last = total
        self.peak = max(self.peak, total)
        if together:
            self.last_together = own + shared
            self.peak_together = max(self.peak_together, own + shared)

    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    def run(self) -> None:
        while not self.halt.wait(0.1):
            self.ticks += 1
            self.sample(together=self.ticks % 5 == 0)


@dataclass
class Measured:
    """What the server processes did over the measured run (memory in bytes, CPU in seconds)."""

    wall: float
    warm: int
    peak: int
    warm_together: int
    peak_together: int
    cpu: float
    client_cpu: float  # this benchmark's own process: the simulated students, on the same machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(options: list[str], log_dir: Path, app_dir: Path = ROOT) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", HOST,
           "--server.port", str(port), "--browser.gatherUsageStats", "false"]  # fmt: skip
    for opt in options:  # key=value: a config option on the command line (overrides .streamlit/config.toml)
        key, _, value = opt.partition("=")
        cmd += [f"--{key}", value]
    out = open(log_dir / f"server-{port}.log", "wb")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(cmd, cwd=app_dir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))  # fmt: skip
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited; see {out.name}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return proc, url
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer in 120 s; see {out.name}")


def start_replicas(n: int, log_dir: Path, app_dir: Path = ROOT) -> tuple[subprocess.Popen, str, list[int]]:
    """``bash deploy/local.sh n``: its process, the proxy's URL and the replicas' PIDs from the line it prints."""
    out = open(log_dir / "local-deploy.log", "w+b")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(["bash", "deploy/local.sh", str(n)], cwd=app_dir, stdout=subprocess.PIPE, stderr=out,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            env=dict(os.environ, PYTHON=sys.executable))  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()  # blocks until the replicas and the proxy answer (or it exits)
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    if "proxy" not in fields or "replicas" not in fields:
        stop_server(proc)
        out.seek(0)
        raise RuntimeError(f"deploy/local.sh printed {line!r}; its log: {out.read()[-1500:].decode(errors='replace')}")
    return proc, fields["proxy"], [int(p) for p in fields["replicas"].split(",")]


def stop_server(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[round(q * 100) - 1]


async def run_class(args, pids: list[int]) -> tuple[Log, Measured]:
    log = Log()
    sampler = Sampler(pids)
    sampler.sample()
    http = ThreadPoolExecutor(max_workers=min(64, 4 + 2 * args.students))
    if args.warmup:  # the teacher opened every page once (imports, first compiles); not measured
        # one teacher's tab per server process: through a proxy, new browsers are spread over the replicas
        teacher = argparse.Namespace(**{**vars(args), "mode": "sidebar"})
        tabs = max(1, len(pids))
        await asyncio.gather(*(student(-1 - k, teacher, http, Log(), _set(asyncio.Event())) for k in range(tabs)))
    sampler.sample()
    warm, warm_together, cpu0 = sampler.last, sampler.last_together, sampler.cpu_seconds()
    me = psutil.Process()
    client0 = sum(me.cpu_times()[:2])
    sampler.start()
    start = asyncio.Event()
    tasks = [asyncio.create_task(student(i, args, http, log, start)) for i in range(args.students)]
    killer = None
    if args.kill_pid:
        killer = asyncio.create_task(_kill_later(args.kill_pid, args.kill_after or 5.0))
    t0 = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    if killer is not None:
        await killer
    sampler.halt.set()
    sampler.join()
    sampler.sample()
    http.shutdown(wait=False)
    client = sum(me.cpu_times()[:2]) - client0
    return log, Measured(
        wall, warm, sampler.peak, warm_together, sampler.peak_together, sampler.cpu_seconds() - cpu0, client
    )


def _set(e: asyncio.Event) -> asyncio.Event:
    e.set()
    return e


async def _kill_later(pid: int, after: float) -> None:
    await asyncio.sleep(after)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    print(f"killed replica {pid} at {after:.1f} s", file=sys.stderr)


def report(args, log: Log, m: Measured) -> str:
    heavy = "T = 1000, H = 256" if args.heavy else "defaults"
    lines = [
        f"students {args.students}, mode {args.mode}, {heavy}, seeds {'shared' if args.shared_seed else 'own'}, "
        f"target {args.url or 'own server'}"
        + ("" if args.app_dir == ROOT else f" serving {args.app_dir}")
        + f"; {platform.node()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "",
        "| page | pages | p50 s | p95 s | max s | errors |",
        "|---|---|---|---|---|---|",
    ]
    for label in PAGES.values():
        rs = [r for r in log.records if r.page == label]
        ok = [r.seconds for r in rs if not r.error]
        errs = len(rs) - len(ok)
        if ok:
            lines.append(f"| {label} | {len(rs)} | {quantile(ok, 0.5):.2f} | {quantile(ok, 0.95):.2f} | "
                         f"{max(ok):.2f} | {errs} |")  # fmt: skip
        else:
            lines.append(f"| {label} | {len(rs)} | – | – | – | {errs} |")
    ok = [r.seconds for r in log.records if not r.error]
    served = len(ok)
    if ok:
        lines.append(f"| **all pages** | {len(log.records)} | **{quantile(ok, 0.5):.2f}** | "
                     f"**{quantile(ok, 0.95):.2f}** | {max(ok):.2f} | {len(log.records) - served} |")  # fmt: skip
    lines += [
        "",
        f"exceptions in the delta stream: {len(log.exceptions)}; server RSS (with children): "
        f"{m.warm / 2**20:.0f} MB warm, **{m.peak / 2**20:.0f} MB peak**; together (shared pages once): "
        f"{m.warm_together / 2**20:.0f} MB warm, **{m.peak_together / 2**20:.0f} MB peak**; "
        f"server CPU {m.cpu:.1f} s for {served} pages = {m.cpu / max(served, 1):.3f} s a page; wall {m.wall:.1f} s; "
        f"the simulated students' own CPU {m.client_cpu:.1f} s; load average {os.getloadavg()[0]:.1f}",
    ]
    if args.kill_pid or log.dropped:
        back, again = log.came_back, log.reconnected
        lines.append(
            f"sockets dropped under a student: {log.dropped}; mid-run, page back: {len(back)}"
            + (f" (seconds from the drop: p50 {quantile(back, 0.5):.1f}, max {max(back):.1f})" if back else "")
            + f"; while reading, reconnected: {len(again)}"
            + (f" (p50 {quantile(again, 0.5):.1f}, max {max(again):.1f} s)" if again else "")
            + f"; did not come back: {log.not_back}"
        )
    errors = sorted({r.error for r in log.records if r.error})
    for e in errors[:5]:
        lines.append(f"- error: {e}")
    for e in sorted(set(log.exceptions))[:5]:
        lines.append(f"- exception: {e}")
    return "\n".join(lines)


def main(argv=None) -> None:
    doc = __doc__ or ""
    usage = doc[doc.index("Run from the repository root") : doc.index("What a student sends")].rstrip()
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0], epilog=usage,
                                 formatter_class=argparse.RawTextHelpFormatter)  # fmt: skip
    ap.add_argument("--students", type=int, default=10, help="students at once (default 10)")
    ap.add_argument(
        "--mode",
        choices=["link", "sidebar"],
        default="link",
        help="link: every page opened as a link (a session each); sidebar: one session, page switches",
    )
    ap.add_argument("--heavy", action="store_true", help="T = 1000, H = 256 in every student's URL")
    ap.add_argument("--shared-seed", action="store_true", help="every student the same seed (one shared link)")
    ap.add_argument("--url", help="a running server or proxy (default: start `streamlit run app.py`)")
    ap.add_argument("--pids", default="", help="with --url: server PIDs to measure (comma-separated)")
    ap.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="own server only: a config option, e.g. server.fileWatcherType=auto (repeatable)",
    )
    ap.add_argument("--think", type=float, default=0.0, help="seconds a student reads each page (default 0)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds before a page counts as failed")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false", help="no unmeasured first pass")
    ap.add_argument(
        "--replicas",
        type=int,
        default=0,
        help="start `bash deploy/local.sh N` (N replicas behind HAProxy), measure\nthrough its proxy, stop it after",
    )
    ap.add_argument("--kill-pid", type=int, default=0, help="SIGKILL this server PID mid-run (a lost replica)")
    ap.add_argument(
        "--kill-after",
        type=float,
        default=0.0,
        metavar="S",
        help="SIGKILL a replica S seconds into the run: --kill-pid, else the first\n"
        "of --replicas or --pids; reports the sessions that came back (default 5\nwith --kill-pid)",
    )
    ap.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="own server or --replicas: serve the app of this checkout (e.g. a worktree of\nthe reference commit, to "
        "measure it beside this one in the same session)",
    )
    ap.add_argument("--out", help="also append the table to this markdown file")
    args = ap.parse_args(argv)
    if args.students < 1 or args.students > 300:
        ap.error("--students must be 1..300")
    if args.replicas and args.url:
        ap.error("--replicas starts its own proxy: leave out --url")
    proc = deploy = None
    with tempfile.TemporaryDirectory(prefix="class-load-") as tmp:
        try:
            if args.replicas:
                deploy, args.url, pids = start_replicas(args.replicas, Path(tmp), args.app_dir)
            elif args.url:
                pids = [int(p) for p in args.pids.split(",") if p.strip()]
            else:
                proc, args.url = start_server(args.option, Path(tmp), args.app_dir)
                pids = [proc.pid]
            urlsplit(args.url)  # fail early on nonsense
            if args.kill_after and not args.kill_pid:
                if not (args.replicas or args.pids):
                    ap.error("--kill-after needs replicas: --replicas N, --pids or --kill-pid")
                args.kill_pid = pids[0]
            log, measured = asyncio.run(run_class(args, pids))
            text = report(args, log, measured)
            if args.option:
                text = f"server options: {' '.join(args.option)}\n\n" + text
        finally:
            if proc is not None:
                stop_server(proc)
            if deploy is not None:
                stop_server(deploy)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write(text + "\n\n")


if __name__ == "__main__":
    main()
