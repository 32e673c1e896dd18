// The benchmark's entry for the cron measurement (bench/cron.py): PayBook's
// own Worker (build/index.js, unchanged) with its D1 binding wrapped so that
// every batch a scheduled run sends is counted, without touching the
// Worker's code. scripts/bench copies this file beside the build snapshot
// and serves it with `wrangler dev --test-scheduled`; it never ships.
//   GET /__bench/cron   the runs since the last look: D1 batches, statements
//                       and milliseconds each (JSON), then forgets them
//   GET /__bench/due    the orders the cron still has to resolve (JSON)
// Every other request goes to PayBook as it is.
import PayBook from "./build/index.js";

const runs = [];

function counting(env, counter) {
    // The database, and each D1 session opened on it (`withSession`: the
    // Worker runs every batch in one since issue 22), count their batches.
    const counted = (target) => new Proxy(target, {
        get(inner, prop) {
            if (prop === "batch") {
                return (statements) => {
                    counter.batches += 1;
                    counter.statements += statements.length;
                    return inner.batch(statements);
                };
            }
            if (prop === "withSession") {
                return (constraint) => counted(inner.withSession(constraint));
            }
            const value = Reflect.get(inner, prop);
            // The binding's class is checked by its constructor's name.
            return typeof value === "function" && prop !== "constructor" ? value.bind(inner) : value;
        },
    });
    const wrapped = counted(env.DB);
    return new Proxy(env, {
        get(target, prop) {
            return prop === "DB" ? wrapped : Reflect.get(target, prop);
        },
    });
}

export default class Bench extends PayBook {
    constructor(ctx, env) {
        const counter = { batches: 0, statements: 0 };
        super(ctx, counting(env, counter));
        this.benchCounter = counter;
        this.benchDb = env.DB;
    }

    async scheduled(event) {
        const started = Date.now();
        try {
            return await super.scheduled(event);
        } finally {
            runs.push({ ...this.benchCounter, ms: Date.now() - started });
        }
    }

    async fetch(request) {
        const path = new URL(request.url).pathname;
        if (path === "/__bench/cron") {
            const taken = runs.splice(0, runs.length);
            return Response.json({ runs: taken });
        }
        if (path === "/__bench/due") {
            const row = await this.benchDb
                .prepare(
                    "SELECT count(*) AS due FROM orders WHERE code = 0 AND substate IN " +
                        "('awaiting_buyer', 'confirming', 'psp_pending')",
                )
                .first();
            return Response.json(row);
        }
        return super.fetch(request);
    }
}
