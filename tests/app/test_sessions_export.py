"""Session browser export to Markdown, against the real store's exporter."""

from tests.app.screen_host import wait_for
from tests.app.test_sessions_screen import host, make_store, opened


async def test_export_writes_markdown_and_says_where(tmp_path):
    store = make_store(tmp_path, 2, messages=2)
    store.rename_conversation(2, "Rust / Python: notes?")
    exports = tmp_path / "exports"
    app = host(store, export_dir=exports)
    async with app.run_test(size=(100, 24)) as pilot:
        await opened(pilot, app, rows=2)
        await pilot.press("f3")
        await wait_for(pilot, lambda: app._notifications)
        path = exports / "rust-python-notes-2.md"
        assert path.exists()
        assert path.read_text(encoding="utf-8") == store.export_markdown(2)
        assert "message 1 of chat 1" in path.read_text(encoding="utf-8")
        assert str(path) in list(app._notifications)[-1].message


async def test_default_export_dir_is_in_the_data_dir(tmp_path):
    store = make_store(tmp_path, 1)
    app = host(store)
    async with app.run_test(size=(100, 24)) as pilot:
        await opened(pilot, app, rows=1)
        await pilot.press("f3")
        await wait_for(pilot, lambda: app._notifications)
    assert (tmp_path / "data" / "rill" / "exports" / "chat-00000-1.md").exists()
