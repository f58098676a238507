"""An SMTP server on loopback for tests that send real email over the wire.

It speaks enough of RFC 5321 for Django's SMTP backend (no TLS, no auth) and keeps every
message it accepts. Started ``hanging``, it accepts connections and never answers them
(a stalled mail relay) until :meth:`SmtpServer.answer`.
"""

import email
import re
import socketserver
import threading
from email import policy

from tests.polling import wait_for


class _Handler(socketserver.StreamRequestHandler):
    timeout = 120  # a client that never speaks does not keep a thread for good

    def handle(self):
        server = self.server
        if server.hanging.is_set():
            with server.lock:
                server.hung_connections += 1
            server.released.wait(timeout=120)
            return
        self._reply("220 test-smtp ready")
        recipients = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb == "MAIL":
                recipients = []
                self._reply("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self._reply("250 ok")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(bytes(data), policy=policy.default)
                with server.lock:
                    server.messages.append((list(recipients), message))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:  # EHLO, HELO, RSET, NOOP
                self._reply("250 ok")

    def _reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()


class SmtpServer(socketserver.ThreadingTCPServer):
    """Receives mail into ``messages`` as ``(recipients, EmailMessage)``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.messages, self.hung_connections = [], 0
        self.hanging, self.released = threading.Event(), threading.Event()
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def start(self, *, hanging=False):
        if hanging:
            self.hanging.set()
        self._thread.start()
        return self

    def answer(self):
        """Answer from now on; the hung connections are closed."""
        self.hanging.clear()
        self.released.set()

    def stop(self):
        self.released.set()
        self.shutdown()
        self.server_close()

    @property
    def url(self):
        """``EMAIL_URL`` for this server."""
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address):
        """The messages sent to ``address`` so far, oldest first."""
        with self.lock:
            return [message for recipients, message in self.messages if address in recipients]

    def wait_for(self, address, count=1, timeout=60.0):
        """The messages to ``address`` once there are ``count``; fail after ``timeout``."""
        return wait_for(lambda: len(self.to(address)) >= count and self.to(address),
                        f"{count} email(s) to {address}", deadline=timeout)  # fmt: skip


def body_text(message):
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def link_in(message, path_prefix):
    """The first link in ``message`` whose path starts with ``path_prefix``, as a path."""
    match = re.search(r"https?://[^/\s\"']+(" + re.escape(path_prefix) + r"[^\s\"'<>]*)", body_text(message))
    assert match, f"No {path_prefix} link in: {body_text(message)[:500]}"
    return match.group(1)
