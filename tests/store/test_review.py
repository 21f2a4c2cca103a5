from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from medgen.errors import InvalidInputError
from medgen.store import review
from medgen.types import OutputKind
from medgen.ui import reviewcharts

from .seed import GAN_V1, GAN_V2, LM, seed_review_data

V1 = review.model_label("ct-denoise", GAN_V1)
V2 = review.model_label("ct-denoise", GAN_V2)


@pytest.fixture
def seeded(factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    return seed_review_data(factory)


def test_dashboard_counts_latest_ratings_only(factory: sessionmaker[Session], seeded) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as s:
        dash = review.load_dashboard(s, review.ReviewFilter())
    assert dash.n_outputs == 4
    assert dash.n_ratings == 5  # 6 submissions, one of them a revision
    assert dash.mean_overall == pytest.approx((1 + 2 + 5 + 3 + 4) / 5)
    assert dash.distribution == {V1: {1: 1, 2: 1}, V2: {5: 1}, LM: {3: 1, 4: 1}}
    assert dash.criteria[(V1, "noise_reduction")] == (pytest.approx(2.0), 2)
    assert dash.criteria[(V1, "detail_preserved")] == (pytest.approx(1.0), 1)
    assert dash.criteria[(LM, "accuracy")] == (pytest.approx(2.0), 1)
    assert [lo.output_id for lo in dash.lowest][:2] == [seeded.enh_v1, seeded.report]
    assert dash.lowest[0].mean_overall == pytest.approx(1.5)
    report_row = next(o for o in dash.outputs if o.output_id == seeded.report)
    # "7 mm" deleted, "effusion." -> "pleural effusion.": 2 deletions + 1 insertion
    assert report_row.edit_distance == 3 and report_row.n_flags == 1
    today = datetime.now(UTC).date()
    assert dash.daily[V1] == [(today, pytest.approx(1.5), 2)]


def test_filters(factory: sessionmaker[Session], seeded) -> None:  # type: ignore[no-untyped-def]
    F = review.ReviewFilter
    with factory.begin() as s:
        by_kind = review.load_dashboard(s, F(kinds=(OutputKind.REPORT, "education")))  # type: ignore[arg-type]
        assert set(by_kind.distribution) == {LM} and by_kind.n_outputs == 2
        by_model = review.load_dashboard(s, F(models=(("ct-denoise", GAN_V2),)))
        assert by_model.distribution == {V2: {5: 1}} and by_model.n_outputs == 1
        by_rater = review.load_dashboard(s, F(user_ids=(seeded.reviewer.id,)))
        assert by_rater.n_ratings == 3
        # user filter = creator for output views: the reviewer created nothing
        assert by_rater.n_outputs == 0
        tomorrow = datetime.now(UTC).date() + timedelta(days=1)
        future = review.load_dashboard(s, F(start=tomorrow))
        assert future.n_ratings == 0 and future.n_outputs == 0 and future.lowest == []
        today = datetime.now(UTC).date()
        assert review.load_dashboard(s, F(start=today, end=today)).n_ratings == 5
        opts = review.filter_options(s)
        assert [label for _, label in opts.models] == [V1, V2, LM]
        assert [n for _, n in opts.users] == ["dr_clin", "dr_review"]
        assert opts.first_day == today
    with pytest.raises(InvalidInputError, match="start date"):
        F(start=today, end=today - timedelta(days=1))


def test_output_detail_and_comments(factory: sessionmaker[Session], seeded) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as s:
        review.load_dashboard(s, review.ReviewFilter())
        enh = review.output_detail(s, seeded.enh_v1)
        assert enh.preview_before and enh.preview_before.startswith(b"\x89PNG")
        assert sorted((c.rater, c.revision) for c in enh.comments) == [
            ("dr_clin", 2),
            ("dr_review", 1),
        ]
        rep = review.output_detail(s, seeded.report)
        assert rep.flags == [{"kind": "number", "text": "7 mm"}] and rep.edit_distance == 3
        with pytest.raises(InvalidInputError):
            review.output_detail(s, 99999)


def test_csv_export(factory: sessionmaker[Session], seeded) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as s:
        data, n = review.export_csv(s, review.ReviewFilter())
        hist, n_hist = review.export_csv(s, review.ReviewFilter(), history=True)
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert n == len(rows) == 5 and n_hist == 6
    assert list(rows[0]) == list(review.CSV_COLUMNS)
    v1_clin = next(
        r for r in rows if r["output_id"] == str(seeded.enh_v1) and r["rater"] == "dr_clin"
    )
    assert v1_clin["overall"] == "1" and v1_clin["revision"] == "2" and v1_clin["is_latest"] == "1"
    assert v1_clin["detail_preserved"] == "1" and v1_clin["accuracy"] == ""
    assert v1_clin["comment"].startswith("'=HYPERLINK")  # formula neutralised
    hist_rows = list(csv.DictReader(io.StringIO(hist.decode())))
    assert sorted(r["is_latest"] for r in hist_rows) == ["0"] + ["1"] * 5


def test_figures_show_the_seeded_numbers(factory: sessionmaker[Session], seeded) -> None:  # type: ignore[no-untyped-def]
    with factory.begin() as s:
        dash = review.load_dashboard(s, review.ReviewFilter())
        empty = review.load_dashboard(
            s, review.ReviewFilter(kinds=(OutputKind.EDUCATION,), models=(("ct-denoise", GAN_V1),))
        )
    figs = reviewcharts.all_figures(dash)
    dist = figs["distribution"]
    one_star = next(t for t in dist.data if t.name == "1★")
    assert dict(zip(one_star.x, one_star.y, strict=True))[V1] == 1
    heat = figs["criteria"].data[0]
    assert list(heat.y) == sorted([V1, V2, LM])
    lat = {t.name: list(t.y) for t in figs["latency"].data}
    assert lat == {"cpu": [120.0], "cuda": [15.0]}
    flag = figs["flag_rate"].data[0]
    assert dict(zip(flag.x, flag.y, strict=True)) == {LM: 0.5}
    assert list(figs["edit_distance"].data[0].y) == [3]
    for fig in reviewcharts.all_figures(empty).values():
        assert fig.layout.annotations[0].text == reviewcharts.EMPTY_NOTE
