"""Adopting git-pods in a repository: scaffold files, notes config, native and framework hooks."""
