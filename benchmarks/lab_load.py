"""Load test of the training lab: four browser sessions start different trainings at once on one small server.

Run from the repository root (about a minute at the defaults)::

    python -m benchmarks.lab_load
    python -m benchmarks.lab_load --sessions 4 --max-parallel 1 --query "lab_steps=1000"

One ``streamlit run app.py`` server (as on Community Cloud; ``LAB_MAX_PARALLEL`` passed through) and one headless
Chromium (Debian's, driven by Playwright). Each session is a browser context of its own: it opens
``/lab?lab_seed=<k>`` (the default run otherwise: T = 50, H = 32, 1000 steps per kind), waits for the page, and
all sessions press **Train** at the same moment. Each then watches its page every 0.25 s until it shows "Done"
(or an exception or a failure), noting the queue positions it was shown.

Printed: wall time, each session's time to "Done" and the queue positions it saw, the peak resident memory (RSS)
and proportional set size (PSS) of the server and all its children (sampled every 50 / 100 ms), and failures.
Target (issue): all finish or queue, none fails, peak RSS below 450 MB. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import tempfile
import time
from pathlib import Path

import psutil
from playwright.async_api import async_playwright

from benchmarks.app import CHROMIUM, CHROMIUM_ARGS, IDLE, VIEWPORT, RSSMonitor, Server
from benchmarks.classroom import PSSMonitor

TARGET_MB = 450.0
EXCEPTION = '[data-testid="stException"]'
POSITION = re.compile(r"Waiting in line: position (\d+)")


async def session(browser, url: str, k: int, query: str, go: asyncio.Event, ready: list, log: dict) -> None:
    ctx = await browser.new_context(viewport=VIEWPORT)
    page = await ctx.new_page()
    record: dict = {"seed": k, "positions": set(), "state": "?", "seconds": float("nan"), "saw_progress": False}
    log["sessions"].append(record)
    try:
        await page.goto(f"{url}/lab?lab_seed={k}" + (f"&{query}" if query else ""), timeout=180_000)
        await page.get_by_role("button", name="Train").wait_for(state="visible", timeout=180_000)
        await page.wait_for_selector(IDLE, state="attached", timeout=180_000)
        ready.append(k)
        await go.wait()
        t0 = time.perf_counter()
        await page.get_by_role("button", name="Train").click()
        while time.perf_counter() - t0 < 600:
            text = await page.locator('[data-testid="stMain"]').inner_text()
            record["positions"].update(int(m) for m in POSITION.findall(text))
            record["saw_progress"] |= "steps/s" in text
            if await page.locator(EXCEPTION).count():
                record["state"] = "exception"
                break
            if "The training failed" in text:
                record["state"] = "failed"
                break
            if "Done:" in text:
                record["state"] = "done"
                break
            await asyncio.sleep(0.25)
        else:
            record["state"] = "timeout"
        record["seconds"] = time.perf_counter() - t0
    except Exception as exc:  # a session that broke is a finding, not a crash of the benchmark
        record["state"] = f"error: {type(exc).__name__}: {str(exc)[:120]}"
    finally:
        await ctx.close()


async def main_async(args: argparse.Namespace) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="lab-load-"))
    os.environ["LAB_MAX_PARALLEL"] = str(args.max_parallel)  # the server inherits it
    server = Server("app.py", log_dir).start()
    server.wait_healthy()
    monitor = RSSMonitor()
    monitor.watch("server", server.proc.pid)
    monitor.start()
    pss = PSSMonitor(server.proc.pid)
    pss.start()
    log: dict = {"sessions": []}
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            go, ready = asyncio.Event(), []
            tasks = [asyncio.create_task(session(browser, server.url, k, args.query, go, ready, log))
                     for k in range(1, args.sessions + 1)]  # fmt: skip
            t_load = time.perf_counter()
            while len(ready) < args.sessions and time.perf_counter() - t_load < 180:
                if all(t.done() for t in tasks):
                    break
                await asyncio.sleep(0.1)
            idle_rss = monitor.tree_rss(psutil.Process(server.proc.pid))
            t0 = time.perf_counter()
            go.set()
            await asyncio.gather(*tasks)
            wall = time.perf_counter() - t0
            await browser.close()
    finally:
        monitor.stop()
        pss.stop()
        server.stop()
    peak = monitor.peak["server"] / 2**20
    sessions = sorted(log["sessions"], key=lambda r: r["seconds"])
    failures = [r for r in sessions if r["state"] != "done"]
    print(f"machine: {platform.processor() or platform.machine()}, {psutil.cpu_count()} cores; "
          f"server log: {server.log_path}")  # fmt: skip
    print(f"sessions: {args.sessions}, each /lab?lab_seed=k{'&' + args.query if args.query else ''} "
          f"(3 kinds trained in turn), Train pressed at once; LAB_MAX_PARALLEL={args.max_parallel}")  # fmt: skip
    print(f"wall time from the clicks to the last 'Done': {wall:.1f} s")
    for r in sessions:
        seen = ", ".join(str(p) for p in sorted(r["positions"])) or "none (trained at once)"
        print(f"  seed {r['seed']}: {r['state']} after {r['seconds']:.1f} s; queue positions shown: {seen}; "
              f"progress with steps/s shown: {'yes' if r['saw_progress'] else 'no'}")  # fmt: skip
    print(f"server RSS with the {args.sessions} pages loaded, before training: {idle_rss / 2**20:.0f} MB")
    print(f"peak server RSS (children included): {peak:.0f} MB (target < {TARGET_MB:.0f} MB: "
          f"{'met' if peak < TARGET_MB else 'NOT met'})")  # fmt: skip
    print(f"peak PSS of the same processes: {pss.peak / 2**20:.0f} MB")
    print(f"failures: {len(failures)}" + "".join(f"\n  seed {r['seed']}: {r['state']}" for r in failures))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--max-parallel", type=int, default=1, help="LAB_MAX_PARALLEL for the server (default 1)")
    parser.add_argument("--query", default="", help="extra URL parameters for every session, e.g. lab_steps=500")
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
