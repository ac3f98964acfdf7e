"""The one place llmcost touches the network: downloading a price-book archive for
``llmcost prices update --from URL`` (and nothing else, ever, implicitly).

- only ``http://`` and ``https://``; a redirect may not leave them, nor go from https to http;
- ``LLMCOST_OFFLINE=1`` refuses before any connection is made;
- bounded in time (``timeout`` seconds for the whole download, not per read: a server that sends
  one byte a second is cut off) and in size (``max_bytes``: a larger ``Content-Length`` is refused
  before the body is read, and a body that runs past it is cut off);
- TLS certificates are checked by Python's default context (the system's trust store);
- the URL is shown and recorded without credentials or query string (``display_url``).
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ..errors import InputError, UsageError
from .archive import shown

CHUNK = 64 * 1024


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def display_url(url: str) -> str:
    """The URL without user:password@, query or fragment (they may carry secrets), printable."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        return shown(urllib.parse.urlunsplit((parts.scheme.lower(), netloc, parts.path, "", "")))
    except ValueError:
        return shown(url)


def offline() -> bool:
    return os.environ.get("LLMCOST_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


class _Redirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old = urllib.parse.urlsplit(req.full_url).scheme.lower()
        new = urllib.parse.urlsplit(newurl).scheme.lower()
        if new not in ("http", "https"):
            raise InputError(
                f"redirected to a '{shown(new)}' URL (only http and https)", source=display_url(req.full_url)
            )
        if old == "https" and new == "http":
            raise InputError("redirected from https to plain http (refused)", source=display_url(req.full_url))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise UsageError(f"--from: '{shown(url)}' is not an http(s) URL")
    if not parts.hostname:
        raise UsageError(f"--from: '{shown(url)}' has no host")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise UsageError(f"--from: '{shown(url)}' contains spaces or control characters")


def fetch(url: str, *, timeout: float, max_bytes: int, user_agent: str) -> bytes:
    """The body of ``url``, or an InputError naming what went wrong (one line)."""
    _check_url(url)
    where = display_url(url)
    if offline():
        raise UsageError(
            f"LLMCOST_OFFLINE is set: not downloading {where} (unset it, or download the archive "
            "yourself and pass its path to --from)"
        )
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["data"] = _download(url, where, timeout, max_bytes, user_agent)
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=run, name="llmcost-download", daemon=True)
    worker.start()
    worker.join(timeout + 1)
    if worker.is_alive():
        raise InputError(f"the download did not finish within {timeout:g} s (timed out)", source=where)
    if "error" in result:
        raise result["error"]
    return result["data"]


def _download(url: str, where: str, timeout: float, max_bytes: int, user_agent: str) -> bytes:
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept-Encoding": "identity"})
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length is not None and length.strip().isascii() and length.strip().isdigit() and int(length) > max_bytes:
                raise InputError(
                    f"the server sends {int(length):,} bytes; an archive may have at most {max_bytes:,}", source=where
                )
            body = bytearray()
            while True:
                if time.monotonic() > deadline:
                    raise InputError(f"the download did not finish within {timeout:g} s (timed out)", source=where)
                chunk = response.read1(CHUNK)
                if not chunk:
                    break
                body += chunk
                if len(body) > max_bytes:
                    raise InputError(f"the download is larger than {max_bytes:,} bytes (refused)", source=where)
            return bytes(body)
    except InputError:
        raise
    except urllib.error.HTTPError as exc:
        raise InputError(f"HTTP {exc.code} {shown(str(exc.reason))}", source=where) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise InputError(f"the download did not finish within {timeout:g} s (timed out)", source=where) from None
        if isinstance(reason, ssl.SSLError):
            raise InputError(
                f"TLS error: {shown(getattr(reason, 'reason', None) or str(reason))}", source=where
            ) from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise InputError(f"cannot download: {shown(str(text))}", source=where) from None
    except TimeoutError:
        raise InputError(f"the download did not finish within {timeout:g} s (timed out)", source=where) from None
    except ssl.SSLError as exc:
        raise InputError(f"TLS error: {shown(str(exc))}", source=where) from None
    except (OSError, ValueError) as exc:  # a connection reset, a malformed response...
        raise InputError(f"cannot download: {shown(str(exc))}", source=where) from None
    except Exception as exc:  # http.client's own errors (BadStatusLine, IncompleteRead...)
        raise InputError(f"cannot download: {type(exc).__name__}: {shown(str(exc))}", source=where) from None
