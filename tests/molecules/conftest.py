"""Fixtures for the drug-design lab tests (MOSES data comes from `make molecules-data`)."""

from __future__ import annotations

import pytest

from medgen.molecules.data import DATA_DIR, load_split


@pytest.fixture(scope="session")
def moses_train() -> list[str]:
    if not (DATA_DIR / "train.csv.gz").is_file():
        pytest.fail("MOSES data missing: run `make molecules-data` (a prerequisite of `make test`)")
    return load_split("train", limit=3000)


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread():  # type: ignore[no-untyped-def]
    """Tiny models: one thread is fastest (and avoids OpenMP spinning on a busy CPU)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
