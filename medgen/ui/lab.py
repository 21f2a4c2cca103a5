"""Drug-design lab widgets: the request form, property filters, the depiction grid, downloads.

The SMILES VAE is loaded once per process (``st.cache_resource``). A generated
:class:`~medgen.molecules.generator.MoleculeSet` is recorded as an output (kind ``molecule_set``)
through the store and kept, with its output id, in ``st.session_state``; filters and sorting are
applied on rerun without generating again.
"""

from __future__ import annotations

import logging

import streamlit as st

from medgen.errors import MedgenError
from medgen.molecules import chem
from medgen.molecules.generator import (
    DEFAULT_MODEL_ID,
    MAX_INTERPOLATION_STEPS,
    MAX_LAB_N,
    MoleculeGenerator,
    MoleculeSet,
    installed_models,
    load_generator,
)
from medgen.store import repo
from medgen.types import AuditAction, ObjectType, UserInfo
from medgen.ui.resources import transact

log = logging.getLogger(__name__)

RESULT_KEY = "lab.result"
OUTPUT_KEY = "lab.output_id"
RESEARCH_WARNING = (
    "Research use only: generated structures are unverified hypotheses, not safety or efficacy "
    "claims. They come from a statistical model; nothing says they are active, safe or can be made."
)
#: Molecules drawn in the grid (the downloads hold every molecule that matches the filters).
GRID_MAX = 48
MODES = ("Sample", "Explore around a molecule", "Interpolate")


@st.cache_resource(show_spinner="Loading the molecule model ...")
def load_lab_model(model_id: str = DEFAULT_MODEL_ID) -> MoleculeGenerator:
    """One generator per model id per process (sha256 checked once at load)."""
    return load_generator(model_id)


def model_choice() -> str:
    """The model the researcher picks (newest first; each set records its model and version)."""
    ids = installed_models() or [DEFAULT_MODEL_ID]
    default = ids.index(DEFAULT_MODEL_ID) if DEFAULT_MODEL_ID in ids else 0
    return str(st.selectbox("Model", ids, index=default, key="lab.model"))


@st.cache_data(max_entries=4000, show_spinner=False)
def _depiction(smiles: str, size: int = 240) -> bytes:
    return chem.depiction_png(smiles, size=size)


def request_form(gen: MoleculeGenerator) -> MoleculeSet | None:
    """Mode + parameters; a new set when the user presses Generate.

    Bad input (invalid SMILES, N over the limit) raises a ``MoleculeInputError`` from the
    generator; the widgets keep what the user typed.
    """
    mode = st.radio("Mode", MODES, horizontal=True, key="lab.mode")
    c1, c2 = st.columns(2)
    if mode == "Interpolate":
        a = c1.text_input("From (SMILES)", "CC(=O)Oc1ccccc1C(=O)O", key="lab.a")
        b = c2.text_input("To (SMILES)", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", key="lab.b")
        steps = st.number_input(f"Steps (2 to {MAX_INTERPOLATION_STEPS})", value=10, step=1, key="lab.steps")
        if st.button("Generate", type="primary", key="lab.run"):
            with st.spinner("Interpolating ..."):
                return gen.interpolate(a, b, int(steps))
        return None
    n = c1.number_input(f"Molecules (at most {MAX_LAB_N})", value=50, step=10, key="lab.n")
    temperature = c2.slider("Temperature", 0.0, 2.0, gen.default_temperature, 0.05,
                            key=f"lab.temperature.{gen.model_id}",
                            help=f"{gen.model_id}'s documented default is {gen.default_temperature:g}; "
                                 "higher gives more varied but more often invalid molecules.")
    seed = st.number_input("Seed", 0, 2**31 - 1, 0, key="lab.seed")
    centre, radius = "", 0.5
    if mode == "Explore around a molecule":
        centre = st.text_input("Molecule (SMILES)", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", key="lab.centre")
        radius = st.slider("Radius in latent space", 0.0, 3.0, 0.5, 0.05, key="lab.radius")
    if not st.button("Generate", type="primary", key="lab.run"):
        return None
    with st.spinner("Generating and scoring ..."):
        if mode == "Sample":
            return gen.sample(int(n), temperature, int(seed))
        return gen.neighbourhood(centre, int(n), radius, temperature, int(seed))


def store_result(gen: MoleculeGenerator, mset: MoleculeSet, user: UserInfo) -> int:
    """Record ``mset`` as an output (one unit of work with its GENERATE audit event) and keep it.

    Raises ``StorageError`` (nothing stored, the previous result stays on screen).
    """
    output_id = transact(
        repo.record_molecule_set, mset, user=user,
        model_version=str(gen.card.get("sha256", "")), device=str(gen.device),
    )
    st.session_state[RESULT_KEY] = mset
    st.session_state[OUTPUT_KEY] = output_id
    log.info("molecule set %s: %d molecules (%s)", output_id, len(mset.molecules), mset.mode)
    return output_id


def current_result() -> tuple[MoleculeSet, int] | None:
    """The last stored set of this session and its output id."""
    mset = st.session_state.get(RESULT_KEY)
    output_id = st.session_state.get(OUTPUT_KEY)
    return None if mset is None or output_id is None else (mset, int(output_id))


def filter_controls() -> dict[str, tuple[float, float]]:
    """Property ranges (validated by ``chem.validate_ranges`` when applied)."""
    ranges: dict[str, tuple[float, float]] = {}
    with st.expander("Filter by property", expanded=False):
        for name in ("qed", "mw", "logp", "tpsa", "sa"):
            lo_lim, hi_lim = chem.PROPERTY_LIMITS[name]
            label = chem.PROPERTY_LABELS[name]
            c1, c2 = st.columns(2)
            lo = c1.number_input(f"{label} min", value=lo_lim, key=f"lab.f.{name}.lo")
            hi = c2.number_input(f"{label} max", value=hi_lim, key=f"lab.f.{name}.hi")
            ranges[name] = (float(lo), float(hi))
        if st.checkbox("Rule of five passed only", key="lab.f.ro5"):
            ranges["lipinski_violations"] = (0.0, 1.0)
    return ranges


def _audit_export(user: UserInfo, output_id: int, fmt: str, n: int) -> None:
    try:
        transact(repo.add_audit, AuditAction.EXPORT, user=user, object_type=ObjectType.GENERATED_OUTPUT,
                 object_id=output_id, detail={"format": fmt, "molecules": n})
    except MedgenError:  # the download itself already happened in the browser
        log.exception("could not audit the %s export of output %s", fmt, output_id)


def render_set(mset: MoleculeSet, ranges: dict[str, tuple[float, float]], output_id: int,
               user: UserInfo) -> None:
    """Summary, sorted and filtered grid of depictions with properties, SDF/CSV downloads.

    Raises ``PropertyRangeError`` for an empty or impossible range (nothing is shown then).
    """
    st.caption(f"Output #{output_id} | {mset.model_id} | {mset.mode} | {mset.params} | "
               f"{mset.n_valid}/{mset.n_generated} valid, {len(mset.molecules)} distinct | "
               f"{mset.ms / 1000:.1f} s")
    shown = chem.filter_by_ranges(mset.molecules, ranges)
    c1, c2 = st.columns(2)
    key = c1.selectbox("Sort by", chem.SORT_KEYS, key="lab.sort")
    desc = c2.toggle("Descending", value=key == "qed", key="lab.desc")
    shown = chem.sort_molecules(shown, key, desc)
    more = f" (the first {GRID_MAX} are drawn)" if len(shown) > GRID_MAX else ""
    st.write(f"{len(shown)} of {len(mset.molecules)} molecules match the filters{more}.")
    cols = st.columns(4)
    for i, p in enumerate(shown[:GRID_MAX]):
        with cols[i % 4]:
            st.image(_depiction(p.smiles))
            st.caption(f"`{p.smiles}`  \nQED {p.qed:.2f} | logP {p.logp:.1f} | MW {p.mw:.0f} | "
                       f"TPSA {p.tpsa:.0f} | HBD {p.hbd} HBA {p.hba} | SA {p.sa:.1f}"
                       + ("" if p.lipinski else " | breaks rule of five"))
    d1, d2 = st.columns(2)
    d1.download_button("Download SDF", chem.to_sdf(shown), "molecules.sdf", "chemical/x-mdl-sdfile",
                       key="lab.sdf", disabled=not shown,
                       on_click=_audit_export, args=(user, output_id, "sdf", len(shown)))
    d2.download_button("Download CSV", chem.to_csv(shown), "molecules.csv", "text/csv",
                       key="lab.csv", disabled=not shown,
                       on_click=_audit_export, args=(user, output_id, "csv", len(shown)))
