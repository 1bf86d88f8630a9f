"""git pod-verify: reading a range of history in batches and judging every commit of it."""
