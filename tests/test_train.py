"""Tasks, losses, optimizers, the training loop's bookkeeping and the command line (no PyTorch here: the exactness
against PyTorch is tests/test_train_torch.py). References are literal values, closed forms and finite differences."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from helpers import loss_and_grads, rel_err

import recurrent_core as rc
from recurrent_core.training.cli import main
from recurrent_core.training.fused import FusedStep
from recurrent_core.training.loop import initial_state
from recurrent_core.training.optim import SGD, Adam, clip_grads_
from recurrent_core.training.tasks import readout_loss, task_spec


# ------------------------------------------------------------------------------------------------ tasks
def test_adding_batch_marks_one_step_in_each_half_and_sums_them():
    x, y = rc.task_batch("adding", 11, 50, 3, 7)
    assert x.shape == (11, 50, 2) and y.shape == (50, 1)
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] < 1))
    marks = x[:, :, 1]
    assert set(np.unique(marks)) == {0.0, 1.0}
    assert np.all(marks[:5].sum(axis=0) == 1) and np.all(marks[5:].sum(axis=0) == 1)  # halves [0, 5), [5, 11)
    assert np.allclose(y[:, 0], (x[:, :, 0] * marks).sum(axis=0), rtol=0, atol=1e-15)


def test_batches_are_deterministic_in_seed_and_step_and_differ_otherwise():
    a = rc.task_batch("adding", 20, 8, 5, 3)
    b = rc.task_batch("adding", 20, 8, 5, 3)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert not np.array_equal(a[0], rc.task_batch("adding", 20, 8, 5, 4)[0])
    assert not np.array_equal(a[0], rc.task_batch("adding", 20, 8, 6, 3)[0])
    assert not np.array_equal(a[0], rc.probe_batch("adding", 20, 8, 5)[0])


def test_adding_baseline_is_one_sixth():
    _, y = rc.task_batch("adding", 10, 100_000, 0, 0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=3e-3)
    assert task_spec("adding").baseline == pytest.approx(1 / 6)
    # chance of |y - 1| < 0.04 under the triangular density of u1 + u2
    assert np.mean(np.abs(y - 1.0) < 0.04) == pytest.approx(task_spec("adding").chance_metric, abs=2e-3)


def test_first_symbol_batch_is_one_hot_and_the_target_is_the_first_symbol():
    x, y = rc.task_batch("first", 12, 30, 1, 2, n_symbols=5)
    assert x.shape == (12, 30, 5) and y.shape == (30,) and y.dtype == np.int64
    assert np.all(x.sum(axis=2) == 1)
    assert np.array_equal(y, np.argmax(x[0], axis=1))
    assert task_spec("first", 5).baseline == pytest.approx(math.log(5))


def test_readout_losses_against_literal_values():
    spec = task_spec("adding")
    loss, metric, dout = readout_loss(spec, np.array([[1.0], [0.5]]), np.array([[1.02], [1.5]]))
    assert loss == pytest.approx((0.02**2 + 1.0) / 2)
    assert metric == 0.5
    assert np.allclose(dout, [[-0.02], [-1.0]])
    spec = task_spec("first", 3)
    loss, metric, dout = readout_loss(spec, np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0]]), np.array([1, 0]))
    p = math.exp(2) / (math.exp(2) + 2)
    assert loss == pytest.approx((math.log(3) - math.log(p)) / 2)
    assert metric == 0.5  # argmax of the all-zero row is class 0, not 1
    assert np.allclose(dout[1], [(p - 1) / 2, (1 - p) / 4, (1 - p) / 4])


# ------------------------------------------------------------------------------------------------ optimizers
def test_adam_first_steps_against_hand_computed_values():
    p = {"w": np.array([1.0, -2.0])}
    opt = Adam(0.1)
    opt.step(p, {"w": np.array([0.5, -0.25])})
    # step 1: m̂ = g, v̂ = g², update = lr · g / (|g| + eps) ≈ lr · sign(g)
    assert np.allclose(p["w"], [1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 + 0.1 * 0.25 / (0.25 + 1e-8)], rtol=0, atol=1e-15)
    opt.step(p, {"w": np.array([0.5, 0.0])})
    m = np.array([0.9 * 0.05 + 0.1 * 0.5, 0.9 * -0.025])
    v = np.array([0.999 * 0.00025 + 0.001 * 0.25, 0.999 * 0.0000625])
    w1 = np.array([1.0 - 0.1 * 0.5 / (0.5 + 1e-8), -2.0 + 0.1 * 0.25 / (0.25 + 1e-8)])
    expected = w1 - (0.1 / (1 - 0.9**2)) * m / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert np.allclose(p["w"], expected, rtol=1e-14, atol=0)


def test_sgd_with_weight_decay_and_momentum_against_hand_computed_values():
    p = {"w": np.array([2.0])}
    opt = SGD(0.1, momentum=0.5, weight_decay=0.1)
    opt.step(p, {"w": np.array([1.0])})  # g = 1 + 0.2 = 1.2; b = 1.2; w = 2 - 0.12
    assert p["w"][0] == pytest.approx(1.88, abs=1e-15)
    opt.step(p, {"w": np.array([1.0])})  # g = 1 + 0.188; b = 0.6 + 1.188; w = 1.88 - 0.1788
    assert p["w"][0] == pytest.approx(1.88 - 0.1788, abs=1e-15)


def test_clipping_by_norm_and_value():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0, 4.0]])}
    assert clip_grads_(grads, ("norm", 1.0)) == pytest.approx(5.0)
    assert np.allclose(grads["a"], [3.0 / (5 + 1e-6), 0]) and np.allclose(grads["b"], [[0, 4.0 / (5 + 1e-6)]])
    small = {"a": np.array([0.3, 0.4])}
    clip_grads_(small, ("norm", 1.0))
    assert np.array_equal(small["a"], [0.3, 0.4])  # under the threshold: untouched
    grads = {"a": np.array([3.0, -0.5, -7.0])}
    clip_grads_(grads, ("value", 1.0))
    assert np.array_equal(grads["a"], [1.0, -0.5, -1.0])


# ------------------------------------------------------------------------------------------------ gradients
def _numeric_grad(f, params, key, eps=1e-6):
    g = np.zeros_like(params[key])
    for idx in np.ndindex(g.shape):
        old = params[key][idx]
        params[key][idx] = old + eps
        up = f()
        params[key][idx] = old - eps
        down = f()
        params[key][idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


def _gru_dlfs2_loss(params, x, y):
    """The book's GRU (Cho et al. v3, reset before the matmul; z updates) and the MSE readout, written from the
    equations: an independent forward for the finite differences."""
    W_ih, W_hh = params["weight_ih_l0"], params["weight_hh_l0"]
    b = params["bias_ih_l0"] + params["bias_hh_l0"]
    H = W_hh.shape[1]

    def sig(a):
        return 1 / (1 + np.exp(-a))

    h = np.zeros((x.shape[1], H))
    for x_t in x:
        r = sig(x_t @ W_ih[:H].T + h @ W_hh[:H].T + b[:H])
        z = sig(x_t @ W_ih[H : 2 * H].T + h @ W_hh[H : 2 * H].T + b[H : 2 * H])
        n = np.tanh(x_t @ W_ih[2 * H :].T + (r * h) @ W_hh[2 * H :].T + b[2 * H :])
        h = (1 - z) * h + z * n
    out = h @ params["fc.weight"].T + params["fc.bias"]
    return float(np.mean((out - y) ** 2))


@pytest.mark.parametrize("truncate", [None, 3])
def test_book_gru_one_sgd_step_is_minus_lr_times_the_finite_difference_gradient(truncate):
    """No torch module computes the book's GRU: one SGD step of rc.train against central differences of the
    training loss (the truncated case against the loss with the state cut where the last block starts)."""
    T, H, lr = 7, 3, 0.5
    run = rc.train(
        "gru", "adding", T, H, 1, 4, batch=3, optimizer="sgd", lr=lr, formulation="dlfs2", update_bias=1.0,
        truncate=truncate,
    )  # fmt: skip
    x, y = rc.task_batch("adding", T, 3, 4, 0)
    params = {k: v.copy() for k, v in run.initial.items()}
    if truncate is None:

        def f():
            return _gru_dlfs2_loss(params, x, y)
    else:
        # truncate=3, T=7: the gradient reaches steps 6 only (blocks [0,3), [3,6), [6,7)); the state entering
        # step 6 is a constant: emulate it by a prefix run with frozen parameters
        frozen = {k: v.copy() for k, v in params.items()}
        t0 = 6

        def f():
            # loss of a 1-step sequence from the frozen state: prepend the prefix with frozen weights
            return _gru_from_state(params, frozen, x, y, t0)

    assert run.loss[0] == pytest.approx(_gru_dlfs2_loss(params, x, y), rel=1e-12)
    for key in params:
        numeric = _numeric_grad(f, params, key)
        step = (run.initial[key] - run.final[key]) / lr
        assert rel_err(step, numeric) < 1e-6, key


def _gru_from_state(params, frozen, x, y, t0):
    H = params["weight_hh_l0"].shape[1]

    def run_gru(p, xs, h):
        W_ih, W_hh = p["weight_ih_l0"], p["weight_hh_l0"]
        b = p["bias_ih_l0"] + p["bias_hh_l0"]
        for x_t in xs:
            r = 1 / (1 + np.exp(-(x_t @ W_ih[:H].T + h @ W_hh[:H].T + b[:H])))
            z = 1 / (1 + np.exp(-(x_t @ W_ih[H : 2 * H].T + h @ W_hh[H : 2 * H].T + b[H : 2 * H])))
            n = np.tanh(x_t @ W_ih[2 * H :].T + (r * h) @ W_hh[2 * H :].T + b[2 * H :])
            h = (1 - z) * h + z * n
        return h

    h = run_gru(frozen, x[:t0], np.zeros((x.shape[1], H)))
    h = run_gru(params, x[t0:], h)
    out = h @ params["fc.weight"].T + params["fc.bias"]
    return float(np.mean((out - y) ** 2))


VARIANTS = [("rnn", {"nonlinearity": "tanh"}), ("rnn", {"nonlinearity": "relu"}), ("lstm", {}), ("gru", {})]


@pytest.mark.parametrize("truncate", [None, 1, 4, 10])
@pytest.mark.parametrize("variant", VARIANTS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_fused_step_equals_forward_plus_bptt(variant, truncate):
    """The fast path against the public rc.forward + rc.bptt (truncate=k in bptt with the upstream at the last
    step), every kind, for one loss and all gradients."""
    kind, options = variant
    T, N, H = 10, 4, 5
    spec = task_spec("adding")
    params = initial_state(kind, spec, H, 2, **options)
    rng = np.random.default_rng(0)
    params = {k: v + rng.normal(0, 0.3, v.shape) for k, v in params.items()}
    x, y = rc.task_batch("adding", T, N, 1, 0)
    ref = loss_and_grads(params, x, y, spec, kind, truncate=truncate, **options)
    fused = FusedStep(kind, T, N, 2, H, options.get("nonlinearity", "tanh"))
    for _ in range(2):  # the buffers are reused: a second call gives the same
        h_T = fused.forward(params, x)
        loss, _, dout = readout_loss(spec, h_T @ params["fc.weight"].T + params["fc.bias"], y)
        grads = fused.backward(dout @ params["fc.weight"], truncate)
        assert loss == pytest.approx(ref.loss, rel=1e-13)
        for key, g in grads.items():
            assert rel_err(g, ref.grads[key]) < 1e-12, key


def test_engines_train_the_same_run():
    a = rc.train("lstm", "first", 8, 4, 5, 0, batch=3, optimizer="adam", lr=0.05, truncate=3, forget_bias=1.0)
    b = rc.train(
        "lstm", "first", 8, 4, 5, 0, batch=3, optimizer="adam", lr=0.05, truncate=3, forget_bias=1.0, engine="bptt"
    )
    assert rel_err(a.loss, b.loss) < 1e-12
    assert all(rel_err(a.final[k], b.final[k]) < 1e-10 for k in a.final)


# ------------------------------------------------------------------------------------------------ the loop
def test_snapshots_checkpoints_and_stopping_early():
    kw = dict(batch=4, optimizer="adam", lr=0.01, update_bias=1.0, record_every=3)
    snaps = list(rc.train_iter("gru", "adding", 6, 3, 10, 1, **kw))
    assert [s.steps_done for s in snaps] == [0, 3, 6, 9, 10]
    assert [s.status for s in snaps] == ["running"] * 4 + ["done"]
    last = snaps[-1]
    assert list(last.checkpoints) == [0, 3, 6, 9, 10]
    assert last.flow.shape == (5, 6) and last.probe_loss.shape == (5,)
    assert last.loss.shape == last.metric.shape == last.grad_norm.shape == (10,)
    assert not last.stopped and snaps[2].stopped
    # the state at a snapshot is the state of a run asked for that many steps; earlier losses are never rewritten
    short = rc.train("gru", "adding", 6, 3, 6, 1, **kw)
    assert all(np.array_equal(snaps[2].final[k], short.final[k]) for k in short.final)
    assert np.array_equal(snaps[2].loss, last.loss[:6])
    assert all(np.array_equal(s.initial[k], last.initial[k]) for s in snaps for k in last.initial)
    assert snaps[0].steps_done == 0 and all(np.array_equal(snaps[0].final[k], last.initial[k]) for k in last.initial)


def test_initial_state_is_the_core_init_and_a_linear_readout():
    run = rc.train("lstm", "adding", 5, 6, 1, 9, batch=2, optimizer="sgd", lr=0.1, forget_bias=1.0)
    layer = rc.init_layer("lstm", 2, 6, 9, forget_bias=1.0)
    assert np.array_equal(run.initial["weight_hh_l0"], layer.W_hh)
    assert np.array_equal(run.initial["bias_ih_l0"], layer.b_ih)
    assert run.initial["fc.weight"].shape == (1, 6) and run.initial["fc.bias"].shape == (1,)
    assert np.all(np.abs(run.initial["fc.weight"]) <= 1 / math.sqrt(6))
    assert set(run.final) == {*rc.STATE_KEYS, "fc.weight", "fc.bias"}


def test_exploding_relu_run_stops_as_diverged_with_finite_weights():
    run = rc.train(
        "rnn", "adding", 40, 8, 50, 0, batch=4, optimizer="sgd", lr=1e6, nonlinearity="relu", scheme="identity",
        record_every=10,
    )  # fmt: skip
    assert run.status == "diverged" and run.stopped
    assert all(np.all(np.isfinite(v)) for v in run.final.values())


def test_lab_defaults_and_settings():
    d = rc.LAB_DEFAULTS
    assert d["task"] in rc.TASKS and set(d["gate_bias"]) == {"rnn", "lstm", "gru"}
    s = rc.lab_settings("lstm", steps=2, T=6)
    run = rc.train("lstm", seed=0, **s)
    assert run.steps_done == 2 and run.settings["forget_bias"] == d["gate_bias"]["lstm"].get("forget_bias", 0.0)


BAD = [
    ({"kind": "transformer"}, "kind"),
    ({"task": "copy"}, "task"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"lr": 0.0}, "lr"),
    ({"lr": -1.0}, "lr"),
    ({"lr": float("nan")}, "lr"),
    ({"clip": ("norm", 0.0)}, "clip"),
    ({"clip": ("norm", float("nan"))}, "clip"),
    ({"clip": ("value", -1.0)}, "clip"),
    ({"clip": ("max", 1.0)}, "clip"),
    ({"truncate": 0}, "truncate"),
    ({"truncate": 9}, "truncate"),
    ({"steps": 0}, "steps"),
    ({"T": 1}, "T"),
    ({"batch": 0}, "batch"),
    ({"record_every": 0}, "record_every"),
    ({"engine": "gpu"}, "engine"),
    ({"kind": "rnn", "forget_bias": 1.0}, "forget_bias"),
]


@pytest.mark.parametrize(("change", "name"), BAD, ids=[f"{c[1]}-{i}" for i, c in enumerate(BAD)])
def test_bad_input_raises_value_error_naming_it(change, name):
    args = {"kind": "lstm", "task": "adding", "T": 8, "H": 3, "steps": 2, "seed": 0}
    kw = {"batch": 2, "optimizer": "adam", "lr": 0.01}
    for k, v in change.items():
        (args if k in args else kw)[k] = v
    kind = args.pop("kind")
    with pytest.raises(ValueError, match=name):
        rc.train(kind, **args, **kw)
    with pytest.raises(ValueError, match=name):
        rc.train_iter(kind, **args, **kw)  # checked when called, before the first snapshot is asked for


def test_bad_task_batch_arguments():
    bad = [(("sum", 5, 2, 0, 0), "task"), (("adding", 5, 2, 0, -1), "step"), (("adding", 5, 0, 0, 0), "batch")]
    for args, name in bad:
        with pytest.raises(ValueError, match=name):
            rc.task_batch(*args)


# ------------------------------------------------------------------------------------------------ files, CLI
def test_command_line_trains_prints_and_writes_the_run(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        ["--kind", "gru", "--task", "adding", "--T", "6", "--H", "3", "--batch", "4", "--steps", "8",
         "--record-every", "4", "--seed", "2", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "step      8/8" in printed and "done: 8 steps" in printed
    with open(out / "curves.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in rows] == list(range(8))
    run = rc.train(
        "gru", "adding", 6, 3, 8, 2, batch=4, optimizer=rc.LAB_DEFAULTS["optimizer"], lr=rc.LAB_DEFAULTS["lr"],
        clip=rc.LAB_DEFAULTS["clip"], record_every=4, **rc.LAB_DEFAULTS["gate_bias"]["gru"],
    )  # fmt: skip
    assert np.array_equal([float(r["loss"]) for r in rows], run.loss)
    with np.load(out / "final.npz", allow_pickle=False) as data:
        assert set(data.files) == set(run.final)
        assert all(np.array_equal(data[k], run.final[k]) for k in data.files)
    # the same weights as .safetensors, which the "Your model" page and PyTorch read; the readout is not recurrent
    state, prefix = rc.read_state(out / "final.safetensors")
    assert prefix == "" and set(state) == set(run.final) - {"fc.weight", "fc.bias"}
    assert all(np.array_equal(state[k], run.final[k]) for k in state)
    with open(out / "flow.csv") as f:
        assert len(list(csv.DictReader(f))) == 3 * 6  # checkpoints 0, 4, 8 × T
    summary = json.loads((out / "run.json").read_text())
    assert summary["status"] == "done" and summary["settings"]["kind"] == "gru"


def test_command_line_reports_bad_input(capsys):
    assert main(["--kind", "lstm", "--T", "5", "--truncate", "9", "--steps", "2"]) == 2
    assert "truncate" in capsys.readouterr().err


def test_save_state_refuses_other_formats(tmp_path):
    with pytest.raises(ValueError, match="npz"):
        rc.save_state({"a": np.zeros(2)}, tmp_path / "w.pt")


@pytest.mark.parametrize("variant", VARIANTS, ids=["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_fused_flow_equals_the_log_domain_flow_norms(variant):
    """The checkpoints' log10 ‖∂L/∂h_t‖ from the fused backward against rc.flow_norms + rc.aggregate("l2")."""
    from helpers import probe_flow_reference as _probe_flow

    kind, options = variant
    T, N, H = 12, 6, 5
    spec = task_spec("adding")
    params = initial_state(kind, spec, H, 3, **options)
    x, y = rc.probe_batch("adding", T, N, 3)
    nl = options.get("nonlinearity", "tanh")
    ref, ref_loss = _probe_flow(params, x, y, spec, kind, nl, "pytorch")
    row, loss = _probe_flow(params, x, y, spec, kind, nl, "pytorch", FusedStep(kind, T, N, 2, H, nl))
    assert np.max(np.abs(row - ref)) < 1e-12 and loss == pytest.approx(ref_loss, rel=1e-14)


# ------------------------------------------------------------------------------------------------ the configuration
def test_train_config_fields_are_the_arguments_of_train_with_their_defaults():
    import inspect

    fields = {
        "kind": None, "task": None, "T": None, "H": None, "steps": None, "seed": None, "batch": None,
        "optimizer": None, "lr": None, "clip": None, "truncate": None, "forget_bias": 0.0, "update_bias": 0.0,
        "scheme": "pytorch", "nonlinearity": "tanh", "formulation": "pytorch", "chrono_tmax": None,
        "weight_decay": 0.0, "momentum": 0.0, "record_every": None, "probe_batch_size": 64, "n_symbols": 4,
        "engine": "fused",
    }  # fmt: skip
    for fn in (rc.train, rc.train_iter, rc.TrainConfig):
        params = inspect.signature(fn).parameters
        assert list(params) == list(fields), fn
        for name, p in params.items():
            assert (None if p.default is inspect.Parameter.empty else p.default) == fields[name], (fn, name)
        assert next(n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY) == "batch"


def test_lab_defaults_are_the_sweeps_run():
    assert rc.LAB_DEFAULTS == {
        "task": "adding",
        "T": 50,
        "H": 32,
        "batch": 32,
        "steps": 1000,
        "optimizer": "adam",
        "lr": 0.02,
        "clip": ("norm", 1.0),
        "truncate": None,
        "record_every": 25,
        "gate_bias": {"rnn": {}, "lstm": {"forget_bias": 1.0}, "gru": {"update_bias": 1.0}},
    }
    assert rc.lab_settings("gru", T=20) == {
        "task": "adding", "T": 20, "H": 32, "batch": 32, "steps": 1000, "optimizer": "adam", "lr": 0.02,
        "clip": ("norm", 1.0), "truncate": None, "record_every": 25, "update_bias": 1.0,
    }  # fmt: skip
    with pytest.raises(ValueError, match="kind"):
        rc.lab_settings("cnn")


def test_train_config_is_frozen_normalised_and_round_trips():
    c = rc.TrainConfig("rnn", "adding", 6, 3, 4, 1, batch=2, optimizer="sgd", lr=1, clip=["norm", 2], momentum=0.5)
    assert c.lr == 1.0 and isinstance(c.lr, float) and c.clip == ("norm", 2.0) and c.momentum == 0.5
    with pytest.raises(AttributeError):
        c.lr = 0.1  # type: ignore[misc]
    assert rc.TrainConfig(**c.kwargs()) == c and hash(rc.TrainConfig(**c.kwargs())) == hash(c)
    assert c.replace(T=8).T == 8
    with pytest.raises(ValueError, match="truncate"):
        c.replace(truncate=7)  # checked again: truncate <= T
    a, b = rc.train(c), rc.train(**c.kwargs())
    assert np.array_equal(a.loss, b.loss) and a.settings == b.settings
    assert a.settings["clip"] == ["norm", 2.0] and a.settings["record_every"] == 1 and a.settings["n_symbols"] is None


def test_train_config_from_a_flat_mapping():
    c = rc.TrainConfig.from_mapping({"kind": "gru", "T": 20, "lr": 0.05, "seed": 3})
    assert (c.kind, c.T, c.lr, c.seed) == ("gru", 20, 0.05, 3)
    assert c.update_bias == 1.0 and c.forget_bias == 0.0  # the lab's gate bias for the kind
    assert c == rc.TrainConfig("gru", seed=3, **rc.lab_settings("gru", T=20, lr=0.05))
    assert rc.TrainConfig.from_mapping({}).kind == "lstm"
    with pytest.raises(ValueError, match=r"unknown training options \['colour'\]"):
        rc.TrainConfig.from_mapping({"colour": "red"})
    with pytest.raises(ValueError, match="lr"):
        rc.TrainConfig.from_mapping({"lr": -1})


def test_command_line_flags_are_unchanged():
    from recurrent_core.training.cli import _parser

    flags = {s for action in _parser()._actions for s in action.option_strings}
    assert flags == {
        "-h", "--help", "--kind", "--task", "--T", "--H", "--batch", "--steps", "--seed", "--optimizer", "--lr",
        "--weight-decay", "--momentum", "--clip-norm", "--clip-value", "--no-clip", "--truncate", "--forget-bias",
        "--update-bias", "--scheme", "--nonlinearity", "--formulation", "--n-symbols", "--record-every", "--out",
        "--quiet",
    }  # fmt: skip
    args = _parser().parse_args([])
    assert (args.kind, args.task, args.T, args.H, args.batch, args.steps, args.seed) == (
        "lstm",
        "adding",
        50,
        32,
        32,
        1000,
        0,
    )
    assert (args.optimizer, args.lr, args.clip_norm, args.forget_bias, args.record_every) == (
        "adam",
        0.02,
        1.0,
        None,
        25,
    )


def test_command_line_gate_bias_defaults_to_the_labs_for_the_kind():
    from recurrent_core.training.cli import _parser, config_from_args

    def config(*argv):
        return config_from_args(_parser().parse_args(list(argv)))

    assert config("--kind", "lstm").forget_bias == 1.0
    assert config("--kind", "lstm", "--forget-bias", "2.5").forget_bias == 2.5
    assert config("--kind", "gru").update_bias == 1.0 and config("--kind", "rnn").forget_bias == 0.0
    assert config("--no-clip").clip is None and config("--clip-value", "0.5").clip == ("value", 0.5)
    assert config("--steps", "10").record_every == 10  # a checkpoint at least at the end


def test_the_lstm_probe_reads_norms_whose_squares_leave_float64s_range():
    """‖∂L/∂h_t‖ near 1e300 (a readout of 1e150) and near 1e-200 (of 1e-200): the probe's h and c rows are the
    norms of rc.bptt's ∂L/∂h_t and ∂L/∂c_t, scaled before squaring, with no inf and no 0."""
    from recurrent_core.training.step import layer_of, lstm_probe_flow

    T, N, H = 6, 3, 4
    spec = task_spec("adding")
    x, y = rc.probe_batch("adding", T, N, 2)
    for factor, log10_factor in ((1e150, 150), (1e-200, -200)):
        params = initial_state("lstm", spec, H, 2)
        dh, _, _ = lstm_probe_flow(params, x, y, spec)
        params["fc.weight"] = params["fc.weight"] * factor
        big_dh, big_dc, _ = lstm_probe_flow(params, x, y, spec)
        assert np.isfinite(big_dh).all() and np.isfinite(big_dc).all()
        # the readout scales out = h W_fcᵀ + b too: compare with the exact gradient, by its own scale
        layer = layer_of(params, "lstm", "tanh", "pytorch")
        h_T = rc.forward(layer, x).hs[-1]
        dout = 2.0 * (h_T @ params["fc.weight"].T + params["fc.bias"] - y) / N
        scale = 10.0 ** (log10_factor / 2)
        dhs = np.zeros((T, N, H))
        dhs[-1] = (dout / scale) @ (params["fc.weight"] / scale)  # ∂L/∂h_T ÷ factor, inside float64
        trace = rc.bptt(layer, x, dhs)
        want_dh = np.log10(np.linalg.norm(trace.dh.reshape(T, -1), axis=1)) + log10_factor
        want_dc = np.log10(np.linalg.norm(trace.dc.reshape(T, -1), axis=1)) + log10_factor
        np.testing.assert_allclose(big_dh, want_dh, rtol=1e-12)
        np.testing.assert_allclose(big_dc, want_dc, rtol=1e-12)
        assert np.all(np.abs(big_dh - dh) > 100)
