"""An OTLP/HTTP receiver for DevTrace's tests: decodes every request with the
opentelemetry-proto package and logs it as one JSON line, then answers as
told: by the plan given on the command line, request by request, then by
the mode file (re-read at each request; "200" when absent).

Answers: 200, 503, 429:SECS (Retry-After), hang (never answers), drop
(closes the connection unanswered), exit (the receiver goes away)."""

import gzip
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as ts


def value(v):
    kind = v.WhichOneof("value")
    return [kind, getattr(v, kind) if kind else None]


def attrs(kvs):
    return {kv.key: value(kv.value) for kv in kvs}


def span_dict(s):
    return {
        "trace_id": s.trace_id.hex(),
        "span_id": s.span_id.hex(),
        "parent": s.parent_span_id.hex(),
        "name": s.name,
        "kind": s.kind,
        "start": s.start_time_unix_nano,
        "end": s.end_time_unix_nano,
        "status": {"code": s.status.code, "message": s.status.message},
        "attrs": attrs(s.attributes),
        "events": [
            {"name": e.name, "time": e.time_unix_nano, "attrs": attrs(e.attributes)}
            for e in s.events
        ],
    }


class State:
    lock = threading.Lock()
    count = 0


def next_answer(plan, mode_file):
    with State.lock:
        i = State.count
        State.count += 1
    if i < len(plan):
        return i, plan[i]
    try:
        with open(mode_file) as f:
            return i, f.read().strip() or "200"
    except OSError:
        return i, "200"


def make_handler(plan, log, mode_file):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            encoding = self.headers.get("Content-Encoding")
            if encoding == "gzip":
                body = gzip.decompress(body)
            i, answer = next_answer(plan, mode_file)
            req = ts.ExportTraceServiceRequest()
            req.ParseFromString(body)
            spans, resource = [], {}
            for rs in req.resource_spans:
                resource = attrs(rs.resource.attributes)
                for ss in rs.scope_spans:
                    spans.extend(span_dict(s) for s in ss.spans)
            entry = {
                "i": i,
                "t": time.time(),
                "path": self.path,
                "answer": answer,
                "content_type": self.headers.get("Content-Type"),
                "content_encoding": encoding,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "resource": resource,
                "spans": spans,
            }
            with State.lock:
                with open(log, "a") as f:
                    f.write(json.dumps(entry) + "\n")
            if answer == "hang":
                time.sleep(3600)
            elif answer == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            elif answer == "exit":
                os._exit(0)
            else:
                code, _, after = answer.partition(":")
                out = ts.ExportTraceServiceResponse().SerializeToString()
                self.send_response(int(code))
                if after:
                    self.send_header("Retry-After", after)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

    return Handler


def main():
    port_file, log, mode_file, port = sys.argv[1:5]
    plan = [a for a in sys.argv[5:] if a]
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", int(port)), make_handler(plan, log, mode_file))
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
