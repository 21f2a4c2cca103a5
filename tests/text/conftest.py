"""Text tests run the real small LM with one torch thread (a shared CPU is oversubscribed by
two); the process-wide torch thread count is restored after each module for other tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("MEDGEN_LM_THREADS", "1")


@pytest.fixture(autouse=True, scope="module")
def _restore_torch_threads() -> Iterator[None]:
    import torch

    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)
