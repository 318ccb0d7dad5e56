"""PostgreSQL, the engine behind ``--database-url``: connect, load, read, and guard queries.

Everything lives in one schema, ``her2db``, that only ``her2db load`` creates: it carries a
comment naming it ours (the counterpart of SQLite's ``application_id``), and a load refuses to
replace a schema without that mark. A load builds the new tables in a fresh schema and swaps it
for the old one in the same transaction, so a failed load leaves the previous data untouched and
readers never see a half-loaded database. Readers connect with ``search_path = her2db`` in
read-only transactions, so the named queries and the public views run unchanged.

psycopg is imported only here and only when a URL is given: ``her2db query`` on SQLite never
pays for it. Secrets in a URL are never echoed: every message goes through ``mask``.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from .target import BadDatabaseUrl, DatabaseMissing, DatabaseUrlError

if TYPE_CHECKING:
    import psycopg


SCHEMA = "her2db"
NEW_SCHEMA = "her2db_new"
MARK = "her2db: built by `her2db load`, replaced by every load. Do not store anything else here."
SQL_DIR = Path(__file__).resolve().parent / "sql"
FUNCTIONS_SQL = SQL_DIR / "pg_functions.sql"
LOCK_KEY = 0x48455232  # the advisory lock that serialises loads into one database ("HER2")
SCHEMES = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2", "postgresql+pg8000",
           "postgresql+asyncpg"}


class NotOurSchema(Exception):
    """The schema a load would replace was not created by her2db."""


# --- URLs ----------------------------------------------------------------------------------


def mask(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` parameter) as ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = userinfo.split(":", 1)[0] + ":***@" + host
    query = "&".join(f"{pair.split('=', 1)[0]}=***" if unquote(pair.split("=", 1)[0]).lower() == "password"
                     else pair for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secrets(url: str) -> list[str]:
    """The password of ``url`` as written and decoded, for scrubbing from server messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [v for k, v in parse_qsl(parts.query) if k.lower() == "password"]
    if parts.password:
        found += [parts.password, unquote(parts.password)]
    return [s for s in found if s]


def scrub(text: str, url: str) -> str:
    """``text`` without the URL's password anywhere in it, and the URL itself masked."""
    text = text.replace(url, mask(url))
    for secret in sorted(_secrets(url), key=len, reverse=True):
        if len(secret) >= 4:  # a shorter one would garble the message (servers do not echo passwords)
            text = text.replace(secret, "***")
    return text


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def libpq_url(url: str) -> str:
    """The URL as libpq reads it: SQLAlchemy's ``postgresql+driver://`` becomes ``postgresql://``."""
    scheme = scheme_of(url)
    if scheme not in SCHEMES:
        raise BadDatabaseUrl(f"{mask(url)} is not a URL of a supported engine "
                             "(postgresql://user:password@host:port/dbname, or sqlite:///path/to/file.sqlite)")
    return "postgresql://" + url.split("://", 1)[1]


def sqlalchemy_url(url: str) -> str:
    """The URL with the driver this package installs (psycopg 3)."""
    return "postgresql+psycopg://" + libpq_url(url).split("://", 1)[1]


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise DatabaseUrlError("PostgreSQL needs the psycopg driver: pip install 'her2db[postgres]'") from exc
    return psycopg


def _connect(url: str, settings: str = "") -> psycopg.Connection[Any]:
    """A psycopg connection, with server ``settings`` (``-c name=value ...``) added to the
    URL's own ``options``; or a ``DatabaseUrlError`` that says why not (password masked)."""
    psycopg = _psycopg()
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(libpq_url(url))
        params.setdefault("connect_timeout", 10)
        if settings:
            params["options"] = f"{params.get('options') or ''} {settings}".strip()
        return psycopg.connect(**params)
    except psycopg.ProgrammingError as exc:  # libpq could not parse the URL
        reason = " ".join(str(exc).split())
        raise BadDatabaseUrl(scrub(f"malformed database URL {mask(url)}: {reason}", url)) from exc
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseUrlError(scrub(f"cannot connect to {mask(url)}: {reason}", url)) from exc
    except ValueError as exc:  # malformed port and the like, found while parsing
        raise BadDatabaseUrl(scrub(f"malformed database URL {mask(url)}: {exc}", url)) from exc


def _schema_mark(conn: Any, schema: str) -> str | None:
    """The comment of ``schema`` ('' if it has none), or None if there is no such schema."""
    row = conn.execute("SELECT coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace "
                       "WHERE nspname = %(schema)s", {"schema": schema}).fetchone()
    return None if row is None else row[0]


# --- reading -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as SQLite would give it, so both engines print the same rows: booleans as 0/1,
    exact numerics as int or float (types with a text form, such as dates or JSON, arrive as
    the server prints them: ``TEXT_TYPES``)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and value.is_finite() else float(value)
    if isinstance(value, memoryview):
        return bytes(value)
    if value is None or isinstance(value, (str, int, float, bytes)):
        return value
    return str(value)


TEXT_TYPES = ("date", "time", "timetz", "timestamp", "timestamptz", "interval", "json", "jsonb", "uuid",
              "inet", "cidr", "money")
"""Types read as the text the server prints ('2026-11-30', '1 day', '{"a":1}')."""


class Row(tuple[Any, ...]):
    """A row readable by position and by column name, like ``sqlite3.Row``."""

    _names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._names[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Row]:
    names: dict[str, int] = {}
    for i, column in enumerate(cursor.description or []):
        names.setdefault(column.name, i)  # a repeated name reads its first column, as in sqlite3

    def make(values: Sequence[Any]) -> Row:
        row = Row(_plain(v) for v in values)
        row._names = names
        return row

    return make


_PLACEHOLDERS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(?:\w*)\$.*?\$(?:\w*)\$|--[^\n]*|::|:(\w+)|%",
                           re.DOTALL)


def paramstyle(sql: str) -> str:
    """SQLite's ``:name`` placeholders as psycopg's ``%(name)s``, ``%`` doubled; string
    literals (also dollar-quoted), quoted names, comments and ``::`` casts left alone."""
    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if match.group(1):
            return f"%({match.group(1)})s"
        return text.replace("%", "%%")

    return _PLACEHOLDERS.sub(replace, sql)


class Connection:
    """A read-only PostgreSQL connection with the sqlite3 methods the package uses
    (``execute(sql, params)``, rows by index and name, ``close``)."""

    def __init__(self, raw: psycopg.Connection[Any], url: str) -> None:
        self.raw = raw
        self.url = url

    def execute(self, sql: str, params: dict[str, Any] | Sequence[Any] = ()) -> Any:
        cursor = self.raw.cursor(row_factory=_row_factory)
        try:
            if params:
                cursor.execute(paramstyle(sql), params)
            else:
                cursor.execute(sql)
        finally:
            self.raw.rollback()  # one read-only transaction per statement; results stay in the cursor
        return cursor

    def close(self) -> None:
        self.raw.close()


def connect_readonly(url: str) -> Connection:
    """A connection whose transactions are read-only (``default_transaction_read_only``), on
    the ``her2db`` schema; ``DatabaseMissing`` if no load has created it."""
    raw = _connect(url, f"-c default_transaction_read_only=on -c search_path={SCHEMA}")
    raw.read_only = True
    from psycopg.types.string import TextLoader

    for name in TEXT_TYPES:
        raw.adapters.register_loader(name, TextLoader)
    try:
        mark = _schema_mark(raw, SCHEMA)
        raw.rollback()
    except BaseException:
        raw.close()
        raise
    if mark is None or not mark.startswith(MARK):
        raw.close()
        raise DatabaseMissing(f"{mask(url)} has no her2db schema; run `her2db load --database-url ...` first")
    return Connection(raw, url)


# --- loading -------------------------------------------------------------------------------


def stored_digest(url: str) -> str | None:
    """The sources digest of the last load, or None when the database has no her2db schema."""
    conn = _connect(url)
    try:
        mark = _schema_mark(conn, SCHEMA)
        return mark[len(MARK):].strip() if mark is not None and mark.startswith(MARK) else None
    finally:
        conn.close()


def check_target(url: str) -> None:
    """Fail early, before validating a corpus, when the server cannot be reached or holds a
    her2db schema we did not create (``write_database`` checks again in its transaction)."""
    conn = _connect(url)
    try:
        for schema in (SCHEMA, NEW_SCHEMA):
            _check_schema(conn, schema, url)
    finally:
        conn.close()


def _check_schema(conn: Any, schema: str, url: str) -> None:
    mark = _schema_mark(conn, schema)
    if mark is not None and not mark.startswith(MARK):
        raise NotOurSchema(f"schema {schema} in {mask(url)} was not created by her2db; refusing to "
                           "replace it (use another database, or drop or rename that schema)")


def write_database(rows: Any, url: str, digest: str = "") -> None:
    """Create the tables, helper functions and public views in a new schema, insert ``rows``,
    then replace the ``her2db`` schema with it, all in one transaction. Text columns use the
    "C" collation so that ORDER BY sorts as SQLite does, whatever the server's locale."""
    from sqlalchemy import MetaData, String, create_engine
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from .sqlite import VIEWS_SQL

    metadata = MetaData()
    tables = {}
    for table in rows:
        copy = table.to_metadata(metadata, schema=NEW_SCHEMA)
        for column in copy.columns:
            kind = getattr(column.type, "impl", column.type)  # SQLModel's AutoString wraps String
            if isinstance(kind, String):
                column.type = String(kind.length, collation="C")
        tables[table] = copy
    engine = create_engine(sqlalchemy_url(url), connect_args={"connect_timeout": 10})
    try:
        with engine.begin() as conn:
            raw: Any = conn.connection.driver_connection  # the psycopg connection of the transaction
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            _check_schema(raw, SCHEMA, url)
            _check_schema(raw, NEW_SCHEMA, url)
            raw.execute(f"DROP SCHEMA IF EXISTS {NEW_SCHEMA} CASCADE")
            raw.execute(f"CREATE SCHEMA {NEW_SCHEMA}")
            raw.execute(f"COMMENT ON SCHEMA {NEW_SCHEMA} IS {_literal(MARK)}")
            raw.execute(f"SET LOCAL search_path TO {NEW_SCHEMA}")
            raw.execute(FUNCTIONS_SQL.read_text(encoding="utf-8"))
            metadata.create_all(conn)
            for table, copy in tables.items():
                if rows[table]:
                    conn.execute(copy.insert(), rows[table])
            raw.execute(VIEWS_SQL.read_text(encoding="utf-8"))
            raw.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            raw.execute(f"ALTER SCHEMA {NEW_SCHEMA} RENAME TO {SCHEMA}")
            raw.execute(f"COMMENT ON SCHEMA {SCHEMA} IS {_literal(f'{MARK} {digest}'.strip())}")
    except (DBAPIError, _psycopg().Error) as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise DatabaseUrlError(scrub(f"loading into {mask(url)} failed, nothing was changed: {reason}", url)) \
            from exc
    except SQLAlchemyError as exc:
        raise DatabaseUrlError(scrub(f"cannot use {mask(url)}: {exc}", url)) from exc
    finally:
        engine.dispose()


def _literal(text: str) -> str:
    """A constant of ours as an SQL string literal (COMMENT takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"
