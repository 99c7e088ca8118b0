"""A local HTTP server counting the requests it gets: proof that reading a file opened no connection."""

from __future__ import annotations

import http.server
import threading

WKT84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
)


class Listener:
    """An HTTP server on 127.0.0.1 (a free port) in a thread; ``hits`` lists the paths requested."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(WKT84.encode())

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                return None

        self.hits = hits
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
