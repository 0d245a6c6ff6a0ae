"""The people of a test server: the test signs them in the way they would in a browser (the sign-in page and the device
confirmation page, antiforgery tokens included), since only people may own, validate and decide."""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from governance_client import Client, TokenCache

URL = os.environ.get("GOVERNANCE_TEST_URL", "")
CREDENTIALS = os.environ.get("GOVERNANCE_TEST_CREDENTIALS", "")


def server_configured() -> bool:
    return bool(URL and CREDENTIALS)


def password(user_name: str) -> str:
    people = json.loads(Path(CREDENTIALS).read_text())["people"]
    return next(p["password"] for p in people if p["userName"] == user_name)


def _field(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else ""


def confirm_device(line: str, user_name: str) -> None:
    """Confirms the device code printed in ``line`` as ``user_name``: signs in on the sign-in page, then confirms the code."""
    code = re.search(r"confirm the code (\S+)", line).group(1)
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    base = URL.rstrip("/")
    with browser.open(f"{base}/connect/verify?user_code={urllib.parse.quote(code)}") as r:
        sign_in = r.read().decode()
    form = {
        "userName": user_name,
        "password": password(user_name),
        "returnUrl": _field(sign_in, "returnUrl"),
        "__RequestVerificationToken": _field(sign_in, "__RequestVerificationToken"),
    }
    with browser.open(f"{base}/account/sign-in", urllib.parse.urlencode(form).encode()) as r:
        confirm = r.read().decode()
    token = _field(confirm, "__RequestVerificationToken")
    with browser.open(f"{base}/connect/verify", urllib.parse.urlencode({"user_code": code, "__RequestVerificationToken": token}).encode()) as r:
        r.read()


def signed_in(user_name: str, folder: str) -> Client:
    """A client signed in as ``user_name`` through the device flow, its tokens in ``folder``."""
    person = Client(URL, tokens=TokenCache(Path(folder) / f"{user_name}.json"))
    lines: list[str] = []
    confirmed = threading.Event()

    def show(line: str) -> None:
        lines.append(line)
        threading.Thread(target=lambda: (confirm_device(line, user_name), confirmed.set()), daemon=True).start()

    person.login(show, timeout=60)
    assert confirmed.wait(10), f"the device code for {user_name} was never confirmed"
    return person
