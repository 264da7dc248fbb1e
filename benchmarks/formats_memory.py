"""Memory of the app's process with and without a Keras / ONNX load (issue 18): each case in a fresh Python that
imports what the app imports (Streamlit, the explorer, the core), then loads one file with rc.load_weights; peak RSS
(VmHWM) and the current RSS, beside the same process that loads a .safetensors file instead.

    python -m benchmarks.formats_memory
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
import streamlit, explorer.model.data, explorer.flow.data, charts  # what the app has imported by then
import recurrent_core as rc
def status(key):  # VmRSS now, VmHWM the peak of this process (a fresh address space: not the parent's)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith(key + ":"))
def rss():
    return status("VmRSS")
before = rss()
t0 = time.perf_counter()
path = sys.argv[1]
if path:
    layer = rc.load_weights(path)
took = time.perf_counter() - t0
print(json.dumps({"before": before, "after": rss(), "peak": status("VmHWM"),
                  "seconds": took, "h5py": "h5py" in sys.modules, "onnx": "onnx" in sys.modules}))
"""


def make_files(folder: Path) -> dict[str, str]:
    import numpy as np
    import torch
    from safetensors.torch import save_file

    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(64, 256)
    save_file(lstm.state_dict(), folder / "m.safetensors")
    buf = io.BytesIO()
    torch.onnx.export(lstm, (torch.randn(10, 1, 64),), buf, dynamo=False)
    (folder / "m.onnx").write_bytes(buf.getvalue())
    model = keras.Sequential([keras.Input((10, 64)), keras.layers.Bidirectional(keras.layers.GRU(256))])
    model.save(folder / "m.keras")
    del np
    return {
        "nothing loaded": "",
        ".safetensors (LSTM 64→256)": str(folder / "m.safetensors"),
        ".keras (BiGRU 64→256)": str(folder / "m.keras"),
        ".onnx (LSTM 64→256)": str(folder / "m.onnx"),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp))
        root = Path(__file__).resolve().parent.parent
        print("| case | RSS before load MB | RSS after MB | peak MB | load s | h5py / onnx imported |")
        print("|---|---|---|---|---|---|")
        for name, path in files.items():
            out = subprocess.run([sys.executable, "-c", CHILD, path], cwd=root, capture_output=True, text=True,
                                 check=True)  # fmt: skip
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {name} | {r['before']:.0f} | {r['after']:.0f} | {r['peak']:.0f} | {r['seconds']:.3f} | "
                  f"{'yes' if r['h5py'] else 'no'} / {'yes' if r['onnx'] else 'no'} |")  # fmt: skip


if __name__ == "__main__":
    main()
