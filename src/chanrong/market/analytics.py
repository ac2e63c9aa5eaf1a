"""Market analytics in DuckDB over the market tables exported as Arrow.

The figures the sector reports chart — counts and amounts by year, month, round, field,
region and board; the early-stage and state-owned shares; the most active investors and
their stage preference; listed companies' growth and IPO size — computed in one DuckDB
connection. The same :class:`MarketReport` feeds the API, the console and the HTML/PDF report.

Definitions (as the reports use them):
- an event's amount is its parsed lower bound in CNY ("超553亿元" style totals); undisclosed
  amounts count as events but add nothing;
- the average deal divides the total by *all* events of the year, as the 2024 report does;
  the average disclosed deal divides by disclosed events only;
- the state-owned participation share is the share of the year's events with at least one
  state-owned investor;
- listed-company counts are at 31 December of the year; new listings are those listed in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from chanrong.market.domain import BOARD_ZH, CLUSTERS, growth_rate, province_name
from chanrong.market.rounds import ORDER, Round, Stage
from chanrong.market.taxonomy import FIELD_ZH, Field

SCHEMAS: dict[str, pa.Schema] = {
    "events": pa.schema(
        [
            ("event_id", pa.string()), ("event_date", pa.date32()), ("company_id", pa.string()),
            ("round", pa.string()), ("amount_kind", pa.string()), ("cny_low_fen", pa.int64()),
            ("cny_high_fen", pa.int64()), ("province_code", pa.string()), ("city", pa.string()),
            ("field", pa.string()),
        ]
    ),
    "event_links": pa.schema([("event_id", pa.string()), ("investor_id", pa.string())]),
    "investors": pa.schema(
        [
            ("investor_id", pa.string()), ("investor", pa.string()),
            ("investor_kind", pa.string()), ("state_owned", pa.bool_()),
        ]
    ),
    "companies": pa.schema(
        [
            ("company_id", pa.string()), ("company", pa.string()), ("province_code", pa.string()),
            ("field", pa.string()), ("ai", pa.bool_()), ("five_g", pa.bool_()),
        ]
    ),
    "listings": pa.schema(
        [
            ("listing_id", pa.string()), ("company_id", pa.string()), ("company", pa.string()),
            ("stock_code", pa.string()), ("exchange", pa.string()), ("board", pa.string()),
            ("listing_date", pa.date32()), ("ipo_proceeds_fen", pa.int64()),
            ("market_value_fen", pa.int64()), ("province_code", pa.string()),
            ("field", pa.string()),
        ]
    ),
    "financials": pa.schema(
        [
            ("listing_id", pa.string()), ("year", pa.int32()), ("revenue_fen", pa.int64()),
            ("profit_fen", pa.int64()),
        ]
    ),
    "proceeds": pa.schema(
        [("listing_id", pa.string()), ("project", pa.string()), ("amount_fen", pa.int64())]
    ),
}  # fmt: skip

_EARLY = tuple(r.value for r in Round if r.stage is Stage.EARLY)
_STAGE_OF = {r.value: r.stage.value for r in Round}


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    if kind == pa.date32() and any(isinstance(v, str) for v in values[:1]):
        return pa.array(values, pa.string()).cast(kind)  # ISO text, parsed in bulk
    if kind == pa.bool_():
        return pa.array([None if v is None else bool(v) for v in values], kind)
    return pa.array(values, kind)


def to_arrow(columns: Mapping[str, Mapping[str, list[Any]]]) -> dict[str, pa.Table]:
    """Plain column lists (from the repository) as Arrow tables with fixed schemas; dates may
    come as ISO text."""
    return {
        name: pa.Table.from_arrays(
            [_array(list(columns[name][f.name]), f.type) for f in schema], schema=schema
        )
        for name, schema in SCHEMAS.items()
    }


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bar of a chart: events, companies and amount (fen) under a key."""

    key: str
    label: str
    events: int
    companies: int
    amount_fen: int
    share: float  # of the year's events (or of listed companies, for listing buckets)


@dataclass(frozen=True, slots=True)
class InvestorActivity:
    investor: str
    state_owned: bool
    deals: int
    early_deals: int
    stage_preference: str
    stages: dict[str, int]


@dataclass(frozen=True, slots=True)
class CompanyGrowth:
    stock_code: str
    company: str
    revenue_fen: int
    profit_fen: int
    revenue_growth: float | None
    profit_growth: float | None


@dataclass(frozen=True, slots=True)
class ListingFigures:
    listed_total: int
    new_listings: int
    new_by_board: list[Bucket]
    listed_by_board: list[Bucket]
    listed_by_province: list[Bucket]
    listed_by_field: list[Bucket]
    ipo_proceeds_total_fen: int
    ipo_proceeds_average_fen: int | None
    new_listing_codes: list[str]
    revenue_growth_total: float | None
    profit_growth_total: float | None
    revenue_growth_median: float | None
    growth: list[CompanyGrowth]
    market_value_total_fen: int
    proceeds_uses: list[Bucket]  # the year's new listings' planned uses, largest first


@dataclass(frozen=True, slots=True)
class MarketReport:
    year: int
    events: int
    companies: int
    companies_two_or_more_rounds: int
    disclosed_events: int
    disclosed_share: float
    amount_total_fen: int
    average_deal_fen: int | None
    average_disclosed_deal_fen: int | None
    early_stage_events: int
    early_stage_share: float
    state_owned_events: int
    state_owned_share: float
    by_year: list[Bucket]
    by_month: list[Bucket]
    by_round: list[Bucket]
    by_stage: list[Bucket]
    by_field: list[Bucket]
    by_province: list[Bucket]
    by_cluster: list[Bucket]
    top_investors: list[InvestorActivity]
    listings: ListingFigures
    tagged: dict[str, int] = field(default_factory=dict)
    province_unknown: int = 0  # events whose province is not known (outside by_province)
    amount_unknown: int = 0  # events whose amount is not known or not disclosed


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


class MarketAnalytics:
    """One DuckDB connection over the exported tables; each method is one figure."""

    def __init__(
        self,
        tables: Mapping[str, pa.Table],
        *,
        years: list[tuple[int, int, int, int]] | None = None,
    ) -> None:
        """``tables`` as :func:`to_arrow` gives them; ``years`` (year, events, companies,
        amount) when the events table holds only one year and the series was aggregated
        upstream."""
        self.years = years
        self.con = duckdb.connect(":memory:")
        for name, table in tables.items():
            self.con.register(name, table)
        self.con.execute(
            """CREATE VIEW event_investors AS
               SELECT l.event_id, l.investor_id, i.investor, i.investor_kind, i.state_owned
               FROM event_links l JOIN investors i USING (investor_id)"""
        )
        self.con.register(
            "stage_of",
            pa.table({"round": list(_STAGE_OF), "stage": list(_STAGE_OF.values())}),
        )

    def close(self) -> None:
        """Release the DuckDB connection."""
        self.con.close()

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def _one(self, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
        row = self.con.execute(sql, params or []).fetchone()
        assert row is not None
        return row

    def _buckets(
        self, key_sql: str, year: int, labels: Mapping[str, str], *, where: str = "TRUE"
    ) -> list[Bucket]:
        rows = self._rows(
            f"""
            SELECT {key_sql} AS k, count(*) AS n, count(DISTINCT company_id),
                   coalesce(sum(cny_low_fen), 0)
            FROM events e WHERE year(event_date) = ? AND {where}
            GROUP BY k ORDER BY n DESC, k
            """,  # noqa: S608 (key_sql and where are this module's own constants)
            [year],
        )
        total = self._one("SELECT count(*) FROM events WHERE year(event_date) = ?", [year])[0]
        return [
            Bucket(
                str(k) if k is not None else "unknown",
                labels.get(str(k), str(k)) if k is not None else "未分类",
                int(n),
                int(c),
                int(a),
                _share(int(n), int(total)),
            )
            for k, n, c, a in rows
        ]

    def by_year(self) -> list[Bucket]:
        """Events, companies and amount per year, over every year held."""
        rows = self.years
        if rows is None:
            rows = [
                (int(y), int(n), int(c), int(a))
                for y, n, c, a in self._rows(
                    """SELECT year(event_date) y, count(*), count(DISTINCT company_id),
                              coalesce(sum(cny_low_fen), 0)
                       FROM events GROUP BY y ORDER BY y"""
                )
            ]
        total = sum(int(r[1]) for r in rows)
        return [
            Bucket(str(y), str(y), int(n), int(c), int(a), _share(int(n), total))
            for y, n, c, a in rows
        ]

    def by_month(self, year: int) -> list[Bucket]:
        """The year's twelve months, empty months included."""
        found = {b.key: b for b in self._buckets("month(event_date)", year, {})}
        empty = (0, 0, 0, 0.0)
        return [
            Bucket(str(m), f"{m}月", *(_counts(found[str(m)]) if str(m) in found else empty))
            for m in range(1, 13)
        ]

    def by_round(self, year: int) -> list[Bucket]:
        """The year's events per round, in round order."""
        labels = {r.value: r.label_zh for r in Round}
        order = {r.value: i for i, r in enumerate(ORDER)}
        buckets = self._buckets("round", year, labels)
        return sorted(buckets, key=lambda b: order.get(b.key, 99))

    def by_stage(self, year: int) -> list[Bucket]:
        """The year's events per stage (early, growth, late, strategic …)."""
        labels = {
            "early": "早期 (A+及以前)", "growth": "成长期 (Pre-B–C+)", "late": "后期 (D及以后)",
            "strategic": "战略投资", "public": "IPO及定增", "acquisition": "并购",
            "unknown": "未披露",
        }  # fmt: skip
        return self._buckets("(SELECT stage FROM stage_of s WHERE s.round = e.round)", year, labels)

    def by_field(self, year: int) -> list[Bucket]:
        """The year's events per field of the taxonomy."""
        return self._buckets("field", year, {f.value: f.label_zh for f in Field})

    def by_province(self, year: int, top: int = 10) -> list[Bucket]:
        """The ``top`` provinces by the year's events; shares are of the events whose province
        is known (the unknown count is ``province_unknown``)."""
        buckets = self._buckets("province_code", year, {}, where="province_code IS NOT NULL")
        known = sum(b.events for b in buckets)
        return [
            Bucket(
                b.key, province_name(b.key), b.events, b.companies, b.amount_fen,
                _share(b.events, known),
            )
            for b in buckets[:top]
        ]  # fmt: skip

    def province_unknown(self, year: int) -> int:
        """The year's events whose province is not known."""
        return int(
            self._one(
                """SELECT count(*) FROM events
                   WHERE year(event_date) = ? AND province_code IS NULL""",
                [year],
            )[0]
        )

    def by_cluster(self, year: int) -> list[Bucket]:
        """The year's events per city cluster (Yangtze River Delta …)."""
        cases = " ".join(
            f"WHEN province_code IN ({', '.join(repr(p) for p in sorted(members))}) THEN '{key}'"
            for key, (_, members) in CLUSTERS.items()
        )
        labels = {key: label for key, (label, _) in CLUSTERS.items()}
        return [
            b
            for b in self._buckets(f"CASE {cases} ELSE NULL END", year, labels)
            if b.key != "unknown"
        ]

    def top_investors(self, year: int, top: int = 20) -> list[InvestorActivity]:
        """The year's most active investors, with their early deals and preferred stage."""
        rows = self._rows(
            """
            SELECT ei.investor, bool_or(ei.state_owned), count(DISTINCT e.event_id),
                   count(DISTINCT e.event_id) FILTER (WHERE s.stage = 'early'),
                   list(s.stage)
            FROM event_investors ei
            JOIN events e USING (event_id)
            JOIN stage_of s ON s.round = e.round
            WHERE year(e.event_date) = ?
            GROUP BY ei.investor
            ORDER BY count(DISTINCT e.event_id) DESC, ei.investor
            LIMIT ?
            """,
            [year, top],
        )
        out = []
        for name, state, deals, early, stages in rows:
            counts: dict[str, int] = {}
            for s in stages:
                counts[s] = counts.get(s, 0) + 1
            preferred = max(sorted(counts), key=lambda s: counts[s]) if counts else "unknown"
            out.append(
                InvestorActivity(str(name), bool(state), int(deals), int(early), preferred, counts)
            )
        return out

    def listing_figures(self, year: int) -> ListingFigures:
        """Listed companies at year end, the year's new listings, IPO proceeds and growth."""
        end = date(year, 12, 31)
        start = date(year, 1, 1)
        listed_total = int(
            self._one("SELECT count(*) FROM listings WHERE listing_date <= ?", [end])[0]
        )
        board_labels = {b.value: z for b, z in BOARD_ZH.items()}

        def group(
            key: str, where: str, params: list[Any], labels: Mapping[str, str]
        ) -> list[Bucket]:
            rows = self._rows(
                f"""SELECT {key} k, count(*) n, coalesce(sum(ipo_proceeds_fen), 0)
                    FROM listings WHERE {where} GROUP BY k ORDER BY n DESC, k""",  # noqa: S608
                params,
            )
            whole = sum(int(r[1]) for r in rows)
            return [
                Bucket(
                    str(k) if k is not None else "unknown",
                    labels.get(str(k), str(k)) if k is not None else "未分类",
                    int(n),
                    int(n),
                    int(a),
                    _share(int(n), whole),
                )
                for k, n, a in rows
            ]

        new_by_board = group("board", "listing_date BETWEEN ? AND ?", [start, end], board_labels)
        by_board = group("board", "listing_date <= ?", [end], board_labels)
        provinces = group("province_code", "listing_date <= ?", [end], {})
        by_province = [Bucket(b.key, province_name(b.key), *_counts(b)) for b in provinces[:10]]
        by_field = group(
            "field", "listing_date <= ?", [end], {f.value: z for f, z in FIELD_ZH.items()}
        )
        n_new, proceeds, with_proceeds = self._one(
            """SELECT count(*), coalesce(sum(ipo_proceeds_fen), 0), count(ipo_proceeds_fen)
               FROM listings WHERE listing_date BETWEEN ? AND ?""",
            [start, end],
        )
        codes = [
            str(r[0])
            for r in self._rows(
                """SELECT stock_code FROM listings WHERE listing_date BETWEEN ? AND ?
                   ORDER BY listing_date, stock_code""",
                [start, end],
            )
        ]
        growth_rows = self._rows(
            """
            SELECT l.stock_code, l.company, c.revenue_fen, c.profit_fen,
                   p.revenue_fen, p.profit_fen
            FROM listings l
            JOIN financials c ON c.listing_id = l.listing_id AND c.year = ?
            JOIN financials p ON p.listing_id = l.listing_id AND p.year = ?
            ORDER BY l.stock_code
            """,
            [year, year - 1],
        )
        growth = [
            CompanyGrowth(
                str(code),
                str(name),
                int(rev),
                int(prof),
                growth_rate(int(prev_rev), int(rev)),
                growth_rate(int(prev_prof), int(prof)),
            )
            for code, name, rev, prof, prev_rev, prev_prof in growth_rows
        ]
        rev_now = sum(int(r[2]) for r in growth_rows)
        rev_before = sum(int(r[4]) for r in growth_rows)
        prof_now = sum(int(r[3]) for r in growth_rows)
        prof_before = sum(int(r[5]) for r in growth_rows)
        rates = sorted(g.revenue_growth for g in growth if g.revenue_growth is not None)
        median = None
        if rates:
            mid = len(rates) // 2
            median = rates[mid] if len(rates) % 2 else (rates[mid - 1] + rates[mid]) / 2
        market_value = int(
            self._one(
                "SELECT coalesce(sum(market_value_fen), 0) FROM listings WHERE listing_date <= ?",
                [end],
            )[0]
        )
        uses = self._rows(
            """SELECT p.project, count(*), count(DISTINCT p.listing_id), sum(p.amount_fen)
               FROM proceeds p JOIN listings l USING (listing_id)
               WHERE l.listing_date BETWEEN ? AND ?
               GROUP BY p.project ORDER BY sum(p.amount_fen) DESC, p.project LIMIT 15""",
            [start, end],
        )
        planned = sum(int(r[3]) for r in uses)
        proceeds_uses = [
            Bucket(str(p), str(p), int(n), int(c), int(a), _share(int(a), planned))
            for p, n, c, a in uses
        ]
        return ListingFigures(
            market_value_total_fen=market_value,
            proceeds_uses=proceeds_uses,
            listed_total=listed_total,
            new_listings=int(n_new),
            new_by_board=new_by_board,
            listed_by_board=by_board,
            listed_by_province=by_province,
            listed_by_field=by_field,
            ipo_proceeds_total_fen=int(proceeds),
            ipo_proceeds_average_fen=int(proceeds) // int(with_proceeds) if with_proceeds else None,
            new_listing_codes=codes,
            revenue_growth_total=growth_rate(rev_before, rev_now),
            profit_growth_total=growth_rate(prof_before, prof_now),
            revenue_growth_median=median,
            growth=growth,
        )

    def report(self, year: int) -> MarketReport:
        """Every figure of one year's report."""
        events, companies, disclosed, total, early = self._one(
            f"""
            SELECT count(*), count(DISTINCT company_id),
                   count(*) FILTER (WHERE amount_kind <> 'undisclosed'),
                   coalesce(sum(cny_low_fen), 0),
                   count(*) FILTER (WHERE round IN ({", ".join(repr(r) for r in _EARLY)}))
            FROM events WHERE year(event_date) = ?
            """,  # noqa: S608 (the round list is this module's constant)
            [year],
        )
        repeat = self._one(
            """SELECT count(*) FROM (SELECT company_id FROM events WHERE year(event_date) = ?
               GROUP BY company_id HAVING count(*) >= 2)""",
            [year],
        )[0]
        state = self._one(
            """SELECT count(DISTINCT e.event_id) FROM events e
               JOIN event_investors ei USING (event_id)
               WHERE year(e.event_date) = ? AND ei.state_owned""",
            [year],
        )[0]
        tagged = dict(
            zip(
                ("ai", "5g"),
                self._one(
                    """SELECT count(*) FILTER (WHERE c.ai), count(*) FILTER (WHERE c.five_g)
                       FROM events e JOIN companies c USING (company_id)
                       WHERE year(e.event_date) = ?""",
                    [year],
                ),
                strict=True,
            )
        )
        events, disclosed, total = int(events), int(disclosed), int(total)
        return MarketReport(
            year=year,
            events=events,
            companies=int(companies),
            companies_two_or_more_rounds=int(repeat),
            disclosed_events=disclosed,
            disclosed_share=_share(disclosed, events),
            amount_total_fen=total,
            # Over nothing known, the average is absent, not zero.
            average_deal_fen=total // events if disclosed else None,
            average_disclosed_deal_fen=total // disclosed if disclosed else None,
            early_stage_events=int(early),
            early_stage_share=_share(int(early), events),
            state_owned_events=int(state),
            state_owned_share=_share(int(state), events),
            by_year=self.by_year(),
            by_month=self.by_month(year),
            by_round=self.by_round(year),
            by_stage=self.by_stage(year),
            by_field=self.by_field(year),
            by_province=self.by_province(year),
            province_unknown=self.province_unknown(year),
            amount_unknown=events - disclosed,
            by_cluster=self.by_cluster(year),
            top_investors=self.top_investors(year),
            listings=self.listing_figures(year),
            tagged={k: int(v) for k, v in tagged.items()},
        )

    def match(
        self, *, field: str | None, stage: str | None, province_code: str | None, top: int = 10
    ) -> list[dict[str, Any]]:
        """Investors who backed companies like this one, scored: field 3, stage 2, province 1,
        cluster 0.5 per matching deal; ties broken by deal count."""
        cluster_members: list[str] = []
        for _, members in CLUSTERS.values():
            if province_code in members:
                cluster_members = sorted(members)
        rows = self._rows(
            """
            SELECT ei.investor, bool_or(ei.state_owned), count(DISTINCT e.event_id) AS deals,
                   count(DISTINCT e.event_id) FILTER (WHERE e.field = $field) AS same_field,
                   count(DISTINCT e.event_id) FILTER (WHERE s.stage = $stage) AS same_stage,
                   count(DISTINCT e.event_id) FILTER (WHERE e.province_code = $province)
                       AS same_province,
                   count(DISTINCT e.event_id) FILTER (
                       WHERE list_contains($cluster, e.province_code)
                         AND e.province_code <> $province) AS same_cluster,
                   max(e.event_date) AS last_deal,
                   list(DISTINCT c.company ORDER BY c.company)
                       FILTER (WHERE e.field = $field) AS examples
            FROM event_investors ei
            JOIN events e USING (event_id)
            JOIN stage_of s ON s.round = e.round
            JOIN companies c ON c.company_id = e.company_id
            GROUP BY ei.investor
            """,
            {
                "field": field or "",
                "stage": stage or "",
                "province": province_code or "",
                "cluster": cluster_members,
            },  # type: ignore[arg-type]
        )
        scored = []
        for name, state, deals, sf, ss, sp, sc, last, examples in rows:
            score = 3 * sf + 2 * ss + sp + 0.5 * sc
            if score <= 0:
                continue
            reasons = []
            if sf:
                shown = "、".join((examples or [])[:3])
                reasons.append(f"投资过 {sf} 家同领域企业 ({shown})")
            if ss:
                reasons.append(f"{ss} 笔同阶段投资")
            if sp:
                reasons.append(f"{sp} 笔同省份投资")
            if sc:
                reasons.append(f"{sc} 笔同城市群投资")
            if state:
                reasons.append("国资背景")
            scored.append(
                {
                    "investor": str(name),
                    "state_owned": bool(state),
                    "score": score,
                    "deals": int(deals),
                    "same_field": int(sf),
                    "same_stage": int(ss),
                    "same_province": int(sp),
                    "same_cluster": int(sc),
                    "last_deal": last,
                    "reasons": reasons,
                }
            )
        scored.sort(key=lambda r: (-r["score"], -r["deals"], r["investor"]))
        return scored[:top]


def _counts(b: Bucket) -> tuple[int, int, int, float]:
    return b.events, b.companies, b.amount_fen, b.share
