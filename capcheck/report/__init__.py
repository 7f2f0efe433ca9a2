"""Verdict data: audits, claims read from reports, the support matrix, connection config."""
