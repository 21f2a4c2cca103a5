"""Follow-up of incidental pulmonary nodules: Fleischner Society 2017 guidelines, as rules.

MacMahon H, Naidich DP, Goo JM, et al. Guidelines for Management of Incidental Pulmonary
Nodules Detected on CT Images: From the Fleischner Society 2017. Radiology 2017;284:228-243.

The recommendation is always computed here, never by the language model. Sizes are the average
of long and short axis, rounded to the nearest millimetre as the guideline asks; the bands are
< 6 mm, 6-8 mm and > 8 mm for solid nodules and < 6 mm / >= 6 mm for subsolid nodules.
The guideline applies to incidental nodules in adults aged 35 or older; it does not apply to
lung cancer screening, immunocompromised patients or patients with a known primary cancer.
"""

from __future__ import annotations

from dataclasses import dataclass

from medgen.text.findings import NODULE_DESCRIPTORS, Descriptor

GUIDELINE = "Fleischner Society 2017"


@dataclass(frozen=True)
class Recommendation:
    """A rule-based follow-up recommendation."""

    # The recommendation sentence for the report, naming the guideline.
    text: str
    # Short plain-language "what happens next" for patients, English and Simplified Chinese.
    plain_en: str
    plain_zh: str
    # Which row of the table applied, e.g. "solid, single, 6-8 mm, high risk".
    category: str
    guideline: str = GUIDELINE


# Plain-language phrasings (shared by several rows).
_NONE_EN = "No extra scan is usually needed for this finding."
_NONE_ZH = "通常不需要为这个发现再做额外的检查。"
_OPT12_EN = "Your doctor may suggest another CT scan in about 12 months."
_OPT12_ZH = "医生可能会建议您在大约12个月后再做一次CT检查。"


def _band_solid(size: int) -> str:
    if size < 6:
        return "<6 mm"
    if size <= 8:
        return "6-8 mm"
    return ">8 mm"


def fleischner_recommendation(
    size_mm: float,
    nodule_type: Descriptor | str,
    multiple: bool,
    high_risk: bool,
    solid_component_mm: float | None = None,
) -> Recommendation:
    """Follow-up recommendation for an incidental pulmonary nodule (Fleischner 2017).

    Parameters
    ----------
    size_mm
        Average diameter in mm (for multiple nodules: the largest / most suspicious one).
    nodule_type
        A nodule :class:`~medgen.text.findings.Descriptor`: ``solid``, ``ground-glass`` or
        ``part-solid``.
    multiple
        True when more than one nodule is present.
    high_risk
        Patient risk category (smoking, age, family history, ...); used for solid nodules.
    solid_component_mm
        Solid component of a part-solid nodule, in mm (ignored for other types).
    """
    try:
        ntype = Descriptor(str(nodule_type).strip().lower())
    except ValueError:
        ntype = Descriptor.OTHER
    if ntype not in NODULE_DESCRIPTORS:
        raise ValueError(
            f"nodule_type must be one of solid, ground-glass, part-solid; got {nodule_type!r}"
        )
    if not size_mm > 0:
        raise ValueError(f"size_mm must be a positive number, got {size_mm!r}")
    size = int(size_mm + 0.5)  # round half up, as "rounded to the nearest millimetre"
    count = "multiple" if multiple else "single"
    risk = "high risk" if high_risk else "low risk"
    src = f"({GUIDELINE} guidelines for incidental pulmonary nodules)"

    if ntype is Descriptor.SOLID:
        band = _band_solid(size)
        cat = f"solid, {count}, {band}, {risk}"
        if band == "<6 mm":
            if high_risk:
                return Recommendation(
                    f"Optional CT at 12 months {src}.", _OPT12_EN, _OPT12_ZH, cat
                )
            return Recommendation(f"No routine follow-up is required {src}.", _NONE_EN, _NONE_ZH, cat)
        if not multiple and band == "6-8 mm":
            then = "then CT at 18-24 months" if high_risk else "then consider CT at 18-24 months"
            return Recommendation(
                f"CT at 6-12 months, {then} {src}.",
                "You will need another CT scan in 6 to 12 months, and maybe one more later.",
                "您需要在6到12个月后再做一次CT检查，之后可能还需要再做一次。",
                cat,
            )
        if not multiple:  # single, > 8 mm: same for both risk groups
            return Recommendation(
                f"Consider CT at 3 months, PET/CT, or tissue sampling {src}.",
                "Your doctor will talk with you about more tests soon, such as another scan in "
                "about 3 months, a PET/CT scan, or a small tissue sample.",
                "医生会尽快和您讨论进一步的检查，比如大约3个月后再做一次扫描、PET/CT检查，或取一小块组织化验。",
                cat,
            )
        # multiple, 6-8 mm or > 8 mm
        then = "then CT at 18-24 months" if high_risk else "then consider CT at 18-24 months"
        return Recommendation(
            f"CT at 3-6 months, {then} {src}.",
            "You will need another CT scan in 3 to 6 months, and maybe one more later.",
            "您需要在3到6个月后再做一次CT检查，之后可能还需要再做一次。",
            cat,
        )

    band = "<6 mm" if size < 6 else ">=6 mm"
    if multiple:
        cat = f"subsolid, multiple, {band}"
        if size < 6:
            return Recommendation(
                f"CT at 3-5 months; if stable, consider CT at 2 and 4 years {src}.",
                "You will need another CT scan in 3 to 5 months. If nothing has changed, your "
                "doctor may suggest more scans in later years.",
                "您需要在3到5个月后再做一次CT检查。如果没有变化，医生可能会建议以后几年再复查。",
                cat,
            )
        return Recommendation(
            f"CT at 3-6 months; subsequent management based on the most suspicious nodule(s) {src}.",
            "You will need another CT scan in 3 to 6 months. What comes after depends on "
            "that scan.",
            "您需要在3到6个月后再做一次CT检查。之后怎么做取决于那次检查的结果。",
            cat,
        )

    if ntype is Descriptor.GROUND_GLASS:
        cat = f"ground-glass, single, {band}"
        if size < 6:
            return Recommendation(f"No routine follow-up is required {src}.", _NONE_EN, _NONE_ZH, cat)
        return Recommendation(
            f"CT at 6-12 months to confirm persistence, then CT every 2 years until 5 years {src}.",
            "You will need another CT scan in 6 to 12 months, and then some more scans over "
            "the next few years.",
            "您需要在6到12个月后再做一次CT检查，之后几年里还需要定期复查。",
            cat,
        )

    # part-solid, single
    if size < 6:
        cat = f"part-solid, single, {band}"
        return Recommendation(f"No routine follow-up is required {src}.", _NONE_EN, _NONE_ZH, cat)
    solid = solid_component_mm if solid_component_mm is not None else 0.0
    if int(solid + 0.5) >= 6:
        cat = f"part-solid, single, {band}, solid component >=6 mm"
        return Recommendation(
            "CT at 3-6 months to confirm persistence; a persistent part-solid nodule with a solid "
            f"component of 6 mm or more is highly suspicious: consider PET/CT, biopsy or resection {src}.",
            "You will need another CT scan in 3 to 6 months. Your doctor may also talk with you "
            "about more tests, such as a PET/CT scan or a small tissue sample.",
            "您需要在3到6个月后再做一次CT检查。医生也可能会和您讨论进一步的检查，比如PET/CT检查或取一小块组织化验。",
            cat,
        )
    cat = f"part-solid, single, {band}, solid component <6 mm"
    return Recommendation(
        "CT at 3-6 months to confirm persistence; if unchanged and the solid component remains "
        f"<6 mm, annual CT for 5 years {src}.",
        "You will need another CT scan in 3 to 6 months. If nothing has changed, you will have "
        "a scan once a year for a few years.",
        "您需要在3到6个月后再做一次CT检查。如果没有变化，之后几年每年复查一次。",
        cat,
    )
