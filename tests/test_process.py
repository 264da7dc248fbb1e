"""The once-per-process set-up (explorer/shared/process.py): the allocator, and whether the server renders images."""

from __future__ import annotations

import pytest

from explorer.shared import process


def test_tune_malloc_on_glibc_reports_success():
    assert process.tune_malloc() is True  # this machine's Python runs on glibc


@pytest.mark.parametrize("content, expected", [
    ("1073741824\n", 1073741824),                # cgroup v2: 1 GiB
    ("max\n", None),                             # cgroup v2: no limit
    ("9223372036854771712\n", None),             # cgroup v1: "no limit" is a huge number
])  # fmt: skip
def test_memory_limit_from_the_cgroup(tmp_path, monkeypatch, content, expected):
    f = tmp_path / "memory.max"
    f.write_text(content)
    monkeypatch.setattr(process, "_CGROUP_LIMITS", (str(f),))
    assert process.memory_limit_bytes() == expected


def test_no_cgroup_file_means_no_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(process, "_CGROUP_LIMITS", (str(tmp_path / "absent"),))
    assert process.memory_limit_bytes() is None


@pytest.mark.parametrize("env, limit, expected", [
    ("auto", 1024**3, False),        # Community Cloud's ~1 GB: no server-side Chromium
    ("auto", 8 * 1024**3, True),
    ("auto", None, True),            # a laptop: no container limit
    ("on", 1024**3, True),
    ("off", None, False),
    ("OFF ", None, False),
])  # fmt: skip
def test_server_images_follow_the_setting_and_the_memory(monkeypatch, env, limit, expected):
    monkeypatch.setenv("SERVER_IMAGE_EXPORT", env)
    monkeypatch.setattr(process, "memory_limit_bytes", lambda: limit)
    assert process.server_images() is expected


def test_configure_puts_blas_on_one_thread_and_replaces_the_not_found_dialog_once():
    from streamlit.commands import navigation
    from threadpoolctl import threadpool_info

    from explorer import compat

    process.configure()
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
    if compat.supported():
        assert navigation.send_page_not_found.__name__ == "flag_page_not_found"
    limit = process._blas_limit
    assert limit is not None
    process.configure()  # idempotent: the same limit, not a second one
    assert process._blas_limit is limit


def test_a_server_without_rc_backend_runs_pages_and_lab_as_the_core_chooses_unless_told_numpy_pages():
    assert process.backends(None) == (None, None)  # the core's default: compiled where numba imports
    assert process.backends(" ") == (None, None)
    assert process.backends(None, "numpy") == ("numpy", "auto")  # GRADIENT_FLOW_PAGES_BACKEND: lean pages
    assert process.backends(None, " NumPy ") == ("numpy", "auto")
    assert process.backends(None, "auto") == (None, None)
    for chosen in ("numpy", "numba", "auto"):  # set by whoever runs the server: it decides for all
        assert process.backends(chosen) == (None, None)
        assert process.backends(chosen, "numpy") == (None, None)


def test_the_warm_up_waits_for_the_child_that_fills_the_cache(monkeypatch):
    """The server's warm-up loads the loops only once the child has filled numba's cache (compiling in the server
    would hold the GIL for its first readers); until then the pages run NumPy's loops."""
    import subprocess
    import sys

    from recurrent_core.cells import backend, warmup

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    seen = []
    monkeypatch.setattr(warmup, "warm_up", lambda: seen.append(child.poll()) or 0.0)
    thread = warmup.warm_up_in_background(after=child)
    assert backend.kernels() is None  # pending: the NumPy loops meanwhile
    thread.join(30)
    assert seen == [0]  # the child had exited when the warm-up began
    assert backend._pending is False  # and the compiled loops run again


def test_the_lab_trains_with_the_servers_lab_backend(monkeypatch):
    from explorer.lab import training as lab
    from recurrent_core.cells import backend

    seen = []

    def iterate(**kwargs):
        seen.append(backend.name())
        yield from ()

    monkeypatch.setattr(process, "_lab_backend", "numpy")
    sched = lab.Scheduler(iterate=iterate)
    try:
        job = sched.submit(lab.LabSettings(T=6, H=4, batch=4, steps=50, seed=21))
        assert job.wait(30)
    finally:
        sched.shutdown()
    assert seen and set(seen) == {"numpy"}
    assert getattr(backend._local, "setting", None) is None  # only the job's thread was told


def test_the_child_fills_numbas_cache_and_exits(monkeypatch):
    from recurrent_core.cells import warmup

    monkeypatch.setenv("GRADIENT_FLOW_WARM_CHILD", "1")
    child = warmup.fill_cache_in_child()
    assert child is not None and child.wait(300) == 0
    monkeypatch.setenv("GRADIENT_FLOW_WARM_CHILD", "0")
    assert warmup.fill_cache_in_child() is None
