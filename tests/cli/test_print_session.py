"""`rill -p` beyond streaming: saving to history, continuing a conversation, and running tools."""

import asyncio
import io
import json
import subprocess
import sys

import pytest

from tui.cli import build_parser
from tui.cli.print_mode import EXIT_OK, EXIT_USAGE, build_consumers, stream_answer
from tui.cli.print_session import PrintSession, SessionError
from tui.config import Settings, ToolSettings
from tui.history import HistoryStore
from tui.stream.providers.scripted import ScriptedProvider


def parse(*argv):
    return build_parser().parse_args(["-p", "unused", *argv])


def run_exchange(prompt, provider, settings, *argv):
    """The print-mode path with a provider we hold on to; returns (exit status, stdout, stderr)."""
    args = parse(*argv)
    out, err = io.StringIO(), io.StringIO()
    session = PrintSession.open(args, settings, prompt, provider, stdin=io.StringIO(), err=err)
    try:
        consumers = build_consumers(args, out, err) + session.consumers
        status = asyncio.run(stream_answer(session, provider, consumers))
    finally:
        session.close()
    return status, out.getvalue(), err.getvalue()


def counting_provider(**options):
    """Answers with how many messages it was sent, so a test can see the context that went out."""
    return ScriptedProvider(
        rate=0, thinking="", reply=lambda request: f"I was sent {len(request.messages)} messages.", **options
    )


@pytest.fixture
def settings(tmp_path):
    return Settings(db=str(tmp_path / "history.db"))


def test_an_exchange_is_saved_and_continued_with_its_context(settings):
    status, out, _ = run_exchange("What is rill?", counting_provider(), settings)
    assert status == EXIT_OK and "I was sent 1 messages." in out

    status, out, _ = run_exchange("And again?", counting_provider(), settings, "-c")
    assert status == EXIT_OK and "I was sent 3 messages." in out  # user, answer, user

    store = HistoryStore(settings.db_path)
    try:
        [conversation] = store.list_conversations()
        assert conversation.title.startswith("What is rill")
        thread = store.thread(conversation.id)
        assert [(m.role, m.status) for m in thread] == [("user", "complete"), ("assistant", "complete")] * 2
        assert thread[-1].text == "I was sent 3 messages."
    finally:
        store.close()


def test_cid_continues_that_conversation_and_an_unknown_one_is_a_usage_error(settings):
    run_exchange("first", counting_provider(), settings)
    run_exchange("second, new conversation", counting_provider(), settings)
    store = HistoryStore(settings.db_path)
    oldest = store.list_conversations()[-1].id
    store.close()

    status, out, _ = run_exchange("back to the first", counting_provider(), settings, "--cid", str(oldest))
    assert status == EXIT_OK and "I was sent 3 messages." in out

    with pytest.raises(SessionError, match="no conversation with id 9999"):
        run_exchange("lost", counting_provider(), settings, "--cid", "9999")


def test_no_history_saves_nothing(settings):
    status, out, _ = run_exchange("private", counting_provider(), settings, "--no-history")
    assert status == EXIT_OK and out.strip() == "I was sent 1 messages."
    assert not settings.db_path.exists()


def test_an_unusable_database_costs_a_warning_not_the_answer(tmp_path):
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not an SQLite database at all" * 100)
    status, out, err = run_exchange("hello", counting_provider(), Settings(db=str(bad)))
    assert status == EXIT_OK and out.strip() == "I was sent 1 messages."
    assert "will not be saved" in err and str(bad) in err
    assert bad.read_bytes().startswith(b"this is not an SQLite database")  # nothing overwritten


def calculator_settings(tmp_path, **tools):
    return Settings(db=str(tmp_path / "h.db"), tools=ToolSettings(**tools))


def test_tools_run_and_the_model_answers_with_their_results(tmp_path):
    provider = ScriptedProvider(
        rate=0, thinking="", text="Done.", tool_calls=[{"name": "calculator", "arguments": {"expression": "6*7"}}]
    )
    status, out, err = run_exchange(
        "six times seven?", provider, calculator_settings(tmp_path, calculator=True), "--json"
    )
    assert status == EXIT_OK
    result = json.loads(out)
    assert result["complete"] is True
    assert result["tool_calls"] == [{"id": "call_1", "name": "calculator", "arguments": {"expression": "6*7"}}]
    assert "`calculator` returned `42`" in result["text"]  # the second round saw the tool's result
    assert result["usage"]["output_tokens"] > 0


def test_no_tools_reports_calls_without_running_them(tmp_path):
    provider = ScriptedProvider(
        rate=0, thinking="", text="Done.", tool_calls=[{"name": "calculator", "arguments": {"expression": "6*7"}}]
    )
    status, out, err = run_exchange(
        "six times seven?", provider, calculator_settings(tmp_path, calculator=True), "--no-tools"
    )
    assert status == EXIT_OK
    assert '[tool call] calculator({"expression": "6*7"})' in err
    assert "[tool result]" not in err and "42" not in out


def test_a_tool_that_needs_consent_is_denied_when_nobody_can_be_asked(tmp_path):
    root = tmp_path / "notes"
    root.mkdir()
    (root / "secret.txt").write_text("the secret")
    provider = ScriptedProvider(
        rate=0, thinking="", text="Done.", tool_calls=[{"name": "read_file", "arguments": {"path": "secret.txt"}}]
    )
    settings = calculator_settings(tmp_path, read_file=True, read_file_root=str(root))
    status, out, err = run_exchange("read it", provider, settings)
    assert status == EXIT_OK
    assert "read_file needs your consent" in err and "denied" in err
    assert "the secret" not in out


def test_a_bad_tool_setting_is_a_usage_error_naming_the_fix(tmp_path):
    with pytest.raises(SessionError, match="read_file_root"):
        run_exchange("x", counting_provider(), calculator_settings(tmp_path, read_file=True))


def test_cli_saves_and_history_lists_it(tmp_path):
    db = tmp_path / "cli.db"
    run = subprocess.run(
        [sys.executable, "-m", "tui", "-p", "Tell me about tmux", "--provider", "scripted", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == EXIT_OK, run.stderr
    assert "That is the whole tour." in run.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "tui", "history", "--db", str(db), "--json"], capture_output=True, text=True, timeout=60
    )
    assert listing.returncode == 0, listing.stderr
    [conversation] = json.loads(listing.stdout)
    assert "tmux" in conversation["title"]

    unknown = subprocess.run(
        [sys.executable, "-m", "tui", "-p", "x", "--provider", "scripted", "--db", str(db), "--cid", "777"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == EXIT_USAGE and "no conversation with id 777" in unknown.stderr
