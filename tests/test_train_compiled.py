"""The compiled training step (recurrent_core/training/_compiled.py through compiled_step.py) against the NumPy
training loop, the definition: whole runs on both backends of one process, every option of TrainConfig that
changes a step; the batches bit for bit; the cheaper checkpoints' numbers unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import rel_err

import recurrent_core as rc
from recurrent_core.cells import backend, warmup
from recurrent_core.cells.bptt import bptt, forward
from recurrent_core.training import compiled_step
from recurrent_core.training.fused import _log10_norm, _log10_norms
from recurrent_core.training.loop import initial_state
from recurrent_core.training.step import LSTMProbe, layer_of, log10_norms, lstm_probe_flow
from recurrent_core.training.tasks import probe_batch, readout_loss, task_spec

pytest.importorskip("numba")

BASE = dict(
    task="adding", T=10, H=6, steps=20, seed=1, batch=4, optimizer="adam", lr=0.02, clip=("norm", 1.0), record_every=7
)
# (id, kind, changes to BASE): every option that changes a step, each on its own, and some together
CASES = [
    ("rnn", "rnn", {}),
    ("rnn-relu-identity", "rnn", {"nonlinearity": "relu", "scheme": "identity", "lr": 0.002}),
    ("lstm", "lstm", {"forget_bias": 1.0}),
    ("gru", "gru", {"update_bias": 1.0}),
    ("gru-dlfs2", "gru", {"formulation": "dlfs2"}),  # the book's GRU: the NumPy step on either backend
    ("rnn-no-clip", "rnn", {"clip": None}),
    ("lstm-clip-inactive", "lstm", {"clip": ("norm", 1e6)}),
    ("gru-clip-active", "gru", {"clip": ("norm", 1e-3)}),
    ("lstm-clip-value", "lstm", {"clip": ("value", 1e-3)}),
    ("rnn-weight-decay", "rnn", {"weight_decay": 1e-2}),
    ("lstm-weight-decay", "lstm", {"weight_decay": 1e-2, "clip": None}),
    ("gru-weight-decay", "gru", {"weight_decay": 0.1}),
    ("rnn-sgd", "rnn", {"optimizer": "sgd", "lr": 0.05}),
    ("lstm-sgd-momentum-decay", "lstm", {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3}),
    ("gru-sgd-momentum", "gru", {"optimizer": "sgd", "lr": 0.05, "momentum": 0.5, "clip": ("value", 0.1)}),
    ("rnn-truncate", "rnn", {"truncate": 3}),
    ("lstm-truncate", "lstm", {"truncate": 4}),
    ("gru-truncate-1", "gru", {"truncate": 1}),
    ("rnn-first", "rnn", {"task": "first", "n_symbols": 3}),
    ("lstm-first", "lstm", {"task": "first", "n_symbols": 5, "truncate": 3}),
    ("gru-first-wide", "gru", {"task": "first", "n_symbols": 4, "H": 40, "batch": 9}),
    ("lstm-chunks", "lstm", {"steps": 150, "record_every": 70, "H": 3}),  # chunks of 64 and 6 between checkpoints
    ("gru-one-checkpoint", "gru", {"steps": 70, "record_every": 100, "H": 3}),
]


@pytest.fixture
def use_backend():
    yield backend.use
    backend.use(None)


def runs_on_both(kind, changes, use_backend, monkeypatch):
    """The run on each backend, and how many chunks the compiled step ran on each."""
    calls = {"n": 0}
    real = compiled_step.CompiledRun.run

    def counted(self, *args):
        calls["n"] += 1
        return real(self, *args)

    monkeypatch.setattr(compiled_step.CompiledRun, "run", counted)
    settings = {**BASE, **changes}
    out = {}
    for name in ("numba", "numpy"):
        calls["n"] = 0
        use_backend(name)
        out[name] = (rc.train(kind, **settings), calls["n"])
    return out


@pytest.mark.parametrize("kind,changes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_compiled_step_trains_the_numpy_run(kind, changes, use_backend, monkeypatch):
    out = runs_on_both(kind, changes, use_backend, monkeypatch)
    (fast, chunks), (ref, numpy_chunks) = out["numba"], out["numpy"]
    assert numpy_chunks == 0  # RC_BACKEND=numpy: nothing compiled
    if changes.get("formulation") == "dlfs2":
        assert chunks == 0  # the book's GRU keeps rc.bptt's step
    else:
        assert chunks >= 1
    assert fast.status == ref.status == "done" and fast.steps_done == ref.steps_done
    np.testing.assert_array_equal(fast.checkpoints, ref.checkpoints)
    assert rel_err(fast.loss, ref.loss) < 1e-12
    assert rel_err(fast.grad_norm, ref.grad_norm) < 1e-12
    np.testing.assert_array_equal(fast.metric, ref.metric)
    assert fast.final.keys() == ref.final.keys()
    for key in ref.final:
        assert fast.final[key].shape == ref.final[key].shape
        assert rel_err(fast.final[key], ref.final[key]) < 1e-12, key
    assert np.max(np.abs(fast.flow - ref.flow)) < 1e-10
    assert rel_err(fast.probe_loss, ref.probe_loss) < 1e-12
    assert rel_err(fast.rho, ref.rho) < 1e-12
    if kind == "lstm":
        assert np.max(np.abs(fast.flow_c - ref.flow_c)) < 1e-10


def test_clipping_was_active_and_inactive_in_the_cases():
    """The clipping cases mean what they say: the gradient norm crosses the thresholds chosen."""
    active = rc.train("gru", **{**BASE, "clip": ("norm", 1e-3)})
    assert np.all(active.grad_norm > 1e-3)
    inactive = rc.train("lstm", **{**BASE, "clip": ("norm", 1e6)})
    assert np.all(inactive.grad_norm < 1e6)


def test_a_run_that_diverges_stops_at_the_same_step_on_both_backends(use_backend):
    runs = {}
    for name in ("numba", "numpy"):
        use_backend(name)
        runs[name] = rc.train(
            "rnn", "adding", 40, 8, 50, 0, batch=4, optimizer="sgd", lr=1e6, nonlinearity="relu", scheme="identity",
            record_every=10,
        )  # fmt: skip
    a, b = runs["numba"], runs["numpy"]
    assert a.status == b.status == "diverged" and a.steps_done == b.steps_done
    assert rel_err(a.loss, b.loss) < 1e-12
    assert all(np.all(np.isfinite(v)) for v in a.final.values())
    assert all(rel_err(a.final[k], b.final[k]) < 1e-12 for k in a.final)


@pytest.mark.parametrize("task", ["adding", "first"])
def test_the_compiled_batches_are_task_batch_bit_for_bit(task, use_backend):
    use_backend("numba")
    config = rc.TrainConfig("gru", task, 9, 3, 5, 4, batch=5, optimizer="adam", lr=0.01, n_symbols=6)
    spec = task_spec(task, 6)
    params = initial_state("gru", spec, 3, 4)
    run = compiled_step.compiled_run(config, spec, rc.training.optim.Adam(0.01), params)
    assert run is not None
    run.draw(7, 3)
    module = compiled_step.kernels()
    b, d = run.bufs, run.draws
    for i in range(3):
        x, y = rc.task_batch(task, 9, 5, 4, 7 + i, n_symbols=6)
        if task == "adding":
            module.fill_adding(d["u"][i], d["first"][i], d["second"][i], b["x"], b["y"])
            np.testing.assert_array_equal(b["y"], y)
        else:
            module.fill_first(d["symbols"][i], b["x"], b["labels"])
            np.testing.assert_array_equal(b["labels"], y)
        np.testing.assert_array_equal(b["x"], x)


def test_the_compiled_step_is_used_only_where_it_runs(use_backend, monkeypatch):
    config = rc.TrainConfig("lstm", "adding", 5, 3, 2, 0, batch=2, optimizer="sgd", lr=0.1)
    spec = task_spec("adding")
    use_backend("numpy")
    assert compiled_step.compiled_run(config, spec, rc.training.optim.SGD(0.1), {}) is None
    use_backend("numba")
    assert not compiled_step.supports(config.replace(engine="bptt"))
    assert not compiled_step.supports(config.replace(kind="gru", formulation="dlfs2"))
    assert compiled_step.supports(config)
    backend.set_pending(True)  # a background warm-up compiling: the NumPy step, not the compiler
    try:
        assert compiled_step.kernels() is None
    finally:
        backend.set_pending(False)
    assert warmup.warm_up() > 0.0
    module = compiled_step.kernels()
    assert module is not None and module.train_steps.signatures  # the warm-up compiled (or loaded) the step


# ------------------------------------------------------------------------------------------------ the checkpoints
def test_the_flows_log10_norms_in_a_few_calls_are_the_same_numbers():
    rng = np.random.default_rng(0)
    for trial in range(60):
        d = rng.standard_normal((7, 5, 3)) * 10.0 ** rng.integers(-300, 300, (7, 1, 1))
        d[rng.integers(0, 7)] = 0.0
        if trial % 3 == 0:
            d[1, 0, 0] = np.inf
        if trial % 5 == 0:
            d[2, 0, 1] = np.nan
        if trial % 7 == 0:
            d[3] = 5e-324
        with np.errstate(all="ignore"):
            got = _log10_norms(d)
            want = np.array([_log10_norm(row) for row in d])
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("N,H", [(9, 7), (64, 70)])  # (64, 70): the recurrent products split into gate blocks
@pytest.mark.parametrize("name", ["numba", "numpy"])
def test_the_lstm_probe_reads_what_rc_bptt_gives(name, N, H, use_backend):
    """lstm_probe_flow (one forward and the layer's backward) and the loop's LSTMProbe (the same over reused
    buffers) against rc.forward + rc.bptt, bit for bit."""
    use_backend(name)
    spec = task_spec("adding")
    params = initial_state("lstm", spec, H, 2, forget_bias=1.0)
    x, y = probe_batch("adding", 12, N, 2)
    layer = layer_of(params, "lstm", "tanh", "pytorch")
    h_T = forward(layer, x).hs[-1]
    loss, _, dout = readout_loss(spec, h_T @ params["fc.weight"].T + params["fc.bias"], y)
    dhs = np.zeros((12, N, H))
    dhs[-1] = dout @ params["fc.weight"]
    trace = bptt(layer, x, dhs)
    probe = LSTMProbe(12, N, 2, H)
    for _ in range(2):  # the second call, over the first's buffers, reads the same
        for row, cell_row, probe_loss in (lstm_probe_flow(params, x, y, spec), probe(params, x, y, spec)):
            np.testing.assert_array_equal(row, log10_norms(trace.dh))
            np.testing.assert_array_equal(cell_row, log10_norms(trace.dc))
            assert probe_loss == loss


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the NumPy optimizer's, as before
@pytest.mark.parametrize("lr,status,step", [(1e300, 1, 1), (1e308, 2, 0)])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_both_stops_of_a_diverging_run_alike_on_both_backends(kind, lr, status, step, use_backend, monkeypatch):
    """SGD at lr 1e300: step 0's update is finite, step 1's loss is not (stop before the update, status 1); at lr
    1e308 step 0's update overflows (stop after it, status 2). The same step and weights on either backend."""
    seen = []
    real = compiled_step.CompiledRun.run

    def spy(self, *args):
        seen.append(real(self, *args))
        return seen[-1]

    monkeypatch.setattr(compiled_step.CompiledRun, "run", spy)
    runs = {}
    for name in ("numba", "numpy"):
        use_backend(name)
        runs[name] = rc.train(kind, "adding", 6, 4, 5, 0, batch=3, optimizer="sgd", lr=lr, record_every=2)
    assert seen == [(step, status)]
    a, b = runs["numba"], runs["numpy"]
    assert a.status == b.status == "diverged" and a.steps_done == b.steps_done == step
    assert rel_err(a.grad_norm, b.grad_norm) < 1e-12 and rel_err(a.loss, b.loss) < 1e-12
    for key in b.final:
        finite = np.isfinite(b.final[key])
        np.testing.assert_array_equal(np.isfinite(a.final[key]), finite)
        np.testing.assert_allclose(a.final[key][finite], b.final[key][finite], rtol=1e-12)  # ~1e300: no norms
    assert all(np.isfinite(v).all() for v in b.final.values()) == (status == 1)


EXACT = [
    {},
    {"clip": ("norm", 1e-3), "weight_decay": 1e-2},
    {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9, "clip": ("value", 0.05), "truncate": 4},
    {"batch": 1, "H": 1},  # the products' degenerate shapes (NumPy's dot products)
]


@pytest.mark.parametrize(
    "changes", EXACT, ids=["adam-clip", "decay-clip-active", "sgd-momentum-value-truncate", "N1-H1"]
)
def test_a_relu_rnn_trains_to_the_same_bits_on_both_backends(changes, use_backend):
    """Without a tanh (the compiled loops' is within 2 ulp of NumPy's), nothing rounds differently: every product
    is the BLAS call NumPy makes and every sum is taken in NumPy's order. A relu IRNN is chaotic enough that one
    differing bit grows to O(1) in 1000 steps (the lab's IRNN preset record depends on this)."""
    settings = {**BASE, "nonlinearity": "relu", "scheme": "identity", "lr": 0.002, "steps": 40, **changes}
    runs = {}
    for name in ("numba", "numpy"):
        use_backend(name)
        runs[name] = rc.train("rnn", **settings)
    a, b = runs["numba"], runs["numpy"]
    for field in ("loss", "metric", "grad_norm", "flow", "probe_loss", "rho"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    for key in b.final:
        np.testing.assert_array_equal(a.final[key], b.final[key], err_msg=key)


def test_a_stale_cache_of_the_compiled_step_is_removed_wherever_numba_keeps_it(tmp_path, use_backend):
    """numba keys training/_compiled.py's cache on that file alone (numba#6845): a cache built with other cells
    loops goes, one built with these stays; in the directory numba itself uses (it moves with NUMBA_CACHE_DIR)."""
    use_backend("numba")
    module = compiled_step.kernels()
    assert module is not None
    cache = compiled_step.Path(module.train_steps._cache.cache_path)
    assert (cache / "_compiled.cells-stamp").read_text()  # kernels() stamped the directory numba reads

    elsewhere = tmp_path / "NUMBA_CACHE_DIR" / "training_0123"  # not created yet, parents neither
    compiled_step._forget_stale_cache(elsewhere)
    stamp = (elsewhere / "_compiled.cells-stamp").read_text()
    old = [elsewhere / "_compiled.train_steps-183.py311.nbi", elsewhere / "_compiled.train_steps-183.py311.1.nbc"]
    for path in old:
        path.write_bytes(b"built with these loops")
    other = elsewhere / "other.nbi"  # another module's cache: never touched
    other.write_bytes(b"x")
    compiled_step._forget_stale_cache(elsewhere)
    assert all(path.exists() for path in old)  # the stamp matches: kept
    (elsewhere / "_compiled.cells-stamp").write_text("0" * 64)  # built with other loops
    compiled_step._forget_stale_cache(elsewhere)
    assert not any(path.exists() for path in old)
    assert other.exists()
    assert (elsewhere / "_compiled.cells-stamp").read_text() == stamp
