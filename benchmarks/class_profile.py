"""Where a page's server time goes under load: the class benchmark against a server whose script runs (and event
loop) are profiled with cProfile.

Run from the repository root::

    python -m benchmarks.class_profile --students 10              # defaults
    python -m benchmarks.class_profile --students 10 --heavy --top 40

It starts ``streamlit run app.py`` in a child process whose every script run (each in its own profile, merged)
and main thread (Tornado's event loop: websocket writes, protobuf serialisation) are profiled; runs
``benchmarks.class_load`` against it (``--students``, ``--heavy``, ``--mode`` as there); stops the server and prints
the functions with the most own time and the most cumulative time, over all the runs. cProfile slows Python code
about twofold, so read shares, not seconds; the
clock is each thread's CPU time (``time.thread_time``), not the time it waited for the GIL. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def serve(port: int, out: str, options: list[str]) -> None:
    """The child: a profiled Streamlit server that writes the merged stats to ``out`` when it exits."""
    import cProfile
    import threading

    from streamlit.runtime.scriptrunner import script_runner

    runs: list[cProfile.Profile] = []
    lock = threading.Lock()
    original = script_runner.ScriptRunner._run_script

    def profiled(self, rerun_data):  # type: ignore[no-untyped-def]
        p = cProfile.Profile(time.thread_time)  # this thread's CPU: not the time it waited for the GIL
        p.enable()
        try:
            return original(self, rerun_data)
        finally:
            p.disable()
            with lock:
                runs.append(p)

    script_runner.ScriptRunner._run_script = profiled  # type: ignore[method-assign]
    main = cProfile.Profile(time.thread_time)

    def dump() -> None:
        main.disable()
        stats = pstats.Stats(main)
        with lock:
            for p in runs:
                stats.add(p)
        stats.dump_stats(out)

    atexit.register(dump)
    from streamlit.web import bootstrap

    os.chdir(ROOT)
    flags = {"server.port": port, "server.address": HOST, "server.headless": True,
             "browser.gatherUsageStats": False}  # fmt: skip
    for opt in options:
        key, _, value = opt.partition("=")
        flags[key] = {"true": True, "false": False}.get(value.lower(), value)
    bootstrap.load_config_options(flag_options=flags)
    main.enable()
    bootstrap.run("app.py", False, [], flags)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--students", type=int, default=10, help="students at once (default 10)")
    ap.add_argument("--heavy", action="store_true", help="T = 1000, H = 256 in every student's URL")
    ap.add_argument("--mode", choices=["link", "sidebar"], default="link", help="as in benchmarks.class_load")
    ap.add_argument("--top", type=int, default=30, help="functions listed in each table (default 30)")
    ap.add_argument(
        "--callers",
        action="append",
        default=[],
        metavar="NAME",
        help="also list who calls functions matching NAME (repeatable)",
    )
    ap.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a config option for the server, e.g. runner.postScriptGC=false (repeatable)",
    )
    ap.add_argument("--save", metavar="PATH", help="also keep the merged profile here (for pstats)")
    ap.add_argument("--serve", nargs=2, metavar=("PORT", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--serve-option", action="append", default=[], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], args.serve_option)
        return
    from benchmarks import class_load

    port = class_load.free_port()
    with tempfile.TemporaryDirectory(prefix="class-profile-") as tmp:
        out = str(Path(tmp) / "server.prof")
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 (closed with the process)
        extra = [a for opt in args.option for a in ("--serve-option", opt)]
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.class_profile", "--serve", str(port), out, *extra],
                                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        url = f"http://{HOST}:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
                time.sleep(0.2)
            load = ["--students", str(args.students), "--mode", args.mode, "--url", url, "--pids", str(proc.pid)]
            class_load.main(load + (["--heavy"] if args.heavy else []))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        if not Path(out).exists():
            print(f"no profile written; the server's log: {Path(tmp) / 'server.log'}")
            print((Path(tmp) / "server.log").read_text()[-2000:])
            return
        stats = pstats.Stats(out)
        if args.save:
            stats.dump_stats(args.save)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        for name in args.callers:
            stats.print_callers(name)


if __name__ == "__main__":
    main()
