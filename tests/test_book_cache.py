"""The parsed-book cache (``llmcost.book.cache``): fast, and nothing in the cache folder can run code,
change a price, overwrite a file or hang a command."""

from __future__ import annotations

import marshal
import os
import shutil
import stat
import threading
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest
from conftest import BOOK

from llmcost import book
from llmcost.book import cache as book_cache
from llmcost.book import loader as book_load


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A private copy of the test book with its own cache and data folders."""
    folder = tmp_path / "book"
    shutil.copytree(BOOK, folder)
    monkeypatch.setenv("LLMCOST_BOOK", str(folder))
    monkeypatch.setenv("LLMCOST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LLMCOST_DATA_DIR", str(tmp_path / "data"))
    book_load._base.cache_clear()
    yield tmp_path
    book_load._base.cache_clear()


def fresh_load():
    book_load._base.cache_clear()
    return book.load()


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("book-*.cache"))


def alpha_input(loaded) -> D:
    return loaded.models["alpha-lite"].prices[-1].bands[0].input


def test_cache_is_keyed_by_content(env):
    first = fresh_load()
    [entry] = entries(env)
    assert fresh_load().models["alpha-lite"] == first.models["alpha-lite"]  # served from the cache
    text = (env / "book" / "alpha.yaml").read_text(encoding="utf-8").replace('input: "0.0003"', 'input: "0.0004"')
    (env / "book" / "alpha.yaml").write_text(text, encoding="utf-8")
    assert alpha_input(fresh_load()) == D("0.0004")  # a changed file is parsed again, never served stale
    assert len(entries(env)) == 2
    entry.write_bytes(b"not a cache file")  # a damaged entry is parsed again, not an error
    (env / "book" / "alpha.yaml").write_text(text.replace('"0.0004"', '"0.0003"'), encoding="utf-8")
    assert fresh_load().models["alpha-lite"] == first.models["alpha-lite"]


def test_served_from_the_cache_without_parsing(env, monkeypatch):
    fresh_load()

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(book_load, "_parse_files", no_parsing)
    assert alpha_input(fresh_load()) == D("0.0003")


def test_no_cache_writes_nothing(env, monkeypatch):
    monkeypatch.setenv("LLMCOST_NO_CACHE", "1")
    fresh_load()
    assert not (env / "cache").exists() and not (env / "data").exists()


def test_a_book_cached_through_a_relative_path_is_not_served_to_another(env, monkeypatch):
    (env / "elsewhere").mkdir()
    monkeypatch.chdir(env)
    monkeypatch.setenv("LLMCOST_BOOK", "book")
    fresh_load()
    monkeypatch.chdir(env / "elsewhere")
    monkeypatch.setenv("LLMCOST_BOOK", str(env / "book"))
    assert "alpha-lite" in fresh_load().models
    assert len(entries(env)) == 2


def _doctor(entry: Path, secret: bytes | None) -> None:
    """Rewrite a cache entry with alpha-lite's price changed, signed with ``secret`` (or the old MAC)."""
    data = entry.read_bytes()
    mac, _, payload = data[len(book_cache.MAGIC) :].partition(b"\n")
    doctored = payload.replace(b"0.0003", b"0.0009")
    assert doctored != payload
    key = entry.name  # not the real key: a MAC over the wrong key is as wrong as a wrong secret
    new_mac = book_cache._mac(secret, key, doctored) if secret else mac
    entry.write_bytes(book_cache.MAGIC + new_mac + b"\n" + doctored)


@pytest.mark.parametrize("secret", [None, b"x" * 32], ids=["old-mac", "attacker-secret"])
def test_a_doctored_cache_changes_no_price(env, secret):
    fresh_load()
    [entry] = entries(env)
    _doctor(entry, secret)
    assert alpha_input(fresh_load()) == D("0.0003")


def test_a_planted_payload_is_never_unmarshalled(env, monkeypatch):
    """A planted file at the right name, whatever it holds, is read as bytes and refused by its MAC
    before anything is decoded (marshal is only ever given data this user's llmcost signed)."""
    fresh_load()
    [entry] = entries(env)
    entry.write_bytes(book_cache.MAGIC + b"0" * 64 + b"\n" + marshal.dumps(("evil",)))
    calls = []
    real = marshal.loads
    monkeypatch.setattr(book_cache.marshal, "loads", lambda data: calls.append(data) or real(data))
    assert alpha_input(fresh_load()) == D("0.0003")
    assert calls == []


def test_an_old_pickle_cache_is_never_loaded_and_is_removed(env):
    """What the pickle cache left behind is deleted, never loaded (a pickle can run code)."""
    fresh_load()
    planted = env / "cache" / "book-0123456789abcdef0123456789abcdef.pickle"
    planted.write_bytes(b"cos\nsystem\n(S'touch /tmp/llmcost-pwned'\ntR.")
    (env / "book" / "alpha.yaml").write_text((env / "book" / "alpha.yaml").read_text() + "\n", encoding="utf-8")
    fresh_load()  # a new key: written, and the folder pruned
    assert not planted.exists()


def test_folders_and_files_are_private_even_under_umask_000(env):
    old = os.umask(0)
    try:
        fresh_load()
    finally:
        os.umask(old)
    assert stat.S_IMODE((env / "cache").stat().st_mode) == 0o700
    assert stat.S_IMODE((env / "data").stat().st_mode) == 0o700
    [entry] = entries(env)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE((env / "data" / book_cache.SECRET_NAME).stat().st_mode) == 0o600


def test_a_symlink_at_the_cache_path_is_neither_followed_nor_written_through(env):
    fresh_load()
    [entry] = entries(env)
    victim = env / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    entry.unlink()
    entry.symlink_to(victim)
    assert alpha_input(fresh_load()) == D("0.0003")
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not entry.is_symlink()  # replaced by a regular file of our own


def test_a_fifo_at_the_cache_path_does_not_hang(env):
    fresh_load()
    [entry] = entries(env)
    entry.unlink()
    os.mkfifo(entry)
    done = []
    worker = threading.Thread(target=lambda: done.append(alpha_input(fresh_load())), daemon=True)
    worker.start()
    worker.join(10)
    assert done == [D("0.0003")]


def test_a_file_owned_by_another_user_is_not_read(env):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")  # CI runs as root
    fresh_load()
    [entry] = entries(env)
    _doctor(entry, (env / "data" / book_cache.SECRET_NAME).read_bytes())
    data = entry.read_bytes()
    entry.write_bytes(data.replace(b"\n", b"\n", 1))
    # Signed with the real secret but now owned by someone else: refused.
    os.chown(entry, 12345, 12345)
    assert book_cache._read_private(entry, book_cache.MAX_BYTES) is None


def test_a_cache_folder_others_can_write_is_not_used(env):
    (env / "cache").mkdir(mode=0o700)
    os.chmod(env / "cache", 0o777)
    fresh_load()
    assert entries(env) == []


def test_a_secret_that_is_not_private_disables_the_cache(env):
    (env / "data").mkdir(mode=0o700)
    secret = env / "data" / book_cache.SECRET_NAME
    secret.write_bytes(b"s" * 32)
    os.chmod(secret, 0o666)
    fresh_load()
    assert entries(env) == []


def test_old_entries_are_pruned(env):
    for i in range(book_cache.KEEP + 3):
        (env / "book" / "alpha.yaml").write_text((env / "book" / "alpha.yaml").read_text() + "\n", encoding="utf-8")
        fresh_load()
        assert len(entries(env)) == min(i + 1, book_cache.KEEP)


def test_round_trip_keeps_every_field(env):
    """What the cache restores equals what the parser built, field for field."""
    parsed = replace(book_load._parse_paths(BOOK, user=False), raw=[])  # as _base caches it
    store = book_cache.BookCache(env / "cache", (*book_load._CACHED_CLASSES, book_load._Parsed))
    assert store.put("k" * 64, parsed)
    assert store.get("k" * 64) == parsed
    assert store.get("j" * 64) is None


def test_a_secret_others_can_read_disables_the_cache(env):
    """Whoever can read the secret can sign a cache entry: a secret readable by others is not used."""
    (env / "data").mkdir(mode=0o700)
    secret = env / "data" / book_cache.SECRET_NAME
    secret.write_bytes(b"s" * 32)
    os.chmod(secret, 0o644)
    fresh_load()
    assert entries(env) == []


def test_a_secret_cut_short_is_replaced(env):
    """An empty secret (an older llmcost stopped while writing it) is made again, not kept for ever."""
    (env / "data").mkdir(mode=0o700)
    secret = env / "data" / book_cache.SECRET_NAME
    secret.write_bytes(b"")
    os.chmod(secret, 0o600)
    fresh_load()
    assert len(secret.read_bytes()) == 32
    assert len(entries(env)) == 1
    assert not list((env / "data").glob("*.tmp"))


def test_missing_parent_folders_are_private_too(env, monkeypatch):
    monkeypatch.setenv("LLMCOST_CACHE_DIR", str(env / "made" / "for" / "cache"))
    old = os.umask(0)
    try:
        fresh_load()
    finally:
        os.umask(old)
    for folder in (env / "made", env / "made" / "for", env / "made" / "for" / "cache"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_value_that_is_not_plain_data_is_not_cached(env):
    store = book_cache.BookCache(env / "cache", (*book_load._CACHED_CLASSES, book_load._Parsed))
    assert store.put("k" * 64, {"a": 1}) is False  # no error: no cache
    assert store.get("k" * 64) is None


def test_the_book_is_parsed_from_the_bytes_its_key_is_made_of(env, monkeypatch):
    """Each price file is read once: a file changed between making the key and parsing cannot be
    cached under the key of its old content."""
    reads = []
    real = book_load.read_bytes
    monkeypatch.setattr(book_load, "read_bytes", lambda path, *a, **k: reads.append(path.name) or real(path, *a, **k))
    fresh_load()
    assert sorted(reads) == ["alpha.yaml", "beta.yaml", "fx.yaml"]
