"""Chart builders: pure functions from tidy pandas DataFrames to Plotly figures, and their exports.

No Streamlit import here: every function is testable on the figure object or the bytes it returns.
"""
from .export import figure_html, image_bytes, image_export_available, table_csv
from .figures import (book_chart, gain_chart, gate_heatmap, norm_chart, settings_subtitle, singular_value_chart,
                      spectrum_chart)
from .style import COLOURS, format_log10

__all__ = ["figure_html", "image_bytes", "image_export_available", "table_csv", "book_chart", "gain_chart",
           "gate_heatmap", "norm_chart", "settings_subtitle", "singular_value_chart", "spectrum_chart", "COLOURS",
           "format_log10"]
