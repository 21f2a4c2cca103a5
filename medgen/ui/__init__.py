"""The only medgen package that imports streamlit: cached loaders and shared widgets."""
