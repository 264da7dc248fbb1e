"""The app's own logic between the widgets and the core: settings, data frames, and Streamlit wiring."""
