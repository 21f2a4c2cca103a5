"""The derived series that "Send to PACS" stores: enhanced slices, described, re-identified.

:func:`derived_for_pacs` builds the derived DICOM series of an enhancement run with the validated
exporter (:func:`medgen.imaging.export.derived_datasets`: new Series and SOP Instance UIDs,
ImageType ``DERIVED\\SECONDARY``, the source geometry), describes it as an AI-enhanced series for
review alongside the original, and re-identifies it with the session's :class:`SourceHeader`
(:func:`medgen.pacs.reident.reidentify`: original study and patient, SourceImageSequence to the
original instances), ready for :meth:`medgen.pacs.PacsClient.store_instances`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydicom.dataset import Dataset

from medgen.imaging.export import derived_datasets
from medgen.imaging.scan import Scan
from medgen.pacs.reident import SourceHeader, reidentify


def series_description(model_id: str) -> str:
    """SeriesDescription (LO, at most 64 characters) of a derived series."""
    return f"AI-enhanced {model_id}, review with original"[:64]


def derivation_description(model_id: str, model_version: str, strength: str | None) -> str:
    """DerivationDescription (ST): what made the series and how it is to be used."""
    how = f"model {model_id}" + (f", strength {strength}" if strength else "")
    return (
        f"AI-enhanced series: low-dose CT denoising by MedGen Studio ({how}; weights sha256 "
        f"{model_version[:16]}). For review alongside the original series, never instead of it."
    )[:1024]


def derived_for_pacs(
    scan: Scan,
    slices: Sequence[int],
    pixels: np.ndarray,
    *,
    model_id: str,
    model_version: str,
    header: SourceHeader,
    strength: str | None = None,
) -> list[Dataset]:
    """Re-identified derived instances of the enhanced ``slices`` of ``scan``.

    Parameters
    ----------
    scan
        The de-identified scan that was enhanced (opened from the PACS).
    slices
        Its slice indices that were enhanced, in the order of ``pixels``.
    pixels
        Enhanced pixels in HU: 2-D for one slice, else ``(len(slices), rows, cols)``.
    header
        The session's :class:`SourceHeader` of the series ``scan`` was opened from.
    strength
        The enhancement strength label (``Strength.label``, e.g. "medium (52 %)"), when the run
        had one; named in the DerivationDescription.

    Raises
    ------
    ValueError
        The pixels do not fit the slices, or a slice matches no original instance.
    """
    sub = scan.select_slices(list(slices))
    derived = derived_datasets(
        sub, pixels, model_id, model_version, series_description=series_description(model_id)
    )
    text = derivation_description(model_id, model_version, strength)
    for ds in derived:
        ds.DerivationDescription = text
    return reidentify(derived, header)
