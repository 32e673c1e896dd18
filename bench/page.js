// The page both reference workers answer: PayBook's layout (menu, banner,
// a table of 50 trades with masked e-mails), about the size of PayBook's
// /history page (~15 KB). Shared by floor/worker.js and baseline/worker.js;
// wrangler bundles it into each.

const MENU = [
  ["/", "Home"], ["/market", "Market"], ["/buy", "Buy"], ["/orders", "My orders"],
  ["/claims", "My claims"], ["/history", "History"], ["/contact", "Contact"],
  ["/docs", "Documents"], ["/register", "Register"], ["/login", "Log in"],
];

const HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Vary": "Accept, Cookie",
  "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
};

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function mask(email) {
  const at = String(email).indexOf("@");
  return at < 1 ? "***" : email[0] + "***" + email.slice(at);
}

function money(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")} EUR`;
}

function when(at) {
  return `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`;
}

// rows: {at, isin, amount_cents, profit_rate, buyer_email, seller_email,
//        new_isin, new_value_cents, seller_value_cents, status}
export function renderTrades(rows) {
  const lines = rows.map((t) => {
    const isin = escape(t.isin);
    const newIsin = escape(t.new_isin);
    const keeps = t.seller_value_cents == null ? "" : money(t.seller_value_cents);
    return `<tr><td>${when(t.at)}</td><td><a href="/titles/${isin}">${isin}</a></td>` +
      `<td>${money(t.amount_cents)}</td><td>${t.profit_rate} %</td>` +
      `<td>${escape(mask(t.buyer_email))}</td><td>${escape(mask(t.seller_email))}</td>` +
      `<td><a href="/titles/${newIsin}">${newIsin}</a> ${money(t.new_value_cents)}</td>` +
      `<td>${keeps}</td><td>${escape(t.status)}</td></tr>\n`;
  }).join("\n");
  const menu = MENU.map(([href, label]) => `<a href="${href}">${label}</a>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>History · PayBook</title>
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<p class="banner" role="note">Demonstration site: payments go through an emulated PayPal, no real money moves.</p>
<header>
<a class="brand" href="/">PayBook</a> <span class="tagline">Peer-to-peer trading of titles, paid directly through PayPal</span>
<nav aria-label="menu">
${menu}
</nav>
</header>
<main>
<h1>History</h1>
<p>Every trade, newest first. E-mail addresses are masked.</p>
<table class="trades">
<thead><tr><th>Date</th><th>ISIN</th><th>Amount paid</th><th>Profit rate</th><th>Buyer</th><th>Seller</th><th>New declared value</th><th>Seller keeps</th><th>Status</th></tr></thead>
<tbody>
${lines}
</tbody>
</table>
</main>
<footer><p>A title's value is only declared: it is not money. You can lose what you pay.</p></footer>
</body>
</html>
`;
}

export function htmlResponse(body, status = 200) {
  return new Response(body, { status, headers: HEADERS });
}
