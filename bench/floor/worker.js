// The floor: what `wrangler dev` itself costs. A JavaScript worker answering
// a static page (PayBook's layout with 50 trades, ~15 KB) on every path,
// built once per isolate: no D1, no work per request beyond the response.
import { htmlResponse, renderTrades } from "../page.js";

const ROWS = Array.from({ length: 50 }, (_, i) => ({
  at: `2026-10-${String(25 - Math.floor(i / 3)).padStart(2, "0")}T${String(23 - (i % 24)).padStart(2, "0")}:${String((i * 7) % 60).padStart(2, "0")}:00Z`,
  isin: "ZZB0000063Z9",
  amount_cents: 100 + i * 37,
  profit_rate: i % 21,
  buyer_email: `buyer.${i}@example.org`,
  seller_email: `seller.${i}@example.com`,
  new_isin: "ZZB0000063Z9",
  new_value_cents: 110 + i * 41,
  seller_value_cents: i % 9 === 0 ? 50 + i : null,
  status: "processed",
}));
const PAGE = renderTrades(ROWS);

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") {
      return new Response('{"status":"ok"}', { headers: { "Content-Type": "application/json" } });
    }
    return htmlResponse(PAGE);
  },
};
