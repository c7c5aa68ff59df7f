"""What every stand-in model (fake_*.py) shares: a server on a free
loopback port, printed as the first line; every request logged to the file
named by the first argument; answers sent whole, with their length.
The test starts a stand-in as `python3 fake_NAME.py LOG [...]`."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = open(sys.argv[1], "a", buffering=1)


class StandIn(BaseHTTPRequestHandler):
    # What an unknown path gets: (content type, body).
    MISSING = ("text/plain", b"")

    def log_message(self, *args):
        pass

    def send(self, status, kind, data):
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def missing(self):
        self.send(404, *self.MISSING)

    def do_GET(self):
        LOG.write(f"GET {self.path}\n")
        self.missing()

    def body(self):
        n = int(self.headers.get("content-length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
