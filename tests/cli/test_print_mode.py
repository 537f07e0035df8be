"""`rill -p` as a user runs it: a subprocess against a real local server, reading its stdout/stderr."""

from __future__ import annotations

import io
import json
import os
import select
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from tests.stream.corpus import load_cases
from tests.stream.wire_server import Reply, WireServer, chat_body
from tui.cli.print_mode import TextPrinter, terminal_safe
from tui.stream.events import StreamEvent, StreamEventType

CASES = {case.name: case for case in load_cases()}


def rill(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", "-p", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout)


def serve(name: str) -> WireServer:
    case = CASES[name]
    return WireServer().add(Reply(body=case.body, chunks=case.chunks, content_type=case.content_type))


def base(server: WireServer, provider: str) -> str:
    return server.url + ("/v1" if provider.startswith("openai") else "")


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


# -- the answer -------------------------------------------------------------------------------------
def test_text_to_stdout_thinking_to_stderr():
    with serve("anth_thinking_signature") as server:
        proc = rill("what is 925/5?", "--provider", "anthropic", "--base-url", server.url, "--no-history")
    assert proc.returncode == 0
    assert proc.stdout == "925 ÷ 5 = 185\n"
    assert "The previous result was 925." in proc.stderr
    no_traceback(proc)


def test_no_thinking_hides_the_thinking():
    with serve("anth_thinking_signature") as server:
        proc = rill("x", "--provider", "anthropic", "--base-url", server.url, "--no-thinking", "--no-history")
    assert proc.returncode == 0 and proc.stdout == "925 ÷ 5 = 185\n"
    assert "previous result" not in proc.stderr


def test_tool_calls_are_reported_on_stderr_not_executed():
    with serve("oai_chat_parallel_tool_calls") as server:
        proc = rill("weather?", "--provider", "openai", "--base-url", base(server, "openai"), "--no-tools",
                    "--no-history")
    assert proc.returncode == 0
    assert '[tool call] GetWeatherArgs({"city": "Edinburgh", "country": "GB", "units": "c"})' in proc.stderr
    assert "[tool call] get_stock_price(" in proc.stderr
    assert len(server.requests) == 1, "a reported tool call does not start another round"


def test_request_carries_prompt_system_model_and_max_tokens():
    with WireServer() as server:
        server.add(Reply(body=chat_body("ok")))
        proc = rill("hello there", "--provider", "openai", "--base-url", server.url + "/v1", "--model", "m-1",
                    "--system", "be brief", "--max-tokens", "42", "--no-history")
    assert proc.returncode == 0 and proc.stdout == "ok\n"
    sent = server.requests[0].json
    assert sent["model"] == "m-1" and sent["max_tokens"] == 42 and sent["stream"] is True
    assert sent["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}]
    assert sent["stream_options"] == {"include_usage": True}


def test_dash_reads_the_prompt_from_stdin():
    with WireServer() as server:
        server.add(Reply(body=chat_body("piped")))
        proc = rill("-", "--provider", "openai", "--base-url", server.url + "/v1", "--no-history",
                    stdin="a prompt\nover two lines\n")
    assert proc.returncode == 0 and proc.stdout == "piped\n"
    assert server.requests[0].json["messages"][-1]["content"] == "a prompt\nover two lines\n"


def test_cut_off_answer_says_so_but_completes():
    with serve("oai_chat_finish_length") as server:
        proc = rill("x", "--provider", "openai", "--base-url", base(server, "openai"), "--no-history")
    assert proc.returncode == 0 and proc.stdout == '{"\n'
    assert "cut off at the token limit" in proc.stderr and "--max-tokens" in proc.stderr


def test_a_refusal_is_reported_on_stderr_not_printed_as_the_answer():
    with serve("oai_chat_refusal") as server:
        proc = rill("x", "--provider", "openai", "--base-url", base(server, "openai"), "--no-history")
    assert proc.returncode == 0 and proc.stdout == ""
    assert "rill: the model refused: I'm sorry, I can't assist with that request." in proc.stderr


# -- failures ---------------------------------------------------------------------------------------
def test_truncated_stream_keeps_text_and_exits_1():
    with serve("tr_oai_chat_truncated") as server:
        proc = rill("x", "--provider", "openai", "--base-url", base(server, "openai"), "--no-history")
    assert proc.returncode == 1
    assert proc.stdout == "I'm unable to provide real-time weather updates. To get\n"
    assert proc.stderr.strip().splitlines()[-1].startswith("rill: the answer is incomplete")
    no_traceback(proc)


def test_http_error_is_one_line_on_stderr_and_in_the_json():
    with WireServer() as server:
        server.add(Reply(status=401, content_type="application/json",
                         body=b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}'))
        proc = rill("x", "--provider", "openai", "--base-url", server.url + "/v1", "--json", "--no-history")
    assert proc.returncode == 1
    result = json.loads(proc.stdout)
    assert result["error"]["type"] == "authentication_error" and result["complete"] is False
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("rill: ") and "HTTP 401" in line and "Incorrect API key provided" in line
    no_traceback(proc)


def test_provider_error_event_exits_1_with_its_message():
    with serve("anth_error_api_error") as server:
        proc = rill("x", "--provider", "anthropic", "--base-url", server.url, "--no-history")
    assert proc.returncode == 1
    assert "Overloaded" in proc.stderr and "api_error" in proc.stderr
    no_traceback(proc)


def test_connection_refused_is_retried_then_one_line(tmp_path):
    from tests.stream.wire_server import refused_url

    config = tmp_path / "rill.toml"
    config.write_text("max_retries = 1\n")
    proc = rill("x", "--provider", "ollama", "--base-url", refused_url(), "--config", str(config), "--no-history")
    assert proc.returncode == 1
    notice, final = proc.stderr.strip().splitlines()
    assert notice.startswith("rill: retrying in ") and "(attempt 1 of 1)" in notice
    assert final.startswith("rill: ") and "refused the connection" in final
    no_traceback(proc)


@pytest.mark.parametrize(("args", "stdin", "expected"), [
    (["   "], None, "the prompt is empty"),
    (["-"], "", "the prompt is empty"),
    (["x", "--provider", "nope"], None, "unknown provider 'nope'"),
    (["x", "--provider", "openai"], None, "set OPENAI_API_KEY"),
    (["x", "--provider", "anthropic"], None, "set ANTHROPIC_API_KEY"),
    (["x", "--provider", "openai", "--base-url", "localhost:8080"], None, "must start with http"),
])
def test_bad_usage_exits_2_with_a_clear_message(args, stdin, expected):
    proc = rill(*args, "--no-history", stdin=stdin)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("rill: ") and expected in line
    assert proc.stdout == ""
    no_traceback(proc)


# -- streaming and Ctrl-C ---------------------------------------------------------------------------
def read_until(stream, needle: bytes, timeout: float = 20) -> bytes:
    """Read from a pipe until `needle` shows up (bounded); the pipe stays open."""
    data = b""
    deadline = time.monotonic() + timeout
    fd = stream.fileno()
    while needle not in data:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {needle!r}; got {data!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            assert chunk, f"stream closed before {needle!r}; got {data!r}"
            data += chunk
    return data


def test_text_arrives_as_it_streams_and_ctrl_c_keeps_it():
    first = chat_body("Hello", " streaming", done=False)
    with WireServer() as server:
        server.add(Reply(body=first, stall=30, stall_at=len(first)))  # then the server goes quiet
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "-p", "x", "--provider", "openai", "--base-url", server.url + "/v1",
             "--no-history"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            early = read_until(proc.stdout, b"Hello streaming")
            assert proc.poll() is None, "the text was printed while the stream was still open"
            proc.send_signal(signal.SIGINT)
            rest, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 1
    assert (early + rest).decode() == "Hello streaming\n"
    assert "cancelled" in err.decode() and "Traceback" not in err.decode()


# -- in-process pieces ------------------------------------------------------------------------------
class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_escape_sequences_never_reach_a_terminal():
    out, err = FakeTTY(), FakeTTY()
    printer = TextPrinter(out, err)
    printer.feed(StreamEvent(StreamEventType.DELTA, "red \x1b[31mtext\x1b[0m \x1b]0;title\x07bell\x07 [b]ok[/b]\n"))
    assert out.getvalue() == "red text bell [b]ok[/b]\n"


def test_a_pipe_gets_the_text_unchanged():
    out = io.StringIO()
    TextPrinter(out, io.StringIO()).feed(StreamEvent(StreamEventType.DELTA, "a\x1b[31mb"))
    assert out.getvalue() == "a\x1b[31mb"


def test_terminal_safe_keeps_newlines_tabs_and_unicode():
    assert terminal_safe("a\tb\nc ÷ 🦊\r\x00\x7f\x9b") == "a\tb\nc ÷ 🦊"


def test_run_print_mode_in_process_with_a_server():
    from tui.config import Settings
    from tui.cli.print_mode import run_print_mode

    with WireServer() as server:
        server.add(Reply(body=chat_body("in", " process")))
        settings = Settings(provider="openai", base_url=server.url + "/v1")
        out, err = io.StringIO(), io.StringIO()
        args = SimpleNamespace(prompt="x", json=True, no_thinking=False, no_tools=True)
        status = run_print_mode(args, settings, stdout=out, stderr=err)
    assert status == 0
    assert json.loads(out.getvalue())["text"] == "in process"
    assert err.getvalue() == ""


def test_a_reader_that_leaves_early_stops_the_stream_quietly():
    """`rill -p ... | head -c 10`: no traceback, no 'Exception ignored', and the connection is closed."""
    body = chat_body(*[f" word{i}" for i in range(20000)])
    with WireServer() as server:
        server.add(Reply(body=body, chunks=list(range(500, len(body), 500)), chunk_delay=0.001))
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "-p", "x", "--provider", "openai", "--base-url", server.url + "/v1",
             "--no-history"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            read_until(proc.stdout, b"word0")
            proc.stdout.close()
            err = proc.stderr.read()
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert server.disconnected.wait(10)
    assert proc.returncode == 1
    assert err == b""
