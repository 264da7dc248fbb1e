"""Chart builders: pure functions from tidy pandas DataFrames to Plotly figures, and their exports.

No Streamlit import here: every function is testable on the figure object or the bytes it returns.
"""

from .export import figure_html, image_bytes, image_export_available, table_csv, with_plain_norm
from .figures import (
    book_chart,
    gain_chart,
    gate_heatmap,
    norm_chart,
    settings_subtitle,
    singular_value_chart,
    spectrum_chart,
)
from .slides import SLIDE_HEIGHT, SLIDE_SCALE, SLIDE_WIDTH, slide_layout
from .style import COLOURS, EXPORT_WIDTH, HEIGHT, ROLE_DASH, format_log10, power_of_ten

__all__ = [
    "COLOURS",
    "EXPORT_WIDTH",
    "HEIGHT",
    "ROLE_DASH",
    "SLIDE_HEIGHT",
    "SLIDE_SCALE",
    "SLIDE_WIDTH",
    "book_chart",
    "figure_html",
    "format_log10",
    "gain_chart",
    "gate_heatmap",
    "image_bytes",
    "image_export_available",
    "norm_chart",
    "power_of_ten",
    "settings_subtitle",
    "singular_value_chart",
    "slide_layout",
    "spectrum_chart",
    "table_csv",
    "with_plain_norm",
]
