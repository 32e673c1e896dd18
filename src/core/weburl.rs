//! The few parts of an absolute http(s) URL the shell reads: origin, host,
//! path and query. The request's URL comes already parsed and normalised by
//! the Workers runtime (WHATWG), and the others are the operator's settings
//! or the emulators' return URLs, so a strict split is enough. It replaces
//! the `url` crate, whose IDNA and Unicode normalisation code and tables
//! made up a large share of the wasm (issue 22) for URLs that need neither.

/// An absolute `http`/`https` URL with an ASCII host and no user info;
/// anything else does not parse (never guessed at: it decides redirects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUrl {
    /// `scheme://host[:port]`, lower case, the scheme's default port left out.
    origin: String,
    /// Where the host starts and ends in `origin`.
    host: (usize, usize),
    /// From the first `/` to the query or fragment; `/` when empty.
    path: String,
    /// After `?`, before `#`.
    query: Option<String>,
}

impl WebUrl {
    pub fn parse(text: &str) -> Option<WebUrl> {
        let (scheme, rest) = text.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => "80",
            "https" => "443",
            _ => return None,
        };
        if rest.bytes().any(|b| b <= b' ' || b == b'\\' || b >= 0x7f) {
            return None;
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let authority = authority.to_ascii_lowercase();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => (h, Some(p)),
            _ => (authority.as_str(), None),
        };
        let host_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        let ipv6 = host.starts_with('[')
            && host.ends_with(']')
            && host[1..host.len() - 1]
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        if host.is_empty() || !(ipv6 || host.chars().all(host_ok)) {
            return None;
        }
        let port = match port {
            Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) => return None,
            Some(p) if p.trim_start_matches('0') == default_port => None,
            Some(p) => Some(p.parse::<u16>().ok()?),
            None => None,
        };
        let origin = match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        };
        let host_start = scheme.len() + 3;
        let tail = tail.split('#').next().unwrap_or("");
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q.to_string())),
            None => (tail, None),
        };
        Some(WebUrl {
            host: (host_start, host_start + host.len()),
            origin,
            path: if path.is_empty() { "/" } else { path }.to_string(),
            query,
        })
    }

    /// `scheme://host[:port]`, as browsers compare origins.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn scheme(&self) -> &str {
        &self.origin[..self.host.0 - 3]
    }

    /// The host, lower case; an IPv6 address in its brackets.
    pub fn host_str(&self) -> &str {
        &self.origin[self.host.0..self.host.1]
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The query's `name=value` pairs, percent- and `+`-decoded, in order
    /// (an undecodable query reads as empty).
    pub fn query_pairs(&self) -> impl Iterator<Item = (String, String)> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(self.query.as_deref().unwrap_or("")).unwrap_or_default();
        pairs.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::WebUrl;

    fn parts(text: &str) -> (String, String, String, Option<String>) {
        let u = WebUrl::parse(text).expect(text);
        let query = u.query().map(str::to_string);
        (
            u.origin().into(),
            u.host_str().into(),
            u.path().into(),
            query,
        )
    }

    #[test]
    fn the_origin_is_lower_case_without_the_default_port_and_the_path_at_least_a_slash() {
        let p = |o: &str, h: &str, path: &str, q: Option<&str>| {
            (o.into(), h.into(), path.into(), q.map(String::from))
        };
        assert_eq!(
            parts("HTTPS://PayBook.Example:443"),
            p("https://paybook.example", "paybook.example", "/", None)
        );
        assert_eq!(
            parts("http://127.0.0.1:8787/titles/X?lang=fr&a=1#top"),
            p(
                "http://127.0.0.1:8787",
                "127.0.0.1",
                "/titles/X",
                Some("lang=fr&a=1")
            )
        );
        assert_eq!(
            parts("http://[::1]:8787/x"),
            p("http://[::1]:8787", "[::1]", "/x", None)
        );
        assert_eq!(
            parts("http://localhost:80?q"),
            p("http://localhost", "localhost", "/", Some("q"))
        );
        assert_eq!(
            WebUrl::parse("https://a.example/").map(|u| u.scheme().to_string()),
            Some("https".into())
        );
    }

    #[test]
    fn what_a_browser_could_read_otherwise_does_not_parse() {
        for bad in [
            "javascript:alert(1)",
            "//paybook.example/",
            "ftp://paybook.example/",
            "https://user@evil.example/",
            "https://paybook.example\\@evil.example/",
            "https://evil.example /",
            "https://exämple.org/",
            "https://:443/",
            "https://a.example:99999/",
            "https://a.example:/",
        ] {
            assert_eq!(WebUrl::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn query_pairs_are_decoded_in_order() {
        let u = WebUrl::parse("https://a.example/p?to=a%40b.example&x=1+2&to=c").expect("url");
        let pairs: Vec<(String, String)> = u.query_pairs().collect();
        assert_eq!(
            pairs,
            vec![
                ("to".into(), "a@b.example".into()),
                ("x".into(), "1 2".into()),
                ("to".into(), "c".into()),
            ]
        );
    }
}
