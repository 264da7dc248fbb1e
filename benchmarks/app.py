"""How the app feels in a real browser, against a one-slider Plotly app (benchmarks/trivial_app.py) as the floor.

Run from the repository root (about 1-2 minutes)::

    python -m benchmarks.app
    python -m benchmarks.app --moves 30 --cold-runs 5

Both apps are started the same way (``python -m streamlit run … --server.headless true``, free loopback ports)
and driven by Playwright with Debian's /usr/bin/chromium. Measured:

(i)   cold start: process start -> first ``.js-plotly-plot`` visible on / (wall time; the browser is already up,
      the OS file cache is warm), the median of ``--cold-runs`` fresh servers; and a warm load (a new session on
      a running server) for comparison.
(ii)  slider move -> chart updated: ArrowRight on the T slider at default settings, timed from the key press to
      the Plotly div's data having the new length (then to the app being idle again); ``--moves`` moves after
      two warm-ups, app and baseline moved in turn so that load from elsewhere on the machine hits both alike.
      Target: median(app) / median(baseline) <= 1.3.
(iii) the largest settings, /compare?T=1000&H=256: the page load, then moves of the H slider (ArrowLeft) timed to the
      chart's update. Target <= 2 s. Also shown: the same at the batch size the memory budget allows (N=64 is
      reduced by the app), and the other pages' loads at T=1000, H=256.
      Peak RSS of the app's server process and its children, sampled every 50 ms through the whole run (every
      app server started, the cold-start ones included). Target < 600 MB.

Only figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

try:
    import psutil
except ImportError:  # pragma: no cover - a setup problem, said plainly
    sys.exit("benchmarks.app needs psutil: pip install psutil")

import contextlib

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
FLOW_PAGE = "/compare"  # (ii) and (iii): a page with the T and H sliders
HOST = "127.0.0.1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
T_SLIDER = r"^Sequence length T( Sequence length T)?$"
H_SLIDER = r"^Hidden size H( Hidden size H)?$"
X_LEN = (
    "() => { const d = document.querySelector('.js-plotly-plot');"
    " return d && d._fullData ? d._fullData[0].x.length : -1; }"
)
# the first curve's values (its title does not change with H)
Y_SUM = (
    "() => { const d = document.querySelector('.js-plotly-plot');"
    " return d && d._fullData ? Array.from(d._fullData[0].y).reduce((a, b) => a + b, 0) : NaN; }"
)
CHARTS_READY = """() => { const c = document.querySelectorAll('.js-plotly-plot');
    return c.length > 0 && Array.from(c).every(d => d._fullData && d._fullData.length > 0); }"""

TARGET_RATIO = 1.3
TARGET_BIG_S = 2.0
TARGET_RSS_MB = 600.0


# ------------------------------------------------------------------------------------------------ processes
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``python -m streamlit run script`` on a free loopback port, in its own process group."""

    def __init__(self, script: str, log_dir: Path):
        self.script = script
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = log_dir / f"{Path(script).stem}-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.t0 = 0.0

    def start(self) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            self.script,
            "--server.headless",
            "true",
            "--server.address",
            HOST,
            "--server.port",
            str(self.port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ]
        with open(self.log_path, "wb") as log:
            self.t0 = time.perf_counter()
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
        return self

    def wait_healthy(self, timeout: float = 90.0) -> float:
        """Seconds from process start until /_stcore/health answers ok."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.script} exited ({self.proc.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - self.t0
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.script} not healthy after {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


class RSSMonitor(threading.Thread):
    """Peak resident memory of each watched process tree (the process and all its descendants), per label."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval = interval
        self.watched: list[tuple[str, psutil.Process]] = []
        self.peak: dict[str, int] = {}
        self.phase = "start"
        self.phase_peak: dict[tuple[str, str], int] = {}  # (label, phase) -> peak during that phase
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def watch(self, label: str, pid: int) -> None:
        with self._lock:
            self.watched.append((label, psutil.Process(pid)))
            self.peak.setdefault(label, 0)

    @staticmethod
    def tree_rss(proc: psutil.Process) -> int:
        total = 0
        try:
            procs = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            return 0
        for p in procs:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            with self._lock:
                watched = list(self.watched)
            for label, proc in watched:
                rss = self.tree_rss(proc)
                self.peak[label] = max(self.peak[label], rss)
                key = (label, self.phase)
                if rss > self.phase_peak.get(key, 0):
                    self.phase_peak[key] = rss
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=2)


# --------------------------------------------------------------------------------------------------- browser
def new_page(browser):
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(60_000)
    ctx.set_default_navigation_timeout(60_000)
    return ctx, ctx.new_page()


def wait_idle(page) -> None:
    page.wait_for_selector(IDLE, state="attached")


def load(page, url: str) -> float:
    """Seconds from navigation to every chart drawn and the app idle."""
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(CHARTS_READY, polling="raf")
    wait_idle(page)
    return time.perf_counter() - t0


def timed_input(page, do, probe: str, *args) -> tuple[float, float]:
    """(to chart updated, to app idle) in seconds after ``do(*args)``; the update is ``probe`` changing value."""
    before = page.evaluate(probe)
    t0 = time.perf_counter()
    do(*args)
    page.wait_for_function(f"(b) => ({probe})() !== b", arg=before, polling="raf")
    t_chart = time.perf_counter() - t0
    wait_idle(page)
    return t_chart, time.perf_counter() - t0


@dataclass
class Sample:
    chart: list[float] = field(default_factory=list)
    idle: list[float] = field(default_factory=list)

    def add(self, pair: tuple[float, float]) -> None:
        self.chart.append(pair[0])
        self.idle.append(pair[1])


def median(xs) -> float:
    return statistics.median(xs) if xs else float("nan")


def p90(xs) -> float:
    return float(np.percentile(xs, 90)) if xs else float("nan")


# ----------------------------------------------------------------------------------------------- measurement
def cold_start(browser, script: str, log_dir: Path, monitor: RSSMonitor, label: str) -> tuple[Server, float, float]:
    """A new server: (server, seconds to healthy, seconds from process start to the first chart visible)."""
    server = Server(script, log_dir).start()
    monitor.watch(label, server.proc.pid)
    t_health = server.wait_healthy()
    ctx, page = new_page(browser)
    try:
        page.goto(server.url + "/")
        page.wait_for_selector(".js-plotly-plot", state="visible")
        t_chart = time.perf_counter() - server.t0
        wait_idle(page)
    finally:
        ctx.close()
    return server, t_health, t_chart


def machine_lines(browser_version: str) -> list[str]:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import plotly
    import streamlit

    mem = psutil.virtual_memory().total / 2**30
    load1, load5, _ = os.getloadavg()
    return [
        (
            f"machine: {model}, nproc={affinity} (os.cpu_count()={os.cpu_count()}), {platform.machine()}, "
            f"RAM {mem:.1f} GiB, load average {load1:.2f}/{load5:.2f} at start"
        ),
        (
            f"software: Python {platform.python_version()}, streamlit {streamlit.__version__}, plotly "
            f"{plotly.__version__}, numpy {np.__version__}, chromium {browser_version}"
        ),
    ]


def fmt_s(x: float) -> str:
    return "—" if math.isnan(x) else (f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--moves", type=int, default=15, help="timed slider moves per app (>= 10; default 15)")
    ap.add_argument("--cold-runs", type=int, default=3, help="fresh servers per app for the cold start")
    ap.add_argument("--big-moves", type=int, default=5, help="timed H moves at the largest settings")
    args = ap.parse_args(argv)
    args.moves = max(args.moves, 10)

    if not os.path.exists(CHROMIUM):
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium")
    log_dir = Path(tempfile.mkdtemp(prefix="bench-app-"))
    monitor = RSSMonitor()
    monitor.start()
    servers: list[Server] = []
    rows: list[tuple] = []
    t_begin = time.perf_counter()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            print("\n".join(machine_lines(browser.version)))
            print(f"logs: {log_dir}", flush=True)

            # (i) cold start, then the last server of each kind stays up for the rest
            cold = {}
            monitor.phase = "(i) cold starts and warm loads"
            for label, script in (("app", "app.py"), ("trivial", "benchmarks/trivial_app.py")):
                healths, charts = [], []
                for k in range(args.cold_runs):
                    server, t_health, t_chart = cold_start(browser, script, log_dir, monitor, label)
                    servers.append(server)
                    healths.append(t_health)
                    charts.append(t_chart)
                    if k < args.cold_runs - 1:
                        server.stop()
                cold[label] = (server, healths, charts)
                print(f"(i) {label}: cold start to first chart {', '.join(fmt_s(c) for c in charts)}", flush=True)
            app, trivial = cold["app"][0], cold["trivial"][0]
            rows.append(
                ("(i) start -> /_stcore/health (median)", median(cold["app"][1]), median(cold["trivial"][1]), "", None)
            )
            rows.append(
                (
                    f"(i) cold start -> first chart (median of {args.cold_runs})",
                    median(cold["app"][2]),
                    median(cold["trivial"][2]),
                    "",
                    None,
                )
            )

            pages = {}
            warm = {}
            for label, server in (("app", app), ("trivial", trivial)):
                ctx, page = new_page(browser)
                # the app's sliders are on its flow pages (its / is the book's experiment, with no sidebar settings)
                warm[label] = load(page, server.url + (FLOW_PAGE if label == "app" else "/"))
                pages[label] = page
            rows.append((f"(i) warm load of {FLOW_PAGE} (new session)", warm["app"], warm["trivial"], "", None))

            # (ii) slider moves, interleaved
            monitor.phase = "(ii) T slider moves"
            sliders = {label: page.get_by_role("slider", name=re.compile(T_SLIDER)) for label, page in pages.items()}
            samples = {"app": Sample(), "trivial": Sample()}
            for i in range(args.moves + 2):
                for label, page in pages.items():
                    pair = timed_input(page, sliders[label].press, X_LEN, "ArrowRight")
                    if i >= 2:  # two warm-up moves each
                        samples[label].add(pair)
            print(
                f"(ii) {args.moves} moves each: app chart "
                f"{', '.join(f'{x * 1000:.0f}' for x in samples['app'].chart)} ms",
                flush=True,
            )
            print(f"     trivial chart {', '.join(f'{x * 1000:.0f}' for x in samples['trivial'].chart)} ms", flush=True)
            a, t = samples["app"], samples["trivial"]
            ratio = median(a.chart) / median(t.chart)
            rows.append(("(ii) T slider -> chart updated, median", median(a.chart), median(t.chart), "", None))
            rows.append(("(ii) T slider -> chart updated, p90", p90(a.chart), p90(t.chart), "", None))
            rows.append(("(ii) T slider -> app idle, median", median(a.idle), median(t.idle), "", None))
            rows.append(
                ("(ii) ratio app / trivial (medians, chart)", ratio, None, f"<= {TARGET_RATIO}", ratio <= TARGET_RATIO)
            )

            # (iii) the largest settings
            big = {}
            for name, query in (
                ("T=1000, H=256", "?T=1000&H=256"),
                ("T=1000, H=256, N=64 (budget-capped)", "?T=1000&H=256&N=64"),
            ):
                monitor.phase = f"(iii) {FLOW_PAGE} at {name}"
                ctx, page = new_page(browser)
                t_load = load(page, app.url + FLOW_PAGE + query)
                h = page.get_by_role("slider", name=re.compile(H_SLIDER))
                s = Sample()
                for _ in range(args.big_moves):
                    s.add(timed_input(page, h.press, Y_SUM, "ArrowLeft"))
                ctx.close()
                big[name] = (t_load, s)
                print(f"(iii) {name}: load {fmt_s(t_load)}, H moves {', '.join(fmt_s(x) for x in s.chart)}", flush=True)
            for name, (t_load, s) in big.items():
                main_row = name == "T=1000, H=256"
                rows.append((f"(iii) {name}: load of {FLOW_PAGE}", t_load, None, "", None))
                rows.append((f"(iii) {name}: H slider -> chart, median", median(s.chart), None, "", None))
                rows.append(
                    (
                        f"(iii) {name}: H slider -> chart, max",
                        max(s.chart),
                        None,
                        f"<= {TARGET_BIG_S:g} s" if main_row else "(info)",
                        max(s.chart) <= TARGET_BIG_S if main_row else None,
                    )
                )
            monitor.phase = "(iii) /rnn, /lstm, /gru at T=1000, H=256"
            for path in ("rnn", "lstm", "gru"):
                ctx, page = new_page(browser)
                t_load = load(page, f"{app.url}/{path}?T=1000&H=256")
                ctx.close()
                rows.append((f"(iii) /{path} at T=1000, H=256: load", t_load, None, "", None))
        finally:
            browser.close()
            for server in servers:
                server.stop()
            monitor.stop()

    peak_app = monitor.peak.get("app", 0) / 2**20
    peak_trivial = monitor.peak.get("trivial", 0) / 2**20
    rows.append(
        (
            "(iii) peak RSS of the server + children",
            peak_app,
            peak_trivial,
            f"< {TARGET_RSS_MB:g} MB",
            peak_app < TARGET_RSS_MB,
        )
    )

    print()
    width = max(len(r[0]) for r in rows)
    head = f"{'measure':<{width}}  {'app':>10}  {'trivial':>10}  {'target':>10}  met"
    print(head)
    print("-" * len(head))

    def cell(name: str, v) -> str:
        if v is None:
            return ""
        if "RSS" in name:
            return f"{v:.0f} MB"
        if "ratio" in name:
            return f"{v:.2f}"
        return fmt_s(v)

    for name, va, vt, target, met in rows:
        print(
            f"{name:<{width}}  {cell(name, va):>10}  {cell(name, vt):>10}  {target:>10}  "
            f"{'' if met is None else ('yes' if met else 'NO')}"
        )
    print("\npeak RSS of the app's server (+ children) by phase:")
    for (label, phase), peak in monitor.phase_peak.items():
        if label == "app":
            print(f"  {phase:<52} {peak / 2**20:6.0f} MB")
    print(f"\ntotal benchmark time {time.perf_counter() - t_begin:.0f} s")


if __name__ == "__main__":
    main()
