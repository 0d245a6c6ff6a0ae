#!/usr/bin/env python3
"""Recompute a transparency-log leaf hash from an mt_events row, with the Python standard library only.

Reads one row as JSON on stdin, as PostgreSQL prints it:

    psql "$GOVERNANCE_DB" -tAc "select row_to_json(r) from (select seq_id, id, stream_id, version, type, timestamp,
        correlation_id, data from governance.mt_events where seq_id = 42) r" | python3 docs/transparency-log-leaf.py

and prints the leaf hash in hex: SHA-256(0x00 || JCS(entry)) (RFC 6962 section 2.1, RFC 8785), where entry is
{"seq","id","stream","version","type","timestamp","correlationId","data"}, timestamp in UTC with microseconds and data
the stored jsonb re-canonicalised. With --canonical it prints the canonical entry instead. Compare the hash with
governance.tlog_leaves.hash (select encode(hash, 'hex') from governance.tlog_leaves where seq_id = 42) or with the
leafHash of GET /api/v1/transparency-log/events/42/inclusion (base64 there).
"""
import datetime
import hashlib
import json
import math
import sys


def es_number(value):
    """A JSON number as ECMAScript's Number::toString writes the IEEE 754 double it denotes (RFC 8785 section 3.2.2.3)."""
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError("RFC 8785 refuses NaN and infinities")
    if number == 0:
        return "0"
    if number < 0:
        return "-" + es_number(-number)
    text = repr(number)  # the shortest decimal that reads back as the same double
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent or 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(e)}"


def jcs(value):
    """The RFC 8785 canonical text of a JSON value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return es_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))  # UTF-16 code unit order
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"not JSON: {value!r}")


def reject_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a property name is given twice (not I-JSON)")
    return dict(pairs)


def entry_of(row):
    """The leaf's entry object from a row of mt_events (column names as PostgreSQL's row_to_json writes them)."""
    stored = datetime.datetime.fromisoformat(row["timestamp"]).astimezone(datetime.timezone.utc)
    data = row["data"]
    if isinstance(data, str):  # the jsonb column read as text
        data = json.loads(data, object_pairs_hook=reject_duplicates)
    return {
        "seq": row["seq_id"],
        "id": row["id"].lower(),
        "stream": row["stream_id"],
        "version": row["version"],
        "type": row["type"],
        "timestamp": stored.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "correlationId": row.get("correlation_id"),
        "data": data,
    }


def main():
    row = json.loads(sys.stdin.read(), object_pairs_hook=reject_duplicates)
    canonical = jcs(entry_of(row)).encode("utf-8")
    if "--canonical" in sys.argv[1:]:
        sys.stdout.write(canonical.decode("utf-8") + "\n")
    else:
        print(hashlib.sha256(b"\x00" + canonical).hexdigest())


if __name__ == "__main__":
    main()
