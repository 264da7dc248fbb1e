"""A class on one small server: peak memory of the app while 30 students explore it at T=1000, H=256.

Run from the repository root (about 5 minutes)::

    python -m benchmarks.classroom
    python -m benchmarks.classroom --students 30 --at-once 5 --server-images on --png 2

One ``streamlit run app.py`` server (as on Community Cloud) and one headless Chromium (Debian's, driven by
Playwright). Each student is a browser context of its own, so a Streamlit session of its own: it opens
``/?T=1000&H=256&seed=<own seed>``, downloads the compare chart's CSV and HTML, then walks through every page by the
sidebar links (RNN, LSTM, GRU, Theory), as a student following the lesson would; ``--at-once`` students work at
the same time, and every session stays open until the end (a class keeps its tabs). With ``--server-images on``,
``--png`` of them also download a server-rendered PNG (kaleido starts a Chromium for it, a child of the server,
counted below); by default the server renders no images, as on a ~1 GB Community Cloud server
(explorer/shared/process.py).

Measured: the peak resident memory of the server process and all its children, sampled every 50 ms through the
whole run, and whether any page showed an exception. Target (issue): peak below 450 MB, no exception. Only
figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil
from playwright.async_api import async_playwright

from benchmarks.app import CHARTS_READY, CHROMIUM, CHROMIUM_ARGS, IDLE, VIEWPORT, RSSMonitor, Server

TARGET_MB = 450.0
PAGES = (("Vanilla RNN:", "Vanilla RNN"), ("LSTM:", "LSTM:"), ("GRU:", "GRU:"), ("Theory and sources", "Theory"))
EXCEPTION = '[data-testid="stException"]'


async def wait_ready(page, charts: bool = True) -> None:
    await page.wait_for_selector("h1", state="visible", timeout=180_000)
    if charts:
        await page.wait_for_function(CHARTS_READY, timeout=180_000)
    await page.wait_for_selector(IDLE, state="attached", timeout=180_000)


async def student(browser, url: str, seed: int, png: bool, log: dict) -> None:
    ctx = await browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = await ctx.new_page()
    t0 = time.perf_counter()
    await page.goto(f"{url}/?T=1000&H=256&seed={seed}", timeout=180_000)
    await wait_ready(page)
    labels = ["⬇ CSV", "⬇ HTML", *(["⬇ PNG"] if png else [])]
    for label in labels:
        async with page.expect_download(timeout=180_000) as info:
            await page.get_by_role("button", name=label, exact=True).first.click()
        dl = await info.value
        log["bytes"] += Path(await dl.path()).stat().st_size
    for link_text, heading in PAGES:
        link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=link_text).first
        await link.click()
        await page.wait_for_function(
            "(n) => { const h = document.querySelector('h1'); return h && h.textContent.startsWith(n); }",
            arg=heading, timeout=180_000)  # fmt: skip
        name = heading
        await wait_ready(page, charts=heading != "Theory")
        if await page.locator(EXCEPTION).count():
            log["exceptions"].append(f"seed {seed}: {name}")
    log["seconds"].append(time.perf_counter() - t0)
    log["contexts"].append(ctx)  # the tab stays open: its session stays on the server


class PSSMonitor(threading.Thread):
    """Peak proportional set size (PSS) of a process tree: each shared page counted once across the processes,
    as a container's memory limit counts it (a plain sum of RSS counts Chromium's shared pages once per process)."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            total = 0
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_full_info().pss
            self.peak = max(self.peak, total)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()


async def main_async(args: argparse.Namespace) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="classroom-"))
    os.environ["SERVER_IMAGE_EXPORT"] = args.server_images  # the server inherits it
    server = Server("app.py", log_dir).start()
    server.wait_healthy()
    monitor = RSSMonitor()
    monitor.watch("server", server.proc.pid)
    monitor.start()
    pss = PSSMonitor(server.proc.pid)
    pss.start()
    log: dict = {"bytes": 0, "exceptions": [], "seconds": [], "contexts": []}
    t0 = time.perf_counter()
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            sem = asyncio.Semaphore(args.at_once)

            async def one(k: int) -> None:
                async with sem:
                    await student(browser, server.url, 1000 + k, k < args.png, log)

            await asyncio.gather(*(one(k) for k in range(args.students)))
            settled_rss = monitor.tree_rss(psutil.Process(server.proc.pid))
            await browser.close()
    finally:
        monitor.stop()
        pss.stop()
        server.stop()
    wall = time.perf_counter() - t0
    peak = monitor.peak["server"] / 2**20
    print(f"machine: {platform.processor() or platform.machine()}, {psutil.cpu_count()} cores; "
          f"server log: {server.log_path}")  # fmt: skip
    png = f", PNG for {args.png}" if args.png else ""
    print(
        f"students: {args.students} ({args.at_once} at a time), each at T=1000, H=256 with its own seed, through "
        f"compare (CSV + HTML download{png}), RNN, LSTM, GRU, Theory"
    )
    print(f"wall time: {wall:.0f} s; per student: median {statistics.median(log['seconds']):.1f} s, "
          f"max {max(log['seconds']):.1f} s; downloaded {log['bytes'] / 2**20:.1f} MB")  # fmt: skip
    print(
        f"peak server RSS (children included): {peak:.0f} MB (target < {TARGET_MB:.0f} MB: "
        f"{'met' if peak < TARGET_MB else 'NOT met'}); with every session still open at the end: "
        f"{settled_rss / 2**20:.0f} MB"
    )
    print(f"peak PSS of the same processes (shared pages counted once, as a container limit counts them): "
          f"{pss.peak / 2**20:.0f} MB")  # fmt: skip
    print(f"exceptions shown: {len(log['exceptions'])}" + (f" {log['exceptions']}" if log["exceptions"] else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--at-once", type=int, default=5)
    parser.add_argument("--png", type=int, default=0, help="how many students also download a server PNG")
    parser.add_argument(
        "--server-images",
        default="off",
        choices=("on", "off", "auto"),
        help="SERVER_IMAGE_EXPORT for the server: 'off' is what a ~1 GB server (Community Cloud) gets",
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
