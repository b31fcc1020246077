"""Long-running commands log JSON lines, the standard library's loggers included."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from casework.runtime.logging_setup import configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes process-wide state: put it back for the tests after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    uvicorn = logging.getLogger("uvicorn.error")
    uvicorn_handlers, uvicorn_propagates = list(uvicorn.handlers), uvicorn.propagate
    uvicorn_level = uvicorn.level
    yield
    uvicorn.setLevel(uvicorn_level)
    root.handlers[:] = handlers
    root.setLevel(level)
    uvicorn.handlers[:] = uvicorn_handlers
    uvicorn.propagate = uvicorn_propagates
    structlog.reset_defaults()


@pytest.mark.usefixtures("restored_logging")
def test_stdlib_and_structlog_records_are_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    # given the logging of a long-running command, and a stdlib logger with its own handler
    # (and left at WARNING by an earlier configuration, as uvicorn's log_level="warning" does)
    logging.getLogger("uvicorn.error").addHandler(logging.StreamHandler())
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    configure_logging(json=True)
    # when the server's library and our code each log a line
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    structlog.get_logger("casework.request").info("request", status=200)
    # then both are single JSON lines on stderr, the library's named by its logger
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["event"] for line in lines] == ["Started server process [42]", "request"]
    assert lines[0]["logger"] == "uvicorn.error"
    assert lines[1]["status"] == 200
    assert all(line["level"] == "info" and "timestamp" in line for line in lines)
