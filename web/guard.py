"""The middleware every answer goes through: read-only methods, the token, the security headers.

Security, in one place:
- UI pages send a strict CSP (no script at all, frames and styles from this origin only); archived
  bytes and downloads set their own (``web.context.SANDBOX_CSP``), which is kept;
- GET and HEAD only; with a token configured every request must carry it (header or cookie);
- every answer carries the security headers, errors (a failing handler's 500 too) included, and no
  redirect leaves the site.

Its own plain-text answers (405, 401, 500) are said in the request's language, read the way a page reads it
(``web.context.request_language``: ``?lang=``, the cookie, Accept-Language) but after the decision and only
for the words: nothing the request says about its language changes what it is allowed, no cookie is set on
a refusal, and a header nobody can read is English (``_refusal``).
"""

from __future__ import annotations

import hmac
import logging
import re
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

import i18n
from web.context import UI_CSP, request_language

TOKEN_COOKIE = "policy_archive_token"
log = logging.getLogger("policy_archive.web")


class Guard:
    """Read-only methods, the token when one is configured, and the security headers on every answer,
    errors included: a handler that fails gets a plain 500 from here, not from Starlette's outer error
    middleware (which would answer without them)."""

    def __init__(self, app, token: str | None):
        self.app, self.token = app, token

    def _authorised(self, request: Request) -> tuple[bool, bool]:
        """(allowed, the token came in the query and should become a cookie)."""
        if self.token is None:
            return True, False
        header = request.headers.get("authorization", "")
        offered = [header[7:].strip()] if header.lower().startswith("bearer ") else []
        offered.append(request.cookies.get(TOKEN_COOKIE, ""))
        if any(o and hmac.compare_digest(o.encode(), self.token.encode()) for o in offered):
            return True, False
        query = request.query_params.get("token", "")
        if query and hmac.compare_digest(query.encode(), self.token.encode()):
            return True, True
        return False, False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = _with_headers(send)
        request = Request(scope)
        if request.method not in ("GET", "HEAD"):
            response: Response = _refusal(request, i18n.N_("read-only: GET and HEAD only"), 405,
                                          {"Allow": "GET, HEAD"})
        else:
            allowed, from_query = self._authorised(request)
            if not allowed:
                response = _refusal(request, i18n.N_(
                    "a token is required: Authorization: Bearer TOKEN, or ?token=TOKEN once"), 401,
                    {"WWW-Authenticate": "Bearer"})
            elif from_query:
                # Drop the token from the address (history, Referer) once the cookie holds it.
                rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                target = on_site(request.url.path) + (f"?{rest}" if rest else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict",
                                    secure=request.url.scheme == "https")
            else:
                return await self._answer(scope, receive, send)
        await response(scope, receive, send)

    async def _answer(self, scope, receive, send) -> None:
        started = False

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("the web UI failed on %s", scope.get("path"))
            if started:
                raise  # half an answer is out: nothing better to send
            await _refusal(Request(scope), i18n.N_(
                "internal error: this page could not be built (the server's log says why)"), 500)(scope, receive, send)


def _refusal(request: Request, message: str, status_code: int, headers: dict | None = None) -> Response:
    """A plain-text answer of the Guard's own, ``message`` (its English msgid) in the request's language.
    Reading the language can fail on nothing a client sends (``i18n.negotiate`` reads any header), but an
    answer that must go out goes out in English rather than not at all."""
    try:
        lang = request_language(request)[0]
        with i18n.using(lang):
            text = i18n._(message)
    except Exception:  # the refusal itself must not fail
        lang, text = i18n.DEFAULT, message
    return PlainTextResponse(text, status_code=status_code, headers={
        **(headers or {}), "Content-Language": lang, "Vary": "Accept-Language, Cookie"})


_URL_NOISE = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL ...
_C0_AND_SPACE = "".join(map(chr, range(0x21)))  # ... and these at its start


def on_site(location: str) -> str:
    """A redirect target as a path on this site: no scheme or host, and no leading ``//`` or ``/\\``,
    which a browser reads as another host (``//evil.example/x``)."""
    parts = urlsplit(_URL_NOISE.sub("", location).lstrip(_C0_AND_SPACE))
    path = "/" + parts.path.lstrip("/\\")
    return path + (f"?{parts.query}" if parts.query else "")


def _with_headers(send):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = [(k, on_site(v.decode("latin-1")).encode("latin-1") if k.lower() == b"location" else v)
                       for k, v in message.get("headers", [])]
            names = {k.lower() for k, _ in headers}
            if b"content-security-policy" not in names:
                headers.append((b"content-security-policy", UI_CSP.encode()))
                headers.append((b"x-frame-options", b"DENY"))
            headers.append((b"x-content-type-options", b"nosniff"))
            headers.append((b"referrer-policy", b"no-referrer"))
            message = {**message, "headers": headers}
        await send(message)
    return wrapped
