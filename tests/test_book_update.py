"""``llmcost prices update / reset / status / pack`` and which book is active (issue 14).

Each test has its own "shipped" book (a copy of the test book, standing in for the one inside the
package) and its own data folder. Updates are served by a real HTTP server on 127.0.0.1 or read from
disk, and go through the real command. Every failure must exit 2 with one line and leave every
byte of the active book, the installed updates and the state exactly as they were.

Prices used below: beta-4o costs 2.5 USD per 1M input tokens from 2024-10-02 in the test book; the
update adds 2 USD from 2025-02-01, a newer shipped book 1 USD from 2025-03-01. A workload of
1,000,000 requests of 1 input token and 0 output tokens therefore costs 2.50, 2.00 or 1.00 USD.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import tarfile
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import BOOK, run

from llmcost import resources
from llmcost.book import archive
from llmcost.book import loader as book_load

AS_OF = "2025-03-15"
TODAY = time.strftime("%Y-%m-%d")
NEW_ENTRY = """      - effective: "2025-02-01"
        unit: 1M
        input: "2"
        output: "8"
        source: https://example.com/beta/cut2
"""
NEWER_SHIPPED_ENTRY = """      - effective: "2025-03-01"
        unit: 1M
        input: "1"
        output: "4"
        source: https://example.com/beta/cut3
"""


def book_files(extra_beta: str = "") -> dict[str, bytes]:
    """The test book's price files (no tokenizers.yaml), beta.yaml with ``extra_beta`` appended."""
    files = {p.name: p.read_bytes() for p in sorted(BOOK.glob("*.yaml")) if p.name != "tokenizers.yaml"}
    files["beta.yaml"] += extra_beta.encode()
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def tar_gz(members: list[tuple[str, bytes | None, str]]) -> bytes:
    """A .tar.gz of (name, data, kind) members; kind: file, dir, symlink, hardlink, fifo."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data or b"")
                tar.addfile(info, io.BytesIO(data or b""))
                continue
            info.type = {
                "dir": tarfile.DIRTYPE,
                "symlink": tarfile.SYMTYPE,
                "hardlink": tarfile.LNKTYPE,
                "fifo": tarfile.FIFOTYPE,
            }[kind]
            if kind in ("symlink", "hardlink"):
                info.linkname = data.decode() if data else "/etc/passwd"
            tar.addfile(info)
    return raw.getvalue()


def zip_bytes(members: list[tuple[str, bytes]], symlinks: tuple[str, ...] = ()) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive_:
        for name, data in members:
            info = zipfile.ZipInfo(name)
            if name in symlinks:
                info.external_attr = 0o120777 << 16
            archive_.writestr(info, data)
    return raw.getvalue()


GOOD = archive.pack_bytes(book_files(NEW_ENTRY))
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A shipped book of our own (a copy of the test book), an empty data folder, no proxies."""
    folder = tmp_path / "shipped"
    shutil.copytree(BOOK, folder)
    monkeypatch.delenv("LLMCOST_BOOK", raising=False)
    monkeypatch.setattr(resources, "packaged_prices_dir", lambda: folder)
    monkeypatch.setenv("LLMCOST_DATA_DIR", str(tmp_path / "data"))
    for name in (
        "LLMCOST_BOOK_URL",
        "LLMCOST_OFFLINE",
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    book_load._base.cache_clear()
    yield folder
    book_load._base.cache_clear()


class Server:
    """A local HTTP server: ``add(path, body, ...)`` then ``url(path)``."""

    def __init__(self) -> None:
        self.routes: dict[str, dict] = {}
        routes = self.routes

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                route = routes.get(self.path)
                try:
                    if route is None:
                        self.send_error(404, "Not Found")
                        return
                    if route.get("redirect"):
                        self.send_response(302)
                        self.send_header("Location", route["redirect"])
                        self.end_headers()
                        return
                    time.sleep(route.get("delay", 0))
                    body = route["body"]
                    self.send_response(200)
                    if route.get("length", True):
                        self.send_header("Content-Length", str(route.get("claimed", len(body))))
                    self.end_headers()
                    if route.get("drip"):
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(route["drip"])
                    elif not route.get("claimed"):
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, path: str, body: bytes = b"", **options) -> str:
        self.routes[path] = {"body": body, **options}
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def server():
    s = Server()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def snapshot(shipped: Path) -> dict[str, bytes]:
    """Every byte llmcost could price from or return to: the shipped book, the data folder, the status."""
    data = Path(os.environ["LLMCOST_DATA_DIR"])
    files = {f"shipped/{p.relative_to(shipped)}": p.read_bytes() for p in sorted(shipped.rglob("*")) if p.is_file()}
    if data.exists():
        files.update(
            {
                f"data/{p.relative_to(data)}": p.read_bytes()
                for p in sorted(data.rglob("*"))
                if p.is_file() and p.name != "cache-secret"
            }
        )
        files.update({f"data/{p.relative_to(data)}/": b"" for p in sorted(data.rglob("*")) if p.is_dir()})
    status = run("prices", "status", "-f", "json")
    assert status.code == 0, status.err
    files["status"] = status.out.encode()
    return files


def total_usd() -> str:
    """What 1,000,000 requests of 1 input token on beta-4o cost on AS_OF, priced by the active book."""
    r = run(
        "estimate",
        "-m",
        "beta-4o",
        "--requests-per-month",
        "1000000",
        "--input-tokens",
        "1",
        "--output-tokens",
        "0",
        "-c",
        "USD",
        "--as-of",
        AS_OF,
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    return json.loads(r.out)["total"]


def status() -> dict:
    r = run("prices", "status", "-f", "json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def book_digest(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:16]


NEW_DIGEST = book_digest(book_files(NEW_ENTRY))
SHIPPED_DIGEST = book_digest(book_files())


# -- installing --------------------------------------------------------------------------------


def test_update_from_a_url_is_used_by_every_command_and_named_by_status(shipped, server):
    assert total_usd() == "2.50"
    url = server.add("/book.tar.gz", GOOD)
    r = run("prices", "update", "--from", url, "--sha256", GOOD_SHA.upper())
    assert (r.code, r.err) == (0, "")
    assert r.out == (
        f"Updated the price book: 2 providers, 6 models, dated 2025-02-01, digest {NEW_DIGEST}.\n"
        f"Now using the book updated on {TODAY} from {url} (was: shipped with llmcost 0.1.0); "
        "'llmcost prices update --rollback' returns to it.\n"
    )
    assert total_usd() == "2.00"
    report = status()
    assert report["price_book"] == {
        "active": "update",
        "description": f"updated on {TODAY} from {url}",
        "book_digest": NEW_DIGEST,
        "book_date": "2025-02-01",
        "llmcost": "0.1.0",
        "updated": TODAY,
        "source": url,
        "sha256": GOOD_SHA,
    }
    assert report["rollback_to"] == "the book shipped with llmcost 0.1.0"
    assert [(p["provider"], p["newest_price"], p["models"]) for p in report["providers"]] == [
        ("alpha", "2025-01-01", 5),
        ("beta", "2025-02-01", 1),
    ]
    assert report["fx"] == {"last_date": "2024-06-03", "usd_cny": "7.2", "rates": 2}
    table = run("prices", "status").out
    assert table.startswith(f"Price book: updated on {TODAY} from {url}\n  digest {NEW_DIGEST} · dated 2025-02-01\n")
    assert "USD/CNY: 7.2 on 2024-06-03 (the last of 2 dated rates)" in table


@pytest.mark.parametrize("kind", ["folder", "tar.gz", "zip"])
def test_update_from_a_local_folder_or_archive(shipped, tmp_path, kind):
    files = book_files(NEW_ENTRY)
    if kind == "folder":
        source = write_folder(tmp_path / "new", files)
    elif kind == "tar.gz":
        source = tmp_path / "new.tar.gz"
        source.write_bytes(archive.pack_bytes(files))
    else:
        source = tmp_path / "new.zip"
        source.write_bytes(zip_bytes([(f"prices/{n}", d) for n, d in files.items()]))
    r = run("prices", "update", "--from", str(source))
    assert r.code == 0, r.err
    assert total_usd() == "2.00"
    assert status()["price_book"]["source"] == str(source.resolve())


def test_llmcost_book_url_is_the_default_source(shipped, server, monkeypatch):
    monkeypatch.setenv("LLMCOST_BOOK_URL", server.add("/latest.tar.gz", GOOD))
    assert run("prices", "update").code == 0
    assert total_usd() == "2.00"


def test_rollback_and_reset(shipped, server, tmp_path):
    first = server.add("/a.tar.gz", GOOD)
    newer = archive.pack_bytes(book_files(NEW_ENTRY + NEWER_SHIPPED_ENTRY))
    second = server.add("/b.tar.gz", newer)
    assert run("prices", "update", "--rollback").err == (
        "llmcost: error: nothing to roll back to: no update has replaced a book yet\n"
    )
    assert run("prices", "update", "--from", first).code == 0
    assert run("prices", "update", "--from", second).code == 0
    assert total_usd() == "1.00"
    r = run("prices", "update", "--rollback")
    assert r.out == (
        f"Rolled back: now using the book updated on {TODAY} from {first} (was: updated on {TODAY} from {second}).\n"
    )
    assert total_usd() == "2.00"
    assert run("prices", "update", "--rollback").code == 0  # a second rollback undoes the first
    assert total_usd() == "1.00"
    r = run("prices", "reset")
    assert r.out == f"Now using the book shipped with llmcost 0.1.0 (was: updated on {TODAY} from {second}).\n"
    assert total_usd() == "2.50"
    assert status()["price_book"]["active"] == "shipped"
    assert run("prices", "reset").out == "Already using the book shipped with llmcost 0.1.0 (no update is in use).\n"
    assert run("prices", "update", "--rollback").code == 0  # a reset can be rolled back
    assert total_usd() == "1.00"
    books = sorted(p.name for p in (tmp_path / "data" / "books").iterdir() if p.name.startswith("b-"))
    assert len(books) == 1  # the first update is gone: nothing can return to it any more


def test_a_newer_shipped_book_wins_over_an_older_update(shipped, tmp_path, monkeypatch):
    source = write_folder(tmp_path / "new", book_files(NEW_ENTRY))
    assert run("prices", "update", "--from", str(source)).code == 0
    assert total_usd() == "2.00"
    upgraded = write_folder(tmp_path / "shipped-2", book_files(NEWER_SHIPPED_ENTRY))  # a newer llmcost
    shutil.copy(BOOK / "tokenizers.yaml", upgraded)
    monkeypatch.setattr(resources, "packaged_prices_dir", lambda: upgraded)
    assert total_usd() == "1.00"
    report = status()
    assert report["price_book"]["active"] == "shipped"
    assert report["unused_update"] == {
        "description": f"updated on {TODAY} from {source.resolve()}",
        "book_date": "2025-02-01",
        "book_digest": NEW_DIGEST,
        "reason": "the book shipped with llmcost 0.1.0 is newer (2025-03-01 > 2025-02-01)",
    }
    text = " ".join(run("prices", "status").out.split())
    assert (
        f"Not used: the update updated on {TODAY} from {source.resolve()} (the book shipped with llmcost "
        "0.1.0 is newer (2025-03-01 > 2025-02-01); 'llmcost prices reset' removes it)"
    ) in text


def test_llmcost_book_overrides_an_installed_update(shipped, tmp_path, monkeypatch):
    assert run("prices", "update", "--from", str(write_folder(tmp_path / "new", book_files(NEW_ENTRY)))).code == 0
    monkeypatch.setenv("LLMCOST_BOOK", str(BOOK))
    assert total_usd() == "2.50"
    report = status()
    assert report["price_book"]["active"] == "folder"
    assert report["unused_update"]["reason"] == "LLMCOST_BOOK is set and overrides it"


# -- failures: one line, exit 2, nothing changed --------------------------------------------------


def _bomb(size: int) -> bytes:
    return tar_gz([("alpha.yaml", b"#" * size, "file")])


FIVE_MIB = 5 * 1024 * 1024
SERVED_FAILURES = {
    # name: (route options, expected message after "<url>: ")
    "corrupt": ({"body": GOOD[:200] + b"\0" * 50}, "a damaged .tar.gz (it ends too early)"),
    "garbage": ({"body": b"\x1f\x8bnot really gzip at all"}, "a damaged .tar.gz (not valid gzip data)"),
    "html": ({"body": b"<html>moved</html>"}, "not a .tar.gz or .zip archive (its first bytes are neither)"),
    "empty": ({"body": b""}, "an empty file, not a .tar.gz or .zip"),
    "not-found": (None, "HTTP 404 Not Found"),
    "claims-too-much": (
        {"body": b"x", "claimed": 17 * 1024 * 1024},
        "the server sends 17,825,792 bytes; an archive may have at most 16,777,216",
    ),
    "too-large": (
        {"body": b"\x1f\x8b" + b"\0" * (16 * 1024 * 1024), "length": False},
        "the download is larger than 16,777,216 bytes (refused)",
    ),
    "file-bomb": ({"body": _bomb(FIVE_MIB)}, "alpha.yaml: a file of 5,242,880 bytes (at most 4,194,304)"),
    "archive-bomb": (
        {"body": tar_gz([(f"p{i}.yaml", b"#" * (4 * 1024 * 1024), "file") for i in range(9)])},
        "unpacks to more than 33,554,432 bytes",
    ),
    "dot-dot": (
        {"body": tar_gz([("../alpha.yaml", b"x", "file")])},
        "../alpha.yaml: a path that leaves the archive's folder (refused)",
    ),
    "nested-dot-dot": (
        {"body": tar_gz([("prices/../../alpha.yaml", b"x", "file")])},
        "prices/../../alpha.yaml: a path that leaves the archive's folder (refused)",
    ),
    "absolute": (
        {"body": tar_gz([("/etc/alpha.yaml", b"x", "file")])},
        "/etc/alpha.yaml: an absolute path (an update stays inside its folder)",
    ),
    "symlink": (
        {"body": tar_gz([("alpha.yaml", b"/etc/passwd", "symlink")])},
        "alpha.yaml: a link (an update holds plain files only)",
    ),
    "hardlink": (
        {"body": tar_gz([("alpha.yaml", b"../../x", "hardlink")])},
        "alpha.yaml: a link (an update holds plain files only)",
    ),
    "fifo": (
        {"body": tar_gz([("alpha.yaml", None, "fifo")])},
        "alpha.yaml: not a plain file (a device, FIFO or other special member)",
    ),
    "zip-dot-dot": (
        {"body": zip_bytes([("../alpha.yaml", b"x")])},
        "../alpha.yaml: a path that leaves the archive's folder (refused)",
    ),
    "zip-backslash": (
        {"body": zip_bytes([("..\\alpha.yaml", b"x")])},
        "..\\alpha.yaml: a path with a backslash or NUL (refused)",
    ),
    "zip-symlink": (
        {"body": zip_bytes([("alpha.yaml", b"/etc/passwd")], symlinks=("alpha.yaml",))},
        "alpha.yaml: a link (an update holds plain files only)",
    ),
    "subfolder": (
        {"body": tar_gz([("a/b/alpha.yaml", b"x", "file")])},
        "a/b/alpha.yaml: a file in a subfolder (an update holds price files at its top, or in one folder)",
    ),
    "two-folders": (
        {"body": tar_gz([("a/alpha.yaml", b"x", "file"), ("b/beta.yaml", b"x", "file")])},
        "b/beta.yaml: files in more than one folder (an update holds its price files at its top, or all in one folder)",
    ),
    "tokenizers": (
        {"body": archive.pack_bytes({**book_files(NEW_ENTRY), "tokenizers.yaml": b"x"})},
        "llmcost-prices/tokenizers.yaml: an update carries prices only; tokenizers come with llmcost itself",
    ),
    "python-file": (
        {"body": tar_gz([("alpha.py", b"import os", "file")])},
        "alpha.py: not a price file (an update holds only NAME.yaml price files: lowercase provider "
        "names, fx.yaml, holidays.yaml; 'llmcost prices pack' makes one from a prices folder)",
    ),
    "slow-to-answer": ({"body": GOOD, "delay": 5}, "the download did not finish within 1 s (timed out)"),
    "drip-fed": ({"body": GOOD, "drip": 0.2}, "the download did not finish within 1 s (timed out)"),
    "redirect-to-ftp": ({"redirect": "ftp://127.0.0.1/book.tar.gz"}, "redirected to a 'ftp' URL (only http and https)"),
}


@pytest.mark.parametrize("installed", [False, True], ids=["over-shipped", "over-update"])
@pytest.mark.parametrize("case", sorted(SERVED_FAILURES))
def test_a_failed_download_or_archive_changes_nothing(shipped, server, tmp_path, case, installed):
    if installed:
        assert run("prices", "update", "--from", str(write_folder(tmp_path / "new", book_files(NEW_ENTRY)))).code == 0
    before = snapshot(shipped)
    options, message = SERVED_FAILURES[case]
    url = server.add("/book", **options) if options is not None else server.url("/missing")
    started = time.monotonic()
    r = run("prices", "update", "--from", url, "--timeout", "1")
    assert time.monotonic() - started < 8
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {url}: {message}\n")
    assert snapshot(shipped) == before


BAD_BOOKS = {
    # name: (files, expected message after "<source>: ")
    "missing-fx": (
        lambda f: {k: v for k, v in f.items() if k != "fx.yaml"},
        "an update must carry fx.yaml (the USD/CNY rates)",
    ),
    "missing-provider": (
        lambda f: {k: v for k, v in f.items() if k != "alpha.yaml"},
        "the provider alpha of the shipped book is missing (an update is a whole book)",
    ),
    "missing-model": (
        lambda f: {**f, "beta.yaml": f["beta.yaml"].replace(b"beta-4o", b"beta-5o")},
        "models of the shipped book are missing: beta-4o (a book keeps its history: a model that "
        "is no longer sold is retired, not removed)",
    ),
    "older-than-shipped": (lambda f: book_files(), None),
}


def _older(shipped: Path) -> None:
    with open(shipped / "beta.yaml", "a", encoding="utf-8") as handle:
        handle.write(NEWER_SHIPPED_ENTRY)


@pytest.mark.parametrize("case", sorted(BAD_BOOKS))
def test_an_update_that_breaks_the_update_rules_changes_nothing(shipped, tmp_path, case):
    make, message = BAD_BOOKS[case]
    if case == "older-than-shipped":
        _older(shipped)
        make = lambda f: book_files(NEW_ENTRY)  # noqa: E731  (2025-02-01, the shipped book is 2025-03-01)
        message = (
            "this book (2025-02-01) is older than the book shipped with llmcost 0.1.0 (2025-03-01); "
            "it would never be used"
        )
    path = tmp_path / "new.tar.gz"
    path.write_bytes(archive.pack_bytes(make(book_files(NEW_ENTRY))))
    before = snapshot(shipped)
    r = run("prices", "update", "--from", str(path))
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {path.resolve()}: {message}\n")
    assert snapshot(shipped) == before


FLOAT = (
    "beta.yaml, line 26: field models[0].prices[2].input: is a YAML float; prices must be quoted decimal "
    'strings (quote prices as decimal strings, e.g. "0.0008")'
)


def test_an_invalid_price_file_is_refused_by_the_full_validation(shipped, server):
    files = book_files(NEW_ENTRY)
    files["beta.yaml"] = files["beta.yaml"].replace(b'input: "2"', b"input: 2.0")
    before = snapshot(shipped)
    url = server.add("/bad.tar.gz", archive.pack_bytes(files))
    r = run("prices", "update", "--from", url)
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {url}: {FLOAT}\n")
    assert snapshot(shipped) == before


def test_an_unknown_tokenizer_is_refused(shipped, tmp_path):
    files = book_files(NEW_ENTRY)
    files["alpha.yaml"] = files["alpha.yaml"].replace(b"tokenizer: alpha-estimate", b"tokenizer: nope", 1)
    folder = write_folder(tmp_path / "new", files)
    before = snapshot(shipped)
    r = run("prices", "update", "--from", str(folder))
    assert r.code == 2 and len(r.err.splitlines()) == 1
    assert r.err.startswith(
        f"llmcost: error: {folder.resolve()}: alpha.yaml, field tokenizer: model alpha-lite: "
        "unknown tokenizer 'nope' (known: "
    )
    assert snapshot(shipped) == before


def test_a_provider_file_must_be_named_after_its_provider(shipped, tmp_path):
    files = book_files(NEW_ENTRY)
    files["gamma.yaml"] = files["beta.yaml"].replace(b"beta-4o", b"gamma-4o").replace(b"b4o", b"g4o")
    r = run("prices", "update", "--from", str(write_folder(tmp_path / "new", files)))
    assert r.code == 2
    assert "gamma.yaml, line 2: field provider: 'beta' does not match the file name (gamma.yaml)" in r.err


def test_sha256_mismatch_and_bad_options(shipped, server, tmp_path):
    url = server.add("/book.tar.gz", GOOD)
    before = snapshot(shipped)
    wrong = "0" * 64
    r = run("prices", "update", "--from", url, "--sha256", wrong)
    assert r.err == (
        f"llmcost: error: {url}: sha256 mismatch: --sha256 says {wrong}, the archive is {GOOD_SHA} (not installed)\n"
    )
    assert snapshot(shipped) == before


def test_offline_refuses_a_url_before_connecting(shipped, server, monkeypatch):
    monkeypatch.setenv("LLMCOST_OFFLINE", "1")
    url = server.add("/book.tar.gz", GOOD)
    hits = []
    server.routes["/book.tar.gz"]["delay"] = 0
    original = server.httpd.RequestHandlerClass.do_GET
    server.httpd.RequestHandlerClass.do_GET = lambda self: (hits.append(self.path), original(self))
    r = run("prices", "update", "--from", url)
    assert (r.code, r.err) == (
        2,
        f"llmcost: error: LLMCOST_OFFLINE is set: not downloading {url} (unset it, or "
        "download the archive yourself and pass its path to --from)\n",
    )
    assert hits == []


def test_no_other_command_touches_the_network(shipped, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a command opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert run("prices", "update", "--from", str(write_folder(tmp_path / "new", book_files(NEW_ENTRY)))).code == 0
    for args in (
        ["prices", "status"],
        ["models"],
        ["prices", "validate"],
        ["history", "--all"],
        ["estimate", "-m", "beta-4o", "--requests-per-month", "10", "--input-tokens", "5", "--output-tokens", "5"],
        ["prices", "pack", str(tmp_path / "out.tar.gz")],
        ["count", "-m", "beta-4o", "hello"],
    ):
        r = run(*args)
        assert r.code == 0, (args, r.err)


def test_a_damaged_state_is_one_line_and_reset_recovers(shipped, tmp_path):
    assert run("prices", "update", "--from", str(write_folder(tmp_path / "new", book_files(NEW_ENTRY)))).code == 0
    state = tmp_path / "data" / "books" / "state.json"
    state.write_text("{not json", encoding="utf-8")
    r = run("estimate", "-m", "beta-4o", "--requests-per-month", "10", "--input-tokens", "5", "--output-tokens", "5")
    assert (r.code, r.err) == (
        2,
        f"llmcost: error: {state}: the installed price-book state is damaged (Expecting "
        "property name enclosed in double quotes: line 1 column 2 (char 1)); 'llmcost "
        "prices reset' returns to the shipped book\n",
    )
    assert run("prices", "reset").code == 0
    assert total_usd() == "2.50"


# -- pack ----------------------------------------------------------------------------------------


def test_pack_writes_a_reproducible_archive_that_installs(shipped, tmp_path):
    folder = write_folder(tmp_path / "release", {**book_files(NEW_ENTRY), "tokenizers.yaml": b"x", "__init__.py": b""})
    out = tmp_path / "dist" / "prices.tar.gz"
    out.parent.mkdir()
    r = run("prices", "pack", str(out), "--from", str(folder))
    assert r.code == 0, r.err
    data = out.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert r.out == (
        f"{digest}  {out}\nWrote {out} (3 files, {len(data):,} bytes) and {out}.sha256.\n"
        "Left out (not price files): __init__.py, tokenizers.yaml.\n"
    )
    assert (tmp_path / "dist" / "prices.tar.gz.sha256").read_text() == f"{digest}  prices.tar.gz\n"
    with tarfile.open(out) as tar:
        assert [(m.name, m.mode, m.uid, m.mtime) for m in tar.getmembers()] == [
            ("llmcost-prices", 0o755, 0, 1738368000)
        ] + [(f"llmcost-prices/{n}", 0o644, 0, 1738368000) for n in ("alpha.yaml", "beta.yaml", "fx.yaml")]
    assert run("prices", "pack", str(tmp_path / "again.tar.gz"), "--from", str(folder)).code == 0
    assert (tmp_path / "again.tar.gz").read_bytes() == data  # the same files give the same bytes
    assert run("prices", "update", "--from", str(out), "--sha256", digest).code == 0
    assert total_usd() == "2.00"


def test_pack_refuses_an_invalid_folder(shipped, tmp_path):
    files = book_files(NEW_ENTRY)
    files["beta.yaml"] = files["beta.yaml"].replace(b'input: "2"', b"input: 2.0")
    r = run("prices", "pack", str(tmp_path / "x.tar.gz"), "--from", str(write_folder(tmp_path / "bad", files)))
    assert (r.code, r.err) == (2, f"llmcost: error: {tmp_path / 'bad'}: {FLOAT}\n")
    assert not (tmp_path / "x.tar.gz").exists()


# -- bad options: one line, exit 2, nothing on stdout ----------------------------------------------

BAD_OPTIONS = {
    "sha256-not-hex": (
        ["--from", "x.tar.gz", "--sha256", "xyz"],
        "--sha256: 'xyz' is not a sha256 (64 hexadecimal digits)",
    ),
    "sha256-short": (
        ["--from", "x.tar.gz", "--sha256", "ab" * 31],
        f"--sha256: {'ab' * 31!r} is not a sha256 (64 hexadecimal digits)",
    ),
    "timeout-zero": (
        ["--from", "x.tar.gz", "--timeout", "0"],
        "--timeout must be more than 0 and at most 3600 seconds, not '0'",
    ),
    "timeout-nan": (
        ["--from", "x.tar.gz", "--timeout", "nan"],
        "--timeout must be more than 0 and at most 3600 seconds, not 'nan'",
    ),
    "timeout-text": (
        ["--from", "x.tar.gz", "--timeout", "soon"],
        "--timeout must be more than 0 and at most 3600 seconds, not 'soon'",
    ),
    "timeout-huge": (
        ["--from", "x.tar.gz", "--timeout", "1e9"],
        "--timeout must be more than 0 and at most 3600 seconds, not '1e9'",
    ),
    "no-source": (
        [],
        "give --from URL|PATH (a folder, .tar.gz or .zip of price files, or an https:// URL to "
        "one), or set LLMCOST_BOOK_URL",
    ),
    "empty-source": (
        ["--from", " "],
        "give --from URL|PATH (a folder, .tar.gz or .zip of price files, or an "
        "https:// URL to one), or set LLMCOST_BOOK_URL",
    ),
    "ftp": (
        ["--from", "ftp://example.com/x.tar.gz"],
        "--from: 'ftp://example.com/x.tar.gz': only http:// and https:// URLs, or a local path",
    ),
    "file-url": (
        ["--from", "file:///etc/passwd"],
        "--from: 'file:///etc/passwd': only http:// and https:// URLs, or a local path",
    ),
    "url-without-host": (["--from", "https:///x.tar.gz"], "--from: 'https:///x.tar.gz' has no host"),
    "url-with-control": (
        ["--from", "https://example.com/\x1b[31mx"],
        "--from: 'https://example.com/\\x1b[31mx' contains spaces or control characters",
    ),
    "missing-path": (["--from", "nowhere.tar.gz"], "nowhere.tar.gz: no such file or folder"),
    "rollback-with-from": (["--rollback", "--from", "x.tar.gz"], "--rollback takes no --from, --sha256 or --timeout"),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIONS))
def test_bad_update_options(shipped, case, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    args, message = BAD_OPTIONS[case]
    r = run("prices", "update", *args)
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {message}\n")


def test_a_file_that_is_not_an_archive_and_a_folder_with_sha256(shipped, tmp_path):
    text = tmp_path / "prices.txt"
    text.write_text("hello")
    r = run("prices", "update", "--from", str(text))
    assert r.err == f"llmcost: error: {text}: not a .tar.gz or .zip archive (its first bytes are neither)\n"
    folder = write_folder(tmp_path / "new", book_files(NEW_ENTRY))
    r = run("prices", "update", "--from", str(folder), "--sha256", "0" * 64)
    assert r.err == "llmcost: error: --sha256 pins an archive (.tar.gz or .zip), not a folder\n"
    (folder / "link.yaml").symlink_to(folder / "alpha.yaml")
    r = run("prices", "update", "--from", str(folder))
    assert r.err == f"llmcost: error: {folder}: link.yaml: a link (an update holds plain files only)\n"


def test_bad_pack_arguments(shipped, tmp_path):
    r = run("prices", "pack", str(tmp_path / "x.zip"), "--from", str(BOOK))
    assert r.err == f"llmcost: error: {tmp_path / 'x.zip'}: the archive's name must end in .tar.gz or .tgz\n"
    r = run("prices", "pack", str(tmp_path / "x.tar.gz"), "--from", str(tmp_path / "nowhere"))
    assert r.err == f"llmcost: error: {tmp_path / 'nowhere'}: not a folder of price files\n"
    r = run("prices", "pack", str(tmp_path / "no-such-dir" / "x.tar.gz"), "--from", str(BOOK))
    assert r.code == 2 and r.err.startswith(f"llmcost: error: {tmp_path / 'no-such-dir' / 'x.tar.gz'}: cannot write it")


# -- schema 2: the same rules as 'prices validate', and which book priced a report -------------------

BOOK_V2 = BOOK.parent / "book_v2"


def v2_files(**replace: tuple[bytes, bytes]) -> dict[str, bytes]:
    """The schema-2 test book's price files; ``name=(old, new)`` replaces bytes in NAME.yaml once."""
    files = {p.name: p.read_bytes() for p in sorted(BOOK_V2.glob("*.yaml")) if p.name != "tokenizers.yaml"}
    for stem, (old, new) in replace.items():
        assert old in files[f"{stem}.yaml"], (stem, old)
        files[f"{stem}.yaml"] = files[f"{stem}.yaml"].replace(old, new, 1)
    return files


@pytest.fixture
def shipped_v2(shipped):
    """The schema-2 test book as the shipped one."""
    shutil.rmtree(shipped)
    shutil.copytree(BOOK_V2, shipped)
    book_load._base.cache_clear()
    return shipped


CHECKED = (b'checked: "2026-11-01"', b'checked: "2026-11-20"')
V2_FAILURES = {
    # name: (replacements, the message after "gamma.yaml"/"delta.yaml")
    "future-price-not-announced": (
        {"gamma": (b'        announced: "2026-10-01"\n', b"")},
        "gamma.yaml: model gamma-future: prices: the price from 2027-01-01 is dated after checked (2026-11-01); an "
        "announced future price gives announced (the day it was announced)",
    ),
    "announced-after-checked": (
        {"gamma": (b'announced: "2026-10-01"\n        unit', b'announced: "2026-11-02"\n        unit')},
        "gamma.yaml: model gamma-future: prices: the price from 2027-01-01 was announced on 2026-11-02, after "
        "checked (2026-11-01)",
    ),
    "retired-after-checked": (
        {"gamma": (b'retired: "2026-01-01"', b'retired: "2026-12-01"')},
        "gamma.yaml: model gamma-old: retired on 2026-12-01, after checked (2026-11-01); an announced shutdown is "
        "deprecated.shutdown",
    ),
    "shutdown-passed": (
        {"gamma": (b'shutdown: "2027-01-14"', b'shutdown: "2026-10-30"')},
        "gamma.yaml: model gamma-dep: deprecated.shutdown 2026-10-30 is not after checked (2026-11-01): it has "
        "shut down, make it retired (with retired_source)",
    ),
    "flagship-retired": (
        {"gamma": (b"flagship: gamma-tod", b"flagship: gamma-old")},
        "gamma.yaml: field family.flagship: gamma-old is shut down on 2026-01-01; the flagship is a model on sale "
        "on checked (2026-11-01)",
    ),
    "missing-checked": (
        {"delta": (b'checked: "2026-11-01"\n', b"")},
        "delta.yaml, line 1: missing required field 'checked' (schema_version 2)",
    ),
    "long-note": (
        {
            "delta": (
                b"        source: https://example.com/delta/1",
                b"        note: " + b"x" * 201 + b"\n        source: https://example.com/delta/1",
            )
        },
        "delta.yaml, line 14: note is for users, at most 200 characters (201); put the detail in provenance",
    ),
}


@pytest.mark.parametrize("case", sorted(V2_FAILURES))
def test_a_schema_2_update_is_refused_by_the_rules_prices_validate_applies(shipped_v2, tmp_path, case):
    replacements, message = V2_FAILURES[case]
    folder = write_folder(tmp_path / "new", v2_files(**replacements))
    before = snapshot(shipped_v2)
    r = run("prices", "update", "--from", str(folder))
    assert (r.code, r.out, r.err) == (2, "", f"llmcost: error: {folder.resolve()}: {message}\n")
    assert snapshot(shipped_v2) == before
    r = run("prices", "validate", str(folder))  # the same rule, the same words
    assert (r.code, r.err) == (2, f"llmcost: error: {folder}/{message}\n")


def test_a_schema_2_update_installs_and_an_announced_price_does_not_date_it(shipped_v2, tmp_path, monkeypatch):
    folder = write_folder(tmp_path / "new", v2_files(gamma=CHECKED))
    r = run("prices", "update", "--from", str(folder))
    assert r.code == 0, r.err
    # gamma-future carries a price announced for 2027-01-01: the book is dated by its checked date.
    assert r.out.startswith("Updated the price book: 2 providers, 12 models, dated 2026-11-20, digest ")
    report = status()
    assert [(p["provider"], p["checked"]) for p in report["providers"]] == [
        ("delta", "2026-11-01"),
        ("gamma", "2026-11-20"),
    ]
    upgraded = write_folder(tmp_path / "shipped-2", v2_files(gamma=(CHECKED[0], b'checked: "2026-12-01"')))
    shutil.copy(BOOK_V2 / "tokenizers.yaml", upgraded)
    monkeypatch.setattr(resources, "packaged_prices_dir", lambda: upgraded)
    report = status()
    assert report["price_book"]["active"] == "shipped"
    assert report["unused_update"]["reason"] == (
        "the book shipped with llmcost 0.1.0 is newer (2026-12-01 > 2026-11-20)"
    )


def estimate_json(*extra: str) -> dict:
    r = run(
        "estimate",
        "-m",
        "beta-4o",
        "--requests-per-month",
        "10",
        "--input-tokens",
        "5",
        "--output-tokens",
        "5",
        "-f",
        "json",
        *extra,
    )
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_the_json_report_names_the_book_that_priced_it(shipped, server):
    shipped_report = estimate_json()
    assert shipped_report["price_book_origin"] == status()["price_book"]
    assert shipped_report["price_book_origin"]["active"] == "shipped"
    assert shipped_report["price_book_origin"]["book_digest"] == SHIPPED_DIGEST
    url = server.add("/book.tar.gz", GOOD)
    assert run("prices", "update", "--from", url).code == 0
    report = estimate_json()
    assert report["price_book_origin"] == {
        "active": "update",
        "description": f"updated on {TODAY} from {url}",
        "book_digest": NEW_DIGEST,
        "book_date": "2025-02-01",
        "llmcost": "0.1.0",
        "updated": TODAY,
        "source": url,
        "sha256": GOOD_SHA,
    }
    assert report["price_book"] != shipped_report["price_book"]
    r = run(
        "compare",
        "-m",
        "beta-4o",
        "--requests-per-month",
        "10",
        "--input-tokens",
        "5",
        "--output-tokens",
        "5",
        "-f",
        "json",
    )
    assert r.code == 0, r.err
    assert json.loads(r.out)["price_book_origin"] == report["price_book_origin"]
