"""One module per verb: `run(options, ...) -> int`, plain functions with no typer import."""
