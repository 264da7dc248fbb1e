"""The numba-compiled loops (recurrent_core/cells/_compiled.py) against the NumPy loops, ``cell.step_loop`` (BPTT by
definition) and PyTorch; the backend switch (RC_BACKEND, ``backend.use``), the fallback without numba and the
background warm-up. Every test states which backend it runs: both are tested in one process."""

from __future__ import annotations

import logging
import sys
import threading

import numpy as np
import pytest
import test_torch_reference as torch_ref
import test_train_torch as train_torch
from helpers import rel_err

import recurrent_core as rc
from recurrent_core.cells import State, backend, step_loop, warmup
from recurrent_core.training.fused import FusedStep
from recurrent_core.training.loop import initial_state
from recurrent_core.training.tasks import readout_loss, task_spec

pytest.importorskip("numba")
from recurrent_core.cells import _compiled

VARIANTS = [
    ("rnn", {}),
    ("rnn", {"nonlinearity": "relu"}),
    ("lstm", {}),
    ("lstm", {"gate_activation": "hard_sigmoid_keras2"}),
    ("lstm", {"gate_activation": "hard_sigmoid_keras3"}),
    ("gru", {}),
    ("gru", {"formulation": "dlfs2"}),
    ("gru", {"gate_activation": "hard_sigmoid_keras3"}),
    ("gru", {"formulation": "dlfs2", "gate_activation": "hard_sigmoid_keras2"}),
]
VARIANT_IDS = ["-".join([kind, *options.values()]) for kind, options in VARIANTS]
# (T, N, D, H): one step, one sample, small, and sizes whose recurrent products the core splits into gate blocks
SHAPES = [(1, 1, 2, 3), (1, 4, 3, 5), (9, 1, 3, 4), (7, 3, 4, 5), (12, 16, 8, 128), (4, 8, 5, 256)]


@pytest.fixture
def use_backend():
    """``use_backend(name)`` forces a backend for the test; the environment's choice comes back afterwards."""
    yield backend.use
    backend.use(None)  # and RC_BACKEND is read again (a test may have changed it)


def problem(kind, options, shape, seed=0):
    T, N, D, H = shape
    layer = rc.init_layer(kind, D, H, seed=seed).replace(**options)
    rng = np.random.default_rng([seed, T, N, D, H])
    # inputs large enough that hard sigmoids clip and the relu cuts
    x, dhs, h0 = 2.0 * rng.standard_normal((T, N, D)), rng.standard_normal((T, N, H)), rng.standard_normal((N, H))
    c0 = rng.standard_normal((N, H)) if kind == "lstm" else None
    return layer, x, dhs, h0, c0


def trace_fields(trace):
    fields = {"hs": trace.hs, "dh": trace.dh, "dx": trace.dx, "dh0": trace.dh0, "dc": trace.dc, "dc0": trace.dc0}
    fields.update(trace.grads)
    for name in ("gates", "c_all", "tanh_c", "hh_n", "slopes"):
        fields[f"tape.{name}"] = getattr(trace.tape, name, None)
    return fields


@pytest.mark.parametrize("truncate", [None, 1, 3])
@pytest.mark.parametrize("shape", SHAPES, ids=["T{}N{}D{}H{}".format(*s) for s in SHAPES])
@pytest.mark.parametrize("kind,options", VARIANTS, ids=VARIANT_IDS)
def test_the_compiled_loops_give_the_numpy_loops_results(kind, options, shape, truncate, use_backend):
    layer, x, dhs, h0, c0 = problem(kind, options, shape)
    use_backend("numba")
    assert backend.name() == "numba"
    fast = trace_fields(rc.bptt(layer, x, dhs, h0, c0, truncate=truncate))
    use_backend("numpy")
    assert backend.kernels() is None
    ref = trace_fields(rc.bptt(layer, x, dhs, h0, c0, truncate=truncate))
    assert fast.keys() == ref.keys()
    for name, want in ref.items():
        if want is None:
            assert fast[name] is None, name
        else:
            assert fast[name].shape == want.shape, name
            assert rel_err(fast[name], want) < 1e-12, name
    if truncate is not None:  # nothing reaches the initial state
        assert not np.any(fast["dh0"])


@pytest.mark.parametrize("truncate", [None, 2])
@pytest.mark.parametrize("shape", SHAPES[2:5], ids=["T{}N{}D{}H{}".format(*s) for s in SHAPES[2:5]])
@pytest.mark.parametrize("kind,options", VARIANTS, ids=VARIANT_IDS)
def test_the_compiled_backward_is_the_step_loop(kind, options, shape, truncate, use_backend):
    """On one tape (the compiled forward's), the compiled back_all against step_loop over NumPy's step_back."""
    layer, x, dhs, h0, c0 = problem(kind, options, shape, seed=1)
    use_backend("numba")
    tape = layer.forward(x, State(h0, c0))
    got = layer.back_all(tape, dhs, truncate)
    expected = step_loop(layer, tape, dhs, truncate)  # step_back is NumPy's on either backend
    for name in expected._fields:
        want, have = getattr(expected, name), getattr(got, name)
        if want is None:
            assert have is None, name
        else:
            assert rel_err(have, want) < 1e-12, name


@pytest.mark.parametrize("name", ["numba", "numpy"])
@pytest.mark.parametrize("shape", torch_ref.SHAPES, ids=torch_ref.SHAPE_IDS)
@pytest.mark.parametrize("variant", torch_ref.VARIANTS, ids=torch_ref.VARIANT_IDS)
def test_both_backends_match_pytorch(variant, shape, name, use_backend):
    """test_torch_reference's step-by-step comparison (every trace field, tolerance 1e-9) on each backend."""
    use_backend(name)
    torch_ref.test_matches_torch_step_by_step(variant, shape)


@pytest.mark.parametrize("name", ["numba", "numpy"])
@pytest.mark.parametrize("config", train_torch.CONFIGS[2::3], ids=[c[0] for c in train_torch.CONFIGS[2::3]])
@pytest.mark.parametrize("variant", train_torch.KINDS, ids=[k[0] for k in train_torch.KINDS])
def test_training_on_both_backends_matches_pytorch(variant, config, name, use_backend):
    """test_train_torch's whole training loop against PyTorch (1e-8), the fused step on each backend."""
    use_backend(name)
    train_torch.test_adding_matches_pytorch(variant, config)


FUSED = [("rnn", {"nonlinearity": "tanh"}), ("rnn", {"nonlinearity": "relu"}), ("lstm", {}), ("gru", {})]


@pytest.mark.parametrize("truncate", [None, 1, 4, 10])
@pytest.mark.parametrize("N,H", [(1, 5), (4, 5), (8, 128)])
@pytest.mark.parametrize("variant", FUSED, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_the_fused_step_gives_the_same_on_both_backends(variant, N, H, truncate, use_backend):
    kind, options = variant
    T, spec = 10, task_spec("adding")
    params = initial_state(kind, spec, H, 2, **options)
    rng = np.random.default_rng(0)
    params = {k: v + rng.normal(0, 0.3, v.shape) for k, v in params.items()}
    x, y = rc.task_batch("adding", T, N, 1, 0)
    results = {}
    for name in ("numba", "numpy"):
        use_backend(name)
        fused = FusedStep(kind, T, N, 2, H, options.get("nonlinearity", "tanh"))
        for _ in range(2):  # buffers reused: the second call gives the same
            h_T = fused.forward(params, x)
            loss, _, dout = readout_loss(spec, h_T @ params["fc.weight"].T + params["fc.bias"], y)
            grads = fused.backward(dout @ params["fc.weight"], truncate)
        flow = fused.flow(dout @ params["fc.weight"])
        results[name] = (h_T.copy(), loss, grads, flow)
    (h_a, loss_a, grads_a, flow_a), (h_b, loss_b, grads_b, flow_b) = results["numba"], results["numpy"]
    assert rel_err(h_a, h_b) < 1e-12 and loss_a == pytest.approx(loss_b, rel=1e-12)
    assert grads_a.keys() == grads_b.keys()
    assert all(rel_err(grads_a[k], grads_b[k]) < 1e-12 for k in grads_a)
    assert np.max(np.abs(flow_a - flow_b)) < 1e-12


def test_a_step_may_mix_the_backends(use_backend):
    """The warm-up may finish between a forward and its backward: either loop reads the other's buffers."""
    spec, T, N, H = task_spec("adding"), 8, 3, 6
    for kind in ("rnn", "lstm", "gru"):
        params = initial_state(kind, spec, H, 0)
        x, _ = rc.task_batch("adding", T, N, 0, 0)
        dh_T = np.ones((N, H))
        grads = {}
        for first, second in (("numpy", "numba"), ("numba", "numpy"), ("numpy", "numpy")):
            fused = FusedStep(kind, T, N, 2, H)
            use_backend(first)
            fused.forward(params, x)
            use_backend(second)
            grads[first, second] = fused.backward(dh_T)
        ref = grads["numpy", "numpy"]
        for g in grads.values():
            assert all(rel_err(g[k], ref[k]) < 1e-12 for k in ref), kind
        layer, xs, dhs, h0, c0 = problem(kind, {}, (T, N, 2, H))
        use_backend("numpy")
        tape = layer.forward(xs, State(h0, c0))
        expected = layer.back_all(tape, dhs, None)
        use_backend("numba")
        got = layer.back_all(tape, dhs, None)
        assert rel_err(got.dh, expected.dh) < 1e-12 and rel_err(got.dgi, expected.dgi) < 1e-12


def test_the_compiled_tanh_is_within_two_ulp_of_numpys():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [rng.standard_normal(200_000) * s for s in (1e-6, 0.01, 0.3, 1.0, 3.0, 10.0)]
        + [np.linspace(-25, 25, 100_001), [0.625, -0.625, 21.5, 1e-300, 5e-324, 1e308, -1e308]]
    )
    got = x.copy()
    _compiled._tanh(got)
    want = np.tanh(x)
    assert np.max(np.abs(got - want) / np.spacing(np.abs(want))) <= 2.0
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan])
    out = special.copy()
    _compiled._tanh(out)
    np.testing.assert_array_equal(out, np.tanh(special))
    assert np.signbit(out[1])  # tanh(-0) = -0


def test_an_exploding_run_overflows_alike_on_both_backends(use_backend):
    layer = rc.init_layer("rnn", 2, 4, seed=0, nonlinearity="relu")
    layer = layer.replace(W_hh=layer.W_hh * 1e3)
    x = np.ones((200, 1, 2))
    traces = {}
    for name in ("numba", "numpy"):
        use_backend(name)
        traces[name] = rc.bptt(layer, x, np.ones((200, 1, 4)))
    a, b = traces["numba"], traces["numpy"]
    np.testing.assert_array_equal(np.isfinite(a.hs), np.isfinite(b.hs))
    np.testing.assert_array_equal(np.isnan(a.dh), np.isnan(b.dh))
    assert not np.isfinite(a.hs).all()


# ------------------------------------------------------------------------------------------------ the switch
def test_rc_backend_numpy_keeps_every_loop_in_numpy(monkeypatch, use_backend):
    monkeypatch.setenv("RC_BACKEND", "numpy")
    use_backend(None)  # RC_BACKEND is read again
    assert backend.kernels() is None and backend.name() == "numpy"
    monkeypatch.setenv("RC_BACKEND", "numba")
    use_backend(None)
    assert backend.name() == "numba"
    monkeypatch.setenv("RC_BACKEND", "auto")
    use_backend(None)
    assert backend.name() == "numba"


def test_a_thread_may_run_another_backend_than_the_process(use_backend):
    import threading

    use_backend("numpy")
    seen = {}

    def lab_thread() -> None:
        with backend.in_thread("auto"):
            seen["inside"] = backend.name()
        seen["after"] = backend.name()

    t = threading.Thread(target=lab_thread)
    t.start()
    t.join(30)
    assert seen == {"inside": "numba", "after": "numpy"}
    assert backend.name() == "numpy"  # other threads keep the process's
    with backend.in_thread(None):  # None: no change
        assert backend.name() == "numpy"
    with pytest.raises(ValueError, match="backend"), backend.in_thread("cuda"):
        pass


def test_an_unknown_backend_is_refused_or_logged(monkeypatch, caplog, use_backend):
    with pytest.raises(ValueError, match="backend"):
        backend.use("cuda")
    monkeypatch.setenv("RC_BACKEND", "fortran")
    use_backend(None)
    with caplog.at_level(logging.WARNING, logger="recurrent_core.cells.backend"):
        assert backend.name() == "numba"  # auto
    assert "RC_BACKEND" in caplog.text


def test_without_numba_the_numpy_loops_run_and_the_log_says_so(monkeypatch, caplog, use_backend):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.setitem(sys.modules, "recurrent_core.cells._compiled", None)
    monkeypatch.delattr(sys.modules["recurrent_core.cells"], "_compiled")
    monkeypatch.setattr(backend, "_tried", False)
    monkeypatch.setattr(backend, "_compiled", None)
    use_backend("auto")
    with caplog.at_level(logging.WARNING, logger="recurrent_core.cells.backend"):
        assert backend.kernels() is None
    assert "numba is not available" in caplog.text and "NumPy" in caplog.text
    layer, x, dhs, h0, c0 = problem("lstm", {}, (5, 2, 3, 4))
    trace = rc.bptt(layer, x, dhs, h0, c0)  # the core still works
    assert trace.hs.shape == (5, 2, 4)
    assert warmup.warm_up() == 0.0


def test_the_background_warm_up_leaves_other_threads_on_numpy_until_it_is_done(monkeypatch, use_backend):
    use_backend("auto")
    started, release, done = threading.Event(), threading.Event(), []
    real = warmup.warm_up

    def slow_warm_up():
        started.set()
        release.wait(10)
        return real()

    monkeypatch.setattr(warmup, "warm_up", slow_warm_up)
    thread = warmup.warm_up_in_background(then=lambda: done.append(True))
    assert started.wait(10)
    assert backend.kernels() is None  # pending: this thread runs the NumPy loops
    with backend.warming():
        assert backend.kernels() is not None  # the warm-up's own thread does not wait for itself
    release.set()
    thread.join(30)
    assert done == [True] and backend.kernels() is not None
    assert warmup.warm_up() > 0.0


def test_every_compiled_loop_releases_pythons_lock():
    """A lab run trains in one compiled call per chunk of 64 steps (~120 ms for the LSTM at the lab's defaults): one
    that kept the GIL stalled every page beside it for as long (benchmarks/lab_beside_pages.py). Every compiled
    function, the core's loops and the training step, is compiled with nogil."""
    import numba

    from recurrent_core.cells import _compiled as cells_compiled
    from recurrent_core.training import _compiled as training_compiled

    found = 0
    for module in (cells_compiled, training_compiled):
        for name, value in vars(module).items():
            if isinstance(value, numba.core.registry.CPUDispatcher):
                assert value.targetoptions.get("nogil") is True, f"{module.__name__}.{name}"
                found += 1
    assert found >= 20
