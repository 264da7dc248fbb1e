"""A page's computation while a lab run trains beside it, in one server process: does the lab hold Python's lock?

Run from the repository root::

    python -m benchmarks.lab_beside_pages                          # this checkout
    python -m benchmarks.lab_beside_pages --against /work/wt-ref   # and another checkout's, in turn, same run

As in the app's server: the pages run NumPy's loops (``backend.use("numpy")``), a lab run trains in a thread of its
own on the compiled loops (``backend.in_thread("auto")``, the LSTM at the lab's defaults, one compiled call per chunk
of 64 steps). In one fresh process per checkout, each timed alone and then side by side:

- the pages: the LSTM's and the RNN's views at the app's defaults (``explorer.flow.data``), the median of 15;
- the lab: steps per second of ``rc.train``.

A compiled call that keeps the GIL (numba's default) stalls every other thread for as long as it runs: the page's
time then grows by about the length of a chunk. Only figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES_RUNS, LAB_STEPS, BESIDE_STEPS = 15, 2000, 4000


def measure() -> dict[str, float]:
    """In this process (the checkout on sys.path): the four figures."""
    import recurrent_core as rc
    from explorer.flow import data
    from explorer.lab.training import LabSettings
    from explorer.shared import controls
    from recurrent_core.cells import backend

    backend.use("numpy")  # the pages' loops in the app's server
    values, _ = controls.parse_params({})
    s = controls.from_values(values)
    cfg = LabSettings().config("lstm")

    def train(steps: int) -> float:
        with backend.in_thread("auto"):
            t0 = time.perf_counter()
            rc.train(**dataclasses.replace(cfg, steps=steps).kwargs())
            return steps / (time.perf_counter() - t0)

    def pages() -> float:
        times = []
        for _ in range(PAGES_RUNS):
            t0 = time.perf_counter()
            data.lstm_view(s)
            data.rnn_view(s)
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000

    train(70)  # the compiled loops loaded (or compiled) first
    out = {"lab_alone": train(LAB_STEPS), "pages_alone": pages()}
    rate: list[float] = []
    lab = threading.Thread(target=lambda: rate.append(train(BESIDE_STEPS)))
    lab.start()
    time.sleep(0.3)  # the run under way
    out["pages_beside"] = pages()
    lab.join()
    out["lab_beside"] = rate[0]
    return out


def run_child(checkout: Path) -> dict[str, float]:
    """``measure()`` in a fresh process whose ``recurrent_core`` and ``explorer`` are ``checkout``'s."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env.pop("RC_BACKEND", None)
    proc = subprocess.run([sys.executable, __file__, "--child", str(checkout)], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"{checkout}: {proc.stderr[-2000:]}")
    names = ("pages_alone", "pages_beside", "lab_alone", "lab_beside")
    return dict(zip(names, map(float, proc.stdout.split()[-4:]), strict=True))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", type=Path, help="another checkout, measured in turn with this one")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of each checkout, in turn (default 2)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # run_child's process
    args = ap.parse_args(argv)
    if args.child:
        sys.path.insert(0, str(args.child.resolve()))
        m = measure()
        print(m["pages_alone"], m["pages_beside"], m["lab_alone"], m["lab_beside"])
        return
    checkouts = [("this checkout", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    print(f"load average at start {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; the LSTM at the lab's defaults")
    print("| checkout | pages alone ms | beside a lab run ms | × | lab alone steps/s | lab beside pages steps/s |")
    print("|---|---|---|---|---|---|")
    for _ in range(args.rounds):
        for label, path in checkouts:
            m = run_child(path)
            print(
                f"| {label} ({path.name}) | {m['pages_alone']:.1f} | {m['pages_beside']:.1f} | "
                f"{m['pages_beside'] / m['pages_alone']:.1f} | {m['lab_alone']:.0f} | {m['lab_beside']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
