"""One usage record: what one API call used, in OpenAI's convention, and how records are read from
the shapes vendors and gateways write.

The convention (OpenAI's, which Doubao, Qwen, GLM, DeepSeek and Kimi follow in their
OpenAI-compatible modes): ``input`` counts every input token, cached and cache-write ones
included; ``output`` counts every output token, reasoning ones included.  Anthropic's usage
(``input_tokens`` without the cache reads and writes) is converted to it when read.

Timestamps become Unix seconds (UTC); a timestamp without a zone is an error unless a zone for
them is given (``--timezone``).  Every count is a whole number of tokens between 0 and
``MAX_TOKENS``; cached plus cache-write tokens cannot exceed the input, reasoning tokens cannot
exceed the output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, NamedTuple

from ..errors import UsageError

#: The largest token count a record may carry (far above any context window).
MAX_TOKENS = 10**12
#: The largest Unix time accepted (year 9999).
MAX_EPOCH = 253402300799
EPOCH = date(1970, 1, 1)

CSV_COLUMNS = (
    "timestamp",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "batch",
    "region",
    "project",
)
REQUIRED_COLUMNS = ("timestamp", "model", "input_tokens", "output_tokens")
#: Other names accepted for a CSV column (what OpenAI-style exports call them).
COLUMN_ALIASES = {
    "prompt_tokens": "input_tokens",
    "completion_tokens": "output_tokens",
    "cached_input_tokens": "cached_tokens",
    "cache_read_tokens": "cached_tokens",
    "cache_creation_tokens": "cache_write_tokens",
    "created": "timestamp",
    "time": "timestamp",
}
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens", "reasoning_tokens")
TRUE = frozenset(("true", "1", "yes", "y", "t"))
FALSE = frozenset(("false", "0", "no", "n", "f", ""))
REGIONS = {"cn": "cn", "mainland": "cn", "china": "cn", "intl": "intl", "international": "intl", "global": "intl"}


class Record(NamedTuple):
    """One priced call, in OpenAI's convention (input includes cached and cache-write tokens)."""

    line: int  # where it starts in its file
    when: int  # Unix seconds, UTC
    model: str  # as written in the record
    input: int
    output: int
    cached: int = 0
    write: int = 0
    reasoning: int = 0
    batch: bool = False
    region: str | None = None  # "cn" or "intl"; None: the --region given
    project: str | None = None


class RecordError(Exception):
    """Internal: a bad value in a record; the reader adds the file and line."""

    def __init__(self, message: str, column: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message, self.column, self.hint = message, column, hint


# -- time zones and timestamps ------------------------------------------------------------

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE | re.ASCII)


def parse_timezone(text: str) -> tzinfo:
    """``--timezone``: an IANA name (Asia/Shanghai), UTC, or an offset (+08:00, -0530, UTC+8)."""
    name = text.strip()
    if name.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    match = _OFFSET.match(name)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise UsageError(f"--timezone: {text!r} is not a UTC offset (at most ±14:00)")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if sign == "-" else delta)
    try:
        from zoneinfo import ZoneInfo

        if not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", name):
            raise ValueError(name)
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError, a missing tz database
        raise UsageError(
            f"--timezone: unknown time zone {text!r}", hint="use an IANA name such as Asia/Shanghai, or +08:00"
        ) from None


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?"
    r"[ ]?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?",
    re.ASCII,  # digits are 0-9: '２０２６' or '²' is not a year
)
TIMESTAMP_HINT = "write ISO 8601 with a zone, e.g. 2026-10-01T09:30:00+08:00, or Unix seconds"
_DAYS: dict[str, int] = {}


def _day_number(year: int, month: int, day: int, text: str) -> int:
    key = text[:10]
    days = _DAYS.get(key)
    if days is None:
        try:
            days = (date(year, month, day) - EPOCH).days
        except ValueError:
            raise RecordError(f"{text!r} is not a date", "timestamp", TIMESTAMP_HINT) from None
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        _DAYS[key] = days
    return days


def parse_timestamp(text: str, zone: tzinfo | None) -> int:
    """ISO 8601 (with a zone, or without one when ``zone`` is given) or Unix seconds → Unix seconds."""
    text = text.strip()
    if text.isascii() and (text.isdigit() or (text[:1].isdigit() and _is_unix(text))):  # not '²', '１'
        return unix_seconds(Decimal(text))
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise RecordError(f"{text!r} is not a timestamp", "timestamp", TIMESTAMP_HINT)
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise RecordError(f"{text!r} is not a time of day", "timestamp", TIMESTAMP_HINT)
    days = _day_number(year, month, day, text)
    local = days * 86400 + hour * 3600 + minute * 60 + second
    if match.group(7):
        offset = 0
    elif match.group(8):
        hours, minutes = int(match.group(9)), int(match.group(10) or 0)
        if hours > 14 or minutes > 59:
            raise RecordError(f"{text!r}: the UTC offset is out of range", "timestamp", TIMESTAMP_HINT)
        offset = (hours * 3600 + minutes * 60) * (-1 if match.group(8) == "-" else 1)
    elif zone is None:
        raise RecordError(
            f"{text!r} has no time zone", "timestamp", "add one (+08:00, Z) or pass --timezone, e.g. Asia/Shanghai"
        )
    elif isinstance(zone, timezone):
        offset = int(zone.utcoffset(None).total_seconds())
    else:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
        offset = int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]
    seconds = local - offset
    if not 0 <= seconds <= MAX_EPOCH:
        raise RecordError(f"{text!r} is before 1970", "timestamp", TIMESTAMP_HINT)
    return seconds


def _is_unix(text: str) -> bool:
    return re.fullmatch(r"[0-9]+\.[0-9]+", text) is not None


def unix_seconds(value: Decimal | int) -> int:
    """Unix seconds (a fraction is dropped); milliseconds and negative times are refused."""
    if value < 0:
        raise RecordError(f"{value} is not a Unix time (before 1970)", "timestamp", TIMESTAMP_HINT)
    if value > 10**11:
        raise RecordError(
            f"{value} is not a Unix time in seconds (milliseconds?)", "timestamp", "divide by 1000: Unix seconds"
        )
    return int(value)


def local_day(when: int, offset_seconds: int) -> int:
    """The day number (days since 1970-01-01) of a Unix time at a UTC offset."""
    return (when + offset_seconds) // 86400


def day_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


def moment(when: int) -> datetime:
    return datetime.fromtimestamp(when, timezone.utc)


# -- values ------------------------------------------------------------------------------


def tokens(value: Any, column: str) -> int:
    """A token count: a whole number from 0 to MAX_TOKENS (text, int, or a JSON number)."""
    if isinstance(value, bool):
        raise RecordError(f"{value!r} is not a token count", column)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if text.isdecimal() and len(text) < 16:  # not isdigit(): '²' is a digit int() refuses
            number = int(text)
        elif text == "":
            raise RecordError("no token count (an empty cell)", column)
        else:
            try:
                dec = Decimal(text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text) else text)
            except ArithmeticError:
                raise RecordError(f"{value!r} is not a token count", column) from None
            number = _whole(dec, value, column)
    elif isinstance(value, Decimal):
        number = _whole(value, value, column)
    elif isinstance(value, float):  # a JSON reader that made floats; whole ones are fine
        if value != value or value in (float("inf"), float("-inf")) or value != int(value):
            raise RecordError(f"{value!r} is not a whole number of tokens", column)
        number = int(value)
    else:
        raise RecordError(f"{_shown(value)} is not a token count", column)
    if number < 0:
        raise RecordError(f"{number} is negative: not a token count", column)
    if number > MAX_TOKENS:
        raise RecordError(f"{number} tokens is more than the {MAX_TOKENS:,} a record may carry", column)
    return number


def _whole(value: Decimal, shown: Any, column: str) -> int:
    if not value.is_finite() or value != value.to_integral_value():
        raise RecordError(f"{_shown(shown)} is not a whole number of tokens", column)
    if value > MAX_TOKENS:
        raise RecordError(f"{_shown(shown)} tokens is more than the {MAX_TOKENS:,} a record may carry", column)
    return int(value)


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def flag(value: Any, column: str = "batch") -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
    raise RecordError(f"{_shown(value)} is not true or false", column)


def region(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"{_shown(value)} is not a region (cn or intl)", "region")
    text = value.strip().lower()
    if not text:
        return None
    name = REGIONS.get(text)
    if name is None:
        raise RecordError(f"{_shown(value)} is not a region (cn or intl)", "region")
    return name


def project(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise RecordError(f"{_shown(value)} is not a project name", "project")
    text = " ".join(str(value).split())
    if len(text) > 200:
        raise RecordError("a project name is longer than 200 characters", "project")
    return text or None


def model_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RecordError("no model", "model", "each record names its model")
    if len(value) > 200:
        raise RecordError("a model name is longer than 200 characters", "model")
    return value.strip()


def checked(
    line: int,
    when: int,
    model: str,
    input_: int,
    output: int,
    cached: int,
    write: int,
    reasoning: int,
    batch: bool,
    region_: str | None,
    project_: str | None,
) -> Record:
    """A Record, its counts checked against each other."""
    if cached + write > input_:
        what = "cached" if not write else "cached + cache-write"
        raise RecordError(
            f"{what} tokens ({cached + write}) exceed input tokens ({input_})",
            "cached_tokens",
            "input_tokens counts every input token, cached ones included (OpenAI's convention)",
        )
    if reasoning > output:
        raise RecordError(
            f"reasoning tokens ({reasoning}) exceed output tokens ({output})",
            "reasoning_tokens",
            "output_tokens counts every output token, reasoning ones included (OpenAI's convention)",
        )
    return Record(line, when, model, input_, output, cached, write, reasoning, batch, region_, project_)


# -- JSON objects: responses, usage objects and log records --------------------------------------


@dataclass(frozen=True)
class Usage:
    """A usage object's counts, in OpenAI's convention."""

    input: int
    output: int
    cached: int = 0
    write: int = 0
    reasoning: int = 0
    convention: str = "openai"  # openai (Chat Completions), responses, deepseek, anthropic


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _count(obj: dict[str, Any], *path: str) -> int | None:
    value = _get(obj, *path)
    return None if value is None else tokens(value, ".".join(("usage", *path)))


def read_usage(usage: Any) -> Usage:
    """Chat Completions, Responses API, DeepSeek or Anthropic usage → OpenAI's convention."""
    if not isinstance(usage, dict):
        raise RecordError(f"usage is {_shown(usage)}, not an object", "usage")
    anthropic = "cache_read_input_tokens" in usage or "cache_creation_input_tokens" in usage
    if "prompt_tokens" in usage or "completion_tokens" in usage or "prompt_cache_hit_tokens" in usage:
        hit, miss = _count(usage, "prompt_cache_hit_tokens"), _count(usage, "prompt_cache_miss_tokens")
        prompt = _count(usage, "prompt_tokens")
        if prompt is None:
            if hit is None and miss is None:
                raise RecordError("usage has no prompt_tokens", "usage.prompt_tokens")
            prompt = (hit or 0) + (miss or 0)
        cached = hit
        if cached is None:
            cached = _count(usage, "prompt_tokens_details", "cached_tokens")
        if cached is None:
            cached = _count(usage, "cached_tokens")  # Moonshot (Kimi) puts it at the top
        write = _count(usage, "prompt_tokens_details", "cache_creation_input_tokens")
        output = _count(usage, "completion_tokens")
        if output is None:
            raise RecordError("usage has no completion_tokens", "usage.completion_tokens")
        reasoning = _count(usage, "completion_tokens_details", "reasoning_tokens")
        convention = "deepseek" if hit is not None or miss is not None else "openai"
        return Usage(prompt, output, cached or 0, write or 0, reasoning or 0, convention)
    if "input_tokens" in usage or "output_tokens" in usage:
        given = _count(usage, "input_tokens")
        output = _count(usage, "output_tokens")
        if given is None:
            raise RecordError("usage has no input_tokens", "usage.input_tokens")
        if output is None:
            raise RecordError("usage has no output_tokens", "usage.output_tokens")
        if anthropic:
            read = _count(usage, "cache_read_input_tokens") or 0
            created = _count(usage, "cache_creation_input_tokens") or 0
            return Usage(given + read + created, output, read, created, 0, "anthropic")
        cached = _count(usage, "input_tokens_details", "cached_tokens") or 0
        reasoning = _count(usage, "output_tokens_details", "reasoning_tokens") or 0
        return Usage(given, output, cached, 0, reasoning, "responses")
    raise RecordError(
        "usage has neither prompt_tokens/completion_tokens nor input_tokens/output_tokens",
        "usage",
        "a Chat Completions, Responses API, DeepSeek or Anthropic usage object",
    )


def read_object(obj: Any, line: int, zone: tzinfo | None, *, need_time: bool = True) -> Record:
    """One JSON Lines record: an API response, an OpenAI Batch output line, or a log record with
    ``model``, ``timestamp``/``created``/``created_at`` and ``usage`` (or the usage fields at the top)."""
    if not isinstance(obj, dict):
        raise RecordError(f"a record is {type(obj).__name__}, not a JSON object")
    batch = False
    body = obj
    response = obj.get("response")
    if isinstance(response, dict) and "usage" not in obj:
        # An OpenAI Batch output line {"custom_id", "response": {"status_code", "body": {...}}},
        # or a gateway's log record around a response.
        inner: dict[str, Any] = response["body"] if isinstance(response.get("body"), dict) else response
        if "custom_id" in obj:
            batch = True
            if response.get("status_code") not in (None, 200):
                raise RecordError(f"a failed batch request (status {_shown(response.get('status_code'))})")
        body = {**inner, **{k: v for k, v in obj.items() if k not in ("response", "usage")}}
    usage = body.get("usage")
    if usage is None:
        usage = body  # the usage fields at the top of a log record
    counts = read_usage(usage)
    model = model_name(body.get("model"))
    when = 0
    stamp = next((body[k] for k in ("timestamp", "created", "created_at") if body.get(k) is not None), None)
    if stamp is None:
        if need_time:
            raise RecordError("no timestamp (timestamp, created or created_at)", "timestamp")
    elif isinstance(stamp, bool):
        raise RecordError(f"{stamp!r} is not a timestamp", "timestamp", TIMESTAMP_HINT)
    elif isinstance(stamp, (int, Decimal)):
        if isinstance(stamp, Decimal) and not stamp.is_finite():
            raise RecordError(f"{stamp} is not a timestamp", "timestamp", TIMESTAMP_HINT)
        when = unix_seconds(stamp)
    elif isinstance(stamp, str):
        when = parse_timestamp(stamp, zone)
    else:
        raise RecordError(f"{_shown(stamp)} is not a timestamp", "timestamp", TIMESTAMP_HINT)
    if "batch" in body:
        batch = flag(body.get("batch"))
    return checked(
        line,
        when,
        model,
        counts.input,
        counts.output,
        counts.cached,
        counts.write,
        counts.reasoning,
        batch,
        region(body.get("region")),
        project(body.get("project")),
    )
