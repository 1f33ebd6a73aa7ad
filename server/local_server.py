"""The service on a loopback port in a background thread: for the demo and the tests."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

from planround.server.app import create_app
from planround.server.settings import Settings


class QuietRequestHandler(WSGIRequestHandler):
    """Keep the demo's output to what the round does, not one line per request."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Run the service on a free loopback port for the duration of the block."""
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True,
                         request_handler=QuietRequestHandler)
    with in_thread(server) as port:
        yield f"http://127.0.0.1:{port}/api/v1"


@contextmanager
def in_thread(server: socketserver.BaseServer) -> Iterator[int]:
    """Serve `server` from a background thread for the block; yield its port, then shut it down and close it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
