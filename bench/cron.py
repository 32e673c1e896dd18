#!/usr/bin/env python3
"""The benchmark's cron measurement (Python 3 standard library only;
loopback only). PayBook is served through bench/cron-entry.js (its D1
binding counted) by `wrangler dev --test-scheduled`.

    cron.py sellers BASE_URL --sellers 20
        Registers SELLERS members through the real flow (PayPal emulator
        accounts, /register): each holds an initiation title and sealed
        credentials, as the cron needs to ask PayPal about their orders.

    cron.py sql OUT_FILE --orders 10000
        Writes the SQL that makes ORDERS due orders for those sellers: each
        an order still awaiting its buyer two days after its checkout began
        (past PENDING_TTL_HOURS), its EC token a real checkout of the PayPal
        emulator, created two days ago (expired: PayPal answers 10411). The
        cron asks PayPal (GetExpressCheckoutDetails) about each and fails it
        as unpaid: the commonest backlog after an outage of the return.

    cron.py run BASE_URL --runs 30 [--interval-minutes 5] [--out FILE]
        Triggers the scheduled handler (`/__scheduled`) up to RUNS times,
        or until nothing is due: per run its D1 batches and statements (as
        counted by the entry), its time (the request's, start to end), the
        orders resolved; then the runs a backlog of that size needs and how
        long that takes at the configured cron interval. Prints (and writes
        to --out) JSON.
"""

import argparse
import json
import math
import sys
import threading
import time
import urllib.request

from purchases import User, percentile

SELLER_PREFIX = "cron-seller"


def get_json(url, timeout=600):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def sellers(args):
    stamp = time.strftime("%H%M%S")
    errors = []

    def one(i):
        try:
            User(args.base_url, f"{SELLER_PREFIX}{i}.{stamp}@bench.example",
                 f"10.95.{i // 250}.{i % 250 + 1}").register()
        except Exception as e:  # noqa: BLE001 - reported
            errors.append(str(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.sellers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print("cron: registering sellers: " + "; ".join(errors[:3]), file=sys.stderr)
        return 1
    return 0


SQL = """\
-- Due orders for the benchmark's cron measurement (bench/cron.py).
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}),
s AS (SELECT ROW_NUMBER() OVER (ORDER BY c.id) - 1 AS k, c.id AS client_id, ea.id AS account_id
      FROM clients c JOIN emulator_accounts ea ON ea.email = c.email
      WHERE c.email LIKE '{prefix}%'),
m AS (SELECT count(*) AS sellers FROM s)
INSERT INTO emulator_checkouts (token, receiver_account_id, amount_cents, currency, return_url,
                                cancel_url, created_at)
SELECT 'EC-' || printf('%017d', n.i), s.account_id, 100, 'EUR',
       'http://127.0.0.1/psp/paypal/return', 'http://127.0.0.1/psp/paypal/cancel', '{at}'
FROM n, m JOIN s ON s.k = n.i % m.sellers;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last}),
s AS (SELECT ROW_NUMBER() OVER (ORDER BY c.id) - 1 AS k, c.id AS client_id, c.language,
             pa.version AS account_version, t.id AS title_id, t.isin, t.version AS title_version,
             t.value_cents
      FROM clients c
      JOIN psp_accounts pa ON pa.client_id = c.id AND pa.provider = 'paypal'
           AND pa.version = (SELECT MAX(version) FROM psp_accounts p2
                             WHERE p2.client_id = c.id AND p2.provider = 'paypal')
      JOIN titles t ON t.holder_id = c.id AND t.issued_by = 'initiation'
      WHERE c.email LIKE '{prefix}%'),
m AS (SELECT count(*) AS sellers FROM s)
INSERT INTO orders (id, buyer_id, seller_id, title_id, isin, title_version, title_value_cents,
                    amount_cents, currency, profit_rate, new_value_cents, code, substate, psp,
                    psp_environment, seller_credentials_version, buyer_language, psp_token,
                    created_at, updated_at)
SELECT 'bcron' || printf('%010d', n.i), b.client_id, s.client_id, s.title_id, s.isin,
       s.title_version, s.value_cents, s.value_cents, 'EUR', 0, s.value_cents, 0,
       'awaiting_buyer', 'paypal', 'emulator', s.account_version, b.language,
       'EC-' || printf('%017d', n.i), '{at}', '{at}'
FROM n, m JOIN s ON s.k = n.i % m.sellers JOIN s b ON b.k = (n.i + 1) % m.sellers;
"""


def sql(args):
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2 * 86400))
    with open(args.out_file, "w", encoding="utf-8") as f:
        f.write(SQL.format(last=args.orders - 1, prefix=SELLER_PREFIX, at=at))
    return 0


def run(args):
    base = args.base_url.rstrip("/")
    get_json(f"{base}/__bench/cron")  # forget anything before
    due_before = get_json(f"{base}/__bench/due")["due"]
    runs, due = [], due_before
    for _ in range(args.runs):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base}/__scheduled?cron=*/5+*+*+*+*", timeout=600) as r:
            r.read()
        seconds = time.perf_counter() - started
        counted = get_json(f"{base}/__bench/cron")["runs"]
        left = get_json(f"{base}/__bench/due")["due"]
        c = counted[-1] if counted else {}
        runs.append({"seconds": round(seconds, 3), "worker_ms": c.get("ms"), "batches": c.get("batches"),
                     "statements": c.get("statements"), "resolved": due - left, "due_after": left})
        due = left
        if left == 0:
            break
    resolved = [r["resolved"] for r in runs]
    per_run = sum(resolved) / len(resolved) if resolved else 0
    times = [r["seconds"] for r in runs]
    cleared = due == 0
    runs_to_clear = len(runs) if cleared else (
        len(runs) + math.ceil(due / per_run) if per_run > 0 else None)
    result = {
        "due_before": due_before,
        "runs_measured": len(runs),
        "cleared": cleared,
        "due_after": due,
        "resolved_per_run": {"mean": round(per_run, 2), "min": min(resolved, default=None),
                             "max": max(resolved, default=None)},
        "batches_per_run": stats([r["batches"] for r in runs if r["batches"] is not None]),
        "statements_per_run": stats([r["statements"] for r in runs if r["statements"] is not None]),
        "run_seconds": {"p50": percentile(times, 50), "max": max(times, default=None)},
        "runs_to_clear": runs_to_clear,
        "runs_to_clear_extrapolated": not cleared,
        "interval_minutes": args.interval_minutes,
        "hours_to_clear": (round(runs_to_clear * args.interval_minutes / 60, 1)
                           if runs_to_clear is not None else None),
        "runs": runs,
    }
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0 if per_run > 0 else 1


def stats(values):
    if not values:
        return None
    return {"p50": percentile(values, 50), "max": max(values), "min": min(values)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sellers")
    p.add_argument("base_url")
    p.add_argument("--sellers", type=int, default=20)
    p = sub.add_parser("sql")
    p.add_argument("out_file")
    p.add_argument("--orders", type=int, default=10000)
    p = sub.add_parser("run")
    p.add_argument("base_url")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--interval-minutes", type=float, default=5)
    p.add_argument("--out")
    args = parser.parse_args()
    return {"sellers": sellers, "sql": sql, "run": run}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
