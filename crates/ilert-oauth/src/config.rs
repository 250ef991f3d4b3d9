//! What one ilert OAuth app is: its client id, the endpoints it talks to,
//! where the browser comes back, and what it asks for; and the account a
//! sign-in yields. Where these values come from (a file, flags, the
//! environment) is the app's business, not this crate's.

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;

/// ilert's hosts, used when no URL is configured.
pub const DEFAULT_AUTH_BASE: &str = "https://app.ilert.com";
pub const DEFAULT_API_BASE: &str = "https://api.ilert.com";

/// The account a stored refresh token belongs to; names its keyring entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The API base the tokens were issued by, e.g. `https://api.ilert.com`.
    pub issuer: String,
    pub tenant: String,
    pub username: String,
}

impl Account {
    /// The keyring "user" of this account's entry.
    pub fn key(&self) -> String {
        format!("{}/{} @ {}", self.tenant, self.username, self.issuer)
    }
}

/// One ilert OAuth app, resolved and checked: everything a sign-in, a
/// refresh or a revoke needs, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    pub client_id: String,
    pub endpoints: Endpoints,
    /// Registered in the ilert app (exact match, port included; port 0 picks one).
    pub redirect_uri: String,
    /// Space-separated.
    pub scopes: String,
    /// The tenant asked for, lower-case; recorded in the account when ilert does not say.
    pub tenant: Option<String>,
}

/// Where each request goes, resolved and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: Url,
    pub token: Url,
    pub token_info: Url,
    pub revoke: Url,
    /// REST base, ending in `/api/`.
    pub api: Url,
    /// The API origin: the issuer recorded with stored tokens.
    pub issuer: String,
}

impl Endpoints {
    /// Resolves the endpoints: authorize on the tenant's host when a tenant
    /// is set (it skips ilert's login step), token/token_info/revoke on the
    /// API host; ilert's own hosts where nothing is given.
    pub fn resolve(auth_url: Option<&str>, tenant: Option<&str>, api_url: Option<&str>) -> Result<Endpoints, Error> {
        let auth_base = match (nonempty(auth_url), nonempty(tenant)) {
            (Some(u), _) => u.to_string(),
            (None, Some(t)) => {
                if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(Error::Config(format!("tenant '{t}' is not a valid ilert tenant name")));
                }
                format!("https://{}.ilert.com", t.to_ascii_lowercase())
            }
            (None, None) => DEFAULT_AUTH_BASE.to_string(),
        };
        let auth = checked_base(&auth_base, "auth URL")?;
        let api = checked_base(nonempty(api_url).unwrap_or(DEFAULT_API_BASE), "API URL")?;
        let join = |base: &Url, p: &str| base.join(p).map_err(|e| Error::Config(format!("{p}: {e}")));
        Ok(Endpoints {
            authorize: join(&auth, "api/developers/oauth2/authorize")?,
            token: join(&api, "api/developers/oauth2/token")?,
            token_info: join(&api, "api/developers/oauth2/token_info")?,
            revoke: join(&api, "api/developers/oauth2/revoke")?,
            api: join(&api, "api/")?,
            issuer: api.as_str().trim_end_matches('/').to_string(),
        })
    }
}

/// Parses a base URL; plain `http://` is allowed only to a loopback host,
/// so tokens never cross a network in clear.
pub fn checked_base(raw: &str, what: &str) -> Result<Url, Error> {
    let mut url = Url::parse(raw).map_err(|e| Error::Config(format!("{what} '{raw}' is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => return Err(Error::Config(format!("{what} '{raw}' uses http:// to a non-loopback host; use https://"))),
        s => return Err(Error::Config(format!("{what} '{raw}' has unsupported scheme '{s}'"))),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!("{what} '{raw}' must not carry a query, fragment or credentials")));
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

fn nonempty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_ilerts_hosts() {
        let e = Endpoints::resolve(None, None, None).unwrap();
        assert_eq!(e.authorize.as_str(), "https://app.ilert.com/api/developers/oauth2/authorize");
        assert_eq!(e.token.as_str(), "https://api.ilert.com/api/developers/oauth2/token");
        assert_eq!(e.revoke.as_str(), "https://api.ilert.com/api/developers/oauth2/revoke");
        assert_eq!(e.api.as_str(), "https://api.ilert.com/api/");
        let t = Endpoints::resolve(None, Some("Acme"), None).unwrap();
        assert_eq!(t.authorize.as_str(), "https://acme.ilert.com/api/developers/oauth2/authorize");
        assert_eq!(t.token.host_str(), Some("api.ilert.com"));
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in ["http://127.0.0.1:4599", "http://localhost:1", "http://[::1]:8080/", "https://example.com"] {
            assert!(checked_base(ok, "x").is_ok(), "{ok}");
        }
        for bad in ["http://example.com", "http://10.0.0.1", "ftp://127.0.0.1", "https://u:p@example.com", "nonsense"] {
            assert!(checked_base(bad, "x").is_err(), "{bad}");
        }
        assert!(matches!(Endpoints::resolve(None, None, Some("http://evil.example")), Err(Error::Config(_))));
        assert!(Endpoints::resolve(None, Some("a.b/c"), None).is_err());
    }
}
