"""Shared kernel: identifiers, money, time, errors, settings. Imports nothing else of chanrong."""
