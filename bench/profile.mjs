// A CPU profile of a Worker's isolate while wrk loads one path: where the
// isolate's time goes (idle, our wasm, the JS glue, the D1 client, V8's
// builtins), not a budget. Talks to `wrangler dev --inspector-port` with
// the DevTools protocol; never part of .ci/run.
//
//   node bench/profile.mjs INSPECTOR_PORT PORT PATH [SECONDS]
//
// Prints the requests wrk made, the isolate's busy milliseconds per request
// and its time by category and by function (TOP=n, default 25). For wasm
// function names, profile a build with symbols (`strip = false` in
// Cargo.toml's release profile and `-g` among the wasm-opt flags).
import { execFileSync } from "node:child_process";
// The `ws` package (package.json): Node 20's own WebSocket is experimental,
// and wrangler's inspector proxy refuses its handshake.
import WebSocket from "ws";

const [inspectorPort, serverPort, path, seconds = "6"] = process.argv.slice(2);
if (!path) {
  console.error("usage: profile.mjs INSPECTOR_PORT PORT PATH [SECONDS]");
  process.exit(2);
}
const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
await new Promise((resolve, reject) => {
  ws.onopen = resolve;
  ws.onerror = reject;
});
let lastId = 0;
const pending = new Map();
ws.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.id && pending.has(message.id)) {
    pending.get(message.id)(message);
    pending.delete(message.id);
  }
};
const send = (method, params = {}) =>
  new Promise((resolve) => {
    lastId += 1;
    pending.set(lastId, resolve);
    ws.send(JSON.stringify({ id: lastId, method, params }));
  });

await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
const wrk = execFileSync("wrk", ["-t2", "-c16", `-d${seconds}s`, `http://127.0.0.1:${serverPort}${path}`], {
  encoding: "utf8",
});
const { result } = await send("Profiler.stop");
ws.close();

const requests = Number((wrk.match(/(\d+) requests in/) || [])[1] || 0);
const profile = result.profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const byCategory = new Map();
const byFunction = new Map();
let total = 0;
const add = (map, key, us) => map.set(key, (map.get(key) || 0) + us);
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] || 0;
  const frame = nodes.get(id).callFrame;
  const file = frame.url.split("/").pop();
  const category = frame.url.startsWith("wasm://")
    ? "wasm"
    : frame.url.includes("d1-api")
      ? "D1 client (JS)"
      : frame.url
        ? `JS ${file}`
        : frame.functionName.startsWith("(")
          ? frame.functionName
          : "V8 builtins";
  add(byCategory, category, us);
  add(byFunction, `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`, us);
  total += us;
});
const idle = byCategory.get("(idle)") || 0;
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${path}: ${requests} requests in ${seconds} s; ${(total / 1000).toFixed(0)} ms sampled`);
if (requests > 0) {
  console.log(`busy per request: ${((total - idle) / 1000 / requests).toFixed(2)} ms`);
}
for (const [key, us] of [...byCategory].sort((a, b) => b[1] - a[1])) {
  console.log(`  ${pct(us)}  ${key}`);
}
console.log("by function (self time):");
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP || 25))) {
  console.log(`  ${pct(us)}  ${key.slice(0, 140)}`);
}
