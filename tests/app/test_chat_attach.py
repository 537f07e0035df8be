"""Attachments and the editor in the app: `@path` completion and sending, the f3 picker, the chip on
the prompt (also after reopening), refusals that keep the prompt, ctrl+e in $VISUAL/$EDITOR, and a
multi-line prompt shown with its line breaks."""

from __future__ import annotations

import os
import stat

import pytest

from tests.app.chat_helpers import make_app, send, wait_finished, wait_for
from tests.stream.test_attachments import PNG
from tui.app.screens.attach_picker import AttachPickerScreen
from tui.app.widgets.path_suggestions import PathSuggestions
from tui.app.widgets.prompt_input import PromptInput
from tui.history import HistoryStore
from tui.stream.providers.scripted import ScriptedProvider


@pytest.fixture
def files(tmp_path, monkeypatch):
    (tmp_path / "notes.md").write_text("# Notes\n\nremember the milk\n")
    (tmp_path / "notebook").mkdir()
    (tmp_path / "notebook" / "page.txt").write_text("a page\n")
    (tmp_path / "my file.txt").write_text("spaced\n")
    (tmp_path / "cat.png").write_bytes(PNG)
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01")
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Recording(ScriptedProvider):
    """The scripted model, keeping each request it was sent."""

    def __init__(self, **kwargs) -> None:
        super().__init__(rate=0, thinking="", **kwargs)
        self.requests = []

    async def stream(self, request, control=None):
        self.requests.append(request)
        async for event in super().stream(request, control):
            yield event


def prompt_of(app) -> PromptInput:
    return app.chat.query_one(PromptInput)


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_at_path_completes_as_it_is_typed(files):
    app = make_app(Recording())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        await pilot.press(*"Summarise @no")
        suggestions = app.chat.query_one(PathSuggestions)
        await wait_for(pilot, lambda: suggestions.display, what="the suggestions")
        assert suggestions.items == ["notebook/", "notes.md"]
        assert "notebook/" in str(suggestions.render()) and "notes.md" in str(suggestions.render())
        await pilot.press("tab")  # what both share
        assert prompt.text == "Summarise @note"
        await pilot.press("down", "tab")  # the highlighted one: a file, so the mention is closed
        assert prompt.text == "Summarise @notes.md "
        await pilot.pause()
        assert not suggestions.display
        await pilot.press(*"and @noteb", "tab")  # a folder stays open for the next name
        assert prompt.text == "Summarise @notes.md and @notebook/"
        await wait_for(pilot, lambda: suggestions.items == ["notebook/page.txt"], what="the folder's files")
        await pilot.press("tab")
        assert prompt.text == "Summarise @notes.md and @notebook/page.txt "
        await pilot.press(*"@my", "tab")  # a name with a space is quoted
        assert prompt.text.endswith('@"my file.txt" ')
        await pilot.press(*"@c")
        await wait_for(pilot, lambda: suggestions.items == ["cat.png"], what="one suggestion")
        await pilot.press("escape")  # hides them; the prompt keeps its text
        assert not suggestions.display and prompt.text.endswith("@c")


async def test_mentioned_files_are_sent_shown_as_chips_and_saved(files, tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    provider = Recording()
    app = make_app(provider, store=store)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, app, 'What is in @cat.png and @"my file.txt"? Mail me@example.com, @alice.')
        await wait_finished(pilot, app)
        (request,) = provider.requests
        prompt = request.messages[-1]
        assert [(a.name, a.media_type) for a in prompt.attachments] == [
            ("cat.png", "image/png"),
            ("my file.txt", "text/plain"),
        ]
        shown = app.chat.transcript.visible_text()
        assert "▣ cat.png (image/png, 69 B)   ▣ my file.txt (text, 7 B)" in shown
        assert "You attached:" in app.chat.transcript.answers[-1].shown_text
        cid = app.chat.cid
    assert [a.name for a in store.thread(cid)[0].attachments] == ["cat.png", "my file.txt"]
    reopened = make_app(Recording(), store=store, cid=cid)
    async with reopened.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: reopened.chat.transcript.answers, what="the transcript")
        await pilot.pause()
        assert "▣ cat.png (image/png, 69 B)   ▣ my file.txt (text, 7 B)" in reopened.chat.transcript.visible_text()
    store.close()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("look at @missing.txt", "cannot attach missing.txt: no such file"),
        ("look at @blob.bin", "cannot attach blob.bin: it is a binary file"),
        ("look at @notebook", "cannot attach notebook: it is a directory"),
    ],
)
async def test_a_refused_file_keeps_the_prompt_and_sends_nothing(files, text, says):
    provider = Recording()
    app = make_app(provider)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, app, text)
        await wait_for(pilot, lambda: any(says in n for n in notices(app)), what="the refusal")
        assert any("The prompt was not sent (it is still in the box)" in n for n in notices(app))
        assert prompt_of(app).text == text
        assert provider.requests == [] and app.chat.transcript.users == []


class TextOnly(Recording):
    name = "text-only"
    reads_images = False


async def test_a_provider_without_vision_refuses_images_before_sending(files):
    provider = TextOnly()
    app = make_app(provider)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, app, "what is @cat.png")
        await wait_for(pilot, lambda: any("cannot read images (cat.png)" in n for n in notices(app)), what="it")
        assert prompt_of(app).text == "what is @cat.png" and provider.requests == []
        await send(pilot, app, "summarise @notes.md")  # text is fine
        await wait_finished(pilot, app)
        assert provider.requests[0].messages[-1].attachments[0].name == "notes.md"


async def test_f3_picker_puts_the_file_into_the_prompt(files):
    app = make_app(Recording())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        await pilot.press(*"read")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPickerScreen), what="the picker")
        tree = app.screen.query_one("#attach-tree")
        await wait_for(pilot, lambda: len(tree.root.children) == 5, what="the folder listing")
        names = [str(node.label) for node in tree.root.children]
        assert names[:2] == ["notebook", "blob.bin"]  # folders first
        target = names.index("notes.md")
        for _ in range(target + 1):  # from the root row down to notes.md
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the picker to close")
        assert prompt.text == "read @notes.md "
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPickerScreen), what="the picker")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the picker to close")
        assert prompt.text == "read @notes.md "


def editor(tmp_path, body: str) -> str:
    script = tmp_path / "fake-editor"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


async def test_ctrl_e_composes_in_the_editor(files, tmp_path, monkeypatch):
    # the editor gets the prompt as it is, and what it saves comes back (its final newline dropped)
    monkeypatch.setenv("VISUAL", editor(tmp_path, 'printf "line two\\n" >> "$1"\n'))
    app = make_app(Recording())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        prompt.load_text("line one\n")
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: prompt.text == "line one\nline two", what="the edited prompt")
        assert app.focused is prompt
        await pilot.press("enter")
        await wait_finished(pilot, app)
        assert app.chat.transcript.users[0].prompt == "line one\nline two"


@pytest.mark.parametrize(
    ("visual", "editor_var", "says"),
    [
        (None, None, "No editor: set $VISUAL or $EDITOR"),
        ("/nonexistent/editor", None, "The editor '/nonexistent/editor' was not found"),
        ("FAIL", None, "The editor exited with status 3; the prompt is unchanged."),
        (None, "FAIL", "The editor exited with status 3"),  # $EDITOR when $VISUAL is not set
    ],
)
async def test_editor_problems_are_a_notice_and_the_prompt_stays(
    files, tmp_path, monkeypatch, visual, editor_var, says
):
    failing = editor(tmp_path, 'echo "garbage" > "$1"\nexit 3\n')
    for name, value in (("VISUAL", visual), ("EDITOR", editor_var)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, failing if value == "FAIL" else value)
    app = make_app(Recording())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        prompt.load_text("keep me")
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: any(says in n for n in notices(app)), what="the notice")
        assert prompt.text == "keep me"
    assert not [p for p in os.listdir(tmp_path) if p.startswith("rill-prompt-")]


async def test_a_multi_line_prompt_keeps_its_line_breaks(files):
    app = make_app(Recording())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        await pilot.press(*"line one", "ctrl+j", *"line two")
        await pilot.press("enter")
        await wait_finished(pilot, app)
        lines = [line.strip(" ▌│┃") for line in app.chat.transcript.visible_text().splitlines()]
        assert "line one" in lines and "line two" in lines
        assert not any("line one line two" in line for line in lines)


async def test_the_palette_offers_the_picker_and_the_editor(files):
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    app = make_app(Recording())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt_of(app).focus()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"edit prompt")
        options = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count > 0, what="a hit")
        assert "Edit prompt in $EDITOR" in str(options.get_option_at_index(0).prompt)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.chat, what="the chat")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"attach file")
        options = app.screen.query_one(OptionList)
        await wait_for(pilot, lambda: options.option_count > 0, what="a hit")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPickerScreen), what="the picker")


async def test_tab_right_after_typing_completes_instead_of_moving_focus(files):
    # keys typed in a burst reach the prompt before the Changed message of the first ones
    from textual import events

    app = make_app(Recording())
    async with app.run_test(size=(120, 36)) as pilot:
        prompt = prompt_of(app)
        prompt.focus()
        await pilot.pause()
        prompt.insert("see @notes.")  # its Changed message is still queued
        await prompt._on_key(events.Key("tab", None))
        assert prompt.text == "see @notes.md "
        assert app.focused is prompt


async def test_regenerate_and_later_prompts_still_send_the_files(files, tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    provider = Recording()
    app = make_app(provider, store=store)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, app, "summarise @notes.md")
        await wait_finished(pilot, app)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: len(provider.requests) == 2, what="the regenerated request")
        await wait_finished(pilot, app)
        assert [a.name for a in provider.requests[1].messages[-1].attachments] == ["notes.md"]
        cid = app.chat.cid
    again = Recording()
    reopened = make_app(again, store=store, cid=cid)
    async with reopened.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: reopened.chat.transcript.answers, what="the transcript")
        await send(pilot, reopened, "and now?")
        await wait_finished(pilot, reopened)
        first, *_rest, last = again.requests[0].messages
        assert [a.name for a in first.attachments] == ["notes.md"]  # from history, with its content
        assert "remember the milk" in first.text_with_context
        assert last.content == "and now?" and last.attachments == []
    store.close()
