"""The only medgen package that imports streamlit: cached loaders and shared widgets."""

# pandas is imported here, once, before any page draws a chart: plotly looks pandas up in
# sys.modules without importing it, and when several sessions drew their first chart at once one
# of them saw a half-imported pandas ("partially initialized module 'pandas' has no attribute
# 'Series'", a traceback on the Viewer; found by bench/load.py). An import statement waits for
# an import in progress in another thread; plotly's look-up does not.
import pandas  # noqa: F401
