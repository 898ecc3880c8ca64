# A tiny HTTP "container" for the end-to-end tests: answers every GET with its container id
# (from BERTH_CONTAINER_ID), listening on the host port the agent gives it in PORT.
import http.server
import os

ID = os.environ.get("BERTH_CONTAINER_ID", "unknown").encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ID + b"\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
