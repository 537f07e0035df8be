"""`rill history`, `rill show ID`, `rill export ID` through the real command entry point."""

from __future__ import annotations

import json

import pytest

from tui.cli import main
from tui.history import HistoryStore


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        conv = store.create_conversation(provider="scripted", model="demo")
        store.add_message(conv.id, "user", "Explain \x1b[31mterminal\x1b[0m colours")
        store.add_message(conv.id, "assistant", "Colours use \x1b]0;evil title\x07escape codes.\n\nDone.")
        other = store.create_conversation()
        store.add_message(other.id, "user", "Second chat about kafka")
    return path


def test_history_lists_newest_first(db, capsys):
    assert main(["history", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "UPDATED", "MSGS", "MODEL", "TITLE"]
    assert out[1].split()[0] == "2" and out[1].endswith("Second chat about kafka")
    assert "scripted/demo" in out[2] and out[2].endswith("Explain terminal colours")


def test_history_json_and_limit(db, capsys):
    assert main(["history", "--db", str(db), "--json", "--limit", "1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [2] and rows[0]["message_count"] == 1


def test_history_search(db, capsys):
    assert main(["history", "--db", str(db), "--search", "escape"]) == 0
    out = capsys.readouterr().out
    assert "1#2" in out and "[escape]" in out and "\x1b" not in out and "\x07" not in out
    assert main(["history", "--db", str(db), "--search", "nothing-like-this"]) == 0
    assert "Nothing matches" in capsys.readouterr().out


def test_show_strips_escape_sequences(db, capsys):
    assert main(["show", "1", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "## User" in out and "Colours use escape codes." in out
    assert "\x1b" not in out and "\x07" not in out


def test_show_json_keeps_the_data(db, capsys):
    assert main(["show", "1", "--db", str(db), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["messages"][1]["text"].startswith("Colours use \x1b]0;evil title\x07")


def test_export_formats_and_output_file(db, tmp_path, capsys):
    assert main(["export", "1", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("# Explain terminal colours")
    assert main(["export", "1", "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["conversation"]["id"] == 1
    target = tmp_path / "out.md"
    assert main(["export", "1", "--db", str(db), "-o", str(target)]) == 0
    assert target.read_text().startswith("# Explain terminal colours")


def test_missing_id_and_missing_file(db, tmp_path, capsys):
    assert main(["show", "99", "--db", str(db)]) == 1
    assert "no conversation with id 99" in capsys.readouterr().err
    assert main(["export", "abc", "--db", str(db)]) == 1
    assert main(["history", "--db", str(tmp_path / "none.db")]) == 0
    assert "No conversations yet" in capsys.readouterr().out
    assert not (tmp_path / "none.db").exists()  # listing does not create a database


def test_damaged_database_is_one_line_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    assert main(["history", "--db", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rill: the history database") and "damaged" in err and err.count("\n") == 1


def test_bad_usage_is_exit_2(db, capsys):
    assert main(["history", "--limit", "many"]) == 2
    assert main(["export", "1", "--format", "pdf", "--db", str(db)]) == 2


def test_default_database_comes_from_settings(tmp_path, monkeypatch, capsys):
    path = tmp_path / "from-env.db"
    with HistoryStore(path) as store:
        store.create_conversation(title="found via RILL_DB")
    monkeypatch.setenv("RILL_DB", str(path))
    assert main(["history"]) == 0
    assert "found via RILL_DB" in capsys.readouterr().out
