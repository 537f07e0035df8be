"""Attachments: which files are accepted (and why others are refused), and how each wire format
carries them -- text files as context blocks, images in the API's own image field -- checked on the
request bodies a real HTTP server (WireServer) received."""

from __future__ import annotations

import base64
import os
import struct
import zlib

import pytest

from tests.stream.corpus import load_cases
from tests.stream.wire_server import Reply, WireServer
from tui.stream import ChatRequest, Message, StreamEventType, StreamRun, get_provider
from tui.stream.attachments import (
    MAX_IMAGE_BYTES,
    MAX_TEXT_BYTES,
    Attachment,
    AttachmentError,
    check_totals,
    load_attachment,
    load_attachments,
    with_context,
)

CASES = {case.name: case for case in load_cases()}


def tiny_png() -> bytes:
    """A valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = tiny_png()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "notes.md").write_text("# Notes\n\nuse ``` fences\n")
    (tmp_path / "cat.png").write_bytes(PNG)
    (tmp_path / "photo.txt").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)  # a JPEG with a text name
    (tmp_path / "anim.gif").write_bytes(b"GIF89a" + b"\x00" * 20)
    (tmp_path / "pic.webp").write_bytes(b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20)
    (tmp_path / "blob.bin").write_bytes(b"\x01\x02\x00\x03")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "dir").mkdir()
    return tmp_path


# -- reading and checking ----------------------------------------------------------------------------
def test_text_and_images_are_recognised_by_content(files):
    notes = load_attachment("notes.md", files)
    assert (notes.name, notes.media_type, notes.size, notes.is_image) == ("notes.md", "text/markdown", 24, False)
    assert notes.text.startswith("# Notes")
    assert load_attachment("cat.png", files).media_type == "image/png"
    assert load_attachment("photo.txt", files).media_type == "image/jpeg"  # magic bytes, not the name
    assert load_attachment("anim.gif", files).media_type == "image/gif"
    assert load_attachment("pic.webp", files).media_type == "image/webp"


def test_home_is_expanded(files, monkeypatch):
    monkeypatch.setenv("HOME", str(files))
    assert load_attachment("~/notes.md").text.startswith("# Notes")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("missing.txt", "cannot attach missing.txt: no such file"),
        ("dir", "it is a directory"),
        ("blob.bin", "it is a binary file, not text or a PNG, JPEG, GIF or WebP image"),
        ("latin1.txt", "neither UTF-8 text nor"),
    ],
)
def test_refused_files_say_why(files, name, says):
    with pytest.raises(AttachmentError) as caught:
        load_attachment(name, files)
    assert says in caught.value.message
    assert "\n" not in caught.value.message


def test_limits(files):
    (files / "big.txt").write_text("x" * (MAX_TEXT_BYTES + 1))
    with pytest.raises(AttachmentError, match=r"the text file is 256\.0 KB, over the 256\.0 KB limit"):
        load_attachment("big.txt", files)
    (files / "big.png").write_bytes(PNG + b"\x00" * MAX_IMAGE_BYTES)
    with pytest.raises(AttachmentError, match=r"over the 5\.0 MB limit"):
        load_attachment("big.png", files)
    many = [Attachment(f"f{i}.txt", "text/plain", b"x") for i in range(21)]
    with pytest.raises(AttachmentError, match="too many attachments: 21"):
        check_totals(many)
    heavy = [Attachment(f"i{i}.png", "image/png", b"x" * MAX_IMAGE_BYTES) for i in range(3)]
    with pytest.raises(AttachmentError, match="add up to 15.0 MB"):
        check_totals(heavy)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(files):
    (files / "secret.txt").write_text("x")
    (files / "secret.txt").chmod(0)
    with pytest.raises(AttachmentError, match="cannot attach secret.txt: Permission denied"):
        load_attachment("secret.txt", files)


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc")
def test_a_file_that_fails_to_read_says_so():
    # /proc/self/mem exists and opens, but reading it at offset 0 fails (EIO), even for root
    with pytest.raises(AttachmentError, match=r"^cannot attach /proc/self/mem: Input/output error$"):
        load_attachment("/proc/self/mem")


def test_load_attachments_checks_every_file(files):
    with pytest.raises(AttachmentError, match="missing.txt"):
        load_attachments(["notes.md", "missing.txt"], files)
    assert [a.name for a in load_attachments(["notes.md", "cat.png"], files)] == ["notes.md", "cat.png"]


def test_context_block_fences_past_backticks():
    notes = Attachment("notes.md", "text/markdown", b"use ``` fences\n")
    image = Attachment("cat.png", "image/png", PNG)
    assert with_context("Summarise.", [notes, image]) == "File: notes.md\n````\nuse ``` fences\n````\n\nSummarise."
    assert with_context("Just text.", [image]) == "Just text."


# -- each wire format, against a real HTTP server ---------------------------------------------------------
NOTES = Attachment("notes.md", "text/markdown", b"# Notes\n")
CAT = Attachment("cat.png", "image/png", PNG)
B64 = base64.b64encode(PNG).decode()
CONTEXT = "File: notes.md\n```\n# Notes\n```\n\nWhat is in the picture?"
REQUEST = ChatRequest(
    messages=[
        Message("user", "Earlier."),
        Message("assistant", "Yes."),
        Message("user", "What is in the picture?", attachments=[NOTES, CAT]),
    ]
)


async def body_sent(provider: str, case: str, path: str = "") -> dict:
    with WireServer() as server:
        body = CASES[case].body.rstrip(b"\n") + b"\n\n"  # complete, whatever the corpus case tests
        server.add(Reply(body=body, content_type=CASES[case].content_type))
        p = get_provider(provider, base_url=server.url + path, api_key="k", max_retries=0)
        run = StreamRun.from_provider(p, REQUEST)
        await run.run()
        await p.aclose()
        assert run.snapshot.complete, run.snapshot.error
        (request,) = server.requests
        return request.json


async def test_openai_chat_sends_an_image_url_data_url():
    body = await body_sent("openai", "oai_chat_text_include_usage", "/v1")
    assert body["messages"][:2] == [{"role": "user", "content": "Earlier."}, {"role": "assistant", "content": "Yes."}]
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "text", "text": CONTEXT},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}},
        ],
    }


async def test_openai_responses_sends_input_image():
    body = await body_sent("openai-responses", "oai_resp_text", "/v1")
    assert body["input"][2] == {
        "role": "user",
        "content": [
            {"type": "input_text", "text": CONTEXT},
            {"type": "input_image", "image_url": f"data:image/png;base64,{B64}"},
        ],
    }


async def test_anthropic_sends_an_image_block():
    body = await body_sent("anthropic", "anth_basic_text")
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": B64}},
            {"type": "text", "text": CONTEXT},
        ],
    }


async def test_ollama_sends_images():
    body = await body_sent("ollama", "ollama_chat_text")
    assert body["messages"][2] == {"role": "user", "content": CONTEXT, "images": [B64]}
    assert "images" not in body["messages"][0]


async def test_text_only_attachments_keep_plain_string_content():
    request = ChatRequest(messages=[Message("user", "Summarise.", attachments=[NOTES])])
    with WireServer() as server:
        case = CASES["oai_chat_text_include_usage"]
        server.add(Reply(body=case.body))
        p = get_provider("openai", base_url=server.url + "/v1", api_key="k", max_retries=0)
        await StreamRun.from_provider(p, request).run()
        await p.aclose()
        assert server.requests[0].json["messages"][0]["content"] == "File: notes.md\n```\n# Notes\n```\n\nSummarise."


async def test_local_provider_refuses_images_with_a_clear_message():
    provider = get_provider("local")
    with pytest.raises(AttachmentError, match=r"the local provider .* cannot read images \(cat\.png\)"):
        provider.check_attachments([NOTES, CAT])
    provider.check_attachments([NOTES])  # text is fine
    events = [e async for e in provider.stream(REQUEST)]
    (error,) = [e for e in events if e.type is StreamEventType.ERROR]
    assert "cannot read images (cat.png)" in error.content
    assert events[-1].type is StreamEventType.END


async def test_scripted_provider_acknowledges_attachments():
    provider = get_provider("scripted", rate=0, thinking="")
    run = StreamRun.from_provider(provider, REQUEST)
    snapshot = await run.run()
    assert "You attached:" in snapshot.text and "`cat.png (image/png, " in snapshot.text
