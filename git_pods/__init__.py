"""git-pods: Git-native delivery for human and LLM pods (the package's version lives here, nothing else)."""

__version__ = "0.2.0"
