"""AppTest of pages/viewer.py against a migrated test database (sample load, upload, errors, PHI)."""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from medgen.store.models import AuditEvent, Image, Study, User
from medgen.types import Role, UserInfo
from tests.imaging.conftest import data_of, to_bytes
from tests.imaging.test_deid import PHI, with_phi

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "viewer.py")


@pytest.fixture
def env(migrated_url: str, session_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    from medgen.config import get_settings
    from medgen.ui import resources

    monkeypatch.setenv("MEDGEN_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    resources.db.clear()
    with session_factory.begin() as s:
        row = User(username="dr_who", display_name="Dr Who", role=Role.CLINICIAN.value)
        s.add(row)
        s.flush()
        user = UserInfo(id=row.id, username=row.username, display_name=row.display_name,
                        role=Role.CLINICIAN)
    yield {"url": migrated_url, "factory": session_factory, "user": user}
    resources.db.clear()
    get_settings.cache_clear()


def _app(user: UserInfo) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["auth.user"] = user
    return at


def _counts(factory) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with factory() as s:
        return (s.scalar(select(func.count()).select_from(Study)),
                s.scalar(select(func.count()).select_from(Image)),
                s.scalar(select(func.count()).select_from(AuditEvent)))


def _meta_table(at: AppTest) -> dict[str, str]:
    df = at.table[0].value
    return dict(zip(df["attribute"], df["value"], strict=True))


def test_needs_signed_in_clinician(env: dict) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert at.warning and "sign in" in at.warning[0].value.lower()
    assert not at.file_uploader
    reviewer = UserInfo(id=env["user"].id, username="r", display_name="R", role=Role.REVIEWER)
    at = _app(reviewer).run()
    assert at.error and "clinician" in at.error[0].value


def test_sample_study_loads_and_is_stored(env: dict) -> None:
    at = _app(env["user"]).run()
    assert not at.exception and at.info[0].value.startswith("Upload a scan")
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert len(at.image) == 1 and at.image[0].value[0].endswith(".png")
    meta = _meta_table(at)
    assert meta["Modality"] == "CT" and meta["PatientIdentityRemoved"] == "YES"
    # the table shows the typed header: replacement UIDs, the de-identification record
    assert meta["StudyInstanceUID"].startswith("2.25.") and meta["PixelSpacing"] == "0.478516\\0.478516"
    assert "113100" in meta["DeidentificationMethodCodeSequence"]
    assert any("pixel spacing 0.479 x 0.479 mm" in c.value for c in at.caption)
    assert _counts(env["factory"]) == (1, 1, 1)
    with env["factory"]() as s:
        audit = s.scalars(select(AuditEvent)).one()
        assert audit.action == "upload" and audit.user_id == env["user"].id
        image = s.scalars(select(Image)).one()
        assert (image.rows, image.cols, image.n_slices) == (512, 512, 1)
    # the presets move the W/L sliders
    at.selectbox(key="viewer.preset").set_value("Lung").run()
    assert at.slider(key="viewer.center").value == -600
    assert at.slider(key="viewer.width").value == 1500
    before = at.image[0].value[0]
    at.selectbox(key="viewer.preset").set_value("Bone").run()
    assert at.image[0].value[0] != before


def test_multiframe_sample_has_slice_slider(env: dict) -> None:
    at = _app(env["user"]).run()
    at.selectbox(key="viewer.sample").set_value("MR head, 10-frame multi-frame")
    at.button[0].click().run()
    assert not at.exception
    sl = at.slider(key="viewer.slice")
    assert sl.max == 10
    first = at.image[0].value[0]
    sl.set_value(2).run()
    assert at.image[0].value[0] != first
    assert "slice 2/10" in at.image[0].proto.imgs[0].caption


def test_bad_upload_shows_error_and_stores_nothing(env: dict) -> None:
    at = _app(env["user"]).run()
    at.file_uploader[0].upload("scan.dcm", b"not a dicom file at all" * 10).run()
    assert not at.exception
    assert at.error and "not a DICOM file" in at.error[0].value
    assert _counts(env["factory"]) == (0, 0, 0)
    assert not at.image


def test_no_phi_in_database_or_logs(env: dict, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ds = with_phi("CT_small.dcm")
    original_uids = [str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID)]
    at = _app(env["user"]).run()
    at.file_uploader[0].upload("upload.dcm", to_bytes(ds), "application/dicom").run()
    assert not at.exception and not at.error
    assert len(at.image) == 1
    shown = _meta_table(at)
    assert shown["PatientIdentityRemoved"] == "YES"
    assert _counts(env["factory"]) == (1, 1, 1)
    path = env["url"].removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    dump = "\n".join(con.iterdump())
    con.close()
    logs = "\n".join(r.getMessage() for r in caplog.records)
    screen = "\n".join(str(v) for v in shown.values())
    for value in [*PHI.values(), *original_uids, "Nested^Nora", "Inner^Ivan", "private Jane Doe",
                  "Doe^Jane", "Jane Doe", "MRN-55501234", "19610203"]:
        assert value not in dump, f"PHI {value!r} stored"
        assert value not in logs, f"PHI {value!r} logged"
        assert value not in screen, f"PHI {value!r} shown"
    assert "2.25." in dump  # replacement UIDs are what is stored


def test_series_upload_of_several_files(env: dict) -> None:
    from tests.imaging.conftest import ct_series

    at = _app(env["user"]).run()
    at.file_uploader[0].set_value([(n, d, "application/dicom") for n, d in ct_series(3)]).run()
    assert not at.exception and not at.error
    assert at.slider(key="viewer.slice").max == 3
    with env["factory"]() as s:
        assert s.scalars(select(Image)).one().n_slices == 3


def test_png_upload(env: dict) -> None:
    import numpy as np
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.fromarray((np.arange(64 * 64).reshape(64, 64) % 256).astype("uint8")).save(buf, "PNG")
    at = _app(env["user"]).run()
    at.file_uploader[0].upload("xray.png", buf.getvalue(), "image/png").run()
    assert not at.exception and not at.error and len(at.image) == 1
    assert _meta_table(at)["Format"] == "PNG"
    _ = data_of  # real DICOM data is covered above


def test_storage_failure_stores_nothing(env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    from medgen.errors import StorageError
    from medgen.ui import viewer

    def broken_audit(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(viewer.repo, "add_audit", broken_audit)
    with pytest.raises(StorageError, match="nothing was saved"):
        viewer.ingest([("ct.dcm", data_of("CT_small.dcm"))], env["user"], origin="upload", factory=env["factory"])
    assert _counts(env["factory"]) == (0, 0, 0)  # the study/image rows were rolled back too
    # and the page says so instead of showing a traceback
    at = _app(env["user"]).run()
    at.button[0].click().run()
    assert not at.exception
    assert at.error and "nothing was saved" in at.error[0].value
    assert _counts(env["factory"]) == (0, 0, 0)


def test_sample_after_upload_stays_loaded_on_rerun(env: dict) -> None:
    at = _app(env["user"]).run()
    at.file_uploader[0].upload("mr.dcm", data_of("MR_small.dcm"), "application/dicom").run()
    assert _meta_table(at)["Modality"] == "MR"
    at.button[0].click().run()  # sample: CT
    assert _meta_table(at)["Modality"] == "CT"
    at.selectbox(key="viewer.preset").set_value("Brain").run()  # any rerun
    assert _meta_table(at)["Modality"] == "CT"  # the old upload is not re-ingested
    assert _counts(env["factory"])[2] == 2  # two uploads audited, no more


def test_colour_ultrasound_shown_as_greyscale_with_visible_note(env: dict) -> None:
    at = _app(env["user"]).run()
    at.file_uploader[0].upload("us.dcm", data_of("US1_UNCR.dcm"), "application/dicom").run()
    assert not at.exception and not at.error and len(at.image) == 1
    notes = [i.value for i in at.info]
    assert any("luminance" in n and "greyscale" in n for n in notes)
