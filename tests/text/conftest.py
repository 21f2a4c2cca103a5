"""Text tests run the real small LM; one torch thread avoids oversubscribing a shared CPU."""

from __future__ import annotations

import os

os.environ.setdefault("MEDGEN_LM_THREADS", "1")
