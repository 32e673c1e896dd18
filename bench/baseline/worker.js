// The one-query baseline: a JavaScript worker answering, on every path, a
// page built from ONE D1 query (the 50 newest trades joined with their
// buyer's and seller's clients), against the same seeded local D1 as
// PayBook (same binding, database name and id in wrangler.toml, same
// --persist-to). What a page with one D1 round trip costs here.
import { htmlResponse, renderTrades } from "../page.js";

const NEWEST_TRADES = `
SELECT tr.at, tr.isin, tr.amount_cents, tr.profit_rate, b.email AS buyer_email,
       s.email AS seller_email, tr.new_isin, tr.new_value_cents,
       tr.seller_value_cents, tr.status
FROM trades tr JOIN clients b ON b.id = tr.buyer_id JOIN clients s ON s.id = tr.seller_id
ORDER BY tr.at DESC, tr.id DESC LIMIT 50`;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") {
      const row = await env.DB.prepare("SELECT count(*) AS trades FROM trades").first();
      return new Response(JSON.stringify({ status: "ok", trades: row.trades }), {
        headers: { "Content-Type": "application/json" },
      });
    }
    const { results } = await env.DB.prepare(NEWEST_TRADES).all();
    return htmlResponse(renderTrades(results));
  },
};
