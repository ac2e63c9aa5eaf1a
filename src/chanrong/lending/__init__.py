"""Lending: products, schedules, loans, repayments, delinquency, monitoring and alerts."""
