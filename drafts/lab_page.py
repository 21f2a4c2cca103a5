"""Drug-design lab (DRAFT, move to pages/lab.py together with its app.PAGES / ROLE_PAGES entries:
tests/ui/test_auth_pages.py requires every pages/*.py to be in app.PAGES). Sample, explore or
interpolate molecules with the SMILES VAE."""

from __future__ import annotations

import streamlit as st

from medgen.errors import MedgenError
from medgen.ui import lab as ui
from medgen.ui.state import require_user

# TODO(lead): Role.RESEARCHER (admins can grant it) once the role exists; clinicians for now.
user = require_user()
st.title("Drug-design lab")
st.warning(ui.RESEARCH_WARNING, icon=":material/science:")

try:
    gen = ui.load_lab_model()
    new = ui.request_form(gen)
except MedgenError as exc:
    st.error(str(exc))
    st.stop()
if new is not None:
    st.session_state[ui.RESULT_KEY] = new
    # TODO(lead): store the set as an output in one unit of work (kind OutputKind.MOLECULE_SET =
    # "molecule_set"; model_id, new.mode, new.params, new.smiles, the card's sha256) + audit event,
    # and keep the returned output id in st.session_state["lab.output_id"].

mset = st.session_state.get(ui.RESULT_KEY)
if mset is not None:
    ranges = ui.filter_controls()
    try:
        ui.render_set(mset, ranges)
    except MedgenError as exc:
        st.error(str(exc))
    # TODO(lead): rating_panel(st.session_state["lab.output_id"], OutputKind.MOLECULE_SET) with the
    # criteria ui.RATING_CRITERIA (novelty, drug-likeness, synthesizability).
