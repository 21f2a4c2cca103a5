"""Typed, structured findings entered by the clinician: the only source of clinical facts.

Everything a draft report or patient text states comes from these values (or from rules
applied to them); the language model only rewrites, and :mod:`medgen.text.guard` checks it.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from medgen.imaging.header import ScanHeader


class Laterality(enum.StrEnum):
    """Side of the body a finding is on (NONE for midline or not applicable)."""

    NONE = ""
    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


class Descriptor(enum.StrEnum):
    """Morphology of a finding; the first three drive the Fleischner nodule rules."""

    SOLID = "solid"
    GROUND_GLASS = "ground-glass"
    PART_SOLID = "part-solid"
    CYSTIC = "cystic"
    CALCIFIED = "calcified"
    FATTY = "fat-containing"
    OTHER = "other"


class SizeUnit(enum.StrEnum):
    MM = "mm"
    CM = "cm"


#: Descriptors that make a finding a pulmonary nodule for the Fleischner rules.
NODULE_DESCRIPTORS = (Descriptor.SOLID, Descriptor.GROUND_GLASS, Descriptor.PART_SOLID)


@dataclass(frozen=True)
class Finding:
    """One finding as the clinician entered it."""

    # Anatomical location in the clinician's words ("right upper lobe", "liver segment 7").
    location: str
    # What it is ("nodule", "mass", "cyst"); free text, defaults to "nodule".
    kind: str = "nodule"
    laterality: Laterality = Laterality.NONE
    # Longest diameter (or mean diameter for nodules) in ``unit``; None when not measured.
    size: float | None = None
    unit: SizeUnit = SizeUnit.MM
    descriptor: Descriptor = Descriptor.OTHER
    # Solid component of a part-solid nodule, same unit as ``size``.
    solid_component: float | None = None
    # Anything else the clinician wants said about it ("smooth margins").
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "laterality", Laterality(self.laterality or ""))
        object.__setattr__(self, "unit", SizeUnit(self.unit or "mm"))
        object.__setattr__(self, "descriptor", Descriptor(self.descriptor or "other"))
        if not self.location.strip():
            raise ValueError("location must be given for every finding")
        if self.size is not None and not self.size > 0:
            raise ValueError(f"size must be a positive number, got {self.size}")
        if self.solid_component is not None and not self.solid_component >= 0:
            raise ValueError(f"solid_component must be >= 0, got {self.solid_component}")

    @property
    def size_mm(self) -> float | None:
        if self.size is None:
            return None
        return self.size * (10.0 if self.unit is SizeUnit.CM else 1.0)

    @property
    def solid_component_mm(self) -> float | None:
        if self.solid_component is None:
            return None
        return self.solid_component * (10.0 if self.unit is SizeUnit.CM else 1.0)

    @property
    def is_lung_nodule(self) -> bool:
        where = self.location.lower()
        lung = any(w in where for w in ("lung", "lobe", "lingula", "pulmonary"))
        return lung and self.descriptor in NODULE_DESCRIPTORS and self.size is not None


@dataclass(frozen=True)
class Findings:
    """The whole structured form: exam, history, findings, negatives."""

    modality: str = "CT"
    body_part: str = "chest"
    # "without contrast", "with IV contrast", ...
    contrast: str = "without contrast"
    indication: str = ""
    comparison: str = ""  # empty means "None available."
    findings: tuple[Finding, ...] = ()
    # Pertinent negatives, one per entry, as the clinician wrote them ("no pleural effusion").
    negatives: tuple[str, ...] = ()
    # Enhancement run used for reading, if any (a short label such as "GAN denoise #12").
    enhancement: str = ""
    # Patient at high risk for lung cancer (Fleischner risk category).
    high_risk: bool = False
    # Free-text impression additions by the clinician (kept verbatim).
    impression_note: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "negatives", tuple(n.strip() for n in self.negatives if n.strip()))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["extra"] = dict(self.extra)
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Findings:
        d = dict(data)
        d["findings"] = tuple(Finding(**f) for f in d.get("findings", ()))
        d["negatives"] = tuple(d.get("negatives", ()))
        return cls(**d)

    def digest(self) -> str:
        """sha256 of the canonical JSON form (stored as the output's input_hash)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def findings_from_header(header: ScanHeader | None) -> Findings:
    """Form defaults from what the de-identified scan header really says (``None``: no scan).

    Only known values are filled: the modality (not for plain images), the body part examined,
    and "with contrast (agent)" when the header names a contrast agent. Anything the header does
    not say stays empty, for the clinician to enter: no body part is guessed, and a missing
    contrast agent means "unknown", not "without contrast".
    """
    if header is None:
        return Findings(modality="", body_part="", contrast="")
    modality = "" if header.modality.value == "OT" else header.modality.value
    body = (header.body_part or "").strip().lower()
    agent = (header.contrast_agent or "").strip()
    contrast = "" if not agent else (
        "with contrast" if agent.upper() == "CONTRAST" else f"with contrast ({agent})")
    return Findings(modality=modality, body_part=body, contrast=contrast)
