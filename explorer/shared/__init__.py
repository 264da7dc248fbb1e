"""What every page shares: the controls and the URL, the language, the cache, the process set-up, the curves and
the claim machinery, and the Streamlit wiring (``ui.py``, the only Streamlit module here)."""
