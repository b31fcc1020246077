"""`casework serve`: the API on uvicorn, on the configured database.

uvicorn because it is the ASGI server litestar is developed against, it is mature, and it shuts
down gracefully: on SIGTERM or SIGINT it stops accepting connections, lets the requests in
flight finish (up to `GRACEFUL_SECONDS`), then runs the lifespan shutdown that closes the store.
One worker process: the store's writes are serialised by the insert lock anyway, and several
uvicorn workers showed a fixed latency floor here (DESIGN.md, known traps).
"""

from __future__ import annotations

import errno
import signal
import socket
import sys
from types import FrameType

import uvicorn

from casework.http.app import create_app
from casework.runtime.gc_policy import freeze_startup
from casework.runtime.logging_setup import configure_logging
from casework.settings import ConfigurationError, Settings

GRACEFUL_SECONDS = 30


def serve(settings: Settings, *, host: str, port: int, projections: bool = True) -> None:
    configure_logging()
    # The port first: one already in use is said at once, before anything claims to serve.
    listening = listen(host, port)
    # Built before the server starts, so an unmigrated store or a wrong key is refused at once.
    try:
        app = create_app(settings, run_projections=projections)
    except BaseException:
        listening.close()
        raise
    location = settings.database
    where = location.sqlite_path or location.postgres_conninfo.split("@")[-1]
    print(f"casework: serving {where} on http://{host}:{port}", file=sys.stderr, flush=True)
    # uvicorn drains and shuts down on SIGTERM/SIGINT, then raises the signal again with the
    # handlers found at start; these make that last step a clean exit (status 0).
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _exit_cleanly)
    freeze_startup()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,  # our own request line replaces it (no paths: they can hold a NIK)
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        log_level="info",
        log_config=None,  # uvicorn's records go through our bridged root handler
    )
    uvicorn.Server(config).run(sockets=[listening])


class PortUnavailable(ConfigurationError):
    """The address cannot be listened on; the message says which and what to do."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound and listening on host:port, as uvicorn would bind it."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise PortUnavailable(f"cannot listen on {host!r}: {error.strerror}") from None
    listening = socket.socket(family, kind, protocol)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind(address)
        listening.listen(2048)
    except OSError as error:
        listening.close()
        if error.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} on {host} is already in use (another casework serve?); "
                "stop that process or choose another port with --port"
            ) from None
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error.strerror}") from None
    listening.set_inheritable(True)
    return listening


def _exit_cleanly(_signal: int, _frame: FrameType | None) -> None:
    sys.exit(0)
