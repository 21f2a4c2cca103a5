"""Drug-design lab widgets (DRAFT for the lead: calls medgen.molecules only; store calls are TODOs).

The SMILES VAE is loaded once per process (``st.cache_resource``). A generated
:class:`~medgen.molecules.generator.MoleculeSet` is kept in ``st.session_state["lab.result"]``;
filters and sorting are applied on rerun without generating again.
"""

from __future__ import annotations

import streamlit as st

from medgen.molecules import chem
from medgen.molecules.generator import (
    DEFAULT_MODEL_ID,
    MAX_INTERPOLATION_STEPS,
    MAX_LAB_N,
    MoleculeGenerator,
    MoleculeSet,
    load_generator,
)

RESULT_KEY = "lab.result"
RESEARCH_WARNING = (
    "Research use only. Generated structures are unverified hypotheses from a statistical model: "
    "no claim of activity, safety, efficacy or that they can be made."
)
#: Criteria for the rating panel of a molecule set (for the lead's rating integration).
RATING_CRITERIA = ("novelty", "drug-likeness", "synthesizability")


@st.cache_resource(show_spinner="Loading the molecule model ...")
def load_lab_model(model_id: str = DEFAULT_MODEL_ID) -> MoleculeGenerator:
    """One generator per model id per process (sha256 checked once at load)."""
    return load_generator(model_id)


def request_form(gen: MoleculeGenerator) -> MoleculeSet | None:
    """Mode + parameters; returns a new set when the user presses Generate (errors propagate)."""
    mode = st.radio("Mode", ["Sample", "Explore around a molecule", "Interpolate"],
                    horizontal=True, key="lab.mode")
    c1, c2 = st.columns(2)
    if mode == "Interpolate":
        a = c1.text_input("From (SMILES)", "CC(=O)Oc1ccccc1C(=O)O", key="lab.a")
        b = c2.text_input("To (SMILES)", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", key="lab.b")
        steps = st.number_input("Steps", 2, MAX_INTERPOLATION_STEPS, 10, key="lab.steps")
        if st.button("Generate", type="primary", key="lab.run"):
            return gen.interpolate(a, b, int(steps))
        return None
    n = c1.number_input(f"Molecules (at most {MAX_LAB_N})", 1, MAX_LAB_N, 50, key="lab.n")
    temperature = c2.slider("Temperature", 0.0, 2.0, 1.0, 0.05, key="lab.temperature")
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


def filter_controls() -> dict[str, tuple[float, float]]:
    """Property ranges from the sidebar (validated by chem.validate_ranges when applied)."""
    ranges: dict[str, tuple[float, float]] = {}
    with st.sidebar.expander("Filter by property", expanded=False):
        for name in ("qed", "mw", "logp", "tpsa", "sa"):
            lo_lim, hi_lim = chem.PROPERTY_LIMITS[name]
            c1, c2 = st.columns(2)
            lo = c1.number_input(f"{chem.PROPERTY_LABELS[name]} min", value=lo_lim, key=f"lab.f.{name}.lo")
            hi = c2.number_input("max", value=hi_lim, key=f"lab.f.{name}.hi")
            ranges[name] = (float(lo), float(hi))
        if st.checkbox("Rule of five passed only", key="lab.f.ro5"):
            ranges["lipinski_violations"] = (0.0, 1.0)
    return ranges


def render_set(mset: MoleculeSet, ranges: dict[str, tuple[float, float]]) -> None:
    """Summary, sorted and filtered grid of depictions with properties, SDF/CSV downloads."""
    st.caption(f"{mset.model_id} | {mset.mode} | {mset.params} | {mset.n_valid}/{mset.n_generated} "
               f"valid, {len(mset.molecules)} distinct | {mset.ms / 1000:.1f} s")
    shown = chem.filter_by_ranges(mset.molecules, ranges)
    c1, c2 = st.columns(2)
    key = c1.selectbox("Sort by", chem.SORT_KEYS, key="lab.sort")
    desc = c2.toggle("Descending", value=key == "qed", key="lab.desc")
    shown = chem.sort_molecules(shown, key, desc)
    st.write(f"{len(shown)} of {len(mset.molecules)} molecules match the filters.")
    cols = st.columns(4)
    for i, p in enumerate(shown[:48]):
        with cols[i % 4]:
            st.image(chem.depiction_png(p.smiles, size=240))
            st.caption(f"`{p.smiles}`  \nQED {p.qed:.2f} | logP {p.logp:.1f} | MW {p.mw:.0f} | "
                       f"TPSA {p.tpsa:.0f} | HBD {p.hbd} HBA {p.hba} | SA {p.sa:.1f}"
                       + ("" if p.lipinski else " | breaks rule of five"))
    d1, d2 = st.columns(2)
    d1.download_button("Download SDF", chem.to_sdf(shown), "molecules.sdf", "chemical/x-mdl-sdfile",
                       key="lab.sdf")
    d2.download_button("Download CSV", chem.to_csv(shown), "molecules.csv", "text/csv", key="lab.csv")
    # TODO(lead): audit the export (store: record an 'export' audit event for this output id).
