#!/usr/bin/env python3
"""A webhook receiver for the Governance ledger, standard library only (docs/webhooks.md).

Verifies Standard Webhooks v1 signatures (HMAC-SHA256 over "webhook-id.webhook-timestamp.body" with the whsec_ secret),
refuses messages outside the replay window, and de-duplicates on webhook-id (the ledger event's id).

    python3 docs/webhook_receiver.py --port 8787 --secret whsec_...   serve: print each new verified event as a JSON line
    python3 docs/webhook_receiver.py --check < message.json            verify one message given as
                                                                       {"secret", "headers", "body_base64", "now"?}
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW_SECONDS = 5 * 60


class InvalidWebhook(Exception):
    """The message is not signed by the secret, or is outside the replay window."""


def verify(secret, headers, body, now=None, tolerance=REPLAY_WINDOW_SECONDS):
    """Returns the CloudEvent (a dict) when the message verifies; raises InvalidWebhook otherwise.

    secret: "whsec_" + base64 key; headers: a mapping with lower-case names; body: the raw bytes as received
    (never re-serialised JSON); now: Unix seconds (default: this machine's clock).
    """
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (message_id and timestamp and signatures):
        raise InvalidWebhook("missing webhook-id, webhook-timestamp or webhook-signature")
    if not secret.startswith("whsec_"):
        raise ValueError("the secret must start with whsec_")
    key = base64.b64decode(secret[len("whsec_"):])
    if not timestamp.isdigit():
        raise InvalidWebhook("webhook-timestamp is not Unix seconds")
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        raise InvalidWebhook("webhook-timestamp is outside the replay window")
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in signatures.split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise InvalidWebhook("no webhook-signature matches")


def serve(port, secret):
    seen = set()  # a real receiver keeps the ids it processed in durable storage, with what it did

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                event = verify(secret, headers, body)
            except InvalidWebhook as refused:
                self.send_response(401)
                self.end_headers()
                self.wfile.write(str(refused).encode())
                return
            if event["id"] not in seen:  # at-least-once delivery: the same id may come again
                seen.add(event["id"])
                print(json.dumps({"id": event["id"], "type": event["type"], "subject": event.get("subject")}), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--secret")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        message = json.load(sys.stdin)
        try:
            event = verify(message["secret"], message["headers"], base64.b64decode(message["body_base64"]), message.get("now"))
        except InvalidWebhook as refused:
            print(f"refused: {refused}", file=sys.stderr)
            sys.exit(1)
        print(json.dumps({"id": event["id"], "type": event["type"]}))
    else:
        if not args.secret:
            parser.error("--secret is required to serve")
        serve(args.port, args.secret)


if __name__ == "__main__":
    main()
