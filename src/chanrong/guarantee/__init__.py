"""Guarantees, risk-sharing schemes, claims (代偿), recoveries and interest subsidies (贴息)."""
