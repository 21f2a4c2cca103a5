"""The sign-in cookie: an HttpOnly, SameSite=Strict cookie set by the server, read by the app.

How it works (Streamlit 1.67)
-----------------------------
* **Reading** is Streamlit's own ``st.context.cookies``: the cookies the browser sent with the
  request that opened this session's connection. A reload or a second tab opens a new connection,
  so the cookie set at sign-in is there; within one session the user is in ``st.session_state``.
* **Setting** needs an HTTP response (``Set-Cookie``), which a Streamlit script never produces.
  ``st.App`` (Streamlit's ASGI entry point, ``streamlit run serve.py``) lets the app add its own
  routes, so the cookie is set by :func:`routes`'s endpoint with ``HttpOnly; SameSite=Strict;
  Path=/; Max-Age=...`` and ``Secure`` when the request came over HTTPS. JavaScript in the page
  can never read an HttpOnly cookie, so a script injected into the page cannot steal the token.
* **Hand-off**: at sign-in the script gets the raw session token from
  :func:`medgen.store.sessions.create_session`, keeps it in this process under a one-time code
  (random, single use, valid :data:`HANDOFF_TTL_S` seconds), and renders a tiny script
  (``st.html(..., unsafe_allow_javascript=True)``) that POSTs the *code* to the endpoint. The
  endpoint swaps the code for the token and answers with ``Set-Cookie``. The token itself never
  appears in the page, in JavaScript, in a URL or in a log.
* **Clearing** at sign-out: the same endpoint with DELETE expires the cookie. The server-side
  revocation (:func:`medgen.store.sessions.revoke_session`) is what makes the token useless; the
  cookie is cleared for tidiness.

Alternatives considered (and why not)
-------------------------------------
* ``document.cookie`` from ``st.html`` / ``st.components.v1.html``, or the PyPI packages
  ``extra-streamlit-components`` (``CookieManager``, universal-cookie in a component iframe) and
  ``streamlit-cookies-controller`` (same approach, options path/expires/max_age/domain/secure/
  same_site/partitioned): all set the cookie from JavaScript, so it can never be HttpOnly (the
  browser forbids it) and the raw token passes through the page's JavaScript; the packages also
  add a component round-trip (their first run returns nothing until the iframe answers).
  ``extra-streamlit-components`` exposes no Secure or SameSite choice (its JavaScript hard-codes
  path "/" and a lowercase ``samesite`` option).

Requirements: the app must be served through ``st.App(..., routes=session_cookie.routes())`` (see
``serve.py``, which ``make run`` and the browser tests start); with plain ``streamlit run app.py`` the endpoint does not exist
and the cookie is not set (sign-in still works, a reload signs out as before).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

log = logging.getLogger(__name__)

COOKIE_NAME = "medgen_session"
#: The endpoint that turns a one-time code into the cookie (POST) and clears it (DELETE).
ENDPOINT = "/api/medgen/session"
HANDOFF_TTL_S = 60
_PENDING = "auth.cookie_pending"  # session_state: the hand-off script still to render


@dataclass(frozen=True)
class _Handoff:
    token: str
    max_age_s: int
    expires: float  # time.monotonic()


class HandoffStore:
    """One-time codes -> session tokens, in this server process only (stored by code hash)."""

    def __init__(self, ttl_s: float = HANDOFF_TTL_S) -> None:
        self._ttl = ttl_s
        self._lock = threading.Lock()
        self._items: dict[str, _Handoff] = {}

    @staticmethod
    def _key(code: str) -> str:
        return hashlib.sha256(code.encode("utf-8", errors="replace")).hexdigest()

    def put(self, token: str, max_age_s: int) -> str:
        """Keep ``token`` for one exchange; return the code that redeems it."""
        code = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            for k in [k for k, v in self._items.items() if v.expires <= now]:
                del self._items[k]
            self._items[self._key(code)] = _Handoff(token, max_age_s, now + self._ttl)
        return code

    def take(self, code: str) -> _Handoff | None:
        """The hand-off for ``code`` if it exists and has not expired; it is removed either way."""
        with self._lock:
            item = self._items.pop(self._key(code), None)
        if item is None or item.expires <= time.monotonic():
            return None
        return item

    def pending(self, code: str) -> bool:
        with self._lock:
            item = self._items.get(self._key(code))
        return item is not None and item.expires > time.monotonic()


HANDOFFS = HandoffStore()


# --- the Streamlit side ---------------------------------------------------------------------


def read_token() -> str | None:
    """The session token the browser sent when this session connected (None if none)."""
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no script run context (bare mode, tests): no cookie
        return None
    return str(value) if value else None


def issue(token: str, max_age_s: int) -> None:
    """Arrange for the browser to receive ``token`` as the HttpOnly cookie.

    Stores a one-time code and remembers it in ``st.session_state``; :func:`render_pending`
    (called on every run, e.g. from ``gate()``) renders the script that redeems it until it has
    been redeemed, so an ``st.rerun()`` right after sign-in cannot lose it.
    """
    st.session_state[_PENDING] = HANDOFFS.put(token, max_age_s)
    render_pending()


def render_pending() -> None:
    """Render the hand-off script while its code is unredeemed; forget it once redeemed."""
    code = st.session_state.get(_PENDING)
    if not code:
        return
    if not HANDOFFS.pending(code):
        del st.session_state[_PENDING]
        return
    _script(
        f"fetch({ENDPOINT!r}, {{method: 'POST', body: {code!r}, credentials: 'same-origin', "
        "cache: 'no-store', headers: {'Content-Type': 'text/plain'}});"
    )


def clear() -> None:
    """Ask the browser to drop the cookie (after the session was revoked on the server)."""
    st.session_state.pop(_PENDING, None)
    _script(
        f"fetch({ENDPOINT!r}, {{method: 'DELETE', credentials: 'same-origin', cache: 'no-store'}});"
    )


def _script(js: str) -> None:
    # st.html is not iframed: the request goes from the app's own origin, so SameSite=Strict
    # and the same-origin check below both hold. Only our own constant text and a random code
    # are interpolated (repr() of URL-safe base64), never user input.
    # In the sidebar: an element that appears in the main area and disappears once the code is
    # redeemed would shift the page's element tree, and Streamlit would then re-create the page's
    # tabs on their first tab (seen in Chromium on the Viewer's PACS tab).
    st.sidebar.html(f"<script>{js}</script>", unsafe_allow_javascript=True, width="content")


# --- the HTTP side (Starlette route for st.App) ---------------------------------------------


def _is_https(request: Any) -> bool:
    if request.url.scheme == "https":
        return True
    # behind a TLS-terminating reverse proxy on the same host
    return request.headers.get("x-forwarded-proto", "").split(",")[0].strip() == "https"


def _same_origin(request: Any) -> bool:
    """Refuse cross-site calls (a page elsewhere planting its own session: login CSRF)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    if origin is None:
        return False
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


async def _endpoint(request: Any) -> Any:
    from starlette.responses import Response

    headers = {"Cache-Control": "no-store"}
    if not _same_origin(request):
        return Response("cross-site request refused", status_code=403, headers=headers)
    secure = _is_https(request)
    if request.method == "DELETE":
        resp = Response(status_code=204, headers=headers)
        resp.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="strict")
        return resp
    body = (await request.body())[:256].decode("ascii", errors="replace").strip()
    item = HANDOFFS.take(body) if body else None
    if item is None:
        return Response("unknown or expired code", status_code=400, headers=headers)
    resp = Response(status_code=204, headers=headers)
    resp.set_cookie(
        COOKIE_NAME,
        item.token,
        max_age=item.max_age_s,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    log.info("session cookie set (secure=%s)", secure)
    return resp


def routes() -> list[Any]:
    """The Starlette routes to pass to ``st.App(..., routes=...)``."""
    from starlette.routing import Route

    return [Route(ENDPOINT, _endpoint, methods=["POST", "DELETE"])]
