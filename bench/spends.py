#!/usr/bin/env python3
"""The benchmark's driver for the automation API (api.md; Python 3
standard library only; loopback only).

    spends.py run BASE_URL [--clients 10] [--spends 50] [--out FILE]
        One seller (a fresh emulator account, its initiation title) and
        CLIENTS buyers, each registered through the real flow with an API
        key made on /account (`action=api_key_create`). Then, all buyers at
        once, each sends SPENDS spends of 1.00 for the seller's title
        (`POST /api/v1/spends`, JSON, a fresh `spend_id` each: an order and
        SetExpressCheckout at the emulator), then repeats its first spend
        (a replay: the stored answer, nothing created). Prints (and writes
        to --out) JSON: spends per second over the timed phase, p50/p99 of a
        spend and of a replay, and their Server-Timing counts (D1 round
        trips, PSP calls).

    spends.py key BASE_URL EMAIL
        Registers one member through the real flow, makes it an API key on
        /account and prints the key (for the API's read pages under load).

SPENDS stays under API_RATE_PER_MINUTE (120 by default) per key.
"""

import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse

from purchases import TIMING, Failure, User, ms, percentile, summary_counts


def api_key(user):
    """A new API key for `user`, made on /account as a person would."""
    token = json.loads(user.expect(user.request("GET", "/buy", json_accept=True),
                                   (200,), "GET /buy").body)["csrf_token"]
    reply = user.expect(user.request("POST", "/account", {
        "csrf_token": token, "action": "api_key_create", "name": "bench",
    }, json_accept=True), (200, 201), "api_key_create")
    return json.loads(reply.body)["key"]


def spend(conn, key, body):
    """One POST /api/v1/spends: (status, headers, seconds)."""
    started = time.perf_counter()
    conn.request("POST", "/api/v1/spends", body=json.dumps(body), headers={
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    })
    response = conn.getresponse()
    response.read()
    return response.status, dict((k.lower(), v) for k, v in response.getheaders()), \
        time.perf_counter() - started


def run(args):
    parsed = urllib.parse.urlsplit(args.base)
    stamp = int(time.time())
    seller = User(args.base, f"spend-seller-{stamp}@bench.example", "10.9.0.1")
    seller.register()
    isin = seller.titles()[0]
    buyers = []
    for i in range(args.clients):
        user = User(args.base, f"spend-buyer-{stamp}-{i}@bench.example", f"10.9.1.{i + 1}")
        user.register()
        buyers.append((user, api_key(user)))
    spends, replays, errors = [], [], []
    lock = threading.Lock()

    def drive(index):
        user, key = buyers[index]
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port or 80, timeout=120)
        body = lambda n: {"spend_id": f"bench-{stamp}-{index}-{n}", "payer": user.email,
                          "isin": isin, "amount": "1.00", "currency": "EUR"}
        for n in range(args.spends):
            status, headers, seconds = spend(conn, key, body(n))
            with lock:
                if status == 201:
                    spends.append((seconds, headers.get("server-timing", "")))
                else:
                    errors.append(f"spend HTTP {status}")
        status, headers, seconds = spend(conn, key, body(0))
        with lock:
            if status == 200 and headers.get("idempotent-replayed") == "true":
                replays.append((seconds, headers.get("server-timing", "")))
            else:
                errors.append(f"replay HTTP {status}")
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=drive, args=(i,)) for i in range(len(buyers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started

    def timings(samples):
        return summary_counts([
            {k: int(float(v)) for k, v in TIMING.findall(header)} for _, header in samples
        ])

    result = {
        "clients": len(buyers),
        "attempted": len(buyers) * args.spends,
        "spends": len(spends),
        "wall_seconds": round(wall, 2),
        "spends_per_second": len(spends) / wall if wall > 0 else None,
        "spend_p50_ms": ms(percentile([s for s, _ in spends], 50)),
        "spend_p99_ms": ms(percentile([s for s, _ in spends], 99)),
        "replay_p50_ms": ms(percentile([s for s, _ in replays], 50)),
        "replays": len(replays),
        "server_timing": {"spend": timings(spends), "replay": timings(replays)},
        "error_count": len(errors),
        "errors": errors[:10],
    }
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    return 0 if spends and not errors else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("base")
    r.add_argument("--clients", type=int, default=10)
    r.add_argument("--spends", type=int, default=50)
    r.add_argument("--out")
    k = sub.add_parser("key")
    k.add_argument("base")
    k.add_argument("email")
    args = parser.parse_args()
    try:
        if args.command == "key":
            user = User(args.base, args.email, "10.9.2.1")
            user.register()
            print(api_key(user))
            return 0
        return run(args)
    except Failure as e:
        print(f"spends: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
