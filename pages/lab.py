"""Drug-design lab (researchers): sample, explore or interpolate molecules with the SMILES VAE,
filter, sort, draw, download, and rate each generated set (stored as a ``molecule_set`` output)."""

from __future__ import annotations

import streamlit as st

from medgen.errors import MedgenError
from medgen.types import OutputKind, Role
from medgen.ui import lab as ui
from medgen.ui.rating import rating_panel
from medgen.ui.state import require_user

user = require_user(Role.RESEARCHER)
st.title("Drug-design lab")
st.warning(ui.RESEARCH_WARNING, icon=":material/science:")

try:
    gen = ui.load_lab_model(ui.model_choice())
except MedgenError as exc:
    st.error(str(exc))
    st.stop()

problem = st.container()  # always there: an error shown or cleared never moves what follows
try:
    new = ui.request_form(gen)
    if new is not None:
        ui.store_result(gen, new, user)
except MedgenError as exc:  # invalid SMILES, N over the limit, database down: nothing stored
    problem.error(str(exc))

result = ui.current_result()
if result is not None:
    mset, output_id = result
    try:
        ui.render_set(mset, ui.filter_controls(), output_id, user)
    except MedgenError as exc:  # an empty or impossible property range
        st.error(str(exc))
    rating_panel(output_id, OutputKind.MOLECULE_SET)
