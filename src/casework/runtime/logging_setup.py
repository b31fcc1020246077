"""Logs of every long-running command: structlog, JSON lines when not on a terminal (for
collectors), readable lines on one; the standard library's loggers (uvicorn, litestar,
psycopg_pool, yoyo) bridged into the same lines and format.

`casework serve`, `casework project run` and `casework import` call `configure_logging` first.
No logger may be given a NIK or a name: request lines name routes, never paths.
"""

from __future__ import annotations

import logging
import sys

import structlog

# Loggers that set up handlers of their own: theirs are dropped, so each record is written
# once, in our format, through the root handler.
_BRIDGED = ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar", "psycopg.pool", "yoyo")


def configure_logging(*, json: bool | None = None, level: int = logging.INFO) -> None:
    as_json = not sys.stderr.isatty() if json is None else json
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    _bridge_stdlib(shared, renderer, level)


def _bridge_stdlib(
    shared: list[structlog.typing.Processor], renderer: structlog.typing.Processor, level: int
) -> None:
    """The standard library's records rendered by structlog, with the logger's name."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _BRIDGED:
        bridged = logging.getLogger(name)
        bridged.handlers.clear()
        bridged.propagate = True
        # A library configured earlier in the process (uvicorn's own dictConfig at
        # log_level="warning", say) leaves its level or a disabled flag behind: the root's level
        # decides for every bridged logger.
        bridged.setLevel(logging.NOTSET)
        bridged.disabled = False
