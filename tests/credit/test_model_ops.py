"""Models that learn from the platform: outcomes of booked decisions read point-in-time and
censored, training on them, the challenger's shadow score, and stability monitoring."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from chanrong.core.clock import utcnow
from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.boosting import BoostedModel
from chanrong.credit.decisions import shadow_scored
from chanrong.credit.domain import decide
from chanrong.credit.fitting import fit_boosted
from chanrong.credit.orm import Application
from chanrong.credit.record import from_record, record_sha256
from chanrong.credit.registry import Approval, frame_fingerprint
from chanrong.credit.scoring import pd_one
from chanrong.credit.stability import (
    FLOOR,
    Bins,
    Level,
    fit_bins,
    level_of,
    measure,
    stability_index,
)
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.book import booked, build_book, decide_one, install_monitored_champion
from tests.credit.builders import BAD, GOOD, synthetic_features
from tests.lending.builders import principal

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
TODAY = utcnow().date()


# --- stability, by hand ------------------------------------------------------------------


def test_psi_on_development_bins_matches_the_hand_computed_sum() -> None:
    bins = Bins(edges=(10.0, 20.0), dev=(0.5, 0.3, 0.2, 0.0))
    # 5 → first bin, 15 and 20 → second (a value on an edge belongs below it), 25 → third,
    # None and NaN → missing.
    counts = bins.counts([5.0, 15.0, 20.0, 25.0, None])
    assert counts.tolist() == [1, 2, 1, 1]
    live = [0.2, 0.4, 0.2, 0.2]
    by_hand = (
        (0.2 - 0.5) * math.log(0.2 / 0.5)
        + (0.4 - 0.3) * math.log(0.4 / 0.3)
        + 0.0
        + (0.2 - FLOOR) * math.log(0.2 / FLOOR)  # the empty development bin is floored
    )
    assert stability_index(bins.dev, live) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(1.8231, abs=1e-4)
    # Deciles of 1..10 cut after each value: ten bins of one tenth, none missing.
    fitted = fit_bins(list(range(1, 11)))
    assert fitted.edges == tuple(float(v) for v in range(1, 10))
    assert fitted.dev == (0.1,) * 10 + (0.0,)
    assert stability_index(fitted.dev, fitted.dev) == 0.0


def test_measure_gives_psi_of_the_score_and_csi_per_characteristic() -> None:
    development = {
        "score": Bins((600.0,), (0.5, 0.5, 0.0)).to_json(),
        "characteristics": {"utilisation": Bins((0.5,), (0.5, 0.5, 0.0)).to_json()},
    }
    same = measure(development, [590.0, 610.0], {"utilisation": [0.4, 0.6]})
    assert (same.psi, same.csi, same.level) == (0.0, {"utilisation": 0.0}, Level.STABLE)
    moved = measure(development, [590.0, 590.0, 590.0, 610.0], {"utilisation": [0.4, None]})
    psi = (0.75 - 0.5) * math.log(0.75 / 0.5) + (0.25 - 0.5) * math.log(0.25 / 0.5)
    # Bins: 0.4 stays; the second bin empties; half the rows are now missing.
    csi = (FLOOR - 0.5) * math.log(FLOOR / 0.5) + (0.5 - FLOOR) * math.log(0.5 / FLOOR)
    assert moved.psi == pytest.approx(psi, rel=1e-12)
    assert moved.csi["utilisation"] == pytest.approx(csi, rel=1e-12)
    assert moved.level is Level.ALERT and moved.worst == ("utilisation", moved.csi["utilisation"])
    assert [level_of(v) for v in (0.1, 0.1001, 0.25, 0.2501)] == [
        Level.STABLE,
        Level.WARNING,
        Level.WARNING,
        Level.ALERT,
    ]
    assert measure(development, [], {}).psi is None


# --- platform outcomes --------------------------------------------------------------------


@sqlite_only
def test_platform_outcomes_read_the_profile_the_decision_read_and_censor_young_loans(
    db: Database, settings: Settings, park: Park
) -> None:
    install_monitored_champion(settings)
    day = TODAY - timedelta(days=500)
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        old = decide_one(s, settings, officer, as_of=day, features=GOOD)
        old_bad = decide_one(s, settings, officer, as_of=day + timedelta(days=1), features=GOOD)
        young = decide_one(s, settings, officer, as_of=TODAY - timedelta(days=100), features=GOOD)
        young_bad = decide_one(
            s, settings, officer, as_of=TODAY - timedelta(days=90), features=GOOD
        )
        # Profiles written after the applications — one back-dated to the application day —
        # with weak characteristics: no observation may pick them up.
        for d in (old, old_bad):
            for as_of in (d.as_of, d.as_of + timedelta(days=30)):
                service.record_profile(
                    s,
                    org_id=d.org_id,
                    as_of=as_of,
                    features=BAD,
                    revenue_12m_fen=1,
                    open_orders_fen=1,
                    receivables_fen=1,
                )
        for d, after in ((old_bad, 200), (young_bad, 30)):
            service.record_default(
                s,
                org_id=d.org_id,
                occurred_on=d.as_of + timedelta(days=after),
                source="lending",
                reference=f"loan/{d.org_id}",
            )
        # A default after the horizon does not make the old good one bad.
        service.record_default(
            s,
            org_id=old.org_id,
            occurred_on=old.as_of + timedelta(days=365),
            source="lending",
            reference="loan/late",
        )
        source = service.PlatformOutcomes(s, booked([old, old_bad, young, young_bad]), today=TODAY)
        frame = service.labelled(source, source.dates(), horizon_days=365)
        counts = source.counts
    got = {row.enterprise: int(row.bad) for row in frame.itertuples()}
    assert got == {old.org_id: 0, old_bad.org_id: 1, young_bad.org_id: 1}
    assert (counts.booked, counts.observed, counts.censored, counts.bads) == (4, 4, 1, 2)
    assert frame["utilisation"].tolist() == [GOOD["utilisation"]] * 3  # never BAD's 0.15
    assert frame["as_of"].tolist() == [old.as_of, old_bad.as_of, young_bad.as_of]


@sqlite_only
def test_altered_or_unbooked_decisions_are_not_outcomes(
    db: Database, settings: Settings, park: Park
) -> None:
    install_monitored_champion(settings)
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        a = decide_one(s, settings, officer, as_of=TODAY - timedelta(days=400), features=GOOD)
        b = decide_one(s, settings, officer, as_of=TODAY - timedelta(days=399), features=GOOD)
        decide_one(s, settings, officer, as_of=TODAY - timedelta(days=398), features=GOOD)
        app = s.get(Application, b.application_id)
        assert app is not None
        app.inputs = {**app.inputs, "features": {**app.inputs["features"], "utilisation": 0.99}}
        s.flush()
        source = service.PlatformOutcomes(
            s, {**booked([a, b]), "no-such-decision": "loan-x"}, today=TODAY
        )
        frame = service.labelled(source, source.dates(), horizon_days=365)
    assert frame["enterprise"].tolist() == [a.org_id]  # the third was never booked
    assert (source.counts.inputs_altered, source.counts.not_found) == (1, 1)


@sqlite_only
def test_train_from_platform_outcomes_records_source_fingerprint_and_counts(
    db: Database, settings: Settings, park: Park
) -> None:
    install_monitored_champion(settings)
    first = TODAY - timedelta(days=365 + 7 * 160)
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        book = build_book(s, settings, officer, first=first, n=160)
        bads = sum(bad for _, bad in book)
        with pytest.raises(ValidationFailed) as refused:
            service.train_from_platform(
                s, settings, booked([d for d, _ in book]), today=TODAY, min_outcomes=1000
            )
        assert refused.value.field == "source"
        assert f"160 labelled outcomes of which {bads} defaulted" in refused.value.detail
        assert "need at least 1000 outcomes" in refused.value.detail
        run = service.train_from_platform(
            s,
            settings,
            booked([d for d, _ in book]),
            today=TODAY,
            min_outcomes=100,
            min_bads=10,
        )
    for entry in (run.trained.champion, run.trained.challenger):
        manifest = service.model_registry(settings).manifest(entry.ref)
        assert manifest["source"] == "platform"
        assert manifest["counts"]["outcomes"] == 160 and manifest["counts"]["bads"] == bads
        assert manifest["counts"]["train_rows"] + manifest["counts"]["test_rows"] == 160
        assert len(manifest["training_data_sha256"]) == 64
        dev = manifest["development"]
        assert dev["rows"] == manifest["counts"]["train_rows"]
        assert sum(dev["score"]["dev"]) == pytest.approx(1.0)
        assert set(dev["characteristics"]) == set(manifest["features"])
        assert entry.state is Approval.CANDIDATE
    assert run.trained.champion.ref.startswith("sme-operating@")
    assert run.trained.challenger.ref == "sme-operating-challenger@1"
    assert run.counts.censored == 0


# --- shadow scoring -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def gb() -> BoostedModel:
    """One fitted challenger for the module (fitting is the slow part)."""
    x, y = synthetic_features(n=300, seed=5)
    return fit_boosted(x, y, seed=1)


def test_pd_one_is_the_models_own_pd(gb: BoostedModel) -> None:
    x, _ = synthetic_features(n=300, seed=5)
    row = x.iloc[7].to_dict()
    assert pd_one(gb, row) == pytest.approx(float(gb.pd(x.iloc[[7]])[0]), rel=1e-12)
    assert pd_one(gb, {**row, "utilisation": None}) == pytest.approx(
        float(gb.pd(x.iloc[[7]].assign(utilisation=np.nan))[0]), rel=1e-12
    )


@sqlite_only
def test_the_approved_challenger_shadow_scores_and_never_changes_the_outcome(
    db: Database, settings: Settings, park: Park, gb: BoostedModel
) -> None:
    install_monitored_champion(settings)
    reg = service.model_registry(settings)
    x, y = synthetic_features(n=300, seed=5)
    challenger = reg.register(
        "sme-operating-challenger",
        gb,
        training_fingerprint=frame_fingerprint(x, y),
        metrics={},
    )
    day = TODAY - timedelta(days=3)
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        plain = decide_one(s, settings, officer, as_of=day, features=GOOD)
    reg.set_state(challenger.ref, Approval.APPROVED)  # only an approved one shadows
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        shadowed = decide_one(s, settings, officer, as_of=day, features=GOOD)
    with db.unit_of_work() as s:
        a = s.get(Application, plain.application_id)
        b = s.get(Application, shadowed.application_id)
        assert a is not None and b is not None
        assert a.shadow_pd is None and "shadow" not in a.inputs
        assert b.shadow_model_ref == challenger.ref
        recorded = from_record(b.inputs)
        assert recorded.shadow is not None and repr(recorded.shadow.pd) == b.shadow_pd
        assert b.inputs_sha256 == record_sha256(b.inputs)
        assert recorded.shadow.model.manifest_sha256 == reg.entry(challenger.ref).manifest_sha256
        # The same facts, the same decision: the shadow is recorded, not decided on.
        assert (a.outcome, a.grade, a.pd, a.limit_fen, a.rate_pct) == (
            b.outcome,
            b.grade,
            b.pd,
            b.limit_fen,
            b.rate_pct,
        )
        assert float(b.shadow_pd) != float(b.pd)
        assert service.replay(s, officer, settings, b.id).matches
    # A wildly different shadow PD still changes nothing in the decision.
    inputs = from_record(b.inputs)
    wild = replace(inputs, shadow=replace(inputs.shadow, pd=0.99))  # type: ignore[type-var]
    assert decide(wild) == decide(replace(inputs, shadow=None))
    bare = replace(inputs, shadow=None)
    assert shadow_scored(bare, None).shadow is None  # no approved challenger: no shadow
    assert shadow_scored(replace(bare, pd=None), (reg.entry(challenger.ref), gb)).shadow is None


# --- monitoring ---------------------------------------------------------------------------


@sqlite_only
def test_the_monitoring_job_raises_an_alert_on_a_shifted_population(
    db: Database, settings: Settings, park: Park
) -> None:
    from chanrong.jobs import catalog, runner

    ref = install_monitored_champion(settings)
    x, _ = synthetic_features(n=40, seed=11)
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        # Last month's applicants look like the development sample…
        for i, row in enumerate(x.to_dict("records")[:20]):
            decide_one(s, settings, officer, as_of=TODAY - timedelta(days=40 + i % 5), features=row)
        # …this month's all look alike, weak: a shifted population.
        for i, row in enumerate(x.to_dict("records")[20:]):
            shifted = {**row, **{k: BAD[k] for k in ("utilisation", "payment_punctuality")}}
            decide_one(s, settings, officer, as_of=TODAY - timedelta(days=i % 10), features=shifted)
    with db.unit_of_work() as s:
        # The window holds the applications dated in it, and only those it scored.
        before = service.monitor(s, settings, ref, as_of=TODAY - timedelta(days=35))
        assert before.applications == 20
        assert service.monitor(s, settings, ref, as_of=TODAY, window_days=5).applications == 10
    jobs = catalog.load(settings)
    # Fanned out over the monitored versions: the champion is one of them.
    outcomes = runner.run_manually(
        db, settings, jobs, "credit.model_monitoring", subject=None, period=TODAY.isoformat()
    )
    [outcome] = [o for o in outcomes if o.subject == ref]
    with db.unit_of_work() as s:
        [row] = [r for r in service.history(s, ref) if r.as_of == TODAY]
        # The job measured the default 30 days (replacing the 5-day figures of the same day).
        assert (row.window_days, row.applications, row.level) == (30, 20, "alert")
        assert float(row.psi or 0) > 0.25
        assert row.csi["utilisation"] > 0.25 and row.csi["payment_punctuality"] > 0.25
    assert outcome.status == "succeeded" and (outcome.detail or "").startswith("alert: PSI")


@sqlite_only
def test_lending_hands_over_the_decisions_disbursed_loans_were_booked_on(
    db: Database, settings: Settings, park: Park
) -> None:
    from decimal import Decimal

    from chanrong.identity import service as identity
    from chanrong.lending import service as lending
    from tests.builders import add_member
    from tests.lending.builders import product

    install_monitored_champion(settings)
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        prod = product(s, officer)
        loans = []
        for days in (20, 10):
            d = decide_one(s, settings, officer, as_of=TODAY - timedelta(days=days), features=GOOD)
            app = s.get(Application, d.application_id)
            assert app is not None and app.status == "approved", app and app.status
            loan = lending.book_from_decision(
                s,
                officer,
                decision_id=d.application_id,
                product_id=prod.id,
                term_months=3,
                purpose="raw_materials",
                amount=Decimal("10000.00"),
            )
            loans.append((d, loan))
        # The first is accepted and disbursed; the second stays booked (it carried no risk).
        (first, loan), _ = loans
        borrower = identity.authenticate_api_key(s, add_member(s, first.org_id, "officer").key)
        lending.accept_loan(s, borrower, loan.id)
        lending.disburse(s, officer, loan.id, on=TODAY - timedelta(days=19))
        assert lending.booked_decisions(s) == {first.application_id: loan.id}
