"""Built-in tools: what a model gets back for good and hostile arguments."""

import os
import re
from datetime import datetime

import pytest

from tui.builtin_tools import CalculatorError, calculator, current_time, enabled_tools
from tui.config import ToolSettings


def test_current_time_is_iso_with_timezone():
    value = current_time()
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    assert abs((datetime.now().astimezone() - parsed).total_seconds()) < 5


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("7 / 2", "3.5"),
        ("7 // 2", "3"),
        ("7 % 4", "3"),
        ("2 ** 10", "1024"),
        ("2 ^ 8", "256"),
        ("-3 + +5", "2"),
        ("sqrt(16) + abs(-2)", "6"),
        ("round(pi, 3)", "3.142"),
        ("max(1, 5, 3)", "5"),
        ("factorial(5)", "120"),
        ("0.1 + 0.2", "0.30000000000000004"),
        ("2 ** -1", "0.5"),
    ],
)
def test_calculator_arithmetic(expression, expected):
    assert calculator(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('true')", "only these functions"),
        ("open('x')", "only these functions"),
        ("(1).__class__", "Attribute is not allowed"),
        ("x + 1", "unknown name 'x'"),
        ("'a' * 3", "only numbers"),
        ("[1, 2]", "List is not allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("1 << 1000000", "LShift is not allowed"),
        ("9 ** 9 ** 9", "too large"),
        ("10 ** 100000", "too large"),
        ("2.0 ** 100000", "too large"),
        ("factorial(100000)", "too large"),
        ("factorial(1000) * factorial(1000) * factorial(1000)", "digits"),
        ("1 / 0", "division by zero"),
        ("sqrt(-1)", "math domain error"),
        ("(-8) ** 0.5", "not a real number"),
        ("1 +", "not a valid expression"),
        ("", "empty"),
        ("(" * 300 + "1" + ")" * 300, "nested"),
        ("1" * 2000, "longer than"),
        ("True + 1", "only numbers"),
        ("abs(x=1)", "keyword"),
    ],
)
def test_calculator_refuses_with_clear_message(expression, message):
    with pytest.raises(CalculatorError) as info:
        calculator(expression)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_calculator_error_is_a_value_error():
    # the chat loop sends ordinary exceptions back to the model as error results
    assert issubclass(CalculatorError, ValueError)


def test_enabled_tools_follow_settings(tmp_path):
    assert enabled_tools(ToolSettings()) == []
    tools = enabled_tools(ToolSettings(time=True, calculator=True, read_file=True, read_file_root=str(tmp_path)))
    assert [t.__name__ for t in tools] == ["current_time", "calculator", "read_file"]
    assert getattr(tools[2], "requires_confirmation", False) is True
    assert not getattr(tools[0], "requires_confirmation", False)
    for tool in tools:
        assert tool.__doc__ and tool.__annotations__.get("return") in (str, "str")


def test_read_file_needs_a_root_directory(tmp_path):
    with pytest.raises(ValueError, match="read_file_root"):
        enabled_tools(ToolSettings(read_file=True))
    with pytest.raises(ValueError, match="not a directory"):
        enabled_tools(ToolSettings(read_file=True, read_file_root=str(tmp_path / "missing")))


@pytest.fixture
def sandbox(tmp_path):
    root = tmp_path / "allowed"
    (root / "sub").mkdir(parents=True)
    (root / "notes.txt").write_text("hello [bold]world[/]\n", encoding="utf-8")
    (root / "sub" / "deep.md").write_text("# deep\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (root / "binary.bin").write_bytes(b"\x00\x01\x02")
    (root / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (root / "big.txt").write_text("x" * (300 * 1024), encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", root / "escape-link")
    os.symlink(root / "notes.txt", root / "inside-link")
    [read_file] = enabled_tools(ToolSettings(read_file=True, read_file_root=str(root)))
    return read_file, root, tmp_path


def test_read_file_reads_text_under_root(sandbox):
    read_file, root, _ = sandbox
    assert read_file("notes.txt") == "hello [bold]world[/]\n"
    assert read_file("sub/deep.md") == "# deep\n"
    assert read_file("sub/../notes.txt") == "hello [bold]world[/]\n"
    assert read_file(str(root / "notes.txt")) == "hello [bold]world[/]\n"
    assert read_file("inside-link") == "hello [bold]world[/]\n"


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("../secret.txt", PermissionError, "outside the allowed directory"),
        ("escape-link", PermissionError, "outside the allowed directory"),
        ("/etc/passwd", PermissionError, "outside the allowed directory"),
        ("missing.txt", ValueError, "no such file"),
        ("sub", ValueError, "not a regular file"),
        ("binary.bin", ValueError, "binary"),
        ("latin1.txt", ValueError, "not UTF-8"),
        ("big.txt", ValueError, "limit"),
        ("", ValueError, "give the path"),
        ("a\x00b", ValueError, "NUL"),
    ],
)
def test_read_file_refuses(sandbox, path, error, message):
    read_file, root, tmp_path = sandbox
    with pytest.raises(error) as info:
        read_file(path)
    assert message in str(info.value)
    assert "secret\n" not in str(info.value) and str(info.value) != "secret"  # never the content


async def test_tools_through_the_library_tool_wrapper(tmp_path):
    """The schemas the model sees and the results it gets back, via tui.stream.tools.Tool."""
    from tui.stream.tools import Tool

    (tmp_path / "a.txt").write_text("alpha", encoding="utf-8")
    settings = ToolSettings(time=True, calculator=True, read_file=True, read_file_root=str(tmp_path))
    time_tool, calc, reader = (Tool(f) for f in enabled_tools(settings))
    assert calc.spec.parameters["required"] == ["expression"]
    assert calc.spec.parameters["properties"]["expression"]["type"] == "string"
    assert "arithmetic" in calc.spec.description
    assert reader.spec.parameters["required"] == ["path"] and reader.requires_confirmation
    assert time_tool.spec.parameters["properties"] == {} and not time_tool.requires_confirmation

    ok = await calc.run({"expression": "6 * 7"})
    assert (ok.content, ok.is_error) == ("42", False)
    bad = await calc.run({"expression": "__import__('os')"})
    assert bad.is_error and "only these functions" in bad.content
    assert (await reader.run({"path": "a.txt"})).content == "alpha"
    escaped = await reader.run({"path": "../../etc/passwd"})
    assert escaped.is_error and "outside the allowed directory" in escaped.content
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", (await time_tool.run({})).content)


def test_read_file_does_not_reveal_what_exists_outside(sandbox):
    read_file, root, tmp_path = sandbox
    for path in ("../secret.txt", "../no-such-file.txt", "/no/such/file"):
        with pytest.raises(PermissionError, match="outside the allowed directory"):
            read_file(path)
