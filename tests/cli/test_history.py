"""`rill history`, `rill show ID`, `rill export ID` through the real command entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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
    assert main(["export", "abc", "--db", str(db)]) == 2  # not an id: a usage error
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


def test_export_refuses_to_overwrite_a_file_without_force(db, tmp_path, capsys):
    target = tmp_path / "notes.md"
    target.write_text("my own notes")
    assert main(["export", "1", "--db", str(db), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "exists" in err and "--force" in err
    assert target.read_text() == "my own notes"
    assert main(["export", "1", "--db", str(db), "-o", str(target), "--force"]) == 0
    assert target.read_text().startswith("# Explain terminal colours")


def test_history_into_a_pipe_closed_early_is_quiet(tmp_path):
    """`rill history --limit 5000 | head -1`: no BrokenPipeError traceback."""
    path = tmp_path / "many.db"
    with HistoryStore(path) as store:
        for number in range(2500):
            store.create_conversation(title=f"conversation number {number} with a title long enough")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "history", "--limit", "5000", "--db", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader leaves, as `head -1` does
        err = proc.stderr.read().decode()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert first.split() == [b"ID", b"UPDATED", b"MSGS", b"MODEL", b"TITLE"]
    assert err == ""  # no BrokenPipeError traceback, no "Exception ignored"
    assert proc.returncode in (0, 1)  # 1 when the write met the closed pipe; a large pipe may take it all


def test_history_to_a_full_disk_says_so(db):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "tui", "show", "1", "--db", str(db)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    assert proc.stderr.startswith("rill: cannot write to stdout") and "Traceback" not in proc.stderr


def run_as_another_user(argv: list[str]) -> tuple[int, str, str]:
    """`main(argv)` in a child process without root's power to write anywhere (as root, uid nobody)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            if os.geteuid() == 0:
                os.setgid(65534)
                os.setuid(65534)
            sys.stdout = os.fdopen(1, "w", closefd=False)
            sys.stderr = os.fdopen(2, "w", closefd=False)
            code = main(argv)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    with os.fdopen(out_r) as out, os.fdopen(err_r) as err:
        output, errors = out.read(), err.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output, errors


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_reading_commands_work_in_a_read_only_folder():
    folder = Path(tempfile.mkdtemp(prefix="rill-ro-"))
    try:
        path = folder / "history.db"
        with HistoryStore(path) as store:
            conversation = store.create_conversation(title="kept in a read-only place")
            store.add_message(conversation.id, "user", "hello from the archive")
        assert not (folder / "history.db-wal").exists()  # a clean close leaves no side files
        path.chmod(0o444)
        folder.chmod(0o555)
        status, out, err = run_as_another_user(["history", "--db", str(path)])
        assert (status, err) == (0, "") and "kept in a read-only place" in out
        status, out, err = run_as_another_user(["show", "1", "--db", str(path)])
        assert (status, err) == (0, "") and "hello from the archive" in out
        assert sorted(p.name for p in folder.iterdir()) == ["history.db"]  # nothing written there
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_show_and_export_redact_a_config_key_an_old_database_holds(tmp_path, capsys):
    secret = "cfg-secret-0123456789abcdef"
    config = tmp_path / "rill.toml"
    config.write_text(f'api_key = "{secret}"\n')
    path = tmp_path / "old.db"
    with HistoryStore(path) as store:
        conversation = store.create_conversation()
        prompt = store.add_message(conversation.id, "user", "hi")
        store.add_message(
            conversation.id, "assistant", f"the server said: bad key {secret}", prompt.id, status="failed"
        )
    for command in (["show", "1"], ["show", "1", "--json"], ["export", "1", "--format", "json"]):
        assert main([*command, "--db", str(path), "--config", str(config)]) == 0
        out = capsys.readouterr().out
        assert secret not in out and "[redacted]" in out
