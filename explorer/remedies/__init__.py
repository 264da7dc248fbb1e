"""The Remedies page: clipping, truncated BPTT and initialisation presets, and their readings."""
