//! The files under `/static/`, built into the Worker: the style sheet, the
//! card checkout's auto-submit and the forms' checks (`static/forms.js`,
//! issue 21). The forms script is named by a hash of its content in its
//! URL, so that it is cached for a year and a new version is fetched at
//! once; the CSP stays `script-src 'self'` (no inline script anywhere).

use worker::Response;

const SITE_CSS: &str = include_str!("../../../static/site.css");
const AUTOSUBMIT_JS: &str = include_str!("../../../static/autosubmit.js");
const FORMS_JS: &str = include_str!("../../../static/forms.js");

/// FNV-1a (64 bits) of the forms script, computed when the Worker is built.
const FORMS_JS_HASH: u64 = {
    let bytes = FORMS_JS.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
};

/// Where pages load the forms script from (`base.html`).
pub fn forms_js_url() -> String {
    format!("/static/forms.js?v={FORMS_JS_HASH:016x}")
}

/// The body, content type and cache lifetime of a static file, if `path`
/// names one.
fn asset(path: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match path {
        "/static/site.css" => Some((SITE_CSS, "text/css; charset=utf-8", "public, max-age=3600")),
        "/static/autosubmit.js" => Some((
            AUTOSUBMIT_JS,
            "text/javascript; charset=utf-8",
            "public, max-age=3600",
        )),
        // Its URL changes with its content (`forms_js_url`).
        "/static/forms.js" => Some((
            FORMS_JS,
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        )),
        _ => None,
    }
}

/// The static file at `path`, without the security headers (the caller
/// adds them), or `None` when there is none.
pub fn response(path: &str) -> worker::Result<Option<Response>> {
    let Some((body, content_type, cache)) = asset(path) else {
        return Ok(None);
    };
    let mut response = Response::ok(body)?;
    response.headers_mut().set("Content-Type", content_type)?;
    response.headers_mut().set("Cache-Control", cache)?;
    Ok(Some(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_script_url_names_its_content() {
        let url = forms_js_url();
        assert_eq!(url.len(), "/static/forms.js?v=".len() + 16, "{url}");
        assert!(asset("/static/forms.js").is_some_and(|(_, _, cache)| cache.contains("immutable")));
        assert!(asset("/static/other.js").is_none());
    }
}
