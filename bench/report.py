#!/usr/bin/env python3
"""Reads what scripts/bench measured (bench/out/results/) and writes
BENCHMARKS.md: the tables, the machine, the date, the commit, and the
budgets (met or missed). Also prints the main table. Python 3 standard
library only.

    report.py render RESULTS_DIR OUTPUT_MD
    report.py wrk FILE          (parses one wrk --latency output; JSON)
    report.py timing FILE       (parses curl -D headers; JSON)
    report.py wasm-kind FILE    (release or dev)
    report.py commit ROOT       (HEAD's commit and branch, read from .git)
"""

import json
import os
import platform
import re
import sys

import report_parts

MIB = 1024 * 1024
READ_ROUTES = ["/", "/market", "/titles/{isin}", "/history", "/claims", "/ledger",
               "GET /api/v1/history", "GET /api/v1/titles/{isin}", "GET /api/v1/balance",
               "GET /api/v1/orders"]
# The API's reads: the key's statements (its rate limit hit, the key, its
# client) and the read in one batch; no D1 count budget (issue 22 sets only
# the 95%).
API_ROUTES = [r for r in READ_ROUTES if r.startswith("GET /api")]
RATIO = 0.95


# ----------------------------------------------------------------- parsing

def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(text):
    out = {"rps": None, "p50_ms": None, "p99_ms": None, "requests": None,
           "non_2xx_3xx": 0, "socket_errors": 0, "timeouts": 0}
    m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M)
        if m:
            out[key] = to_ms(m.group(1))
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non_2xx_3xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = sum(int(g) for g in m.groups()[:3])
        out["timeouts"] = int(m.group(4))
    return out


def parse_timing(text):
    status = None
    m = re.search(r"^HTTP/\S+\s+(\d+)", text, re.M)
    if m:
        status = int(m.group(1))
    counts = {}
    m = re.search(r"^server-timing:\s*(.*)$", text, re.M | re.I)
    if m:
        for name, dur in re.findall(r'(\w+);desc="[^"]*";dur=([0-9.]+)', m.group(1)):
            counts[name] = int(float(dur))
    return {"status": status, "counts": counts, "header": bool(m)}


# ----------------------------------------------------------------- reading

def read_env(path):
    env = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if "=" in line and not line.startswith("#"):
                    k, v = line.split("=", 1)
                    env[k] = v
    return env


def read_json(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def machine():
    cpu = "unknown"
    for line in read_text("/proc/cpuinfo").splitlines():
        if line.lower().startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = None
    for line in read_text("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) * 1024
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": f"{mem / 1024 ** 3:.1f} GiB" if mem else "unknown",
        "kernel": platform.release(),
    }


def commit(root):
    """HEAD's commit, read from .git without running git (a worktree's .git
    is a file naming its own directory; its refs are in the common one)."""
    git = os.path.join(root, ".git")
    if os.path.isfile(git):
        line = read_text(git).strip()
        if line.startswith("gitdir: "):
            git = os.path.join(root, line[8:])
    common = git
    if os.path.exists(os.path.join(git, "commondir")):
        common = os.path.normpath(os.path.join(git, read_text(os.path.join(git, "commondir")).strip()))
    head = read_text(os.path.join(git, "HEAD")).strip()
    if head.startswith("ref: "):
        ref = head[5:]
        for d in (git, common):
            value = read_text(os.path.join(d, ref)).strip()
            if value:
                return value, ref.rsplit("/", 1)[-1]
        for line in read_text(os.path.join(common, "packed-refs")).splitlines():
            if line.endswith(" " + ref):
                return line.split()[0], ref.rsplit("/", 1)[-1]
        return "unknown", ref
    return head or "unknown", "detached"


# ----------------------------------------------------------------- render

def hist_percentile(histogram, p):
    """wrk's own rule (stats_percentile), in ms, over a merged histogram of
    microseconds."""
    count = sum(histogram.values())
    if not count:
        return None
    rank = int(round((p / 100.0) * count + 0.5))
    total = 0
    for value in sorted(histogram):
        total += histogram[value]
        if total >= rank:
            return value / 1000.0
    return max(histogram) / 1000.0


def fmt(value, digits=1, suffix=""):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{suffix}"
    return f"{value}{suffix}"


def ratio_text(value):
    return "–" if value is None else f"{value:.2f}"


def render(results_dir, output):
    env = read_env(os.path.join(results_dir, "run.env"))
    root = env.get("ROOT", os.getcwd())
    seed = read_json(os.path.join(results_dir, "seed.json"), {})
    purchases = read_json(os.path.join(results_dir, "purchases.json"), None)
    spends = read_json(os.path.join(results_dir, "spends.json"), None)
    results = {name: read_json(os.path.join(results_dir, name), None) for name in (
        "purchases.json", "purchases-sips.json", "purchases-monetico.json", "spends.json")}
    cron = read_json(os.path.join(results_dir, "cron.json"), None)
    m = machine()
    sha, branch = (env["COMMIT"], env.get("BRANCH", "?")) if env.get("COMMIT") else commit(root)

    slices = int(env.get("WRK_SLICES", "1") or 1)

    def target(name):
        """One target's slices merged: req/s over all slices, exact p50/p99
        from the merged latency histograms, errors, the slices' req/s."""
        total_requests, total_us, errors = 0, 0, 0
        histogram = {}
        slice_rps = []
        by_slice = {}
        for i in range(1, slices + 1):
            base = os.path.join(results_dir, "wrk", f"{name}.{i}.txt")
            text = read_text(base)
            hist = read_text(base + ".hist")
            if not text or not hist:
                continue
            parsed = parse_wrk(text)
            errors += parsed["non_2xx_3xx"] + parsed["socket_errors"] + parsed["timeouts"]
            requests = duration = 0
            for line in hist.splitlines():
                parts = line.split()
                if parts[0] == "requests":
                    requests = int(parts[1])
                elif parts[0] == "duration_us":
                    duration = int(parts[1])
                elif parts[0] == "errors":
                    pass
                else:
                    value, count = int(parts[0]), int(parts[1])
                    histogram[value] = histogram.get(value, 0) + count
            total_requests += requests
            total_us += duration
            if duration:
                slice_rps.append(requests / (duration / 1e6))
                by_slice[i] = requests / (duration / 1e6)
        if not total_us:
            return None
        rps = total_requests / (total_us / 1e6)
        return {
            "rps": rps,
            "p50_ms": hist_percentile(histogram, 50),
            "p99_ms": hist_percentile(histogram, 99),
            "errors": errors,
            "requests": total_requests,
            "spread": (max(slice_rps) - min(slice_rps)) / rps if len(slice_rps) > 1 and rps else None,
            "bytes": page_bytes(name),
            "by_slice": by_slice,
        }

    def page_bytes(name):
        path = os.path.join(results_dir, "timing", name + ".page")
        return os.path.getsize(path) if os.path.exists(path) else None

    def timing(name):
        text = read_text(os.path.join(results_dir, "timing", name + ".txt"))
        return parse_timing(text) if text else None

    def load(name):
        return env.get(f"LOAD_{name}")

    floor = target("floor")
    baseline = target("baseline")
    base_rps = baseline["rps"] if baseline else None

    route_keys = {"/": "root", "/market": "market", "/titles/{isin}": "title",
                  "/history": "history", "/claims": "claims", "/ledger": "ledger",
                  "GET /api/v1/history": "api_history", "GET /api/v1/titles/{isin}": "api_title",
                  "GET /api/v1/balance": "api_balance", "GET /api/v1/orders": "api_orders"}
    rows = [
        ("floor (static JS page)", "any", floor, None, load("floor")),
        ("PayBook, no D1 (not a budget)", "/docs", target("docs"), timing("docs"), load("docs")),
        ("baseline (JS, one D1 query)", "any", baseline, None, load("baseline")),
    ]
    paybook = {}
    for route in READ_ROUTES:
        key = route_keys[route]
        paybook[route] = (target(key), timing(key))
        rows.append(("PayBook", route, paybook[route][0], paybook[route][1], load(key)))
    noisy = [r for r in rows if r[2] and r[2]["spread"] is not None and r[2]["spread"] > 0.4]
    busy = [r for r in rows if r[4] and r[4].rstrip("%").isdigit() and int(r[4].rstrip("%")) > 25]

    isin = env.get("TITLE_ISIN", "")
    threads, conns = env.get("WRK_THREADS"), env.get("WRK_CONNECTIONS")
    slice_s = env.get("WRK_SLICE_SECONDS", "?")

    lines = []
    add = lines.append
    add("# PayBook benchmarks")
    add("")
    add("Written by `scripts/bench` (do not edit by hand: the next run replaces it;")
    add("hand-written notes belong in `bench/notes.md`, included at the end).")
    add("Local numbers through `wrangler dev` on one machine: compare them with the")
    add("floor and the baseline measured in the same run, not with other machines.")
    add("")
    add(f"- Date: {env.get('DATE', '?')}")
    add(f"- Commit: `{sha}` ({branch}; the working tree may hold uncommitted changes)")
    add(f"- Machine: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} memory, Linux {m['kernel']}")
    add(f"- Tools: wrangler {env.get('WRANGLER_VERSION', '?')}, {env.get('WRK_VERSION', 'wrk')}, Node {env.get('NODE_VERSION', '?')}")
    add(f"- Load: `wrk -t{threads} -c{conns} --latency`, loopback, HTML (no Accept header); per "
        f"target a {env.get('WRK_WARMUP', '?')} s warm-up, then {slices} slices of {slice_s} s, the "
        "targets taking turns slice by slice (so that whatever else the machine does touches "
        "them alike); req/s over all slices, p50/p99 from the slices' merged histograms")
    if noisy or busy:
        add("")
        add("> **Noisy run.** " + (
            f"Other processes kept the CPUs busy before some loads (column *other CPU*: "
            f"{', '.join(sorted({r[4] for r in busy}))}). " if busy else "") + (
            f"The slices of {', '.join(sorted({(r[0] if r[1] == 'any' else r[1]) for r in noisy}))} "
            "differ by more than 40% (column *slice spread*). " if noisy else "") +
            "Absolute numbers are then low and unsteady; the ratios to the baseline, measured "
            "in the same slices, hold better. Run again on a quiet machine before judging a budget.")
    add("")

    add("## Data set")
    add("")
    counts = seed.get("counts", {})
    add("Generated by `bench/seed.py` (deterministic simulation of the purchase rules), "
        "executed with `wrangler d1 execute DB --local --file` into a fresh local D1 "
        f"({len(seed.get('files', []))} files, {seed.get('bytes', 0) / MIB:.1f} MiB of SQL, "
        f"{env.get('SEED_SECONDS', '?')} s to load):")
    add("")
    add("| table | rows |")
    add("| --- | ---: |")
    for table in ("clients", "psp_accounts", "isins", "titles", "orders", "trades", "ledger"):
        if table in counts:
            add(f"| {table} | {counts[table]:,} |")
    add("")
    add(f"`/titles/{{isin}}` uses `{isin}`, the most traded title "
        f"({seed.get('title_trades', '?')} trades; its page shows 50). `/claims` is read by a user "
        "registered through `/register` after seeding (one title, balance asked of the emulator).")
    add("")

    raw = int(env["WASM_RAW"]) if env.get("WASM_RAW") else None
    gz = int(env["WASM_GZIP"]) if env.get("WASM_GZIP") else None
    budget_rows = report_parts.builds(add, env)

    add("## Read pages")
    add("")
    header = ("| target | route | req/s | p50 ms | p99 ms | vs baseline | D1 | PSP | emulator D1 | "
              "page bytes | errors | slice spread | other CPU |")
    rule = "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    add(header)
    add(rule)
    table_lines = []
    for name, route, w, t, ld in rows:
        c = (t or {}).get("counts", {})

        def count(k):
            return str(c.get(k, "–")) if t else "–"
        if not w:
            line = f"| {name} | `{route}` | – | – | – | – | {count('d1')} | {count('psp')} | {count('emulator_d1')} | – | – | – | {ld or '–'} |"
        else:
            ratio = w["rps"] / base_rps if base_rps else None
            spread = "–" if w["spread"] is None else f"{w['spread'] * 100:.0f}%"
            line = (f"| {name} | `{route}` | {fmt(w['rps'])} | {fmt(w['p50_ms'], 2)} | {fmt(w['p99_ms'], 2)} | "
                    f"{ratio_text(ratio)} | {count('d1')} | {count('psp')} | {count('emulator_d1')} | "
                    f"{'–' if w['bytes'] is None else format(w['bytes'], ',')} | {w['errors']} | {spread} | {ld or '–'} |")
        add(line)
        table_lines.append(line)
    add("")
    errored = [r for r in rows if r[2] and r[2]["errors"]]
    if errored:
        add("**Errors** under load on " + ", ".join(f"`{r[1]}`" if r[1] != "any" else r[0] for r in errored)
            + ": see `bench/out/logs/` (the wrangler dev logs) and `bench/out/results/wrk/`.")
        add("")
    add("*vs baseline*: req/s divided by the one-query baseline's. *D1*, *PSP*, *emulator D1*: "
        "the counts PayBook's `Server-Timing` header reports for one request of the route, "
        "made with a signed-in user's session cookie (so they include the session lookup) "
        "(emulator D1: the built-in PayPal emulator's own round trips, which a real PayPal "
        "would not cost). *page bytes*: the body of one response. *errors*: non-2xx/3xx "
        "answers, socket errors and timeouts. *slice spread*: (fastest − slowest slice) / "
        "mean req/s. *other CPU*: how busy the CPUs were during one second before the "
        "target's warm-up, with every server idle (other processes).")
    add("")

    budget_rows += report_parts.purchases(add, results)
    budget_rows += report_parts.cron(add, cron, env)

    # ------------------------------------------------------------ budgets
    add("## Budgets")
    add("")
    add("Reported, not asserted in tests. `MAINTAINER:` marks where judgement is needed.")
    add("")
    add("| budget | measured | verdict |")
    add("| --- | --- | --- |")
    missed = []
    for route in READ_ROUTES:
        w, t = paybook[route]
        if not t or not t["header"]:
            what = "D1 round trips (reported)" if route in API_ROUTES else (
                "one D1 round trip" + (" + one PSP call" if route == "/claims" else ""))
            add(f"| `{route}`: {what} | no Server-Timing | not measured |")
            continue
        c = t["counts"]
        d1, psp = c.get("d1"), c.get("psp", 0)
        if route == "/claims":
            ok = d1 == 1 and psp <= 1 and t["status"] == 200
            first = timing("claims-first")
            first_counts = (first or {}).get("counts", {})
            first_note = (f"; the first look in a minute: D1 {first_counts.get('d1')}, "
                          f"PSP {first_counts.get('psp', 0)} (GetBalance, then keeping its answer)"
                          if first else "")
            add(f"| `/claims`: one D1 round trip, plus one PSP call (or a balance cached 60 s) | D1 {d1}, PSP {psp} (HTTP {t['status']}){first_note} | {'met' if ok else '**missed**'} |")
        elif route in API_ROUTES:
            add(f"| `{route}`: D1 round trips (reported) | D1 {d1}, PSP {psp} (HTTP {t['status']}) | reported |")
            continue
        else:
            ok = d1 == 1 and t["status"] == 200
            add(f"| `{route}`: one D1 round trip | D1 {d1}, PSP {psp} (HTTP {t['status']}) | {'met' if ok else '**missed**'} |")
        if not ok:
            missed.append(("d1", route, d1, psp))
    for route in READ_ROUTES:
        w = paybook[route][0]
        if not w or not w["rps"] or not base_rps:
            add(f"| `{route}` ≥ 95% of the baseline's req/s | not measured | not measured |")
            continue
        ratio = w["rps"] / base_rps
        ok = ratio >= RATIO
        per_slice = sorted(w["by_slice"][i] / baseline["by_slice"][i]
                           for i in w["by_slice"] if baseline["by_slice"].get(i))
        span = (f" (slice by slice: {per_slice[0] * 100:.0f}%–{per_slice[-1] * 100:.0f}%)"
                if len(per_slice) > 1 else "")
        add(f"| `{route}` ≥ 95% of the baseline's req/s | {w['rps']:.0f} / {base_rps:.0f} = {ratio * 100:.0f}%{span} | {'met' if ok else '**missed**'} |")
        if not ok:
            missed.append(("ratio", route, ratio, w))
    for what, measured, ok in budget_rows:
        verdict = {None: "reported", "na": "not measured", True: "met", False: "**missed**"}[ok]
        add(f"| {what} | {measured} | {verdict} |")
        if ok is False:
            missed.append(("other", what, measured, None))
    add("")

    if noisy or busy:
        add("This run was noisy (see the top): a 95% verdict within 15 points of the "
            "line can flip on the next run.")
        add("")
    if missed:
        add("### Where a budget is missed: why, and what would meet it")
        add("")
        add("Measurements behind these explanations and candidate fixes: `bench/notes.md` "
            "(below).")
        add("")
        for kind, route, a, b in missed:
            if kind == "d1":
                add(f"- `{route}` makes {a} D1 round trips and {b} PSP calls per request. Each "
                    "extra round trip costs about as much as the whole baseline page here. What "
                    "would meet it: fold the extra statements into the page's one batch (as the "
                    "session lookup already is).")
            elif kind == "other":
                add(f"- {route}: {a}. See `bench/notes.md` for the profile and what would meet it.")
        for kind, route, ratio, w in missed:
            if kind != "ratio":
                continue
            t = paybook[route][1] or {"counts": {}}
            c = t["counts"]
            why = []
            if (c.get("d1") or 0) > 1:
                why.append(f"it makes {c['d1']} D1 round trips per request where the baseline "
                           "makes one")
            if c.get("emulator_d1") or c.get("psp"):
                psp, emu = c.get("psp", 0), c.get("emulator_d1", 0)
                why.append(f"it also makes {psp} PSP call{'s' if psp != 1 else ''} per request "
                           f"(GetBalance), which in emulator mode {'are' if psp != 1 else 'is'} "
                           f"{emu} more local D1 round trip{'s' if emu != 1 else ''}: about half "
                           "the baseline's rate is what two round trips predict; a PSP balance "
                           "cached for 60 s (the budget's alternative) would leave most requests "
                           "one round trip")
            if route == "/titles/{isin}":
                why.append("its batch holds three statements (the title; its trades, two indexed "
                           "scans merged in time order; the price chart's last 100 value "
                           "changes) and its page prints up to 50 trades and 100 chart points "
                           "(an SVG dot and a table row each), about twice the cells of "
                           "`/history`")
            if route == "/claims":
                why.append("its batch also looks up and touches the signed-in user's session "
                           "(an UPDATE: a write transaction even when it changes nothing; not "
                           "profiled)")
            if route in API_ROUTES:
                why.append("its one batch also counts the key's rate limit (an upsert: a write "
                           "committed on every request, which the baseline's read does not make)")
            if route == "/ledger":
                why.append("a page is 500 entries (backoffice.md §4), 14 times the baseline's "
                           "bytes, read, serialized and sent; what would meet it: full pages "
                           "cached (their entries never change; the head they carry does)")
            if route not in ("/claims", "/ledger") and route not in API_ROUTES:
                why.append("per-row work in the worker that the baseline does not do (each row "
                           "read from D1's JSON text into its struct, money and times formatted "
                           "per cell, askama's escaping); MAINTAINER: confirm with a profile")
            add(f"- `{route}` at {ratio * 100:.0f}% of the baseline (p50 {fmt(w['p50_ms'])} ms, "
                f"baseline {fmt(baseline['p50_ms'])} ms): " + "; ".join(why) + ".")
        add("")

    notes = read_text(os.path.join(root, "bench", "notes.md")).strip()
    if notes:
        add("## Notes (from `bench/notes.md`, written by hand)")
        add("")
        add(notes)
        add("")

    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))

    # What the command prints.
    if any(r[2] for r in rows):
        print("")
        print(header)
        print(rule)
        for line in table_lines:
            print(line)
    if raw and gz:
        print(f"\nwasm: {raw:,} bytes raw ({raw / MIB:.2f} MiB), {gz:,} bytes gzip -9")
    print(f"startup to first 200 on /healthz: PayBook {env.get('STARTUP_paybook', '–')} s")
    for name, file, _, label in report_parts.PROVIDERS:
        p = results.get(file)
        if p:
            print(f"purchases {name}: {p['purchases']}/{p['attempted']} in {p['wall_seconds']} s = "
                  f"{fmt(p['purchases_per_second'], 2)}/s; {label} p50 "
                  f"{fmt(p.get('return_p50_ms', p.get('record_p50_ms')))} ms, p99 "
                  f"{fmt(p.get('return_p99_ms', p.get('record_p99_ms')))} ms")
    if cron:
        st = cron.get("statements_per_run") or {}
        print(f"cron: {cron['resolved_per_run']['mean']:g} orders per run, statements p50 "
              f"{st.get('p50')} max {st.get('max')}, run p50 {cron['run_seconds']['p50']} s; "
              f"{cron['runs_to_clear']} runs = {cron['hours_to_clear']} h to clear")
    if spends:
        print(f"API spends: {spends['spends']}/{spends['attempted']} in {spends['wall_seconds']} s "
              f"= {fmt(spends['spends_per_second'], 2)}/s; p50 {fmt(spends['spend_p50_ms'])} ms")
    print("")
    verdicts = [l for l in lines if l.startswith("| ") and ("| met" in l or "**missed**" in l)]
    for l in verdicts:
        cells = [c.strip() for c in l.strip("|").split("|")]
        print(f"  {cells[2].split(' (')[0]:<10} {cells[0]}  [{cells[1]}]")


def wasm_kind(path):
    """'release' or 'dev': a dev build keeps DWARF sections or a name section
    of over a megabyte (every function); an optimised one has neither (its
    name section, when kept, is a few hundred KB at most)."""
    def leb(b, i):
        result = shift = 0
        while True:
            byte = b[i]
            i += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return result, i
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"\0asm":
        return "unknown"
    i = 8
    while i < len(b):
        section = b[i]
        size, i = leb(b, i + 1)
        if section == 0:
            length, j = leb(b, i)
            name = b[j:j + length].decode("utf-8", "replace")
            if name.startswith(".debug") or (name == "name" and size > 768 * 1024):
                return "dev"
        i += size
    return "release"


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "commit":
        print(*commit(sys.argv[2]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "wasm-kind":
        print(wasm_kind(sys.argv[2]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "wrk":
        print(json.dumps(parse_wrk(read_text(sys.argv[2]))))
    elif len(sys.argv) >= 3 and sys.argv[1] == "timing":
        print(json.dumps(parse_timing(read_text(sys.argv[2]))))
    elif len(sys.argv) >= 4 and sys.argv[1] == "render":
        render(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
