"""A strict YAML reader for price books and workload files.

Safer and stricter than ``yaml.safe_load``:

- anchors and aliases are refused (no "billion laughs": refused at the first
  ``&``/``*``, nothing is expanded);
- explicit tags (``!!python/object``, ``!!float``, ``!custom``) are refused;
- duplicate keys are an error;
- dates stay strings (we parse and check them ourselves), floats stay floats so
  the schema can refuse them where a quoted decimal is required;
- every error names the file and line.

``load`` returns the data together with a ``Locator`` that maps a path inside the
data (``["models", 2, "prices", 0, "input"]``) back to a line of the file, so a
schema error can say where it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .inputs import decode, read_text

__all__ = ["MAX_DEPTH", "MAX_YAML_BYTES", "Locator", "decode", "load_file", "loads", "read_text"]

MAX_YAML_BYTES = 5 * 1024 * 1024


class _Loader(yaml.SafeLoader):
    _llmcost_depth = 0  # how deeply the node being composed is nested

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Refuse aliases, anchors, explicit tags and deep nesting before anything is built."""
        event = self.peek_event()
        depth = self._llmcost_depth
        if depth >= MAX_DEPTH and isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            raise _Refused(f"YAML nested more than {MAX_DEPTH} levels deep", event.start_mark)
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("YAML aliases (*name) are not allowed", event.start_mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused("YAML anchors (&name) are not allowed", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):  # the parser reports a tag only when one is written
            raise _Refused(f"YAML tags ({tag}) are not allowed", event.start_mark)
        if isinstance(event, yaml.ScalarEvent) and _SURROGATE.search(event.value):
            # "\ud800" in a quoted string: a half of a UTF-16 pair, which no output can encode
            raise _Refused(
                "invalid YAML: an escape that is not a character (a lone surrogate such as \\ud800)", event.start_mark
            )
        self._llmcost_depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._llmcost_depth = depth


# Keep dates as plain strings: remove the implicit timestamp resolver.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


class _Refused(yaml.YAMLError):
    def __init__(self, message: str, mark: Any):
        super().__init__(message)
        self.message = message
        self.mark = mark


#: How deeply collections may nest: a price or workload file needs 6 levels; 2,000 nested ``[``
#: took seconds to refuse (and deeper ones reach Python's recursion limit).
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


MAX_INT_DIGITS = 100


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    """Integers in plain decimal digits only: YAML 1.1 reads ``0700`` as octal 448, ``0x10`` as 16
    and ``1:30`` as 90; here ``0700`` is 700 and the other forms are refused, never misread."""
    text = str(loader.construct_scalar(node))
    digits = text.replace("_", "")
    if not re.fullmatch(r"[-+]?[0-9]+", digits):
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a plain decimal number", node.start_mark)
    if len(digits) > MAX_INT_DIGITS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {len(digits):,} digits is too long", node.start_mark
        )
    return int(digits, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _DecimalLoader(_Loader):
    """For workload files: YAML numbers with a fraction become Decimal, from their text."""


def _construct_decimal(loader: _DecimalLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "").lower()
    special = {".inf": "Infinity", "+.inf": "Infinity", "-.inf": "-Infinity", ".nan": "NaN"}
    try:
        return Decimal(special.get(text, text))
    except InvalidOperation:  # pragma: no cover - the YAML resolver only passes numbers here
        raise yaml.constructor.ConstructorError(None, None, f"bad number {text!r}", node.start_mark) from None


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


@dataclass
class Locator:
    """Maps a data path to the 1-based line it came from."""

    root: yaml.Node | None

    def line(self, path: list[Any] | tuple[Any, ...]) -> int | None:
        node = self.root
        best = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == part:
                        node = value_node
                        best = key_node.start_mark.line + 1
                        break
                else:
                    return best
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                best = node.start_mark.line + 1
            else:
                return best
        return best


def _construct(loader: _Loader, node: yaml.Node, source: str) -> Any:
    # Duplicate keys: check every mapping in the tree before constructing it.
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in current.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError(
                        "a key must be a plain name, not a list or mapping",
                        source=source,
                        line=key_node.start_mark.line + 1,
                    )
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise InputError(
                        "YAML merge keys (<<) are not allowed", source=source, line=key_node.start_mark.line + 1
                    )
                key = key_node.value
                if key in seen:
                    raise InputError(
                        f"duplicate key {key!r} (first on line {seen[key]})",
                        source=source,
                        line=key_node.start_mark.line + 1,
                    )
                seen[key] = key_node.start_mark.line + 1
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return loader.construct_document(node)


def loads(text: str, source: str, *, numbers_as_decimal: bool = False) -> tuple[Any, Locator]:
    """Parse YAML text; ``source`` is the name used in error messages.

    Price files keep YAML floats as floats so the schema can refuse them (prices
    must be quoted); workload files read them as Decimal (``numbers_as_decimal``).
    """
    if len(text) > MAX_YAML_BYTES:
        raise InputError(f"file is larger than the {MAX_YAML_BYTES // (1024 * 1024)} MiB limit for YAML", source=source)
    try:
        loader = (_DecimalLoader if numbers_as_decimal else _Loader)(text)
    except yaml.reader.ReaderError as exc:  # a control character: checked before any parsing
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise InputError(
            f"invalid YAML: the control character U+{exc.character:04X} is not allowed", source=source, line=line
        ) from None
    try:
        node = loader.get_single_node()
        data = _construct(loader, node, source) if node is not None else None
    except _Refused as exc:
        raise InputError(exc.message, source=source, line=exc.mark.line + 1 if exc.mark else None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"invalid YAML: {problem}", source=source, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", source=source) from None
    except ValueError as exc:  # PyYAML's scanner: an escape such as "\U10010000" is past U+10FFFF
        raise InputError(
            f"invalid YAML: an escape that is not a character ({exc})", source=source, line=loader.line + 1
        ) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", source=source) from None
    finally:
        loader.dispose()
    return data, Locator(node)


def load_file(path: Path, *, pipes: bool = True) -> tuple[Any, Locator]:
    """A user's YAML file (at most ``MAX_YAML_BYTES``; ``pipes``: see ``inputs.open_file``)."""
    return loads(read_text(path, limit=MAX_YAML_BYTES, pipes=pipes), str(path))
