//! The end-to-end harness: builds the Worker once (a fast dev build), starts
//! `wrangler dev` on a free port with a fresh local D1, applies the
//! migrations, waits for `/healthz`, and stops the process group it started.
//! Also a small HTTP client with a cookie jar, so tests read like a browser.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wrangler() -> PathBuf {
    root().join("node_modules/.bin/wrangler")
}

/// Builds the Worker (dev profile) once for the whole run.
pub fn build_worker() -> Result<(), String> {
    let status = Command::new("sh")
        .arg(root().join("scripts/build"))
        .arg("--dev")
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run scripts/build: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("scripts/build --dev failed: {status}"))
    }
}

/// The first port [`free_port`] tries, and how many it may try.
const PORT_BASE: u16 = 20_000;
const PORT_SPAN: u16 = 12_000;
static NEXT_PORT: AtomicU64 = AtomicU64::new(0);

/// A port nobody listens on, below the kernel's ephemeral range (32768 and
/// up on Linux). A port-0 bind would come from that range, where workerd's
/// own sockets and every outgoing connection take theirs: the port could be
/// taken again between this check and wrangler's bind (seen in CI as
/// `Address already in use` when a server restarted). Ports are handed out
/// in turn from a place that depends on the process id, so that two test
/// runs on one machine seldom meet.
fn free_port() -> Result<u16, String> {
    let start = u64::from(std::process::id()) * 97;
    for _ in 0..PORT_SPAN {
        let turn = (start + NEXT_PORT.fetch_add(1, Ordering::SeqCst)) % u64::from(PORT_SPAN);
        let port = PORT_BASE + u16::try_from(turn).map_err(|e| e.to_string())?;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err(format!(
        "no free port in {PORT_BASE}..{}",
        PORT_BASE + PORT_SPAN
    ))
}

static STATE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh directory for one server's local D1 state.
pub fn fresh_state_dir(label: &str) -> Result<PathBuf, String> {
    let n = STATE_COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = root()
        .join("target/e2e-state")
        .join(format!("{}-{label}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Applies every migration to the local D1 kept in `state_dir`. Local
/// wrangler sometimes fails on an internal assertion of its own (`false ==
/// true`, seen under heavy CPU load) before running any SQL; such a run is
/// retried on an empty database, twice at most. A migration that really
/// fails fails every attempt, and the last error is reported.
pub fn apply_migrations(state_dir: &Path) -> Result<(), String> {
    let mut last_error = String::new();
    for attempt in 1..=3 {
        match apply_migrations_once(state_dir) {
            Ok(()) => return Ok(()),
            Err(e) => {
                eprintln!("harness: applying migrations, attempt {attempt} failed: {e}");
                last_error = e;
                // The local D1 wrangler keeps under the state directory.
                let _ = std::fs::remove_dir_all(state_dir.join("v3"));
            }
        }
    }
    Err(last_error)
}

fn apply_migrations_once(state_dir: &Path) -> Result<(), String> {
    let output = Command::new(wrangler())
        .args(["d1", "migrations", "apply", "DB", "--local", "--persist-to"])
        .arg(state_dir)
        .current_dir(root())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run wrangler: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "migrations failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Why a server did not start: wrangler exited before answering (worth
/// one more try), or anything else.
enum StartError {
    Exited(String),
    Other(String),
}

impl StartError {
    fn into_message(self) -> String {
        match self {
            StartError::Exited(m) | StartError::Other(m) => m,
        }
    }
}

impl From<String> for StartError {
    fn from(message: String) -> Self {
        StartError::Other(message)
    }
}

/// A running `wrangler dev`; stopped (with its whole process group) on drop.
pub struct Server {
    pub base_url: String,
    pub state_dir: PathBuf,
    child: Mutex<Child>,
    log_path: PathBuf,
}

impl Server {
    /// Starts `wrangler dev` on `state_dir` with extra `--var NAME:VALUE`s.
    /// When wrangler exits before the Worker answers (its workerd could not
    /// bind a port that something took meanwhile), it is started once more
    /// on other ports; a server that cannot start fails both times.
    pub fn start(state_dir: PathBuf, vars: &[(&str, &str)]) -> Result<Server, String> {
        match Server::start_once(state_dir.clone(), vars) {
            Err(StartError::Exited(log)) => {
                eprintln!(
                    "harness: wrangler dev exited before answering, starting it again: {log}"
                );
                Server::start_once(state_dir, vars).map_err(StartError::into_message)
            }
            other => other.map_err(StartError::into_message),
        }
    }

    fn start_once(state_dir: PathBuf, vars: &[(&str, &str)]) -> Result<Server, StartError> {
        let port = free_port()?;
        // Each server needs its own inspector port too (wrangler's default,
        // 9229, is taken by the first one).
        let inspector_port = free_port()?;
        let log_path = state_dir.join("wrangler.log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let mut command = Command::new(wrangler());
        command
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &inspector_port.to_string()])
            .args(["--test-scheduled", "--show-interactive-dev-session=false"])
            .arg("--persist-to")
            .arg(&state_dir)
            .current_dir(root())
            .env("PAYBOOK_SKIP_BUILD", "1")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "true")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        for (name, value) in vars {
            command.arg("--var").arg(format!("{name}:{value}"));
        }
        {
            use std::os::unix::process::CommandExt;
            // Its own process group, so that stopping it stops workerd too.
            command.process_group(0);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start wrangler dev: {e}"))?;
        let server = Server {
            base_url: format!("http://127.0.0.1:{port}"),
            state_dir,
            child: Mutex::new(child),
            log_path,
        };
        server.wait_until_listening()?;
        Ok(server)
    }

    /// Waits (bounded) until the Worker itself answers `/healthz`: any
    /// status counts, since some tests start servers that must answer 503,
    /// but the answer must be the Worker's JSON (`"status"`), not one that
    /// `wrangler dev`'s proxy gives while the Worker is still loading (an
    /// empty 404 then reached a test's first request under load).
    fn wait_until_listening(&self) -> Result<(), StartError> {
        let deadline = Instant::now() + Duration::from_secs(90);
        let client = Client::new(&self.base_url);
        while Instant::now() < deadline {
            if let Ok(mut child) = self.child.lock() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(StartError::Exited(format!(
                        "wrangler dev exited ({status}): {}",
                        self.log()
                    )));
                }
            }
            let answered = client.try_get("/healthz").is_some_and(|r| {
                serde_json::from_str::<serde_json::Value>(&r.body)
                    .is_ok_and(|v| v.get("status").is_some())
            });
            if answered {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(StartError::Other(format!(
            "wrangler dev did not answer within 90 s: {}",
            self.log()
        )))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base_url)
    }

    /// The local D1 database file, for checks that must read what was stored.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        find_sqlite(&self.state_dir.join("v3/d1"))
    }

    /// A read-only connection to the local D1 database: tests read what the
    /// worker stored (hashes, sealed credentials, traces), never write.
    pub fn db(&self) -> rusqlite::Connection {
        let path = self.sqlite_path().expect("local D1 file exists");
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open local D1 read-only")
    }
}

/// The local D1 file of a state directory (for a server that is stopped).
pub fn find_sqlite_in(state_dir: &Path) -> Option<PathBuf> {
    find_sqlite(&state_dir.join("v3/d1"))
}

fn find_sqlite(dir: &Path) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_sqlite(&path) {
                return Some(found);
            }
        } else if path.extension().is_some_and(|e| e == "sqlite")
            && !path.to_string_lossy().contains("metadata")
        {
            return Some(path);
        }
    }
    None
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.lock() {
            let pgid = child.id();
            let _ = Command::new("kill")
                .arg("--")
                .arg(format!("-{pgid}"))
                .status();
            let _ = child.wait();
        }
    }
}

/// An answer, with its headers lower-cased.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A browser-like client: keeps cookies, never follows redirects.
pub struct Client {
    base_url: String,
    agent: ureq::Agent,
    cookies: Mutex<BTreeMap<String, String>>,
    /// Each client comes from its own address (as Cloudflare reports it in
    /// CF-Connecting-IP), so that rate limits of one test never hit another.
    pub ip: String,
}

impl Client {
    pub fn new(base_url: &str) -> Client {
        static N: AtomicU64 = AtomicU64::new(1);
        let n = N.fetch_add(1, Ordering::SeqCst);
        Client {
            base_url: base_url.to_string(),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(60))
                .build(),
            cookies: Mutex::new(BTreeMap::new()),
            ip: format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().ok()?.get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        if let Ok(mut jar) = self.cookies.lock() {
            jar.insert(name.to_string(), value.to_string());
        }
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> ureq::Request {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base_url)
        };
        let mut req = self
            .agent
            .request(method, &url)
            .set("CF-Connecting-IP", &self.ip);
        let jar = self.cookies.lock().map(|j| j.clone()).unwrap_or_default();
        if !jar.is_empty() {
            let cookie: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.set("Cookie", &cookie.join("; "));
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        req
    }

    fn read(&self, result: Result<ureq::Response, ureq::Error>) -> Option<Resp> {
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(ureq::Error::Transport(_)) => return None,
        };
        let status = response.status();
        let mut headers = Vec::new();
        for name in response.headers_names() {
            for value in response.all(&name) {
                headers.push((name.to_ascii_lowercase(), value.to_string()));
            }
        }
        for cookie in headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v)
        {
            let pair = cookie.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if let Ok(mut jar) = self.cookies.lock() {
                    if cookie.to_ascii_lowercase().contains("max-age=0") {
                        jar.remove(k.trim());
                    } else {
                        jar.insert(k.trim().to_string(), v.trim().to_string());
                    }
                }
            }
        }
        let mut body = String::new();
        let _ = response
            .into_reader()
            .take(10_000_000)
            .read_to_string(&mut body);
        Some(Resp {
            status,
            headers,
            body,
        })
    }

    pub fn try_get(&self, path: &str) -> Option<Resp> {
        self.read(self.request("GET", path, &[]).call())
    }

    pub fn get(&self, path: &str) -> Resp {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.read(self.request("GET", path, headers).call())
            .unwrap_or_else(|| panic!("GET {path}: no answer"))
    }

    pub fn get_json(&self, path: &str) -> Resp {
        self.get_with(path, &[("Accept", "application/json")])
    }

    /// POSTs a form (urlencoded).
    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.post_form_with(path, fields, &[])
    }

    pub fn post_form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        self.posted(|| self.read(self.request("POST", path, headers).send_form(fields)))
            .unwrap_or_else(|| panic!("POST {path}: no answer"))
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> Resp {
        self.posted(|| {
            self.read(
                self.request("POST", path, &[("Content-Type", content_type)])
                    .send_bytes(body),
            )
        })
        .unwrap_or_else(|| panic!("POST {path}: no answer"))
    }

    /// Any method with headers and an optional raw body (the API's calls).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let go = || {
            let req = self.request(method, path, headers);
            self.read(match body {
                Some(bytes) => req.send_bytes(bytes),
                None => req.call(),
            })
        };
        if method == "POST" {
            self.posted(go)
        } else {
            go()
        }
        .unwrap_or_else(|| panic!("{method} {path}: no answer"))
    }

    /// Sends a POST, once more when `wrangler dev` itself answered that the
    /// local runtime restarted under it (its own 503, which it retries for
    /// GET and HEAD but not for POST: "Please try sending the request
    /// again"). That answer is the dev server's, not the Worker's; any
    /// other answer, the Worker's own 503s included, is returned as it is.
    fn posted(&self, send: impl Fn() -> Option<Resp>) -> Option<Resp> {
        let first = send()?;
        if first.status == 503 && first.body.contains(WRANGLER_RESTARTED) {
            return send();
        }
        Some(first)
    }
}

/// What `wrangler dev`'s proxy answers (503) when the local runtime
/// restarted during a request.
const WRANGLER_RESTARTED: &str = "Your worker restarted mid-request";

/// A unique e-mail address per call, so that tests can share one server.
pub fn unique_email(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}-{}-{n}@example.org", std::process::id())
}

/// A merchant account of a card provider's emulator (spec `providers.md`
/// §5), as its JSON gives it, registered on PayBook by a seller.
#[derive(Clone, Debug)]
pub struct CardSeller {
    /// The seller's PayBook e-mail (also the merchant's).
    pub email: String,
    /// The merchant's public name: Sips' merchant id, Monetico's TPE.
    pub public_ref: String,
    /// The emulator's answer (credentials and `balance`).
    pub merchant: serde_json::Value,
}

/// Creates a Sips merchant for `email` at the emulator, then registers
/// (signed in on `client`) with `psp=sips` and its credentials.
pub fn register_sips_seller(client: &Client, email: &str) -> CardSeller {
    let merchant = card_merchant(client, "sips", email);
    let s = |k: &str| json_text(&merchant, k);
    let public_ref = s("sips_merchant_id");
    let fields = [
        ("sips_merchant_id", public_ref.clone()),
        ("sips_secret_key", s("sips_secret_key")),
        ("sips_key_version", s("sips_key_version")),
    ];
    register_card_seller(client, email, "sips", &fields);
    CardSeller {
        email: email.to_string(),
        public_ref,
        merchant,
    }
}

/// Creates a Monetico merchant (TPE) for `email` at the emulator, then
/// registers (signed in on `client`) with `psp=monetico` and its
/// credentials.
pub fn register_monetico_seller(client: &Client, email: &str) -> CardSeller {
    let merchant = card_merchant(client, "monetico", email);
    let s = |k: &str| json_text(&merchant, k);
    let public_ref = s("monetico_tpe");
    let fields = [
        ("monetico_tpe", public_ref.clone()),
        ("monetico_societe", s("monetico_societe")),
        ("monetico_key", s("monetico_key")),
    ];
    register_card_seller(client, email, "monetico", &fields);
    CardSeller {
        email: email.to_string(),
        public_ref,
        merchant,
    }
}

/// `POST /_emulator/{provider}/accounts` (JSON): the merchant for `email`.
fn card_merchant(client: &Client, provider: &str, email: &str) -> serde_json::Value {
    let r = client.post_form_with(
        &format!("/_emulator/{provider}/accounts"),
        &[("email", email)],
        &[("Accept", "application/json")],
    );
    assert!(
        r.status == 201 || r.status == 200,
        "{provider} emulator account: {} {}",
        r.status,
        r.body
    );
    r.json()
}

/// A JSON field as text (a number, such as `sips_key_version`, too).
fn json_text(value: &serde_json::Value, key: &str) -> String {
    match &value[key] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Registers `email` with a receiving account at `provider`.
fn register_card_seller(client: &Client, email: &str, provider: &str, fields: &[(&str, String)]) {
    let token = crate::flows::csrf(client, "/register");
    let mut form = vec![
        ("csrf_token", token),
        ("email", email.to_string()),
        ("password", crate::flows::PASSWORD.to_string()),
        ("psp", provider.to_string()),
        ("accept_terms", "on".to_string()),
    ];
    form.extend(fields.iter().map(|(k, v)| (*k, v.clone())));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = client.post_form("/register", &pairs);
    assert_eq!(r.status, 303, "register with {provider}: {}", r.body);
}
