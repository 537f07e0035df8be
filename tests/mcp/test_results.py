"""What the model is sent for an MCP result, and the names MCP tools get on the wire."""

from __future__ import annotations

import base64

from mcp_types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

from tui.mcp.results import MAX_RESULT_CHARS, human_size, result_text
from tui.mcp.tools import wire_names
from tui.stream.tools import TOOL_NAME


def b64(size: int) -> str:
    return base64.b64encode(b"x" * size).decode()


def test_every_kind_of_content_becomes_text():
    result = CallToolResult(
        content=[
            TextContent(text="two blocks follow"),
            ImageContent(data=b64(5), mime_type="image/gif"),
            AudioContent(data=b64(1_500_000), mime_type="audio/wav"),
            ResourceLink(name="r", title="Report", uri="https://x/r.pdf", description="the annual report"),
            EmbeddedResource(resource=TextResourceContents(uri="file:///a.txt", text="inside")),
            EmbeddedResource(resource=BlobResourceContents(uri="file:///b.bin", blob=b64(2048), mime_type="app/x")),
        ]
    )
    assert result_text(result).splitlines() == [
        "two blocks follow",
        "[image: image/gif, 5 bytes]",
        "[audio: audio/wav, 1.5 MB]",
        "[resource link: Report <https://x/r.pdf>] the annual report",
        "[resource file:///a.txt]",
        "inside",
        "[resource file:///b.bin: app/x, 2.0 KB]",
    ]


def test_structured_content_is_added_only_when_no_text_carries_it():
    same = CallToolResult(content=[TextContent(text='{"a": 1}')], structured_content={"a": 1})
    assert result_text(same) == '{"a": 1}'
    wrapped = CallToolResult(content=[TextContent(text="42")], structured_content={"result": 42})
    assert result_text(wrapped) == "42"
    alone = CallToolResult(content=[], structured_content={"a": [1, 2]})
    assert result_text(alone) == 'structured content: {\n  "a": [\n    1,\n    2\n  ]\n}'
    assert result_text(CallToolResult(content=[])) == "(the tool returned nothing)"


def test_a_huge_result_is_cut_and_says_so():
    text = result_text(CallToolResult(content=[TextContent(text="y" * (MAX_RESULT_CHARS + 10))]))
    assert text.endswith("\n[… 10 more characters not shown]") and len(text) < MAX_RESULT_CHARS + 50


def test_human_size():
    assert [human_size(n) for n in (0, 999, 1000, 1234, 2_500_000, 3_000_000_000)] == [
        "0 bytes",
        "999 bytes",
        "1.0 KB",
        "1.2 KB",
        "2.5 MB",
        "3.0 GB",
    ]


def test_wire_names_are_safe_unique_and_readable():
    long_tool = "t" * 70
    names = wire_names(
        ["calculator"],
        [("a", "calculator"), ("a", "get.time"), ("a", long_tool), ("b", "x"), ("c", "x"), ("d", "ok-name_1")],
    )
    assert names[("a", "calculator")] == ("a__calculator", "a.calculator")
    assert names[("a", "get.time")] == ("get_time", "get.time")
    assert names[("b", "x")] == ("b__x", "b.x") and names[("c", "x")] == ("c__x", "c.x")
    assert names[("d", "ok-name_1")] == ("ok-name_1", "ok-name_1")
    wire, label = names[("a", long_tool)]
    assert label == long_tool and len(wire) <= 64
    wires = [wire for wire, _ in names.values()]
    assert len(set(wires)) == len(wires) and all(TOOL_NAME.match(w) for w in wires)
    # a sanitized name that meets an existing one still gets its own
    clash = wire_names(["get_time"], [("a", "get.time")])
    assert clash[("a", "get.time")][0] != "get_time" and TOOL_NAME.match(clash[("a", "get.time")][0])
