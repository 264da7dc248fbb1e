"""Property test of the "Your model" page's readings: over 300+ random settings of the page's own controls (the
example models and small random models of every kind, 1-2 layers, bidirectional or not, saved as the user would
upload them; every input kind incl. ids and an uploaded array; T from 1; loss at the last or every step; one
output unit or all; input scale 0; the RNN's activation; exploding and dead-ReLU runs), every rendered claim is
checked in English and Korean against the data drawn beside it (tests/checkers_model.py). Seeded: the same
settings on every run."""

from __future__ import annotations

import io
import random
import time

import checkers_model
import numpy as np
import pytest
from claim_registry import check_all

import recurrent_core as rc
from explorer.model import claims as mc
from explorer.model import data as mv

N_SETTINGS = 320


def weights_file(stack: rc.Stack, fmt: str, extra: dict[str, np.ndarray]) -> bytes:
    state = {f"rnn.{k}": v for k, v in rc.to_pytorch(stack).items()} | extra
    buf = io.BytesIO()
    rc.save_weights(state, buf, fmt=fmt)  # type: ignore[arg-type]
    return buf.getvalue()


def npy(x: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, x)
    return buf.getvalue()


def one_setting(rng: random.Random, i: int) -> tuple[bytes, str, mv.InputSpec, str, bytes | None, str]:
    """(file bytes, file name, input settings, nonlinearity, uploaded input, its name)."""
    if i % 10 == 0:  # an example model, on its task or otherwise
        source = rng.choice(sorted(mv.EXAMPLES))
        data, name = mv.example_bytes(source)
        D = 2
    else:
        kind = rng.choice(["rnn", "lstm", "gru"])
        D, H = rng.randint(1, 4), rng.randint(1, 5)
        scheme, scale = rng.choice([("pytorch", 1.0), ("gaussian", 0.5), ("gaussian", 3.0), ("identity", 1.0),
                                    ("orthogonal", 1.5), ("gaussian", 8.0)])  # fmt: skip
        opts: dict = {"scheme": scheme}
        if scheme != "pytorch":
            opts["scale"] = scale
        if kind == "rnn":
            opts["nonlinearity"] = "tanh"  # the file cannot say; the page's choice below decides
        if kind == "lstm":
            opts["forget_bias"] = rng.choice([-3.0, 0.0, 1.0, 6.0])
        if kind == "gru":
            opts["update_bias"] = rng.choice([-3.0, 0.0, 2.0])
        stack = rc.init_stack(kind, D, H, rng.randint(1, 2), rng.random() < 0.5, rng.randint(0, 999), **opts)
        extra = {"embed.weight": np.random.default_rng(i).standard_normal((rng.randint(3, 9), D))}
        fmt = rng.choice(["safetensors", "npz"])
        data, name = weights_file(stack, fmt, extra), f"m{i}.{fmt}"
    input_kind = rng.choice(["random", "random", "adding", "file", "rows", "onehot"])
    T = rng.choice([1, 1, 2, 3, 7, 20, 45, rng.randint(1, 60)])
    spec = mv.InputSpec(
        T=T,
        N=rng.choice([1, 1, 2, 3]),
        kind=input_kind,
        scale=rng.choice([0.0, 0.5, 1.0, 3.0]),
        seed=rng.randint(0, 2**31 - 1),
        loss=rng.choice(["last", "every"]),
        unit=rng.choice([-1, -1, 0, 1, 3, 9, 4095]),
    )
    upload, upload_name = None, ""
    if input_kind == "file":
        upload, upload_name = npy(np.random.default_rng(i).standard_normal((T, spec.N, D))), "x.npy"
    elif input_kind == "onehot":
        spec = spec.__class__(**{**spec.__dict__, "ids": tuple(rng.randrange(D) for _ in range(T))})
    elif input_kind == "rows":
        if name.endswith(".safetensors") and name.startswith("lstm_adding"):  # the examples hold no table of D = 2
            ids = tuple(rng.randrange(2) for _ in range(T))
            spec = spec.__class__(**{**spec.__dict__, "kind": "onehot", "ids": ids})
        else:
            table = mv.tables_for(mv.arrays_in(data), D)
            assert table, name
            assert table[0] == "embed.weight", table
            ids = tuple(rng.randrange(3) for _ in range(T))
            spec = spec.__class__(**{**spec.__dict__, "table": table[0], "ids": ids})
    return data, name, spec, rng.choice(["tanh", "tanh", "relu"]), upload, upload_name


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_every_model_reading_holds_over_random_settings():
    rng = random.Random(20261204)
    start = time.perf_counter()
    sentences = 0
    seen: set[tuple[str, str]] = set()
    for i in range(N_SETTINGS):
        data, name, spec, act, upload, upload_name = one_setting(rng, i)
        scan = mv.scan(data, name)
        prefix = "rnn" if any(m.name == "rnn" for m in scan.modules) else None
        if prefix is None:
            assert len(scan.modules) == 1
            prefix = scan.modules[0].name
        info, result = mv.compute(data, spec, prefix, act, upload, upload_name, None, name)
        loaded = mv.load_model(data, prefix, act, None, name)
        activation = getattr(loaded.stack.layers[0], "nonlinearity", "") if loaded.kind == "rnn" else ""
        claims = mc.model_claims(result, info)
        assert claims
        context = checkers_model.ModelContext(result, info, activation)
        sentences += check_all(claims, context)
        for c in claims:
            if isinstance(c, mc.LayerTrendClaim):
                seen.add((c.trend.direction, "rev" if c.reverse else "fwd"))
    elapsed = time.perf_counter() - start
    assert sentences > 3000
    # the extremes were reached: both orientations vanish, something explodes, something steady
    assert {("vanishes", "fwd"), ("vanishes", "rev"), ("explodes", "fwd"), ("steady", "fwd")} <= seen, seen
    assert elapsed < 120, elapsed


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_gru_in_the_books_formulation_is_read_with_its_own_keep_gate():
    """A Keras GRU with reset_after=False (or ONNX linear_before_reset=0) loads in the book's formulation: its keep
    factor is the book's 1 − z; the readings name it so (checked by the same checkers)."""
    rng = random.Random(7)
    for i in range(40):
        stack = rc.init_stack("gru", 2, rng.randint(1, 4), rng.randint(1, 2), rng.random() < 0.5, i,
                              formulation="dlfs2", update_bias=rng.choice([-3.0, 0.0, 3.0]))  # fmt: skip
        loaded = mv.LoadedModel(stack=stack, module="gru", digest=str(i), fmt="keras3")
        spec = mv.InputSpec(T=rng.choice([1, 2, 9, 30]), loss=rng.choice(["last", "every"]), seed=i)
        result = mv.run(loaded, spec)
        assert result.formulation == "dlfs2"
        claims = mc.model_claims(result, loaded.info)
        check_all(claims, checkers_model.ModelContext(result, loaded.info, ""))
        assert any("the book's 1 − z" in c.render("en") for c in claims if isinstance(c, mc.GateShiftClaim))
