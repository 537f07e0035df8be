"""The remembered app state: survives a restart, and a corrupt file never stops the app."""

import pytest

from tui.app.state import AppState, default_state_path


def test_round_trip_in_the_data_dir(tmp_path):
    state = AppState.load()
    assert state.theme is None
    assert str(state.path).startswith(str(tmp_path / "data"))  # XDG_DATA_HOME from conftest
    state.theme = "gruvbox"
    assert state.save() is True
    assert AppState.load().theme == "gruvbox"
    assert default_state_path().exists()


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b"[1, 2]", b'{"theme": 7}', b'{"theme": ""}', b""])
def test_corrupt_file_gives_defaults(tmp_path, content):
    path = tmp_path / "state.json"
    path.write_bytes(content)
    state = AppState.load(path)
    assert state.theme is None
    state.theme = "nord"
    assert state.save()
    assert AppState.load(path).theme == "nord"


def test_unwritable_location_reports_instead_of_raising(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    state = AppState(theme="nord", path=blocker / "state.json")
    assert state.save() is False
    assert "cannot save" in state.last_error


def test_unreadable_file_is_ignored(tmp_path):
    path = tmp_path / "state.json"
    path.mkdir()  # a directory where the file should be: reading fails even as root
    state = AppState.load(path)
    assert state.theme is None and "ignored" in state.last_error
