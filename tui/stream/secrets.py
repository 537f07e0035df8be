"""Secrets never leave: `redact(text)` removes API keys from any text before it is stored or printed.

Provider error messages sometimes echo the key they were sent ("Incorrect API key provided: sk-...")
and error bodies can quote an `Authorization` header. Everything that saves or prints such a message
(the history recorder, print mode's stderr and `--json`, `rill show` and exports) passes it through
`redact`, the project's one redaction function. It removes:

- every value registered with `register_secret` (the command line registers the config file's
  `api_key`, so a key that never was in the environment is known too);
- the value of every environment variable that holds a key or token (`OPENAI_API_KEY`,
  `ANTHROPIC_API_KEY`, any `*_API_KEY`, `*_TOKEN`, `*_SECRET`), read when `redact` runs;
- anything shaped like a key or an auth header (`sk-...`, `Bearer ...`, `api_key=...`, `?key=...`).
"""

from __future__ import annotations

import os
import re
from typing import overload

REDACTED = "[redacted]"
_MIN_LENGTH = 8  # shorter values are too likely to be ordinary words to be replaced everywhere

_PATTERNS = (
    re.compile(r"\b(sk-(?:ant-|proj-)?)[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/\-]{8,}=*"),
    re.compile(
        r"(?i)((?:api[_-]?key|x-api-key|authorization|access[_-]?token)[\"']?\s*[:=]\s*[\"']?)"
        r"[^\s\"',;&]{6,}"
    ),
    re.compile(r"(?i)([?&](?:key|api_key|token)=)[^&\s]+"),
)
_SECRET_VARIABLE = re.compile(r"(?:^|_)(?:API_?KEY|TOKEN|SECRET|ACCESS_KEY)$")
_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret (an API key from the config file, say) so `redact` removes it everywhere."""
    if value and len(value.strip()) >= _MIN_LENGTH:
        _registered.add(value)
        _registered.add(value.strip())


def known_secrets() -> list[str]:
    """Registered secrets and the environment's keys and tokens, longest first (so a key that contains
    another is replaced whole)."""
    found = set(_registered)
    for name, value in os.environ.items():
        if _SECRET_VARIABLE.search(name.upper()) and len(value.strip()) >= _MIN_LENGTH:
            found.update((value, value.strip()))
    return sorted(found, key=len, reverse=True)


@overload
def redact(text: str) -> str: ...


@overload
def redact(text: None) -> None: ...


def redact(text: str | None) -> str | None:
    """`text` with every known secret and anything shaped like a key or auth header replaced by
    `[redacted]`."""
    if not text:
        return text
    for secret in known_secrets():
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


__all__ = ["REDACTED", "known_secrets", "redact", "register_secret"]
