"""AppTest of the Drug-design lab page with the shipped SMILES VAE and a migrated test database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from medgen import auth
from medgen.molecules.generator import DEFAULT_MODEL_ID
from medgen.store import feedback
from medgen.store.models import AuditEvent, GeneratedOutput, User
from medgen.types import AuditAction, OutputKind, Role, UserInfo

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "lab.py")


def _user(factory: sessionmaker[Session], role: Role) -> UserInfo:
    with factory.begin() as s:
        return auth.provision_user(s, f"{role.value}9", f"Dr {role.value}", role, "lab pass phrase 99")


def _page(user: UserInfo) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["auth.user"] = user
    return at.run()


def _outputs(factory: sessionmaker[Session]) -> list[GeneratedOutput]:
    with factory() as s:
        return list(s.scalars(select(GeneratedOutput).order_by(GeneratedOutput.id)))


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def _number(at: AppTest, key: str):  # type: ignore[no-untyped-def]
    return next(n for n in at.number_input if n.key == key)


def test_clinician_is_refused(app_db: sessionmaker[Session]) -> None:
    at = _page(_user(app_db, Role.CLINICIAN))
    assert not at.exception
    assert any("cannot open this page" in e.value for e in at.error)
    assert not at.button and not _outputs(app_db)


def test_sample_shows_grid_stores_set_and_rates(app_db: sessionmaker[Session]) -> None:
    res = _user(app_db, Role.RESEARCHER)
    at = _page(res)
    assert not at.exception
    assert "Research use only" in at.warning[0].value
    _number(at, "lab.n").set_value(30)
    _number(at, "lab.seed").set_value(7)
    _button(at, "Generate").click()
    at.run()
    assert not at.exception and not at.error
    outs = _outputs(app_db)
    assert len(outs) == 1
    out = outs[0]
    assert out.kind == OutputKind.MOLECULE_SET.value and out.model_id == DEFAULT_MODEL_ID
    assert out.params["mode"] == "sample" and out.params["n"] == 30 and out.params["seed"] == 7
    assert len(out.model_version) == 64  # the weights' sha256 from the model card
    smiles = (out.draft_text or "").splitlines()
    assert smiles and out.metrics["n_distinct"] == len(smiles)
    assert len(at.image) == min(len(smiles), 48)  # one depiction per molecule shown
    assert any(f"{len(smiles)} of {len(smiles)} molecules match" in m.value for m in at.markdown)
    with app_db() as s:
        gen = s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.GENERATE.value)).all()
        assert [e.object_id for e in gen] == [str(out.id)]

    # a property filter narrows the grid without generating again
    _number(at, "lab.f.qed.lo").set_value(0.99)
    at.run()
    assert any(f"0 of {len(smiles)} molecules match" in m.value for m in at.markdown)
    assert len(_outputs(app_db)) == 1
    # an empty range is refused with a message, the set stays stored
    _number(at, "lab.f.qed.lo").set_value(0.8)
    _number(at, "lab.f.qed.hi").set_value(0.2)
    at.run()
    assert any("range is empty" in e.value for e in at.error)
    assert _number(at, "lab.f.qed.lo").value == 0.8  # input kept

    # the rating panel with the molecule-set criteria saves a rating
    assert [w.label for w in at.segmented_control] == ["Novelty", "Drug-likeness", "Synthesizability"]
    at.feedback[0].set_value(3)
    at.segmented_control[0].set_value(4)
    at.segmented_control[2].set_value(2)
    at.form_submit_button[0].click().run()
    assert not at.exception and any("saved" in m.value for m in at.success)
    with app_db() as s:
        fb = feedback.get_latest_rating(s, res.id, out.id)
        assert fb is not None and fb.overall == 4
        assert dict(fb.scores) == {"novelty": 4, "synthesizability": 2}


def test_invalid_smiles_and_limit_give_messages_and_store_nothing(app_db: sessionmaker[Session]) -> None:
    at = _page(_user(app_db, Role.RESEARCHER))
    at.radio(key="lab.mode").set_value("Explore around a molecule").run()
    at.text_input(key="lab.centre").input("C1CC(")
    _button(at, "Generate").click()
    at.run()
    assert not at.exception
    assert at.error and "SMILES" in at.error[0].value
    assert at.text_input(key="lab.centre").value == "C1CC("  # what the user typed is kept
    assert not _outputs(app_db) and not at.image

    at.radio(key="lab.mode").set_value("Sample").run()
    _number(at, "lab.n").set_value(5000)
    _button(at, "Generate").click()
    at.run()
    assert any("At most 1000 molecules" in e.value for e in at.error)
    assert _number(at, "lab.n").value == 5000
    with app_db() as s:
        assert not _outputs(app_db)
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "generate")) == 0


def test_review_dashboard_shows_a_rated_molecule_set(app_db: sessionmaker[Session]) -> None:
    from medgen.molecules.chem import properties
    from medgen.molecules.generator import MoleculeSet
    from medgen.store import repo, run

    res, rev = _user(app_db, Role.RESEARCHER), _user(app_db, Role.REVIEWER)
    smiles = ("CC(=O)Oc1ccccc1C(=O)O", "Cn1c(=O)c2c(ncn2C)n(C)c1=O")
    mset = MoleculeSet("smiles-vae-v1", "sample", {"n": 2, "temperature": 1.0, "seed": 0},
                       tuple(properties(s) for s in smiles), 2, 2, 50.0)
    out_id = run(app_db, repo.record_molecule_set, mset, user=res)
    run(app_db, feedback.add_rating, res, out_id, 2, {"novelty": 1}, "too close to aspirin")
    at = AppTest.from_file(str(ROOT / "pages" / "review.py"), default_timeout=60)
    at.session_state["auth.user"] = rev
    at.run()
    assert not at.exception
    assert "molecule_set" in at.multiselect(key="review.kinds").options  # the kind filter offers it
    assert at.selectbox(key="review.pick").value == out_id
    assert [im.captions for im in at.image] == [[properties(s).smiles] for s in smiles]
    area = at.text_area(key=f"review.smiles.{out_id}")
    assert area.value.splitlines() == [properties(s).smiles for s in smiles]
    assert any("too close to aspirin" in t.value for t in at.text)
    assert [w.label for w in at.segmented_control] == ["Novelty", "Drug-likeness", "Synthesizability"]


def test_admin_grants_researcher_on_the_users_page_and_last_admin_stays(app_db: sessionmaker[Session]) -> None:
    admin = _user(app_db, Role.ADMIN)
    clin = _user(app_db, Role.CLINICIAN)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["auth.user"] = admin
    at.run()
    assert "researcher" in at.selectbox(key="admin_users.new_role").options
    at.selectbox(key="admin_users.target").select(clin.username).run()
    at.selectbox(key="admin_users.role").select("researcher")
    _button(at, "Change role").click()
    at.run()
    assert any(f"{clin.username} is now researcher." in s.value for s in at.success)
    # the last administrator cannot make themself a researcher
    at.selectbox(key="admin_users.target").select(admin.username).run()
    at.selectbox(key="admin_users.role").select("researcher")
    _button(at, "Change role").click()
    at.run()
    assert any("last active administrator" in e.value for e in at.error)
    with app_db() as s:
        roles = {u: r for u, r in s.execute(select(User.username, User.role))}
    assert roles == {admin.username: "admin", clin.username: "researcher"}
    # the new researcher's navigation is the lab (+ account) and the lab page opens
    lab = _page(UserInfo(clin.id, clin.username, clin.display_name, Role.RESEARCHER))
    assert not lab.exception and not lab.error and lab.title[0].value == "Drug-design lab"


def test_interpolate_and_explore_are_stored_with_their_parameters(app_db: sessionmaker[Session]) -> None:
    at = _page(_user(app_db, Role.RESEARCHER))
    at.radio(key="lab.mode").set_value("Interpolate").run()
    _number(at, "lab.steps").set_value(4)
    _button(at, "Generate").click()
    at.run()
    assert not at.exception and not at.error
    at.radio(key="lab.mode").set_value("Explore around a molecule").run()
    _number(at, "lab.n").set_value(8)
    _button(at, "Generate").click()
    at.run()
    assert not at.exception and not at.error
    first, second = _outputs(app_db)
    assert first.params["mode"] == "interpolate" and first.params["steps"] == 4
    assert first.params["a"] == "CC(=O)Oc1ccccc1C(=O)O"  # canonical form of the default
    assert second.params["mode"] == "neighbourhood" and second.params["n"] == 8
    assert second.params["centre"] == "Cn1c(=O)c2c(ncn2C)n(C)c1=O"
    assert len(at.image) == second.metrics["n_distinct"]  # the newest set is the one shown


def test_model_picker_keeps_v1_selectable(app_db: sessionmaker[Session]) -> None:
    from medgen.molecules.generator import load_card

    at = _page(_user(app_db, Role.RESEARCHER))
    assert at.selectbox(key="lab.model").value == DEFAULT_MODEL_ID
    assert at.selectbox(key="lab.model").options == ["smiles-vae-v3", "smiles-vae-v2", "smiles-vae-v1"]
    # the temperature slider starts at the card's documented temperature
    assert at.slider(key=f"lab.temperature.{DEFAULT_MODEL_ID}").value == load_card()["sampling"]["temperature"]
    at.selectbox(key="lab.model").set_value("smiles-vae-v1").run()
    assert at.slider(key="lab.temperature.smiles-vae-v1").value == 1.0
    _number(at, "lab.n").set_value(10)
    _button(at, "Generate").click()
    at.run()
    assert not at.exception and not at.error
    (out,) = _outputs(app_db)
    assert out.model_id == "smiles-vae-v1" and out.model_version == load_card("smiles-vae-v1")["sha256"]
