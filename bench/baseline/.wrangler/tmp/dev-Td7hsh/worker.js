var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// ../page.js
var MENU = [
  ["/", "Home"],
  ["/market", "Market"],
  ["/buy", "Buy"],
  ["/orders", "My orders"],
  ["/claims", "My claims"],
  ["/history", "History"],
  ["/contact", "Contact"],
  ["/docs", "Documents"],
  ["/register", "Register"],
  ["/login", "Log in"]
];
var HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Cache-Control": "no-store",
  "Vary": "Accept, Cookie",
  "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff"
};
function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;"
  })[c]);
}
__name(escape, "escape");
function mask(email) {
  const at = String(email).indexOf("@");
  return at < 1 ? "***" : email[0] + "***" + email.slice(at);
}
__name(mask, "mask");
function money(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")} EUR`;
}
__name(money, "money");
function when(at) {
  return `${at.slice(0, 10)} ${at.slice(11, 16)} UTC`;
}
__name(when, "when");
function renderTrades(rows) {
  const lines = rows.map((t) => {
    const isin = escape(t.isin);
    const newIsin = escape(t.new_isin);
    const keeps = t.seller_value_cents == null ? "" : money(t.seller_value_cents);
    return `<tr><td>${when(t.at)}</td><td><a href="/titles/${isin}">${isin}</a></td><td>${money(t.amount_cents)}</td><td>${t.profit_rate} %</td><td>${escape(mask(t.buyer_email))}</td><td>${escape(mask(t.seller_email))}</td><td><a href="/titles/${newIsin}">${newIsin}</a> ${money(t.new_value_cents)}</td><td>${keeps}</td><td>${escape(t.status)}</td></tr>
`;
  }).join("\n");
  const menu = MENU.map(([href, label]) => `<a href="${href}">${label}</a>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>History \xB7 PayBook</title>
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
__name(renderTrades, "renderTrades");
function htmlResponse(body, status = 200) {
  return new Response(body, { status, headers: HEADERS });
}
__name(htmlResponse, "htmlResponse");

// worker.js
var NEWEST_TRADES = `
SELECT tr.at, tr.isin, tr.amount_cents, tr.profit_rate, b.email AS buyer_email,
       s.email AS seller_email, tr.new_isin, tr.new_value_cents,
       tr.seller_value_cents, tr.status
FROM trades tr JOIN clients b ON b.id = tr.buyer_id JOIN clients s ON s.id = tr.seller_id
ORDER BY tr.at DESC, tr.id DESC LIMIT 50`;
var worker_default = {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") {
      const row = await env.DB.prepare("SELECT count(*) AS trades FROM trades").first();
      return new Response(JSON.stringify({ status: "ok", trades: row.trades }), {
        headers: { "Content-Type": "application/json" }
      });
    }
    const { results } = await env.DB.prepare(NEWEST_TRADES).all();
    return htmlResponse(renderTrades(results));
  }
};

// ../../node_modules/wrangler/templates/middleware/middleware-ensure-req-body-drained.ts
var drainBody = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } finally {
    try {
      if (request.body !== null && !request.bodyUsed) {
        const reader = request.body.getReader();
        while (!(await reader.read()).done) {
        }
      }
    } catch (e) {
      console.error("Failed to drain the unused request body.", e);
    }
  }
}, "drainBody");
var middleware_ensure_req_body_drained_default = drainBody;

// ../../node_modules/wrangler/templates/middleware/middleware-miniflare3-json-error.ts
function reduceError(e) {
  return {
    name: e?.name,
    message: e?.message ?? String(e),
    stack: e?.stack,
    cause: e?.cause === void 0 ? void 0 : reduceError(e.cause)
  };
}
__name(reduceError, "reduceError");
var jsonError = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } catch (e) {
    const error = reduceError(e);
    return Response.json(error, {
      status: 500,
      headers: { "MF-Experimental-Error-Stack": "true" }
    });
  }
}, "jsonError");
var middleware_miniflare3_json_error_default = jsonError;

// .wrangler/tmp/bundle-uQjKJI/middleware-insertion-facade.js
var __INTERNAL_WRANGLER_MIDDLEWARE__ = [
  middleware_ensure_req_body_drained_default,
  middleware_miniflare3_json_error_default
];
var middleware_insertion_facade_default = worker_default;

// ../../node_modules/wrangler/templates/middleware/common.ts
var __facade_middleware__ = [];
function __facade_register__(...args) {
  __facade_middleware__.push(...args.flat());
}
__name(__facade_register__, "__facade_register__");
function __facade_invokeChain__(request, env, ctx, dispatch, middlewareChain) {
  const [head, ...tail] = middlewareChain;
  const middlewareCtx = {
    dispatch,
    next(newRequest, newEnv) {
      return __facade_invokeChain__(newRequest, newEnv, ctx, dispatch, tail);
    }
  };
  return head(request, env, ctx, middlewareCtx);
}
__name(__facade_invokeChain__, "__facade_invokeChain__");
function __facade_invoke__(request, env, ctx, dispatch, finalMiddleware) {
  return __facade_invokeChain__(request, env, ctx, dispatch, [
    ...__facade_middleware__,
    finalMiddleware
  ]);
}
__name(__facade_invoke__, "__facade_invoke__");

// .wrangler/tmp/bundle-uQjKJI/middleware-loader.entry.ts
var __Facade_ScheduledController__ = class ___Facade_ScheduledController__ {
  constructor(scheduledTime, cron, noRetry) {
    this.scheduledTime = scheduledTime;
    this.cron = cron;
    this.#noRetry = noRetry;
  }
  static {
    __name(this, "__Facade_ScheduledController__");
  }
  #noRetry;
  noRetry() {
    if (!(this instanceof ___Facade_ScheduledController__)) {
      throw new TypeError("Illegal invocation");
    }
    this.#noRetry();
  }
};
function wrapExportedHandler(worker) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return worker;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  const fetchDispatcher = /* @__PURE__ */ __name(function(request, env, ctx) {
    if (worker.fetch === void 0) {
      throw new Error("Handler does not export a fetch() function.");
    }
    return worker.fetch(request, env, ctx);
  }, "fetchDispatcher");
  return {
    ...worker,
    fetch(request, env, ctx) {
      const dispatcher = /* @__PURE__ */ __name(function(type, init) {
        if (type === "scheduled" && worker.scheduled !== void 0) {
          const controller = new __Facade_ScheduledController__(
            Date.now(),
            init.cron ?? "",
            () => {
            }
          );
          return worker.scheduled(controller, env, ctx);
        }
      }, "dispatcher");
      return __facade_invoke__(request, env, ctx, dispatcher, fetchDispatcher);
    }
  };
}
__name(wrapExportedHandler, "wrapExportedHandler");
function wrapWorkerEntrypoint(klass) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return klass;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  return class extends klass {
    #fetchDispatcher = /* @__PURE__ */ __name((request, env, ctx) => {
      this.env = env;
      this.ctx = ctx;
      if (super.fetch === void 0) {
        throw new Error("Entrypoint class does not define a fetch() function.");
      }
      return super.fetch(request);
    }, "#fetchDispatcher");
    #dispatcher = /* @__PURE__ */ __name((type, init) => {
      if (type === "scheduled" && super.scheduled !== void 0) {
        const controller = new __Facade_ScheduledController__(
          Date.now(),
          init.cron ?? "",
          () => {
          }
        );
        return super.scheduled(controller);
      }
    }, "#dispatcher");
    fetch(request) {
      return __facade_invoke__(
        request,
        this.env,
        this.ctx,
        this.#dispatcher,
        this.#fetchDispatcher
      );
    }
  };
}
__name(wrapWorkerEntrypoint, "wrapWorkerEntrypoint");
var WRAPPED_ENTRY;
if (typeof middleware_insertion_facade_default === "object") {
  WRAPPED_ENTRY = wrapExportedHandler(middleware_insertion_facade_default);
} else if (typeof middleware_insertion_facade_default === "function") {
  WRAPPED_ENTRY = wrapWorkerEntrypoint(middleware_insertion_facade_default);
}
var middleware_loader_entry_default = WRAPPED_ENTRY;
export {
  __INTERNAL_WRANGLER_MIDDLEWARE__,
  middleware_loader_entry_default as default
};
//# sourceMappingURL=worker.js.map
