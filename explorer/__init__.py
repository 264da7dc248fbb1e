"""The app's own logic between the widgets and the core, one folder per page family (flow, remedies, lab, model,
theory) beside ``shared/``. Streamlit is imported only by modules named ``ui.py`` and by ``compat.py``
(tests/test_layers.py checks it)."""
