"""Emission factors as versioned data: each carries its year, region, source and whether the
value was checked against the publisher's own text. Nothing here is a constant in code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

# Conversions for carriers whose factor is per unit of heat, stated with the factor's source.
STEAM_GJ_PER_TONNE = Decimal("2.76")


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    carrier: str
    year: int
    region: str
    factor: Decimal
    unit: str
    source: str
    verified: bool
    note: str

    @property
    def version(self) -> str:
        """A stable name for the factor used, recorded with every assessment."""
        return f"{self.carrier}:{self.region}:{self.year}"

    def kg_per_unit(self) -> Decimal:
        """The factor in kgCO2 per unit of the carrier's usual meter unit."""
        if self.unit in ("kgCO2/kWh", "kgCO2/m3", "kgCO2/t"):
            return self.factor
        if self.unit == "tCO2/GJ":  # steam: per tonne, via its enthalpy
            return self.factor * STEAM_GJ_PER_TONNE * 1000
        raise ValueError(f"unknown factor unit {self.unit}")


@cache
def all_factors() -> tuple[EmissionFactor, ...]:
    text = resources.files("chanrong.carbon").joinpath("data", "emission_factors.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return tuple(
        EmissionFactor(
            carrier=r["carrier"],
            year=int(r["year"]),
            region=r["region"],
            factor=Decimal(r["factor"]),
            unit=r["unit"],
            source=r["source"],
            verified=r["verified"] == "yes",
            note=r["note"],
        )
        for r in rows
    )


def factor_for(carrier: str, year: int, region: str = "national") -> EmissionFactor:
    """The factor for ``carrier`` in force for ``year``.

    The latest published year ≤ ``year`` of the region's series, else of the national
    (electricity) or default (fuels) series; when ``year`` precedes every publication, the
    earliest factor of the most specific series that exists.
    """
    candidates = [f for f in all_factors() if f.carrier == carrier]
    if not candidates:
        raise KeyError(f"no emission factor for {carrier}")
    regions = (region, "national", "default")
    for reg in regions:
        usable = sorted(
            (f for f in candidates if f.region == reg and f.year <= year), key=lambda f: f.year
        )
        if usable:
            return usable[-1]
    for reg in regions:
        series = sorted((f for f in candidates if f.region == reg), key=lambda f: f.year)
        if series:
            return series[0]
    raise KeyError(f"no emission factor for {carrier} in {region}")
