"""Finding kinds per body region and pertinent negatives, loaded from ``finding_kinds.toml``.

The findings form offers the kinds of the exam's region (free text is allowed too); the template
(:func:`medgen.text.report.describe_finding`) writes each finding from its kind's fields. The
data file is checked on load: a malformed entry is named in the error.
"""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The data file (next to this module).
KINDS_FILE = Path(__file__).with_name("finding_kinds.toml")


class Region(enum.StrEnum):
    """Body region whose finding kinds and negatives the form offers."""

    HEAD = "head"
    CHEST = "chest"
    ABDOMEN_PELVIS = "abdomen/pelvis"
    MSK = "musculoskeletal"


class Severity(enum.StrEnum):
    """Severity of a finding, where its kind has one (NONE: not stated)."""

    NONE = ""
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


@dataclass(frozen=True)
class QualifierGroup:
    """Mutually exclusive words for one aspect of a finding ("acute" / "subacute" / "chronic")."""

    name: str
    options: tuple[str, ...]
    # True: written after the finding (", Bosniak II"); False: before the noun ("acute").
    after: bool = False


@dataclass(frozen=True)
class KindSpec:
    """How one finding kind is entered and written (see the comments in the TOML file)."""

    name: str
    region: Region
    qualifiers: tuple[QualifierGroup, ...] = ()
    severity: bool = False
    needs_location: bool = True
    countable: bool = True
    size_word: str = ""
    preposition: str = "in the"
    nodule: bool = False

    @property
    def label(self) -> str:
        """'subdural haemorrhage (head)': unique across regions."""
        return f"{self.name} ({self.region.value})"


_FIELDS = {"name", "region", "qualifiers", "severity", "needs_location", "countable", "size_word",
           "preposition", "nodule"}


def _load(path: Path) -> tuple[tuple[KindSpec, ...], dict[Region, tuple[str, ...]],
                               dict[Region, tuple[str, ...]]]:
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    kinds = []
    for i, k in enumerate(data.get("kind", [])):
        where = f"{path.name}: kind[{i}] ({k.get('name', '?')})"
        unknown = set(k) - _FIELDS
        if unknown or not isinstance(k.get("name"), str) or not k["name"].strip():
            raise ValueError(f"{where}: needs a name and only the fields {sorted(_FIELDS)}; "
                             f"got {sorted(k)}")
        try:
            region = Region(k["region"])
        except (KeyError, ValueError):
            raise ValueError(f"{where}: region must be one of "
                             f"{[r.value for r in Region]}, got {k.get('region')!r}") from None
        groups = []
        for gname, opts in dict(k.get("qualifiers", {})).items():
            if not opts or not all(isinstance(o, str) and o.strip() for o in opts):
                raise ValueError(f"{where}: qualifier group {gname!r} needs non-empty words")
            groups.append(QualifierGroup(gname.rstrip("+"), tuple(opts), gname.endswith("+")))
        kinds.append(KindSpec(
            name=k["name"].strip(), region=region, qualifiers=tuple(groups),
            severity=bool(k.get("severity", False)),
            needs_location=bool(k.get("needs_location", True)),
            countable=bool(k.get("countable", True)), size_word=str(k.get("size_word", "")),
            preposition=str(k.get("preposition", "in the")), nodule=bool(k.get("nodule", False))))
    labels = [k.label for k in kinds]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise ValueError(f"{path.name}: kinds listed twice: {sorted(dup)}")
    negatives = {Region(r): tuple(v) for r, v in data.get("negatives", {}).items()}
    words = {Region(r): tuple(w.lower() for w in v) for r, v in data.get("region_words", {}).items()}
    return tuple(kinds), negatives, words


KINDS, NEGATIVES, _REGION_WORDS = _load(KINDS_FILE)


def kinds_for(region: Region | str | None) -> tuple[KindSpec, ...]:
    """The kinds of ``region`` (every kind, region by region, when the region is unknown)."""
    if region is None or region == "":
        return KINDS
    r = Region(region)
    return tuple(k for k in KINDS if k.region is r)


def negatives_for(region: Region | str | None) -> tuple[str, ...]:
    """Pertinent negatives offered for ``region`` (none when the region is unknown)."""
    if region is None or region == "":
        return ()
    return NEGATIVES.get(Region(region), ())


def region_of(body_part: str) -> Region | None:
    """The region a body part belongs to ("PELVIS" -> abdomen/pelvis); None when unknown.

    Only listed words count: nothing is guessed from an unknown or empty body part.
    """
    tokens = [t for t in re.split(r"[^a-z/]+", body_part.lower()) if t]
    for region, words in _REGION_WORDS.items():
        if any(t in words or t.strip("/") in words for t in tokens):
            return region
    return None


def kind_spec(kind: str, region: Region | str | None = None) -> KindSpec | None:
    """The spec of a kind by name or label ("mass (head)"); the region's first, else any."""
    k = kind.strip().lower()
    if not k:
        return None
    pool = [s for s in KINDS if s.label.lower() == k]
    if pool:
        return pool[0]
    pool = [s for s in KINDS if s.name.lower() == k]
    if region:
        first = [s for s in pool if s.region is Region(region)]
        pool = first or pool
    return pool[0] if pool else None
