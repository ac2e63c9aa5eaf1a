"""Supply-chain finance: confirmed payables as splittable, transferable, financed certificates."""
