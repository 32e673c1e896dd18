#!/usr/bin/env python3
"""The benchmark's driver for card purchases through the emulated Worldline
Sips and CM-CIC Monetico, over their real wire formats (Python 3 standard
library only; loopback only).

    cards.py run BASE_URL --provider sips|monetico [--buyers 10]
                          [--rounds 5] [--out FILE]

Pairs of members, both registered with a merchant account at the provider's
emulator (so that either can sell), buy each other's initiation title back
and forth ROUNDS times, all pairs at once. One purchase, as a browser and
the bank would make it:

  - POST /buy (JSON, `psp=`): the order and the sealed form;
  - the browser posts the form to the emulator (Sips `paymentInit`,
    Monetico `paiement.cgi`): the card page;
  - the browser decides on the card page (`action=pay`);
  - the bank posts the notification (Sips' automatic response, Monetico's
    notification) to `/psp/<provider>/notify`: the step that records the
    payment, timed on its own;
  - the browser comes back (Sips: posts the manual response to
    `/psp/sips/return`; Monetico: follows `url_retour_ok`), then reads the
    order (JSON, `code` 2).

The emulators deliver their notification in process, inside the card
decision. To time the notification as its own request, each purchase first
sets the emulator's one-shot `delay=1` fault for the seller's merchant (an
untimed request): the emulator then queues the notification instead, the
driver reads its exact body from the emulator's list and posts it, as the
bank's server would. Prints (and writes to --out) JSON like purchases.py's.
"""

import argparse
import base64
import http.client
import json
import sys
import threading
import time
import urllib.parse

from purchases import REGISTERING, Failure, Reply, User, ms, percentile, summary_counts

AMOUNT = "1.00"


def unescape(html):
    for a, b in (("&#x2f;", "/"), ("&#x27;", "'"), ("&quot;", '"'), ("&lt;", "<"),
                 ("&gt;", ">"), ("&amp;", "&")):
        html = html.replace(a, b)
    return html


def input_value(page, name):
    marker = f'name="{name}" value="'
    start = page.find(marker)
    if start < 0:
        raise Failure(f"no input {name} in {page[:300]!r}")
    start += len(marker)
    return unescape(page[start:page.index('"', start)])


def local(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "") if parts.scheme else url


class CardUser(User):
    """A member whose receiving account is a merchant at the emulated bank."""

    def register_card(self, provider):
        with REGISTERING:
            self._register_card(provider)

    def _register_card(self, provider):
        reply = self.expect(self.request("POST", f"/_emulator/{provider}/accounts",
                                         {"email": f"bank-{self.email}"}, json_accept=True),
                            (200, 201), f"{provider} merchant")
        bank = json.loads(reply.body)
        form = {"email": self.email, "password": "bench-password-1", "psp": provider,
                "accept_terms": "on"}
        if provider == "sips":
            self.merchant = bank["sips_merchant_id"]
            form.update(sips_merchant_id=bank["sips_merchant_id"],
                        sips_secret_key=bank["sips_secret_key"], sips_key_version="1")
        else:
            self.merchant = bank["monetico_tpe"]
            form.update(monetico_tpe=bank["monetico_tpe"],
                        monetico_societe=bank["monetico_societe"], monetico_key=bank["monetico_key"])
        token = json.loads(self.expect(self.request("GET", "/register", json_accept=True),
                                       (200,), "GET /register").body)["csrf_token"]
        form["csrf_token"] = token
        self.expect(self.request("POST", "/register", form), (303,), f"POST /register ({provider})")
        if not any(name.endswith("session") for name in self.cookies):
            raise Failure("POST /register set no session cookie")


def sips_reference(fields):
    """`transactionReference` from the sealed form's `Data` (key=value|...,
    base64 when `Encode` says so)."""
    data = fields.get("Data", "")
    if fields.get("Encode", "").lower() == "base64":
        data = base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")
    for pair in data.split("|"):
        key, _, value = pair.partition("=")
        if key == "transactionReference":
            return value
    raise Failure(f"no transactionReference in Data {data[:200]!r}")


def queued_body(bank, path, key):
    """The newest queued notification's body from the emulator's list."""
    reply = bank.expect(bank.request("GET", path, json_accept=True), (200,), f"GET {path}")
    listed = json.loads(reply.body).get(key) or []
    if not listed:
        raise Failure(f"{path}: no queued notification")
    return listed[0]["body"]


def post_raw(user, path, body):
    """POST an urlencoded body as it was sealed (never re-encoded)."""
    for attempt in (1, 2):
        if user.conn is None:
            user.conn = http.client.HTTPConnection(user.host, user.port, timeout=120)
        started = time.perf_counter()
        try:
            user.conn.request("POST", path, body=body.encode("utf-8"), headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            response = user.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, ConnectionError, OSError):
            user.conn.close()
            user.conn = None
            if attempt == 2:
                raise
            continue
        return Reply(response.status, dict((k.lower(), v) for k, v in response.getheaders()),
                     data, time.perf_counter() - started)
    raise Failure("unreachable")


def buy(provider, buyer, seller, bank, isin, steps):
    """One card purchase; returns (seconds, notification seconds)."""
    started = time.perf_counter()
    fault = {"method": "response" if provider == "sips" else "notification", "delay": "1"}
    fault["merchant_id" if provider == "sips" else "tpe"] = seller.merchant
    bank.expect(bank.request("POST", f"/_emulator/{provider}/faults", fault), (201,), "fault")
    token = json.loads(buyer.expect(buyer.request("GET", "/buy", json_accept=True),
                                    (200,), "GET /buy").body)["csrf_token"]
    reply = buyer.expect(buyer.request("POST", "/buy", {
        "csrf_token": token, "isin": isin, "amount": AMOUNT, "profit_rate": "0", "psp": provider,
    }, json_accept=True), (200,), "POST /buy")
    steps["buy"].append(reply.timing())
    sealed = json.loads(reply.body)
    order_id, fields = sealed["order_id"], sealed["fields"]
    page = buyer.expect(buyer.request("POST", local(sealed["action"]), fields), (200,),
                        "POST the sealed form to the bank")
    steps["card_page"].append(page.timing())
    text = page.body.decode("utf-8", "replace")
    if provider == "sips":
        decided = buyer.expect(buyer.request("POST", "/_emulator/sips/card", {
            "token": input_value(text, "token"), "card_number": "4111111111111111",
            "action": "pay"}), (200,), "POST card")
        listed = f"/_emulator/sips/responses?transaction_reference={sips_reference(fields)}"
        body = queued_body(bank, listed, "responses")
    else:
        start = text.find("/_emulator/monetico/card/")
        if start < 0:
            raise Failure(f"no card form: {text[:300]!r}")
        card = unescape(text[start:text.index('"', start)])
        decided = buyer.expect(buyer.request("POST", card, {
            "card_number": "4000000000000002", "action": "pay"}), (303,), "POST card")
        tpe = urllib.parse.quote(seller.merchant)
        body = queued_body(bank, f"/_emulator/monetico/notifications?tpe={tpe}&reference={order_id}",
                           "notifications")
    steps["card"].append(decided.timing())
    notified = bank.expect(post_raw(bank, f"/psp/{provider}/notify", body), (200,), "notification")
    if provider == "monetico" and b"cdr=0" not in notified.body:
        raise Failure(f"notification answered {notified.body!r}")
    steps["notify"].append(notified.timing())
    if provider == "sips":
        page = decided.body.decode("utf-8", "replace")
        back = buyer.request("POST", "/psp/sips/return", {
            n: input_value(page, n) for n in ("Data", "Encode", "InterfaceVersion", "Seal")})
    else:
        back = buyer.request("GET", local(decided.headers["location"]))
    buyer.expect(back, (303,), "return")
    steps["return"].append(back.timing())
    reply = buyer.expect(buyer.request("GET", local(back.headers["location"]), json_accept=True),
                         (200,), "GET order")
    order = json.loads(reply.body)
    order = order.get("order", order)
    if order.get("code") != 2:
        raise Failure(f"order {order_id} has code {order.get('code')}, not 2: {reply.body[:300]!r}")
    return time.perf_counter() - started, notified.elapsed


def run(args):
    stamp = time.strftime("%H%M%S")
    prefix = {"sips": 1, "monetico": 2}[args.provider]
    pairs = []
    for i in range(args.buyers):
        a = CardUser(args.base_url, f"{args.provider}-a{i}.{stamp}@driver.example",
                     f"10.9{prefix}.{i // 250}.{i % 250 + 1}")
        b = CardUser(args.base_url, f"{args.provider}-b{i}.{stamp}@driver.example",
                     f"10.9{prefix}.{100 + i // 250}.{i % 250 + 1}")
        pairs.append((a, b))
    errors, lock, ready = [], threading.Lock(), {}

    def prepare(pair):
        try:
            for user in pair:
                user.register_card(args.provider)
            titles = pair[0].titles()
            if not titles:
                raise Failure(f"{pair[0].email} has no initiation title")
            ready[id(pair)] = titles[0]
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            with lock:
                errors.append(f"register: {e}")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=prepare, args=(p,)) for p in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    registration_seconds = time.perf_counter() - t0
    pairs = [p for p in pairs if id(p) in ready]
    names = ("buy", "card_page", "card", "notify", "return")
    durations, notifies, steps = [], [], {k: [] for k in names}
    barrier = threading.Barrier(len(pairs) + 1) if pairs else None

    def drive(pair):
        seller, buyer = pair
        isin = ready[id(pair)]
        # The bank's server: its own connection, no cookies.
        bank = User(args.base_url, "bank@driver.example", "10.90.0.1")
        mine = {k: [] for k in names}
        mine_d, mine_n = [], []
        barrier.wait()
        try:
            for _ in range(args.rounds):
                seconds, notify = buy(args.provider, buyer, seller, bank, isin, mine)
                mine_d.append(seconds)
                mine_n.append(notify)
                seller, buyer = buyer, seller  # bought back next round
        except Exception as e:  # noqa: BLE001
            with lock:
                errors.append(f"purchase: {e}")
        with lock:
            durations.extend(mine_d)
            notifies.extend(mine_n)
            for k in names:
                steps[k].extend(mine[k])

    threads = [threading.Thread(target=drive, args=(p,)) for p in pairs]
    for t in threads:
        t.start()
    wall = 0.0
    if barrier:
        barrier.wait()
        t1 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t1
    result = {
        "provider": args.provider,
        "buyers": args.buyers,
        "rounds": args.rounds,
        "pairs_ready": len(pairs),
        "registration_seconds": round(registration_seconds, 2),
        "purchases": len(durations),
        "attempted": len(pairs) * args.rounds,
        "wall_seconds": round(wall, 3),
        "purchases_per_second": round(len(durations) / wall, 2) if wall > 0 else None,
        "purchase_p50_ms": ms(percentile(durations, 50)),
        "purchase_p99_ms": ms(percentile(durations, 99)),
        "record_step": f"POST /psp/{args.provider}/notify",
        "record_p50_ms": ms(percentile(notifies, 50)),
        "record_p99_ms": ms(percentile(notifies, 99)),
        "server_timing": {k: summary_counts(v) for k, v in steps.items()},
        "errors": errors[:20],
        "error_count": len(errors),
    }
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(text)
    return 0 if not errors else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run")
    p_run.add_argument("base_url")
    p_run.add_argument("--provider", choices=("sips", "monetico"), required=True)
    p_run.add_argument("--buyers", type=int, default=10)
    p_run.add_argument("--rounds", type=int, default=5)
    p_run.add_argument("--out")
    args = parser.parse_args()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
