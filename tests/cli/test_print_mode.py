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
from tests.stream.wire_server import Reply, WireServer, chat_body, tool_call_body
from tui.cli.print_mode import StatusReporter, TextPrinter
from tui.cli.print_session import consent_question
from tui.history import HistoryStore
from tui.stream.events import StreamEvent, StreamEventType
from tui.stream.messages import ToolCall

CASES = {case.name: case for case in load_cases()}


def rill(*args: str, stdin: str | None = None, timeout: float = 60, **run: object) -> subprocess.CompletedProcess:
    """`rill -p ARGS` run to its end, output captured (as text unless `text=False`)."""
    options: dict[str, object] = {"text": True, **run}
    return subprocess.run(
        [sys.executable, "-m", "tui", "-p", *args], input=stdin, capture_output=True, timeout=timeout, **options
    )


def rill_process(prompt: str, server: WireServer, *args: str, **popen: object) -> subprocess.Popen:
    """`rill -p PROMPT` against `server` (OpenAI chat) as a running process; stdout and stderr piped
    unless `popen` says otherwise."""
    command = [sys.executable, "-m", "tui", "-p", prompt, "--provider", "openai", "--base-url", server.url + "/v1"]
    options: dict[str, object] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    return subprocess.Popen([*command, *args], **options)


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
        proc = rill(
            "weather?", "--provider", "openai", "--base-url", base(server, "openai"), "--no-tools", "--no-history"
        )
    assert proc.returncode == 0
    assert '[tool call] GetWeatherArgs({"city": "Edinburgh", "country": "GB", "units": "c"})' in proc.stderr
    assert "[tool call] get_stock_price(" in proc.stderr
    assert len(server.requests) == 1, "a reported tool call does not start another round"


def test_request_carries_prompt_system_model_and_max_tokens():
    with WireServer() as server:
        server.add(Reply(body=chat_body("ok")))
        proc = rill(
            "hello there",
            "--provider",
            "openai",
            "--base-url",
            server.url + "/v1",
            "--model",
            "m-1",
            "--system",
            "be brief",
            "--max-tokens",
            "42",
            "--no-history",
        )
    assert proc.returncode == 0 and proc.stdout == "ok\n"
    sent = server.requests[0].json
    assert sent["model"] == "m-1" and sent["max_tokens"] == 42 and sent["stream"] is True
    assert sent["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}]
    assert sent["stream_options"] == {"include_usage": True}


def test_dash_reads_the_prompt_from_stdin():
    with WireServer() as server:
        server.add(Reply(body=chat_body("piped")))
        proc = rill(
            "-",
            "--provider",
            "openai",
            "--base-url",
            server.url + "/v1",
            "--no-history",
            stdin="a prompt\nover two lines\n",
        )
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
        server.add(
            Reply(
                status=401,
                content_type="application/json",
                body=b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}',
            )
        )
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


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        (["   "], None, "the prompt is empty"),
        (["-"], "", "the prompt is empty"),
        (["x", "--provider", "nope"], None, "unknown provider 'nope'"),
        (["x", "--provider", "openai"], None, "set OPENAI_API_KEY"),
        (["x", "--provider", "anthropic"], None, "set ANTHROPIC_API_KEY"),
    ],
)
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
        proc = rill_process("x", server, "--no-history")
        try:
            early = read_until(proc.stdout, b"Hello streaming")
            assert proc.poll() is None, "the text was printed while the stream was still open"
            proc.send_signal(signal.SIGINT)
            rest, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130  # 128 + SIGINT, as a shell reports it
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


def test_run_print_mode_in_process_with_a_server():
    from tui.cli.print_mode import run_print_mode
    from tui.config import Settings

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
        proc = rill_process("x", server, "--no-history")
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


# -- hostile output, secrets and bad input (issue 10) ----------------------------------------------
def test_escape_sequences_are_stripped_when_stdout_is_a_pipe():
    """`rill -p ... | cat` must not let the model clear the screen or write the clipboard (OSC 52)."""
    with WireServer() as server:
        server.add(Reply(body=chat_body("clear\x1b[2J", "\x1b]52;c;SGVsbG8=\x07 done\x9b31m!", "\u202eok")))
        proc = rill("x", "--provider", "openai", "--base-url", server.url + "/v1", "--no-history")
    assert proc.returncode == 0
    assert proc.stdout == "clear done!ok\n"


def test_json_escapes_c1_controls_and_line_separators():
    text = "csi\x9b31m nel\x85 ls\u2028 ps\u2029 rlo\u202e esc\x1b[2J"
    with WireServer() as server:
        server.add(Reply(body=chat_body(text)))
        proc = rill("x", "--provider", "openai", "--base-url", server.url + "/v1", "--no-history", "--json", text=False)
    raw = proc.stdout.decode("utf-8")
    assert proc.returncode == 0
    assert not any(ch in raw for ch in "\x9b\x85\u2028\u2029\u202e\x1b")
    assert json.loads(raw)["text"] == text  # escaped, not lost


def test_a_config_file_key_echoed_by_the_server_is_never_stored_or_printed(tmp_path):
    secret = "cfg-secret-0123456789abcdef"
    config = tmp_path / "rill.toml"
    config.write_text(f'provider = "openai"\napi_key = "{secret}"\n')
    db = tmp_path / "h.db"
    error = {"error": {"message": f"upstream rejected the key {secret}", "type": "server_error"}}
    body = (
        chat_body("partial answer", done=False).rsplit(b"data: ", 1)[0]
        + b"data: "
        + json.dumps(error).encode()
        + b"\n\n"
    )
    with WireServer() as server:
        server.add(Reply(body=body))
        proc = rill("x", "--base-url", server.url + "/v1", "--config", str(config), "--db", str(db))
    assert proc.returncode == 1
    assert secret not in proc.stderr and "[redacted]" in proc.stderr
    with HistoryStore(db) as store:
        [answer] = [m for m in store.thread(1) if m.role == "assistant"]
    assert answer.text == "partial answer" and answer.error and secret not in answer.error
    for command in (["show", "1"], ["show", "1", "--json"], ["export", "1", "--format", "json"]):
        shown = subprocess.run(
            [sys.executable, "-m", "tui", *command, "--db", str(db)], capture_output=True, text=True, timeout=60
        )
        assert shown.returncode == 0 and secret not in shown.stdout


def test_an_environment_key_echoed_in_a_401_is_redacted_on_stderr_and_in_json():
    secret = "env-secret-0123456789abcdef"
    with WireServer() as server:
        server.add(
            Reply(
                status=401,
                content_type="application/json",
                body=json.dumps(
                    {"error": {"message": f"Incorrect API key provided: {secret}", "type": "invalid_request_error"}}
                ).encode(),
            )
        )
        proc = rill(
            "x",
            "--provider",
            "openai",
            "--base-url",
            server.url + "/v1",
            "--json",
            "--no-history",
            env={**os.environ, "OPENAI_API_KEY": secret},
        )
    assert proc.returncode == 1
    assert secret not in proc.stderr and secret not in proc.stdout
    assert "[redacted]" in json.loads(proc.stdout)["error"]["message"] and "[redacted]" in proc.stderr


def scripted(*args: str, db, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "-p", *args, "--provider", "scripted", "--db", str(db)],
        capture_output=True,
        timeout=60,
        **kwargs,
    )


def saved(db) -> list[tuple[str, str, str]]:
    with HistoryStore(db) as store:
        return [(m.role, m.status, m.text) for c in store.list_conversations() for m in store.thread(c.id)]


@pytest.mark.parametrize("how", ["stdin", "argument"])
def test_a_prompt_that_is_not_utf8_is_answered_and_saved(tmp_path, how):
    db = tmp_path / "h.db"
    if how == "stdin":
        proc = scripted("-", db=db, input=b"hi \xff there")
    else:
        proc = scripted(b"hi \xff there", db=db)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stderr
    assert b"not valid UTF-8" in proc.stderr and b"Traceback" not in proc.stderr
    [(role, status, text), (answer_role, answer_status, _)] = saved(db)
    assert (role, status, text) == ("user", "complete", "hi \ufffd there")
    assert (answer_role, answer_status) == ("assistant", "complete")


def test_a_closed_stdin_with_dash_is_a_usage_error(tmp_path):
    proc = scripted("-", db=tmp_path / "h.db", preexec_fn=lambda: os.close(0))
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("rill: stdin is closed") and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("stdout", ["closed", "/dev/full"])
def test_an_unwritable_stdout_still_saves_the_exchange(tmp_path, stdout):
    db = tmp_path / "h.db"
    if stdout == "closed":
        proc = scripted("Tell me about tmux", "--no-thinking", db=db, preexec_fn=lambda: os.close(1))
        expected = "stdout is closed"
    else:
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tui",
                    "-p",
                    "Tell me about tmux",
                    "--provider",
                    "scripted",
                    "--no-thinking",
                    "--db",
                    str(db),
                ],
                stdout=full,
                stderr=subprocess.PIPE,
                timeout=60,
            )
        expected = "cannot write to stdout (No space left on device)"
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert err.startswith(f"rill: {expected}") and "Traceback" not in err and "Exception ignored" not in err
    [prompt, answer] = saved(db)
    assert answer[:2] == ("assistant", "complete") and "That is the whole tour." in answer[2]


def wait_for(condition, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("times", [1, 2])
def test_a_stop_signal_keeps_prints_and_saves_the_partial_answer(tmp_path, signum, times):
    """Ctrl-C, SIGTERM and SIGHUP (once, or twice at once): the text so far printed and saved as cancelled,
    exit 128+N, never a traceback or an answer left `streaming`."""
    db = tmp_path / "h.db"
    first = chat_body("Hello", " streaming", done=False)
    with WireServer() as server:
        server.add(Reply(body=first, stall=30, stall_at=len(first)))
        proc = rill_process("x", server, "--db", str(db))
        try:
            early = read_until(proc.stdout, b"Hello streaming")
            for _ in range(times):
                os.kill(proc.pid, signum)
            rest, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 128 + signum
    assert (early + rest).decode() == "Hello streaming\n"
    assert "cancelled" in err.decode() and "Traceback" not in err.decode()
    assert saved(db)[-1] == ("assistant", "cancelled", "Hello streaming")


def test_sigterm_during_a_json_stream_still_prints_the_json(tmp_path):
    first = chat_body("Hello", " streaming", done=False)
    with WireServer() as server:
        server.add(Reply(body=first, stall=30, stall_at=len(first)))
        proc = rill_process("x", server, "--db", str(tmp_path / "h.db"), "--json")
        try:
            wait_for(lambda: server.requests, "the request")
            wait_for(lambda: saved(tmp_path / "h.db")[-1][0] == "assistant", "the answer to be saving")
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM
    result = json.loads(out)
    assert result["complete"] is False and "Hello streaming".startswith(result["text"]) and result["text"]
    assert saved(tmp_path / "h.db")[-1][:2] == ("assistant", "cancelled")


def test_the_consent_question_cannot_be_disguised():
    call = ToolCall("call_1", "read_file", {"path": "notes\u202e\u2066txt.exe\x9b2J\x1b]0;x\x07"})
    question = consent_question(call)
    # every control and bidi character is shown as its escape: what the person approves is what runs
    assert question == r'rill: allow read_file({"path": "notes\u202e\u2066txt.exe\u009b2J\u001b]0;x\u0007"})? [y/N] '


def test_waiting_statuses_show_on_a_terminal_in_one_line_and_go_away():
    err = FakeTTY()
    reporter = StatusReporter(err)
    reporter.feed(StreamEvent(StreamEventType.METADATA, metadata={"status": "waiting for the first byte (10 s)"}))
    reporter.feed(StreamEvent(StreamEventType.METADATA, metadata={"status": "waiting for the first byte (20 s)"}))
    assert err.getvalue() == (
        "\r\x1b[Krill: waiting for the first byte (10 s) …\r\x1b[Krill: waiting for the first byte (20 s) …"
    )
    reporter.feed(StreamEvent(StreamEventType.DELTA, "hi"))
    assert err.getvalue().endswith("\r\x1b[K")
    piped = io.StringIO()
    StatusReporter(piped).feed(StreamEvent(StreamEventType.METADATA, metadata={"status": "waiting"}))
    assert piped.getvalue() == ""  # a log file gets no half-lines


@pytest.mark.parametrize("answer", ["y", "ctrl-c"])
def test_the_consent_prompt_on_a_terminal(tmp_path, answer):
    """read_file asks on the terminal; 'y' runs it, Ctrl-C at the question ends the exchange at once
    (nothing left waiting for a line), saved as cancelled."""
    import pty

    root = tmp_path / "notes"
    root.mkdir()
    (root / "todo.txt").write_text("buy milk")
    config = tmp_path / "rill.toml"
    config.write_text(f'[tools]\nread_file = true\nread_file_root = "{root}"\n')
    db = tmp_path / "h.db"
    master, slave = pty.openpty()
    with WireServer() as server:
        server.add(Reply(body=tool_call_body("read_file", {"path": "todo.txt"})), Reply(body=chat_body("Milk.")))
        proc = rill_process(
            "what is on my list?", server, "--config", str(config), "--db", str(db), stdin=slave, stderr=slave
        )
        os.close(slave)
        try:
            asked = b""
            deadline = time.monotonic() + 30
            while b"[y/N] " not in asked:
                assert time.monotonic() < deadline, asked
                if select.select([master], [], [], 1)[0]:
                    asked += os.read(master, 4096)
            assert b'allow read_file({"path": "todo.txt"})? [y/N] ' in asked
            if answer == "y":
                os.write(master, b"y\n")
            else:
                proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(master)
    if answer == "y":
        assert proc.returncode == 0 and out == b"Milk.\n"
        assert server.requests[1].json["messages"][-1]["content"] == "buy milk"
    else:
        assert proc.returncode == 130 and len(server.requests) == 1
        assert saved(db)[-1][:2] == ("assistant", "cancelled")
