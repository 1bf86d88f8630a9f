"""The only place git runs: the runner, environment hygiene, and repository discovery."""
