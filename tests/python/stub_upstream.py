"""An OpenAI-compatible stub upstream for the gateway tests: a fixed reply, non-streamed
or streamed, counting its calls (GET /count). The last user message picks a mode:
  "ERROR500"      answers 500 with an OpenAI error document
  "CUT"           streams one chunk and closes the connection without the end
  "TRUNC"         streams one chunk, then ends the HTTP body cleanly, with no finish_reason
                  and no [DONE] (a stream that stopped early without a transport error)
  "SLOW <ms>"     waits that long before answering
  anything else   answers "echo: <message>"
It also records the Authorization and X-Cachecore-* headers it saw (GET /seen), so a
test can prove that no client credential reaches it. Prints its port on stdout.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
calls = 0
seen = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, Nagle holds the body until the
    # client's delayed ACK (40 ms), which a latency benchmark would measure as the stub's.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, doc, ctype="application/json"):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            if self.path == "/count":
                return self.reply(200, {"calls": calls})
            if self.path == "/seen":
                return self.reply(200, {"headers": seen})
        if self.path.endswith("/models"):
            return self.reply(200, {"object": "list", "data": [{"id": "stub-model", "object": "model"}]})
        self.reply(404, {"error": {"message": "no such route"}})

    def do_POST(self):
        global calls
        length = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(length) or b"{}")
        with lock:
            calls += 1
            n = calls
            seen.append({k.lower(): v for k, v in self.headers.items()
                         if k.lower() == "authorization" or k.lower().startswith("x-cachecore")})
        msg = (req.get("messages") or [{}])[-1].get("content", "")
        if msg.startswith("SLOW "):
            time.sleep(int(msg.split()[1]) / 1000)
        if msg == "ERROR500":
            return self.reply(500, {"error": {"message": "stub failure", "type": "server_error"}})
        text = f"echo: {msg} (call {n})"
        if req.get("stream"):
            return self.stream(text, cut=(msg == "CUT"), trunc=(msg == "TRUNC"))
        self.reply(200, {
            "id": f"chatcmpl-{n}", "object": "chat.completion", "created": 1, "model": req.get("model", "stub"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        })

    def stream(self, text, cut, trunc=False):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(doc):
            data = f"data: {doc}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def chunk(delta, finish):
            return json.dumps({"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1, "model": "stub",
                               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
        words = text.split(" ")
        event(chunk({"role": "assistant", "content": words[0]}, None))
        if cut:
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if trunc:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        for w in words[1:]:
            event(chunk({"content": " " + w}, None))
        event(chunk({}, "stop"))
        event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
