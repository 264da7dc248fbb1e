"""The cells and their BPTT: each kind's layer class beside its kernels (rnn.py, lstm.py, gru.py), the ``Cell``
protocol they implement (cell.py), one layer's backward (trace.py), stacks (stack.py), the public ``forward`` and
``bptt`` (bptt.py) and seeded initialisation (init.py)."""

from ._ops import release_recycled
from .bptt import bptt, forward
from .cell import Cell, SequenceGrads, State, StepGrads, step_loop
from .gates import GATE_ACTIVATIONS
from .gru import GRU_FORMULATIONS, GRULayer, GRUTape
from .init import KINDS, SCHEMES, init_layer, init_stack, rescale
from .layers import LAYER_TYPES, PARAM_NAMES, STATE_KEYS, Layer, Tape, layer_options, state_key
from .lstm import LSTMLayer, LSTMTape
from .rnn import NONLINEARITIES, RNNLayer, RNNTape
from .stack import DIRECTIONS, Stack, StackTape, StackTrace, time_ordered
from .trace import Trace

__all__ = [
    "DIRECTIONS",
    "GATE_ACTIVATIONS",
    "GRU_FORMULATIONS",
    "KINDS",
    "LAYER_TYPES",
    "NONLINEARITIES",
    "PARAM_NAMES",
    "SCHEMES",
    "STATE_KEYS",
    "Cell",
    "GRULayer",
    "GRUTape",
    "LSTMLayer",
    "LSTMTape",
    "Layer",
    "RNNLayer",
    "RNNTape",
    "SequenceGrads",
    "Stack",
    "StackTape",
    "StackTrace",
    "State",
    "StepGrads",
    "Tape",
    "Trace",
    "bptt",
    "forward",
    "init_layer",
    "init_stack",
    "layer_options",
    "release_recycled",
    "rescale",
    "state_key",
    "step_loop",
    "time_ordered",
]
