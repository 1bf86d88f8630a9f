"""The rules that hooks, validate and verify share, each with a stable id."""
