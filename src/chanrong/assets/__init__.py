"""Data assets, intellectual property and collateral pools (资产池)."""
