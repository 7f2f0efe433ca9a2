"""The CI gate's engine: running the CI rules, and the capability lock."""
