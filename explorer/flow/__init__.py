"""The flow pages (compare, RNN, LSTM, GRU): their data, their readings, and their Streamlit sections (``ui.py``)."""
