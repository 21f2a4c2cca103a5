"""MedGen Studio library: imaging, GAN enhancement, local text generation, storage.

Usable without Streamlit; only :mod:`medgen.ui` imports it.
"""

from __future__ import annotations

__version__ = "0.1.0"
