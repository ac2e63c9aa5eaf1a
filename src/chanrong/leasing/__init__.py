"""Leasing: usage-based contracts, monthly bills from device counters, arrears and remote lock."""
