"""Helpers shared by the test files (never imported from a test file)."""
