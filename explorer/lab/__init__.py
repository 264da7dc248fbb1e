"""The training lab: its runs and scheduler (``training.py``) and its readings."""
