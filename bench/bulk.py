"""Writing model rows in bulk, faster than ``bulk_create`` can.

``bulk_create`` builds a model instance per row and prepares every value through its
field: about half a millisecond per product page, so a minute for 100,000, and it
refuses multi-table models (``ProductPage`` is one). Here rows are plain dicts keyed by
column attribute name, completed with the fields' static defaults, and sent with
PostgreSQL's ``COPY`` (seconds for 100,000 rows, most of it the tables' own index
upkeep); other databases get one
``executemany`` with values prepared by the fields themselves (slower, but correct).
Ids are taken from the table's own sequence first, so callers know them without a
read-back.
"""

import datetime
import decimal
import io
import json
import uuid

from django.db import connection


class MissingValue(Exception):
    """A row left out a column that has no static default and may not be NULL."""


def allocate_ids(model, count):
    """``count`` fresh primary keys for ``model``, drawn from its sequence."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # One writer (the bench) on the other databases: continue after the largest id.
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) FROM {table}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def _columns(model):
    """The model's local columns, and the value of each one a row may leave out."""
    fields = model._meta.local_concrete_fields
    fills = {}
    for field in fields:
        if field.has_default() and not callable(field.default):
            fills[field.attname] = field.default
        elif field.default in (dict, list):
            # JSONField(default=dict): a fresh empty value is the same for every row.
            fills[field.attname] = field.default()
        elif field.null:
            fills[field.attname] = None
    return fields, fills


def _value(model, row, name, fills):
    try:
        return row[name] if name in row else fills[name]
    except KeyError:
        raise MissingValue(f"{model.__name__}.{name} has no default: give it in every row") from None


def write_rows(model, rows):
    """Insert ``rows`` (dicts of attribute name -> value) into ``model``'s own table."""
    if not rows:
        return
    fields, fills = _columns(model)
    if connection.vendor == "postgresql":
        _copy(model, fields, fills, rows)
    else:
        _executemany(model, fields, fills, rows)


def _copy_text(value):
    """A value in COPY's text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(model, fields, fills, rows):
    buffer = io.StringIO()
    names = [field.attname for field in fields]
    for row in rows:
        buffer.write("\t".join(_copy_text(_value(model, row, name, fills)) for name in names))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        # psycopg2's own cursor under Django's wrapper: COPY has no Django API.
        cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)


def _executemany(model, fields, fills, rows):
    names = [field.attname for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [
        [
            field.get_db_prep_save(_value(model, row, name, fills), connection)
            for field, name in zip(fields, names, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({placeholders})",  # noqa: S608
            values,
        )
