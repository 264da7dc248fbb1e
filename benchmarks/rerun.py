"""Server time of one rerun of each page at default settings, against a one-chart page run the same way.

Run from the repository root (about a minute)::

    python -m benchmarks.rerun
    python -m benchmarks.rerun --repeats 20
    python -m benchmarks.rerun --query "T=1000&H=256" --pages lstm,horizon   # the heavy settings, some pages

Each page is run through app.py with ``streamlit.testing.v1.AppTest`` (the script runs in this process, so the
time is the server's: the page's Python, the computation, building and serialising the figures; no browser, no
network). After a warm-up, ``at.run()`` is timed ``--repeats`` times and the median printed, twice: with the result
cache warm (a widget that changes no setting, or a rerun after any interaction: the usual case) and cold (the
cache emptied before each run: the first visit of a setting). ``benchmarks/trivial_app.py`` (one slider, one
Plotly chart) is timed the same way as the floor that AppTest and Streamlit cost on their own.

Only figures are printed; nothing is asserted. Target: every page under 60 ms warm.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import logging
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from explorer.shared import work

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("compare", "rnn", "lstm", "gru", "remedies", "horizon", "theory")


def _timed(at: AppTest, repeats: int, cold: bool) -> list[float]:
    times = []
    for _ in range(repeats):
        if cold:
            work.CACHE.clear()
            work.FLOWS.clear()
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    return times


def page_times(page: str, repeats: int, query: str = "") -> tuple[float, float]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        at.query_params[key] = value
    at.run()
    if page != "compare":
        at.switch_page(f"pages/{page}.py")
    at.run()  # warm-up: imports, the page's first computation
    warm = statistics.median(_timed(at, repeats, cold=False))
    cold = statistics.median(_timed(at, repeats, cold=True))
    return warm, cold


def trivial_time(repeats: int) -> float:
    at = AppTest.from_file(str(ROOT / "benchmarks" / "trivial_app.py"), default_timeout=60)
    at.run()
    at.run()
    return statistics.median(_timed(at, repeats, cold=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--query", default="", help='URL query every page opens with, e.g. "T=1000&H=256"')
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated (default: all of PAGES)")
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    base = trivial_time(args.repeats)
    print(f"median of {args.repeats} reruns, {args.query or 'default settings'}, server time (AppTest)\n")
    print(f"{'page':<22}{'warm cache (ms)':>16}{'cold cache (ms)':>16}{'warm − trivial':>16}")
    print(f"{'trivial one-chart app':<22}{1000 * base:>16.1f}{'':>16}{'':>16}")
    for page in args.pages.split(","):
        warm, cold = page_times(page, args.repeats, args.query)
        print(f"{page:<22}{1000 * warm:>16.1f}{1000 * cold:>16.1f}{1000 * (warm - base):>16.1f}")


if __name__ == "__main__":
    main()
