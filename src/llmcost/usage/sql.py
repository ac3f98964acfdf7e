"""Pricing SQL generated from the flat price table (``llmcost.book.flat``), for DuckDB and Spark.

The SQL prices usage records exactly as the streaming engine does (``usage.pricing``):

- ``prices``: the flat table inline (``VALUES``), its prices *per token* as ``DECIMAL(19, 18)``
  (a price per 1M tokens with at most 12 decimals, below 10,000,000: every book's); days as whole
  day numbers (days since 1970-01-01) so the SQL is the same in every dialect.
- A record's day is its Unix time in the model's billing zone (``billing_utc_offset``); it is priced
  at the entry with ``effective <= day < until``, in its band (``input_over < input <= up_to``, and
  the output bounds), at its clock (off-peak by the entry's hours, weekends and holidays), a batch
  record at batch prices; a graduated entry joins every band its input reaches, with the slice of
  the input in it.
- Token sums are added per class (scenario, group, price row, batch, thinking) first and only then
  multiplied by the prices: ``DECIMAL(19, 18) × DECIMAL(18, 0)`` is exact in both dialects (no
  ``DOUBLE`` anywhere), so the sums are exact to the last digit, as the streaming engine's.

``engine_sql`` is what ``--engine duckdb`` runs (on the records it normalises, ``usage.duckdb_engine``);
``warehouse_sql`` is what ``--emit-sql`` prints, to run on a table with the CSV columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..book import PriceBook
from ..book.flat import PRICE_COLUMNS
from ..errors import UsageError

EPOCH = date(1970, 1, 1)
PRICE_TYPE = "DECIMAL(19, 18)"
TOKEN_TYPE = "DECIMAL(18, 0)"
AMOUNT_TYPE = "DECIMAL(38, 18)"
DIALECTS = ("duckdb", "spark")


@dataclass(frozen=True)
class Dialect:
    name: str

    def idiv(self, a: str, b: str) -> str:
        """Integer division of non-negative numbers."""
        return f"(({a}) // {b})" if self.name == "duckdb" else f"(({a}) DIV {b})"

    def day_text(self, day: str, month: bool = False) -> str:
        """'YYYY-MM-DD' (or 'YYYY-MM') of a day number."""
        if self.name == "duckdb":
            return f"strftime(DATE '1970-01-01' + CAST({day} AS INTEGER), '{'%Y-%m' if month else '%Y-%m-%d'}')"
        return f"date_format(date_add(DATE '1970-01-01', CAST({day} AS INT)), '{'yyyy-MM' if month else 'yyyy-MM-dd'}')"

    def unix_seconds(self, column: str) -> str:
        """Unix seconds of a timestamp column (a TIMESTAMP, or text with a UTC offset)."""
        if self.name == "duckdb":
            return f"(epoch_us(CAST({column} AS TIMESTAMPTZ)) // 1000000)"
        return f"unix_timestamp(CAST({column} AS TIMESTAMP))"

    @property
    def text(self) -> str:
        return "VARCHAR" if self.name == "duckdb" else "STRING"


def dialect(name: str) -> Dialect:
    key = name.strip().lower()
    if key not in DIALECTS:
        raise UsageError(f"--dialect: {name!r} is not one of {', '.join(DIALECTS)}")
    return Dialect(key)


def quote(text: str | None) -> str:
    """A SQL string literal (NULL for None), the same in DuckDB and Spark."""
    if text is None:
        return "NULL"
    if "\\" in text:
        raise UsageError(f"{text!r}: a name with a backslash cannot be written into the SQL")
    return "'" + text.replace("'", "''") + "'"


def _day(text: str | None) -> str:
    return "NULL" if text is None else str((date.fromisoformat(text) - EPOCH).days)


def _int(value: int | None) -> str:
    return "NULL" if value is None else str(int(value))


def per_token(text: str | None) -> str:
    """A price per 1M tokens → its per-token value as a literal that fits DECIMAL(19, 18)."""
    if text is None:
        return "NULL"
    value = Decimal(text).scaleb(-6)
    if value >= 10 or -value.as_tuple().exponent > 18:  # type: ignore[operator]
        raise UsageError(f"a price of {text} per 1M tokens does not fit the SQL price type ({PRICE_TYPE} per token)")
    return f"'{format(value, 'f')}'"


PRICE_FIELDS = (
    ("model", "text"),
    ("provider", "text"),
    ("region", "text"),
    ("currency", "text"),
    ("effective", "text"),
    ("effective_day", "BIGINT"),
    ("until_day", "BIGINT"),
    ("billing_offset", "BIGINT"),
    ("mode", "text"),
    ("band", "text"),
    ("input_over", "BIGINT"),
    ("up_to", "BIGINT"),
    ("output_over", "BIGINT"),
    ("output_up_to", "BIGINT"),
    ("clock", "text"),
    *((f"p_{name}", "price") for name in PRICE_COLUMNS),
    ("tod_offset", "BIGINT"),
    ("tod_days", "text"),
    ("tod_hours", "text"),
    ("tod_hours_are", "text"),
    ("tod_holidays", "text"),
)


def _values(row: dict[str, Any]) -> list[str]:
    return [
        quote(row["model"]),
        quote(row["provider"]),
        quote(row["region"]),
        quote(row["currency"]),
        quote(row["effective"]),
        _day(row["effective"]),
        _day(row["until"]),
        _int(row["billing_utc_offset"]),
        quote(row["mode"]),
        quote(row["band"]),
        _int(row["input_over"]),
        _int(row["up_to"]),
        _int(row["output_over"]),
        _int(row["output_up_to"]),
        quote(row["clock"]),
        *(per_token(row[name]) for name in PRICE_COLUMNS),
        _int(row["tod_utc_offset"]),
        quote(row["tod_days"]),
        quote(row["tod_hours"]),
        quote(row["tod_hours_are"]),
        quote(row["tod_holidays"]),
    ]


def price_table(d: Dialect) -> str:
    """CREATE TABLE prices, with the columns and types of ``prices_cte``."""
    types = {"text": d.text, "BIGINT": "BIGINT", "price": PRICE_TYPE}
    return "CREATE TEMP TABLE prices (" + ", ".join(f"{n} {types[k]}" for n, k in PRICE_FIELDS) + ")"


def price_tuples(rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows of ``price_table`` as Python values (per-token prices as Decimal)."""
    out = []
    for row in rows:
        values: list[Any] = []
        for literal, (_, kind) in zip(_values(row), PRICE_FIELDS):
            if literal == "NULL":
                values.append(None)
            elif kind == "text":
                values.append(literal[1:-1].replace("''", "'"))
            elif kind == "price":
                values.append(Decimal(literal[1:-1]))
            else:
                values.append(int(literal))
        out.append(tuple(values))
    return out


def prices_cte(d: Dialect, rows: Sequence[dict[str, Any]]) -> str:
    """The flat table as a typed relation (inline VALUES)."""
    columns = [name for name, _ in PRICE_FIELDS]
    if not rows:
        raise UsageError("no price rows to price with")
    values = ",\n    ".join("(" + ", ".join(_values(row)) + ")" for row in rows)
    casts = []
    for i, (name, kind) in enumerate(PRICE_FIELDS):
        sql_type = {"text": d.text, "BIGINT": "BIGINT", "price": PRICE_TYPE}[kind]
        casts.append(f"CAST(c{i} AS {sql_type}) AS {name}")
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    return f"SELECT {', '.join(casts)}\n  FROM (VALUES\n    {values}\n  ) AS v({aliases})"


def _minutes(text: str) -> tuple[int, int]:
    start, end = text.split("-")
    return tuple(int(part[:2]) * 60 + int(part[3:5]) for part in (start, end))  # type: ignore[return-value]


def off_peak_sql(
    d: Dialect, rows: Iterable[dict[str, Any]], calendars: dict[str, frozenset[date]], ts: str, p: str = "p"
) -> str:
    """Whether the record at Unix time ``ts`` is off-peak for the joined entry ``p``."""
    hours = sorted({r["tod_hours"] for r in rows if r["tod_hours"]})
    names = sorted({r["tod_holidays"] for r in rows if r["tod_holidays"]})
    local = f"({ts} + {p}.tod_offset * 60)"
    day = d.idiv(local, "86400")
    minute = d.idiv(f"{local} % 86400", "60")
    hour_cases = " ".join(
        f"WHEN {quote(h)} THEN "
        + " OR ".join(f"({minute} >= {a} AND {minute} < {b})" for a, b in map(_minutes, h.split()))
        for h in hours
    )
    in_hours = f"(CASE {p}.tod_hours {hour_cases} ELSE FALSE END)" if hours else "FALSE"
    holiday_cases = " ".join(
        f"WHEN {quote(n)} THEN {day} IN ({', '.join(str((x - EPOCH).days) for x in sorted(calendars.get(n, ())))})"
        for n in names
        if calendars.get(n)
    )
    holiday = f"(CASE {p}.tod_holidays {holiday_cases} ELSE FALSE END)" if holiday_cases else "FALSE"
    workday = f"((({day}) + 3) % 7 < 5 AND NOT {holiday})"
    in_window = f"(({p}.tod_days = 'all' OR {workday}) AND {in_hours})"
    return f"(CASE WHEN {p}.tod_hours_are = 'peak' THEN NOT {in_window} ELSE {in_window} END)"


def _core(
    d: Dialect,
    rows: Sequence[dict[str, Any]],
    calendars: dict[str, frozenset[date]],
    usage: str,
    groups: Sequence[str],
    what_if: Sequence[str],
    inline: bool = True,
) -> str:
    """CTEs ``prices``, ``u`` (the normalised records), ``g`` (each record's groups and whether it
    has a price), ``s`` (its scenarios), ``j`` (each scenario's price rows, with the tokens priced at
    each): the part both the engine and the warehouse query share."""
    scenarios = "\n".join(
        f"  UNION ALL SELECT {k} AS scenario, g.*, {quote(model)} AS price_model FROM g WHERE g.priced0"
        for k, model in enumerate(what_if, 1)
    )
    day0 = d.idiv("u.ts + m.billing_offset * 60", "86400")
    group_cols = []
    for name in groups:
        if name == "month":
            group_cols.append(f"{d.day_text(day0, month=True)} AS grp_month")
        elif name == "day":
            group_cols.append(f"{d.day_text(day0)} AS grp_day")
        elif name == "model":
            group_cols.append("u.model_id AS grp_model")
        elif name == "provider":
            group_cols.append("m.provider AS grp_provider")
        else:
            group_cols.append("u.project AS grp_project")
    groups_sql = "".join(f", {c}" for c in group_cols)
    dayp = d.idiv("s.ts + mp.billing_offset * 60", "86400")
    off = off_peak_sql(d, rows, calendars, "s.ts", "pe")
    graduated = "p.mode = 'graduated'"
    low = f"(CASE WHEN {graduated} THEN COALESCE(p.input_over, 0) ELSE 0 END)"
    high = f"(CASE WHEN {graduated} THEN LEAST(s.input_tokens, COALESCE(p.up_to, s.input_tokens))"
    high += " ELSE s.input_tokens END)"
    paid = "(s.cached_tokens + s.write_tokens)"
    prices = "" if not inline else f"prices AS (\n{prices_cte(d, rows)}\n),\n"
    return f"""{prices}models AS (SELECT DISTINCT model, provider, billing_offset FROM prices),
entries AS (SELECT DISTINCT model, region, effective_day, until_day, tod_offset, tod_days, tod_hours, tod_hours_are,
  tod_holidays FROM prices),
u AS ({usage}),
g AS (
  SELECT u.*, {day0} AS day0, e.model IS NOT NULL AS priced0{groups_sql}
  FROM u
  LEFT JOIN models m ON m.model = u.model_id
  LEFT JOIN entries e ON e.model = u.model_id AND (e.region = 'global' OR e.region = u.req_region)
    AND e.effective_day <= {day0} AND (e.until_day IS NULL OR {day0} < e.until_day)
),
s AS (
  SELECT 0 AS scenario, g.*, g.model_id AS price_model FROM g
{scenarios}
),
e AS (
  SELECT s.*, {dayp} AS day_p, pe.region AS e_region, pe.effective_day AS e_day,
    CASE WHEN pe.tod_hours IS NOT NULL THEN {off} ELSE FALSE END AS off
  FROM s
  LEFT JOIN models mp ON mp.model = s.price_model
  LEFT JOIN entries pe ON pe.model = s.price_model AND NOT s.bad
    AND (pe.region = 'global' OR pe.region = s.req_region)
    AND pe.effective_day <= {dayp} AND (pe.until_day IS NULL OR {dayp} < pe.until_day)
),
j AS (
  SELECT s.*, p.*,
    (p.mode <> 'graduated' OR p.up_to IS NULL OR s.input_tokens <= p.up_to) AS reached,
    {high} - {low}
      - GREATEST(0, LEAST(s.cached_tokens, {high}) - {low})
      - GREATEST(0, LEAST({paid}, {high}) - GREATEST(s.cached_tokens, {low})) AS slice_uncached,
    GREATEST(0, LEAST(s.cached_tokens, {high}) - {low}) AS slice_cached,
    GREATEST(0, LEAST({paid}, {high}) - GREATEST(s.cached_tokens, {low})) AS slice_write,
    s.reasoning_tokens > 0 AS thinking
  FROM e s
  LEFT JOIN prices p ON p.model = s.price_model AND p.region = s.e_region AND p.effective_day = s.e_day
    AND (p.input_over IS NULL OR s.input_tokens > p.input_over)
    AND (p.mode = 'graduated' OR p.up_to IS NULL OR s.input_tokens <= p.up_to)
    AND (p.output_over IS NULL OR s.output_tokens > p.output_over)
    AND (p.output_up_to IS NULL OR s.output_tokens <= p.output_up_to)
    AND (p.clock = '' OR p.clock = CASE
      WHEN s.batch AND p.p_batch_input IS NOT NULL AND p.p_batch_output IS NOT NULL THEN 'peak'
      WHEN s.off THEN 'off-peak' ELSE 'peak' END)
)"""


def _tokens(expr: str) -> str:
    return f"CAST({expr} AS {TOKEN_TYPE})"


COSTS = f"""
    CASE WHEN batch AND p_batch_input IS NOT NULL
      THEN p_batch_input * {_tokens("u_sum + c_sum + w_sum")} ELSE p_input * {_tokens("u_sum")} END AS input_cost,
    CASE WHEN batch AND p_batch_input IS NOT NULL THEN CAST(0 AS {AMOUNT_TYPE})
      ELSE COALESCE(p_cached_input, p_input) * {_tokens("c_sum")} END AS cached_cost,
    CASE WHEN batch AND p_batch_input IS NOT NULL THEN CAST(0 AS {AMOUNT_TYPE})
      ELSE COALESCE(p_cache_write, p_input) * {_tokens("w_sum")} END AS write_cost,
    CASE WHEN batch AND p_batch_output IS NOT NULL THEN p_batch_output * {_tokens("o_sum")}
      WHEN thinking AND p_reasoning_output IS NOT NULL THEN p_reasoning_output * {_tokens("o_sum")}
      ELSE p_output * {_tokens("o_sum")} END AS output_cost"""

CLASS_KEYS = (
    "model",
    "region",
    "currency",
    "effective",
    "band",
    "clock",
    "batch",
    "thinking",
    "reached",
    *(f"p_{name}" for name in PRICE_COLUMNS),
)


def engine_sql(
    rows: Sequence[dict[str, Any]],
    calendars: dict[str, frozenset[date]],
    usage: str,
    groups: Sequence[str],
    what_if: Sequence[str],
    inline: bool = True,
) -> str:
    """DuckDB: one row per class and price row (status 'priced'), and per kind of record not priced:
    'unknown' (a model name the book does not know), 'unpriced' (no price on its day: per model, region
    and day), 'bad' (a value DuckDB does not read as llmcost does: per file)."""
    d = Dialect("duckdb")
    status = "k.status"
    picked = [f"CASE WHEN {status} = 'priced' THEN grp_{name} END AS grp_{name}" for name in groups]
    picked += [f"{key}" for key in CLASS_KEYS if key not in ("batch", "thinking", "reached")]
    picked += [f"CASE WHEN {status} = 'priced' THEN {key} END AS {key}" for key in ("batch", "thinking", "reached")]
    picked += [
        "file_no",
        f"CASE WHEN {status} IN ('unknown', 'unpriced') THEN raw_model END AS raw_model",
        f"CASE WHEN {status} = 'unpriced' THEN price_model END AS price_model",
        f"CASE WHEN {status} = 'unpriced' THEN req_region END AS req_region",
        f"CASE WHEN {status} = 'unpriced' THEN day_p END AS miss_day",
    ]
    names = [p.split(" AS ")[-1] for p in picked]
    return f"""WITH {_core(d, rows, calendars, usage, groups, what_if, inline)},
k AS (
  SELECT CASE WHEN bad THEN 'bad' WHEN model_id IS NULL THEN 'unknown' WHEN model IS NULL THEN 'unpriced'
    ELSE 'priced' END AS status, *
  FROM j
),
agg AS (
  SELECT k.status, k.scenario, {", ".join(picked)},
    count(*) FILTER (WHERE k.status <> 'priced' OR reached) AS records,
    sum(CASE WHEN reached THEN input_tokens ELSE 0 END) AS input_sum,
    sum(CASE WHEN reached THEN output_tokens ELSE 0 END) AS o_sum,
    sum(CASE WHEN reached THEN cached_tokens ELSE 0 END) AS cached_sum,
    sum(CASE WHEN reached THEN write_tokens ELSE 0 END) AS write_sum,
    sum(CASE WHEN reached THEN reasoning_tokens ELSE 0 END) AS reasoning_sum,
    count(*) FILTER (WHERE reached AND cached_tokens > 0) AS with_cache,
    sum(slice_uncached) AS u_sum, sum(slice_cached) AS c_sum, sum(slice_write) AS w_sum
  FROM k
  GROUP BY ALL
)
SELECT status, scenario, {", ".join(names)}, records, input_sum, o_sum, cached_sum, write_sum, reasoning_sum,
  with_cache, u_sum, c_sum, w_sum, {COSTS.strip()}
FROM agg"""


def ident(d: Dialect, name: str) -> str:
    return f"`{name}`" if d.name == "spark" else f'"{name}"'


def names_cte(d: Dialect, names: dict[str, str]) -> str:
    """Model names as records write them (lowercase ids, aliases, API ids) → model ids."""
    pairs = sorted({(k.strip().lower(), v) for k, v in names.items()})
    values = ",\n    ".join(f"({quote(k)}, {quote(v)})" for k, v in pairs)
    return (
        f"names AS (SELECT CAST(c0 AS {d.text}) AS name, CAST(c1 AS {d.text}) AS model_id\n"
        f"  FROM (VALUES\n    {values}\n  ) AS v(c0, c1))"
    )


def warehouse_sql(
    dialect_name: str,
    book: PriceBook,
    rows: Sequence[dict[str, Any]],
    names: dict[str, str],
    *,
    table: str = "usage",
    groups: Sequence[str] = ("month", "model"),
    region: str = "cn",
) -> str:
    """The pricing query for a warehouse: ``table`` has the CSV columns (timestamp, model,
    input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, batch, region,
    project; the optional ones may be NULL). One row per group, model, price list and dated entry
    with the records, tokens and exact amounts in the list's currency; then one 'not priced' row per
    model name and region that has no price (an unknown name, or none on the record's day)."""
    d = dialect(dialect_name)
    col = {name: f"t.{ident(d, name)}" for name in ("timestamp", "model", "region", "batch", "project")}
    regions = " ".join(
        f"WHEN {quote(k)} THEN {quote(v)}"
        for k, v in (("cn", "cn"), ("mainland", "cn"), ("china", "cn"), ("intl", "intl"), ("international", "intl"))
    )
    flag = f"lower(trim(CAST({col['batch']} AS {d.text})))"
    usage = f"""SELECT 0 AS file_no, trim(CAST({col["model"]} AS {d.text})) AS raw_model, n.model_id,
    COALESCE(CASE lower(trim(CAST({col["region"]} AS {d.text}))) {regions} END, {quote(region)}) AS req_region,
    {d.unix_seconds(col["timestamp"])} AS ts,
    CAST(t.input_tokens AS BIGINT) AS input_tokens, CAST(t.output_tokens AS BIGINT) AS output_tokens,
    COALESCE(CAST(t.cached_tokens AS BIGINT), 0) AS cached_tokens,
    COALESCE(CAST(t.cache_write_tokens AS BIGINT), 0) AS write_tokens,
    COALESCE(CAST(t.reasoning_tokens AS BIGINT), 0) AS reasoning_tokens,
    COALESCE({flag} IN ('true', '1', 'yes', 'y', 't'), FALSE) AS batch,
    CAST({col["project"]} AS {d.text}) AS project, FALSE AS bad
  FROM {table} t
  LEFT JOIN names n ON n.name = lower(trim(CAST({col["model"]} AS {d.text})))"""
    grp = [f"grp_{g}" for g in groups]
    keys = ", ".join([*grp, *CLASS_KEYS])
    outer = ", ".join([*grp, "model", "region", "currency", "effective"])
    nulls = "".join("NULL, " for _ in grp)
    return f"""-- llmcost pricing SQL ({d.name}; groups: {", ".join(groups)}), generated from the flat price table
-- (llmcost prices export) of the book {book.digest[:12] or "in use"}. Amounts are exact DECIMALs in each
-- price list's currency (convert USD lines at your rate); records without a price are counted in
-- the 'not priced' rows, never dropped.
WITH {names_cte(d, names)},
prices AS (
{prices_cte(d, rows)}
),
{_core(d, rows, book.calendars, usage, groups, (), inline=False)},
classes AS (
  SELECT {keys},
    count(*) FILTER (WHERE reached) AS records,
    sum(CASE WHEN reached THEN input_tokens ELSE 0 END) AS input_sum,
    sum(CASE WHEN reached THEN output_tokens ELSE 0 END) AS o_sum,
    sum(CASE WHEN reached THEN cached_tokens ELSE 0 END) AS cached_sum,
    sum(CASE WHEN reached THEN write_tokens ELSE 0 END) AS write_sum,
    sum(CASE WHEN reached THEN reasoning_tokens ELSE 0 END) AS reasoning_sum,
    sum(slice_uncached) AS u_sum, sum(slice_cached) AS c_sum, sum(slice_write) AS w_sum
  FROM j WHERE model IS NOT NULL
  GROUP BY {keys}
),
costed AS (
  SELECT {outer}, records, input_sum, o_sum, cached_sum, write_sum, reasoning_sum, {COSTS.strip()}
  FROM classes
)
SELECT 'priced' AS status, {outer}, NULL AS record_model, NULL AS record_region,
  sum(records) AS records, sum(input_sum) AS input_tokens, sum(cached_sum) AS cached_tokens,
  sum(write_sum) AS cache_write_tokens, sum(o_sum) AS output_tokens, sum(reasoning_sum) AS reasoning_tokens,
  sum(input_cost) AS input_cost, sum(cached_cost) AS cached_input_cost, sum(write_cost) AS cache_write_cost,
  sum(output_cost) AS output_cost
FROM costed
GROUP BY {outer}
UNION ALL
SELECT 'not priced' AS status, {nulls}NULL, NULL, NULL, NULL, raw_model, req_region,
  count(*), sum(input_tokens), sum(cached_tokens), sum(write_tokens), sum(output_tokens), sum(reasoning_tokens),
  NULL, NULL, NULL, NULL
FROM j WHERE model IS NULL
GROUP BY raw_model, req_region
ORDER BY 1 DESC, 2, 3, 4, 5"""
