"""rill: a full-screen terminal chat client for streaming LLMs."""

__version__ = "0.1.0"
