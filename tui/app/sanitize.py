"""The app shows model text through the project's one sanitizer, `tui.stream.sanitize` (see there)."""

from tui.stream.sanitize import StreamSanitizer, sanitize

__all__ = ["StreamSanitizer", "sanitize"]
