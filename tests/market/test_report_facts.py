"""The analytics reproduce the counts and shares the AII sector reports state.

The data set (tests/market/data, compiled by data/compile.py from the reports' public facts)
is imported through the ordinary CSV import, so the amount parser, the round normaliser,
province names and the classifier are all part of what is checked. The expected values are
read from ``report_facts.csv`` in the shared data, not restated here.
"""

from __future__ import annotations

import csv
from decimal import Decimal

from chanrong.core.settings import get_settings
from chanrong.market import service
from chanrong.market.analytics import MarketReport
from chanrong.storage.database import Database
from tests.market.builders import DATA, load_report_data

YI_FEN = 10_000_000_000  # 100 million CNY in fen


def _facts() -> dict[tuple[int, str], Decimal]:
    path = get_settings().shared_data_path("market", "report_facts.csv")
    with path.open(encoding="utf-8") as f:
        return {
            (int(r["report_year"]), r["metric"]): Decimal(r["value"]) for r in csv.DictReader(f)
        }


def _pct(share: float) -> Decimal:
    return Decimal(str(round(share * 100, 1)))


def _bucket(report: MarketReport, attr: str, key: str) -> tuple[int, int, int]:
    b = next(b for b in getattr(report, attr) if b.key == key)
    return b.events, b.companies, b.amount_fen


def test_the_analytics_reproduce_the_reports(db: Database) -> None:
    # One import per backend, then every check: loading the data set is the slow part.
    with db.unit_of_work() as s:
        load_report_data(s)
    with db.unit_of_work() as s:
        reports = {year: service.market_report(s, year) for year in (2019, 2024)}
    check_2019_venture_figures(reports)
    check_2019_regions(reports)
    check_2019_most_active_investors(reports)
    check_2019_star_market_listings(reports)
    check_2024_figures(reports)


def check_2019_venture_figures(reports: dict[int, MarketReport]) -> None:
    f = _facts()
    r = reports[2019]
    assert r.events == f[2019, "vc_events"]
    assert r.companies == f[2019, "vc_companies"]
    assert r.companies_two_or_more_rounds == f[2019, "vc_companies_two_or_more_rounds"]
    assert r.disclosed_events == f[2019, "vc_events_with_disclosed_amount"]
    assert _pct(r.disclosed_share) == Decimal("35.9")
    assert Decimal(r.amount_total_fen) / YI_FEN == f[2019, "vc_disclosed_amount_total"]
    rounds = {b.key: b for b in r.by_round}
    seed_angel = rounds["seed"].events + rounds["angel"].events
    assert _pct(seed_angel / r.events) == f[2019, "vc_share_angel_and_seed"]
    assert _pct(rounds["pre_a"].share) == f[2019, "vc_share_pre_a"]
    assert _pct(rounds["a"].share) == f[2019, "vc_share_a"]
    assert _pct(rounds["strategic"].share) == f[2019, "vc_share_strategic"]
    assert r.early_stage_events == f[2019, "vc_events_a_plus_or_earlier"]
    assert r.early_stage_share > 0.6  # "over 60 %"


def check_2019_regions(reports: dict[int, MarketReport]) -> None:
    f = _facts()
    r = reports[2019]
    yrd_events, _, _ = _bucket(r, "by_cluster", "yangtze_delta")
    assert yrd_events == f[2019, "vc_events_yangtze_delta"]
    assert _pct(yrd_events / r.events) == Decimal("41.4")  # "41 %"
    assert _bucket(r, "by_province", "110000")[0] == f[2019, "vc_events_beijing"]
    assert _bucket(r, "by_province", "440000")[0] == f[2019, "vc_events_guangdong"]
    # "Shanghai 144, Zhejiang 82, Jiangsu 80"
    assert [_bucket(r, "by_province", c)[0] for c in ("310000", "330000", "320000")] == [
        144,
        82,
        80,
    ]
    assert [b.key for b in r.by_province[:3]] == ["110000", "310000", "440000"]


def check_2019_most_active_investors(reports: dict[int, MarketReport]) -> None:
    path = get_settings().shared_data_path("market", "investors_2019_deal_counts.csv")
    with path.open(encoding="utf-8") as f:
        stated = {r["investor"]: int(r["deals_2019"]) for r in csv.DictReader(f)}
    top = reports[2019].top_investors
    assert {i.investor: i.deals for i in top} == stated
    assert [i.deals for i in top] == sorted(stated.values(), reverse=True)
    assert all(i.stage_preference in {"early", "growth", "late", "strategic"} for i in top)
    assert next(i for i in top if i.investor == "深创投").state_owned


def check_2019_star_market_listings(reports: dict[int, MarketReport]) -> None:
    f = _facts()
    lf = reports[2019].listings
    path = get_settings().shared_data_path("market", "star_market_2019_listings.csv")
    with path.open(encoding="utf-8") as fh:
        codes = {r["stock_code"] for r in csv.DictReader(fh)}
    assert set(lf.new_listing_codes) == codes
    assert [(b.key, b.events) for b in lf.new_by_board] == [("star", 16)]
    # The report's 17 IPOs are these 16 STAR listings plus one main-board listing that the
    # report does not name, so the data set cannot hold it.
    assert f[2019, "ipo_companies"] - 1 == lf.new_listings
    assert lf.new_listing_codes[0] in {"688001", "688002", "688003"}


def check_2024_figures(reports: dict[int, MarketReport]) -> None:
    f = _facts()
    r = reports[2024]
    assert r.events == f[2024, "vc_events"]
    assert r.companies == f[2024, "vc_companies"]
    assert Decimal(r.amount_total_fen) / YI_FEN == f[2024, "vc_amount_total"]
    assert r.average_deal_fen is not None
    assert round(Decimal(r.average_deal_fen) / YI_FEN, 2) == f[2024, "vc_average_deal"]
    assert r.early_stage_events == f[2024, "vc_early_stage_events"]
    assert _pct(r.early_stage_share) == Decimal("52.6")
    assert round(r.state_owned_share * 100) == f[2024, "state_owned_participation_share"]
    events, companies, amount = _bucket(r, "by_cluster", "yangtze_delta")
    assert (events, companies) == (141, f[2024, "vc_yangtze_delta_companies"])
    events, companies, amount = _bucket(r, "by_province", "310000")
    assert (events, companies) == (56, f[2024, "vc_shanghai_companies"])
    assert amount > 110 * YI_FEN
    events, _, amount = _bucket(r, "by_field", "intelligent_equipment")
    assert events == f[2024, "vc_intelligent_equipment_events"]
    assert amount > Decimal("41.7") * YI_FEN


def test_the_data_set_is_the_compiled_one() -> None:
    # A guard: the CSVs must be what compile.py writes (re-run it after changing either).
    assert (DATA / "events_2019.csv").read_text(encoding="utf-8").count("\n") == 753
    assert (DATA / "events_2024.csv").read_text(encoding="utf-8").count("\n") == 322
