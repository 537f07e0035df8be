"""`redact`, the one redaction function: registered secrets, the environment's keys, key-shaped text."""

from tui.stream.secrets import REDACTED, redact, register_secret


def test_a_registered_secret_is_redacted_wherever_it_appears():
    secret = "config-file-key-7f3a9c2e"
    assert redact(f"bad key {secret}!") == f"bad key {secret}!"  # unknown and not key-shaped: kept
    register_secret(secret + "\n")  # as read from a file
    assert redact(f"bad key {secret}! again: {secret}") == f"bad key {REDACTED}! again: {REDACTED}"


def test_every_key_or_token_variable_is_known(monkeypatch):
    monkeypatch.setenv("MISTRAL_API_KEY", "mistral-value-123456")
    monkeypatch.setenv("HF_TOKEN", "hf-value-abcdefgh")
    monkeypatch.setenv("EDITOR_THEME", "solarized-dark-theme")
    text = redact("mistral-value-123456 / hf-value-abcdefgh / solarized-dark-theme")
    assert text == f"{REDACTED} / {REDACTED} / solarized-dark-theme"


def test_short_values_are_not_treated_as_secrets(monkeypatch):
    monkeypatch.setenv("SHORT_TOKEN", "abc")
    register_secret("abc")
    assert redact("abc abc") == "abc abc"
    assert redact(None) is None and redact("") == ""
