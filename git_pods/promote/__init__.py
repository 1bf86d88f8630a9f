"""Promote as a transaction: choose queued bundles, build commits in a temporary index, publish them."""
