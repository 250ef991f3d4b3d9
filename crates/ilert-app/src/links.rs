//! Links that open an alert in the app: `ilert-desktop://alert/ID` (from a
//! chat message, a runbook, another tool), and an alert's page in ilert's
//! web app pasted into the window. One parser, so the OS's link handler, a
//! second launch and a paste all read a link alike.

use ilert_oauth::config::is_loopback_host;
use url::Url;

/// The URL scheme the installers register (`x-scheme-handler/ilert-desktop`).
pub const SCHEME: &str = "ilert-desktop";

/// The alert a link names, if it names one. ilert's web app has shown an
/// alert at `/alert/view.jsf?id=ID` and, before alerts were called so,
/// `/incident/view.jsf?id=ID` (ilert's own browser extension still links
/// there); both are read, on ilert's hosts or loopback (the sandbox) only.
pub fn alert_in(link: &str) -> Option<i64> {
    let url = Url::parse(link.trim()).ok()?;
    let id = match url.scheme() {
        SCHEME if url.host_str() == Some("alert") => url.path().trim_matches('/').to_string(),
        "https" | "http" if is_web_app_host(&url) && matches!(url.path(), "/alert/view.jsf" | "/incident/view.jsf") => {
            url.query_pairs().find(|(k, _)| k == "id")?.1.into_owned()
        }
        _ => return None,
    };
    // ilert's ids are positive 64-bit numbers, written in digits only.
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse::<i64>().ok().filter(|id| *id > 0)
}

fn is_web_app_host(url: &Url) -> bool {
    is_loopback_host(url) || (url.scheme() == "https" && url.host_str().is_some_and(|d| d == "ilert.com" || d.ends_with(".ilert.com")))
}

#[cfg(test)]
mod tests {
    use super::alert_in;

    #[test]
    fn app_links_and_ilert_pages_name_their_alert() {
        for (link, id) in [
            ("ilert-desktop://alert/123", 123),
            ("ilert-desktop://alert/123/", 123),
            ("  ilert-desktop://alert/42\n", 42),
            ("https://acme.ilert.com/alert/view.jsf?id=77", 77),
            ("https://app.ilert.com/incident/view.jsf?id=78&tab=log", 78),
            ("http://127.0.0.1:4599/alert/view.jsf?id=5", 5),
        ] {
            assert_eq!(alert_in(link), Some(id), "{link}");
        }
    }

    #[test]
    fn anything_else_names_none() {
        for link in [
            "",
            "hello",
            "ilert-desktop://alert/",
            "ilert-desktop://alert/abc",
            "ilert-desktop://alert/-3",
            "ilert-desktop://alert/0",
            "ilert-desktop://alert/99999999999999999999",
            "ilert-desktop://source/5",
            "https://evil.example/alert/view.jsf?id=5",
            "https://ilert.com.evil.example/alert/view.jsf?id=5",
            "http://acme.ilert.com/alert/view.jsf?id=5",
            "https://acme.ilert.com/source/view.jsf?id=5",
            "https://acme.ilert.com/alert/view.jsf",
            "https://acme.ilert.com/alert/view.jsf?id=+5",
        ] {
            assert_eq!(alert_in(link), None, "{link:?}");
        }
    }
}
