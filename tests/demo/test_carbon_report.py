"""The simulated park is graded month by month and charted."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc

from chanrong.demo.carbon_report import assess_tables, chart
from chanrong.simulate import preset, simulate_park


def test_every_firm_with_output_gets_a_grade_each_month(tmp_path: Path) -> None:
    park = simulate_park(preset("tiny"), keep_telemetry=False)
    months = assess_tables(park.enterprises, park.energy)
    assert len(months) == park.config.months
    for m in months:
        producing = park.energy.filter(
            pc.and_(
                pc.equal(park.energy.column("month"), m.month),
                pc.greater(park.energy.column("output_value_fen"), 0),
            )
        ).num_rows
        assert len(m.assessments) == producing
        assert sum(m.counts.values()) == producing
        # K is relative to peers: the park cannot be all above or all below its benchmark.
        assert min(a.code.k for a in m.assessments) < 1 < max(a.code.k for a in m.assessments)
    png = chart(months, tmp_path / "grades.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
