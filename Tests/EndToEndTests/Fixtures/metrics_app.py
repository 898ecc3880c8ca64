# A tiny "container" for the discovery tests: serves /metrics in Prometheus' text format (and
# every other GET with its container id), on the host port the agent gives it in PORT.
import http.server
import os

ID = os.environ.get("BERTH_CONTAINER_ID", "unknown")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/metrics"):
            body = ('# TYPE berth_fixture_up gauge\nberth_fixture_up{container="%s"} 1\n' % ID).encode()
            kind = "text/plain; version=0.0.4"
        else:
            body = (ID + "\n").encode()
            kind = "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
