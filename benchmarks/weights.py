"""Time and peak memory of ``rc.read_state`` on a large file, and the time to refuse hostile ones.

Run from the repository root::

    python -m benchmarks.weights

The large file is a 2-layer bidirectional LSTM with D = 64, H = 512 (8.7 M parameters, float32 as PyTorch saves
them: 35 MB), written once as .safetensors (our writer; the ``safetensors`` package's reader is timed beside ours
when it is installed) and as .npz. Peak memory is tracemalloc's (NumPy's allocations included), measured in a
separate call from the timing. The hostile files: a zip whose members claim 10 GB, a .safetensors header whose
length claims 2**60 bytes, 60 MB of random bytes (under the 64 MiB default cap: refused on its first bytes), and
the largest header the 4 MiB header cap lets through (70,000 empty tensors), parsed in full before the refusal.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import io
import json
import statistics
import struct
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import recurrent_core as rc

D, H, LAYERS = 64, 512, 2


def lstm_state(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A 2-layer bidirectional nn.LSTM state dict under a whole model's prefix, float32."""
    state: dict[str, np.ndarray] = {"embed.weight": rng.normal(size=(100, D)).astype(np.float32)}
    for layer in range(LAYERS):
        for suffix in ("", "_reverse"):
            width = D if layer == 0 else 2 * H
            shapes = {"weight_ih": (4 * H, width), "weight_hh": (4 * H, H), "bias_ih": (4 * H,), "bias_hh": (4 * H,)}
            for name, shape in shapes.items():
                state[f"encoder.lstm.{name}_l{layer}{suffix}"] = rng.uniform(-0.04, 0.04, shape).astype(np.float32)
    return state


def timed(call: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def peak(call: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refused(call: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            call()
        except ValueError:
            return
        raise AssertionError("not refused")

    return run


def zip_bomb() -> bytes:
    """A small .npz whose three members each declare 3.33 GB in the central directory: 10 GB in all."""
    buf = io.BytesIO()
    np.savez(buf, weight_ih_l0=np.zeros((4, 3)), weight_hh_l0=np.zeros((4, 4)), bias_ih_l0=np.zeros(4))
    out = bytearray(buf.getvalue())
    start = 0
    while (i := out.find(b"PK\x01\x02", start)) >= 0:
        struct.pack_into("<I", out, i + 24, 3_333_333_334)
        start = i + 4
    return bytes(out)


def many_tensors() -> bytes:
    """The worst header under the 4 MiB header cap: 70,000 empty tensors and no recurrent module."""
    header = {f"t{i:06d}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(70_000)}
    raw = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(raw)) + raw


def main() -> None:
    rng = np.random.default_rng(0)
    state = lstm_state(rng)
    n_params = sum(v.size for k, v in state.items() if k.startswith("encoder.lstm."))
    with tempfile.TemporaryDirectory() as tmp:
        st_path, npz_path = Path(tmp) / "model.safetensors", Path(tmp) / "model.npz"
        rc.save_weights(state, st_path)
        rc.save_weights(state, npz_path)
        st_bytes = st_path.read_bytes()
        loaded, prefix = rc.read_state(st_path)
        assert prefix == "encoder.lstm" and sum(v.size for v in loaded.values()) == n_params
        print(f"2-layer bidirectional LSTM, D={D}, H={H}: {n_params / 1e6:.2f} M parameters, float32")
        print(f"  .safetensors {st_path.stat().st_size / 1e6:.1f} MB, .npz {npz_path.stat().st_size / 1e6:.1f} MB")
        print(f"  result: {sum(v.nbytes for v in loaded.values()) / 1e6:.1f} MB of float64")
        print(f"{'case':<44} {'median ms':>10} {'peak MB':>9}")
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("rc.read_state(.safetensors path)", lambda: rc.read_state(st_path)),
            ("rc.read_state(.safetensors bytes)", lambda: rc.read_state(st_bytes)),
            ("rc.read_state(.npz path)", lambda: rc.read_state(npz_path)),
        ]
        try:
            import safetensors.numpy as stn

            cases.append(("safetensors.numpy.load_file (float32, ref.)", lambda: stn.load_file(str(st_path))))
        except ImportError:
            pass
        for name, call in cases:
            print(f"{name:<44} {timed(call) * 1e3:>10.1f} {peak(call) / 1e6:>9.1f}")

        random_path = Path(tmp) / "random.safetensors"
        random_path.write_bytes(rng.bytes(60_000_000))
        bomb = zip_bomb()
        lying = struct.pack("<Q", 2**60) + b'{"weight_ih_l0": {}}'
        crowd = many_tensors()
        print("\nrefusals (ValueError)")
        hostile: list[tuple[str, Callable[[], Any]]] = [
            (f"zip bomb claiming 10 GB ({len(bomb)} bytes)", lambda: rc.read_state(bomb)),
            ("safetensors header length 2**60", lambda: rc.read_state(lying)),
            ("60 MB random file (path)", lambda: rc.read_state(random_path)),
            (f"header of {len(crowd) / 2**20:.1f} MiB: 70k empty tensors", lambda: rc.read_state(crowd)),
            ("60 MB random bytes", lambda: rc.read_state(random_bytes)),
        ]
        random_bytes = random_path.read_bytes()
        for name, call in hostile:
            run = refused(call)
            print(f"{name:<44} {timed(run, 5) * 1e3:>10.3f} {peak(run) / 1e6:>9.3f}")


if __name__ == "__main__":
    main()
