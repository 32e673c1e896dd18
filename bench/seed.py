#!/usr/bin/env python3
"""Generates the benchmark's data set as SQL files for
`wrangler d1 execute DB --local --file FILE`.

A deterministic simulation of a PayBook deployment (same seed, same data):
every client registers and receives an initiation title of 1.00, then trades
happen one after the other, each on an active title, following the purchase
rules of the specification (section 5): the buyer pays X; when X >= V the
title passes with the value (X * (100 + r) + 50) div 100, when X < V the
seller keeps V - X and a new title (a split, with its new ISIN) goes to the
buyer. Every trade references its processed order. Only the final state of
each title is written (holder, value, version), as the platform would hold it.

    python3 bench/seed.py OUT_DIR [--clients 1000] [--titles 5000]
                                  [--trades 50000] [--file-bytes 3000000]

Writes OUT_DIR/NN-<table>.sql (ordered so that foreign keys hold when the
files run in name order) and OUT_DIR/seed.json (counts, files, the ISIN with
the most trades for `/titles/{isin}`). Python 3 standard library only.
"""

import argparse
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_AMOUNT_CENTS = 1_000_000  # MAX_AMOUNT 10000.00
MIN_AMOUNT_CENTS = 100  # MIN_AMOUNT 1.00
INITIAL_CENTS = 100  # INITIAL_TITLE_VALUE 1.00
# D1 refuses statements over 100,000 bytes. Smaller is much faster here:
# wrangler's SQL splitter (d1/splitter.ts) runs a `$`-anchored regex over the
# statement read so far after every character, so its time grows with the
# square of a statement's length (90 KB statements: ~10 s per 3 MB file;
# 8 KB statements: about 1 s, its linear part).
STATEMENT_BYTES = 8_000


def isin_check_digit(body):
    """ISO 6166: letters become two digits (A=10 .. Z=35), then Luhn."""
    digits = []
    for c in body:
        n = ALNUM.index(c)
        digits.extend(int(d) for d in str(n))
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            total += d // 10 + d % 10
        else:
            total += d
    return (10 - total % 10) % 10


def base36(n, width, alphabet=ALNUM):
    out = []
    for _ in range(width):
        n, r = divmod(n, 36)
        out.append(alphabet[r])
    if n:
        raise ValueError("number too large for width")
    return "".join(reversed(out))


def make_isin(n):
    # ZZ + "B" (bench) + 8 base-36 characters + check digit: never collides
    # with another seeded ISIN; a random platform ISIN matching one of these
    # is as likely as any other collision (the platform checks `isins`).
    body = "ZZB" + base36(n, 8)
    return body + str(isin_check_digit(body))


def ts(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def sql_value(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


class Writer:
    """Multi-row INSERTs, statements under STATEMENT_BYTES, files under
    file_bytes; files numbered in the order they must run."""

    def __init__(self, out_dir, file_bytes):
        self.out_dir = out_dir
        self.file_bytes = file_bytes
        self.files = []
        self.number = 0
        self.handle = None
        self.size = 0

    def _open(self, table):
        if self.handle:
            self.handle.close()
        self.number += 1
        path = os.path.join(self.out_dir, f"{self.number:02d}-{table}.sql")
        self.files.append(path)
        self.handle = open(path, "w", encoding="utf-8")
        self.size = 0

    def table(self, table, columns, rows):
        self._open(table)
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n"
        statement = []
        length = len(head)
        count = 0
        for row in rows:
            tuple_text = "(" + ", ".join(sql_value(v) for v in row) + ")"
            if statement and length + len(tuple_text) + 3 > STATEMENT_BYTES:
                self._flush(head, statement, table)
                statement, length = [], len(head)
            statement.append(tuple_text)
            length += len(tuple_text) + 2
            count += 1
        if statement:
            self._flush(head, statement, table)
        return count

    def _flush(self, head, statement, table):
        text = head + ",\n".join(statement) + ";\n"
        if self.size and self.size + len(text) > self.file_bytes:
            self._open(table)
        self.handle.write(text)
        self.size += len(text)

    def close(self):
        if self.handle:
            self.handle.close()


def write_ledger(out_dir, number):
    """The ledger's entries for the seeded trades, as migration 0015 enters
    them for a deployment that traded before it: its own INSERT (read from
    the migration, so that it cannot drift), unsealed (hash NULL), which
    the schema allows since migration 0019; the Worker seals the entries on
    the first /ledger request (scripts/bench makes it before measuring).
    Returns the file, or None when the migration is not where expected."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "migrations",
                        "0015_ledger.sql")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    insert = code[code.index("INSERT INTO ledger"):]
    insert = insert[:insert.index(";") + 1]
    name = os.path.join(out_dir, f"{number:02d}-ledger.sql")
    with open(name, "w", encoding="utf-8") as f:
        f.write(insert + "\n")
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--titles", type=int, default=5000)
    parser.add_argument("--trades", type=int, default=50000)
    parser.add_argument("--file-bytes", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=6166)
    args = parser.parse_args()
    if args.titles < args.clients:
        sys.exit("seed: --titles must be at least --clients (one initiation title each)")
    splits_wanted = args.titles - args.clients
    if splits_wanted > args.trades:
        sys.exit("seed: more split titles than trades")
    os.makedirs(args.out_dir, exist_ok=True)
    for name in os.listdir(args.out_dir):
        if name.endswith(".sql"):
            os.remove(os.path.join(args.out_dir, name))

    rng = random.Random(args.seed)
    domains = ["example.org", "example.com", "example.net", "mail.example", "post.example"]
    first_names = ["alice", "bob", "chloe", "david", "emma", "farid", "gina", "hugo", "ines",
                   "jules", "karim", "lea", "marc", "nora", "oscar", "paula", "quentin", "rosa",
                   "sami", "tess", "ugo", "vera", "willy", "xena", "yanis", "zoe"]

    # --- clients, as registered in October 2025 ------------------------------
    start = datetime(2025, 10, 1, tzinfo=timezone.utc)
    clients = []  # (id, email, language, created_at, api_username, payer_id)
    for i in range(1, args.clients + 1):
        created = start + timedelta(seconds=rng.randrange(0, 30 * 86400))
        name = rng.choice(first_names)
        email = f"{name}.{i:05d}@{rng.choice(domains)}"
        language = "fr" if rng.random() < 0.35 else "en"
        clients.append({
            "id": i,
            "email": email,
            "language": language,
            "created_at": ts(created),
            "created": created,
            "api_username": f"{name}.{i:05d}_api1.{i:05d}.bench.example",
            "payer_id": "B" + base36(i, 12),
        })
    clients.sort(key=lambda c: c["created"])  # ids follow registration order
    for new_id, c in enumerate(clients, start=1):
        c["id"] = new_id

    # --- titles: one initiation title per client ----------------------------
    titles = []  # dicts; index + 1 = id
    isin_counter = 0

    def new_title(holder, value, issued_at, issued_by, parent=None, order_id=None):
        nonlocal isin_counter
        isin_counter += 1
        t = {
            "id": len(titles) + 1,
            "isin": make_isin(isin_counter * 7919 % (36 ** 8)),
            "value": value,
            "holder": holder,
            "issued_at": issued_at,
            "issued_by": issued_by,
            "parent": parent,
            "order_id": order_id,
            "version": 1,
            "updated_at": issued_at,
            "trades": 0,
        }
        titles.append(t)
        return t

    for c in clients:
        new_title(c["id"], INITIAL_CENTS, c["created_at"], "initiation")

    # --- trades, one after the other from November 2025 ---------------------
    def profit_rate():
        x = rng.random()
        if x < 0.25:
            return 0
        if x < 0.65:
            return rng.randrange(1, 11)
        if x < 0.92:
            return rng.randrange(11, 31)
        return rng.choice([50, 75, 100])

    orders, trades = [], []
    clock = datetime(2025, 11, 1, tzinfo=timezone.utc)
    span = 360 * 86400
    mean_gap = span / args.trades
    splits_done = 0
    order_counter = 0
    for n in range(args.trades):
        remaining = args.trades - n
        splits_left = splits_wanted - splits_done
        must_split = splits_left > 0 and splits_left >= remaining
        # A title to trade: popular titles trade more (a few are hot).
        for _attempt in range(10_000):
            if rng.random() < 0.1:
                t = titles[int(len(titles) * rng.random() ** 3)]
            else:
                t = rng.choice(titles)
            v = t["value"]
            if must_split and v < MIN_AMOUNT_CENTS * 2:
                continue  # cannot be split: pick another
            break
        if v > MAX_AMOUNT_CENTS:
            want_split = True  # only bought in parts
        elif v < MIN_AMOUNT_CENTS * 2 or splits_left <= 0:
            want_split = False
        else:
            want_split = must_split or rng.random() < 1.5 * splits_left / remaining
        seller = t["holder"]
        buyer = rng.randrange(1, args.clients + 1)
        while buyer == seller:
            buyer = rng.randrange(1, args.clients + 1)
        rate = profit_rate()
        clock += timedelta(seconds=max(1, int(rng.expovariate(1 / mean_gap))))
        at = ts(clock)
        created = ts(clock - timedelta(seconds=rng.randrange(20, 900)))
        order_counter += 1
        order_id = "bn" + base36(order_counter * 104729 % (36 ** 10), 10, LOWER)
        previous = v
        version_before = t["version"]
        if want_split:
            x = rng.randrange(MIN_AMOUNT_CENTS, min(v, MAX_AMOUNT_CENTS + 1))
            new_value = (x * (100 + rate) + 50) // 100
            seller_value = v - x
            t["value"] = seller_value
            t["version"] += 1
            t["updated_at"] = at
            child = new_title(buyer, new_value, at, "split", parent=t["id"], order_id=order_id)
            child["trades"] += 1
            new_title_id, new_isin = child["id"], child["isin"]
            order_new_isin = new_isin
            splits_done += 1
        else:
            x = v if rng.random() < 0.6 else min(MAX_AMOUNT_CENTS, v + rng.randrange(0, max(1, v // 5) + 1))
            x = max(x, MIN_AMOUNT_CENTS)
            new_value = (x * (100 + rate) + 50) // 100
            seller_value = None
            t["value"] = new_value
            t["holder"] = buyer
            t["version"] += 1
            t["updated_at"] = at
            new_title_id, new_isin = t["id"], t["isin"]
            order_new_isin = None
        t["trades"] += 1
        buyer_c = clients[buyer - 1]
        seller_c = clients[seller - 1]
        orders.append((
            order_id, buyer, seller, t["id"], t["isin"], version_before, previous, x, "EUR",
            rate, new_value, order_new_isin, 2, "done", "paypal", "emulator", 1,
            buyer_c["language"], "EC-" + base36(order_counter, 17),
            buyer_c["payer_id"], 1, base36(order_counter * 15485863 % (36 ** 17), 17),
            seller_c["payer_id"], created, at,
        ))
        trades.append((
            n + 1, order_id, at, t["id"], t["isin"], x, "EUR", rate, buyer, seller,
            new_title_id, new_isin, new_value, seller_value, previous, "processed",
        ))

    # --- write ---------------------------------------------------------------
    w = Writer(args.out_dir, args.file_bytes)
    counts = {}
    counts["clients"] = w.table(
        "clients",
        ["id", "email", "password_hash", "language", "psp_environment", "created_at"],
        ((c["id"], c["email"], "pbkdf2-sha256$100000$YmVuY2hzYWx0$YmVuY2ggY2xpZW50IG5ldmVyIGxvZ3MgaW4=",
          c["language"], "emulator", c["created_at"]) for c in clients),
    )
    # Each client's PayPal receiving account (migration 0011), version 1.
    counts["psp_accounts"] = w.table(
        "psp_accounts",
        ["client_id", "provider", "version", "public_ref", "sealed_secret", "created_at"],
        ((c["id"], "paypal", 1, c["api_username"], "bench: not sealed, this client never sells",
          c["created_at"]) for c in clients),
    )
    counts["isins"] = w.table(
        "isins", ["isin", "reserved_at"], ((t["isin"], t["issued_at"]) for t in titles)
    )
    counts["titles"] = w.table(
        "titles",
        ["id", "isin", "value_cents", "currency", "holder_id", "issued_at", "issued_by",
         "parent_title_id", "issuing_order_id", "version", "status", "disputed", "updated_at"],
        ((t["id"], t["isin"], t["value"], "EUR", t["holder"], t["issued_at"], t["issued_by"],
          t["parent"], t["order_id"], t["version"], "active", 0, t["updated_at"]) for t in titles),
    )
    counts["orders"] = w.table(
        "orders",
        ["id", "buyer_id", "seller_id", "title_id", "isin", "title_version", "title_value_cents",
         "amount_cents", "currency", "profit_rate", "new_value_cents", "new_isin", "code",
         "substate", "psp", "psp_environment", "seller_credentials_version", "buyer_language",
         "psp_token", "psp_payer_id", "attempt", "psp_transaction_id", "psp_receiver_id",
         "created_at", "updated_at"],
        orders,
    )
    counts["trades"] = w.table(
        "trades",
        ["id", "order_id", "at", "title_id", "isin", "amount_cents", "currency", "profit_rate",
         "buyer_id", "seller_id", "new_title_id", "new_isin", "new_value_cents",
         "seller_value_cents", "previous_value_cents", "status"],
        trades,
    )
    w.close()
    ledger_file = write_ledger(args.out_dir, len(w.files) + 1)
    if ledger_file:
        w.files.append(ledger_file)
        counts["ledger"] = len(trades)

    busiest = max(titles, key=lambda t: (t["trades"], -t["id"]))
    meta = {
        "seed": args.seed,
        "counts": counts,
        "files": [os.path.basename(f) for f in w.files],
        "bytes": sum(os.path.getsize(f) for f in w.files),
        "title_isin": busiest["isin"],
        "title_trades": busiest["trades"],
        "first_trade_at": trades[0][2] if trades else None,
        "last_trade_at": trades[-1][2] if trades else None,
    }
    with open(os.path.join(args.out_dir, "seed.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    json.dump(meta, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
