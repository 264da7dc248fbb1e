"""Exact NumPy backpropagation through time for a vanilla RNN, an LSTM and a GRU, and analyses of the flow.

NumPy only. The public interface::

    layer = rc.from_pytorch(state)      # PyTorch single-layer names -> RNNLayer / GRULayer / LSTMLayer
    state = rc.to_pytorch(layer)
    trace = rc.bptt(layer, x, dhs)      # trace.hs, .dh, .dc, .dx, .grads
"""
from .bptt import Trace, bptt, forward
from .init import SCHEMES, init_layer, rescale
from .interop import STATE_KEYS, from_pytorch, load_npz, save_npz, to_pytorch
from .layers import GRU_FORMULATIONS, NONLINEARITIES, GRULayer, LSTMLayer, RNNLayer

__all__ = [
    "Trace", "bptt", "forward", "SCHEMES", "init_layer", "rescale", "STATE_KEYS", "from_pytorch", "load_npz",
    "save_npz", "to_pytorch", "GRU_FORMULATIONS", "NONLINEARITIES", "GRULayer", "LSTMLayer", "RNNLayer",
]
