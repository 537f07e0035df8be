"""`@path` parsing and completion (tui/app/mentions.py), without a UI."""

from __future__ import annotations

import pytest

from tui.app.mentions import attachment_paths, complete, mentions, quote, relative_to, typing_at


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "notes.md").write_text("n")
    (tmp_path / ".hidden").write_text("h")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("m")
    (tmp_path / "my file.txt").write_text("s")
    return tmp_path


def test_mentions_need_a_space_or_the_start_before_the_at():
    found = mentions("@a.txt and @\"b c.txt\" and @'d e' but not me@example.com")
    assert [(m.path, m.quoted) for m in found] == [("a.txt", False), ("b c.txt", True), ("d e", True)]


def test_which_mentions_are_files(tree):
    text = "see @notes.md. ask @alice about @src/main.py, @missing.txt and @notes.md again"
    assert attachment_paths(text, tree) == ["notes.md", "src/main.py", "missing.txt"]
    assert attachment_paths('@"my file.txt"', tree) == ["my file.txt"]
    assert attachment_paths("@src", tree) == ["src"]  # names something: loading it says it is a folder


def test_typing_at_the_cursor():
    assert typing_at("read @no", 8).typed == "no"
    assert typing_at("read @no", 4) is None
    assert typing_at('read @"my fi', 12).typed == "my fi"
    assert typing_at('read @"my file.txt" now', 23) is None
    assert typing_at("mail me@x", 9) is None
    assert typing_at("@", 1).typed == ""


def test_complete(tree, monkeypatch):
    assert complete("", tree) == ["my file.txt", "notes.md", "src/"]
    assert complete(".", tree) == [".hidden"]
    assert complete("src/", tree) == ["src/main.py"]
    assert complete("src/m", tree) == ["src/main.py"]
    assert complete("nothing/here", tree) == []
    monkeypatch.setenv("HOME", str(tree))
    assert complete("~/no") == ["~/notes.md"]


def test_quote_and_relative_paths(tree, monkeypatch):
    assert quote("a.txt") == "@a.txt" and quote("my file.txt") == '@"my file.txt"'
    assert quote('say "hi".txt') == "@'say \"hi\".txt'"
    assert relative_to(tree / "src" / "main.py", tree) == "src/main.py"
    monkeypatch.setenv("HOME", str(tree))
    assert relative_to(tree / "notes.md", tree / "src") == "~/notes.md"
