"""Publishing a price book: ``llmcost prices pack`` turns a prices folder into the archive that
``llmcost prices update`` installs, with its sha256.

The folder's price files are validated exactly as an update is (``update.validate_files``, less
the comparison with the shipped book), so an archive that packs is an archive that installs, on a
llmcost that reads its schema and whose shipped book is not newer. Files that are not price
files (``tokenizers.yaml``, ``__init__.py``) are left out and named. The archive is reproducible:
sorted names, owner 0, modes 0644/0755 and every time set to the book's date.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError
from . import archive, installed
from .update import validate_files


@dataclass(frozen=True)
class Packed:
    path: Path
    sha256: str
    size: int
    files: tuple[str, ...]
    skipped: tuple[str, ...]  # names in the folder that are not price files


def pack(folder: str | None, out: str) -> Packed:
    source = Path(folder) if folder is not None else installed.active().folder
    if not source.is_dir():
        raise InputError("not a folder of price files", source=archive.shown(str(source)))
    target = Path(out)
    if not target.name.endswith((".tar.gz", ".tgz")):
        raise InputError("the archive's name must end in .tar.gz or .tgz", source=archive.shown(out))
    files, skipped = archive.packable(source)
    book = validate_files(files, archive.shown(str(source)))
    when = installed.parsed_date(book)
    stamp = datetime(when.year, when.month, when.day, tzinfo=timezone.utc) if when else None
    data = archive.pack_bytes(files, stamp)
    digest = archive.sha256_hex(data)
    _write(target, data)
    _write(Path(f"{target}.sha256"), f"{digest}  {target.name}\n".encode())
    return Packed(target, digest, len(data), tuple(files), tuple(archive.shown(s) for s in skipped))


def _write(path: Path, data: bytes) -> None:
    """Write next to the target and rename over it: a reader never sees half an archive."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise InputError(f"cannot write it ({exc.strerror or exc})", source=archive.shown(str(path))) from None
