"""StreamBuffer: bounded, thread-safe, and an overflow loses nothing already kept."""

import threading

import pytest

from tui.stream import RillStreamError, StreamBuffer, StreamBufferOverflow


def test_append_content_len_clear():
    buffer = StreamBuffer()
    for piece in ("Hello", ", ", "world", ""):
        buffer.append(piece)
    assert buffer.content == "Hello, world"
    assert len(buffer) == 12
    assert buffer.clear() == "Hello, world"
    assert buffer.content == "" and len(buffer) == 0 and not buffer


def test_many_small_appends_keep_order():
    buffer = StreamBuffer()
    pieces = [f"{i}," for i in range(5000)]
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) % 997 == 0:
            assert buffer.content == "".join(pieces[: pieces.index(piece) + 1])
    assert buffer.content == "".join(pieces)


def test_overflow_is_a_clear_value_error_and_keeps_content():
    buffer = StreamBuffer(max_size=10)
    buffer.append("0123456789")
    with pytest.raises(StreamBufferOverflow) as info:
        buffer.append("x")
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, RillStreamError)
    assert "10 of 10" in str(error) and "max_size" in str(error)
    assert error.rejected == "x"
    assert buffer.content == "0123456789" and len(buffer) == 10
    buffer.clear()
    buffer.append("abc")
    assert buffer.content == "abc"


def test_negative_max_size_rejected():
    with pytest.raises(ValueError):
        StreamBuffer(max_size=-1)


def test_threads_append_and_read_concurrently():
    buffer = StreamBuffer(max_size=1_000_000)
    per_thread, threads = 2000, 4
    reads: list[int] = []
    stop = threading.Event()

    def writer(tag: str) -> None:
        for _ in range(per_thread):
            buffer.append(tag)

    def reader() -> None:
        while not stop.is_set():
            reads.append(len(buffer.content))

    reading = threading.Thread(target=reader)
    reading.start()
    workers = [threading.Thread(target=writer, args=(chr(65 + n),)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    stop.set()
    reading.join(10)
    content = buffer.content
    assert len(content) == len(buffer) == per_thread * threads
    for n in range(threads):
        assert content.count(chr(65 + n)) == per_thread
    assert reads == sorted(reads)  # a reader never sees the buffer shrink or tear
