"""typer shells, one per git-pod-<verb>: parse options, call a command, nothing else."""
