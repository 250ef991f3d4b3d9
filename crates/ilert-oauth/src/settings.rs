//! Non-secret settings (client id, tenant, endpoints, redirect URI, scopes)
//! and the endpoints they resolve to.
//!
//! One JSON file in the OS config directory is shared by the app and the
//! command line, so a sign-in from either is seen by the other. A profile
//! gets its own file (and its own keyring service), so accounts and test runs
//! never collide. Tokens are never written here.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Error;

/// The app's identifier: its config directory and keyring service name.
pub const APP_ID: &str = "com.ilert.desktop";
/// The redirect URI to register in the ilert app (exact match, port included).
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:4598/callback";
/// What the dashboard reads, plus a refresh token so the app stays signed in.
pub const DEFAULT_SCOPES: &str = "profile schedule policy source offline_access";
pub const DEFAULT_AUTH_BASE: &str = "https://app.ilert.com";
pub const DEFAULT_API_BASE: &str = "https://api.ilert.com";

/// The account a stored refresh token belongs to; names its keyring entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// What the settings file holds. Every field is optional: unset means the
/// default, and the environment (or command-line flags) override the file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub client_id: Option<String>,
    pub tenant: Option<String>,
    pub auth_url: Option<String>,
    pub api_url: Option<String>,
    pub redirect_uri: Option<String>,
    pub scopes: Option<String>,
    /// Set after a sign-in: whose refresh token the keyring holds.
    pub account: Option<Account>,
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

impl Settings {
    pub fn redirect_uri(&self) -> &str {
        nonempty(&self.redirect_uri).unwrap_or(DEFAULT_REDIRECT_URI)
    }

    pub fn scopes(&self) -> &str {
        nonempty(&self.scopes).unwrap_or(DEFAULT_SCOPES)
    }

    pub fn client_id(&self) -> Option<&str> {
        nonempty(&self.client_id)
    }

    /// Resolves the endpoints: authorize on the tenant's host when a tenant
    /// is set (it skips ilert's login step), token/token_info/revoke on the API host.
    pub fn endpoints(&self) -> Result<Endpoints, Error> {
        let auth_base = match (nonempty(&self.auth_url), nonempty(&self.tenant)) {
            (Some(u), _) => u.to_string(),
            (None, Some(t)) => {
                if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(Error::Config(format!("tenant '{t}' is not a valid ilert tenant name")));
                }
                format!("https://{}.ilert.com", t.to_ascii_lowercase())
            }
            (None, None) => DEFAULT_AUTH_BASE.to_string(),
        };
        let api_base = nonempty(&self.api_url).unwrap_or(DEFAULT_API_BASE);
        let auth = checked_base(&auth_base, "auth URL")?;
        let api = checked_base(api_base, "API URL")?;
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

    /// Overlays the set fields of `other` on these settings.
    pub fn overlay(mut self, other: Settings) -> Settings {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(client_id, tenant, auth_url, api_url, redirect_uri, scopes, account);
        self
    }
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
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

/// Whether a base URL may be set from the window: https on an ilert host
/// (`ilert.com` or `*.ilert.com`), or loopback (the sandbox). Any other host
/// comes only from a flag or an environment variable, so a compromised page
/// cannot point the next sign-in's code and verifier at a host of its choosing.
pub fn is_ilert_or_loopback(raw: &str) -> bool {
    let Ok(url) = checked_base(raw, "URL") else { return false };
    if is_loopback_host(&url) {
        return true;
    }
    match url.host() {
        Some(url::Host::Domain(d)) => url.scheme() == "https" && (d == "ilert.com" || d.ends_with(".ilert.com")),
        _ => false,
    }
}

pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The settings file of a profile (`None`: the default profile).
pub fn settings_path(config_dir: &Path, profile: Option<&str>) -> Result<PathBuf, Error> {
    let base = config_dir.join(APP_ID);
    match profile.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(base.join("settings.json")),
        Some(p) if p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {
            Ok(base.join("profiles").join(p).join("settings.json"))
        }
        Some(p) => Err(Error::Config(format!("profile '{p}' may use only letters, digits, '-' and '_'"))),
    }
}

/// The OS config directory (`~/.config` on Linux), where Tauri's
/// `app_config_dir()` also lives.
pub fn default_config_dir() -> Result<PathBuf, Error> {
    dirs::config_dir().ok_or_else(|| Error::Config("no config directory for this user".into()))
}

/// Reads a settings file; a missing file is the default settings.
pub fn load(path: &Path) -> Result<Settings, Error> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| Error::Config(format!("settings file {} is not valid: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => Err(Error::Config(format!("cannot read {}: {e}", path.display()))),
    }
}

/// Reads the file, changes it with `f` and writes it back: only what `f`
/// touches changes, whatever else is in the file (or the environment) stays.
pub fn update(path: &Path, f: impl FnOnce(&mut Settings)) -> Result<Settings, Error> {
    let mut file = load(path)?;
    f(&mut file);
    save(path, &file)?;
    Ok(file)
}

/// Writes a settings file atomically (temporary file + rename), so a crash
/// never leaves half a file behind. The directory is made private (0700) and
/// the file is 0600. The temporary file is created exclusively
/// (`O_CREAT|O_EXCL`, which never follows a symlink): a link planted at its
/// path by another local user is removed (the link, not its target) and the
/// creation retried, so nothing is ever written through it.
pub fn save(path: &Path, settings: &Settings) -> Result<(), Error> {
    use std::io::Write;
    let io = |e: std::io::Error| Error::Config(format!("cannot write {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        crate::account_lock::create_private_dir(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    let json = serde_json::to_vec_pretty(settings).expect("settings serialize");
    let mut file = match create_exclusive(&tmp) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Left by a crash, or planted: remove_file removes a link, not its target.
            std::fs::remove_file(&tmp).map_err(io)?;
            create_exclusive(&tmp).map_err(io)?
        }
        other => other.map_err(io)?,
    };
    file.write_all(&json).and_then(|()| file.sync_all()).map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)
}

fn create_exclusive(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_ilerts_hosts() {
        let e = Settings::default().endpoints().unwrap();
        assert_eq!(e.authorize.as_str(), "https://app.ilert.com/api/developers/oauth2/authorize");
        assert_eq!(e.token.as_str(), "https://api.ilert.com/api/developers/oauth2/token");
        assert_eq!(e.revoke.as_str(), "https://api.ilert.com/api/developers/oauth2/revoke");
        assert_eq!(e.api.as_str(), "https://api.ilert.com/api/");
        let t = Settings { tenant: Some("Acme".into()), ..Default::default() }.endpoints().unwrap();
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
        let s = Settings { api_url: Some("http://evil.example".into()), ..Default::default() };
        assert!(matches!(s.endpoints(), Err(Error::Config(_))));
        assert!(Settings { tenant: Some("a.b/c".into()), ..Default::default() }.endpoints().is_err());
    }

    #[test]
    fn only_ilert_hosts_and_loopback_may_be_set_from_the_window() {
        for ok in ["https://api.ilert.com", "https://acme.ilert.com/", "http://127.0.0.1:4599", "http://localhost:1", "https://[::1]:8443"]
        {
            assert!(is_ilert_or_loopback(ok), "{ok}");
        }
        for bad in
            ["https://evil.example", "https://ilert.com.evil.example", "https://evililert.com", "http://api.ilert.com", "https://10.0.0.1"]
        {
            assert!(!is_ilert_or_loopback(bad), "{bad}");
        }
    }

    #[test]
    fn files_round_trip_per_profile() {
        let dir = tempfile::tempdir().unwrap();
        let a = settings_path(dir.path(), None).unwrap();
        let b = settings_path(dir.path(), Some("work")).unwrap();
        assert_ne!(a, b);
        assert!(settings_path(dir.path(), Some("../x")).is_err());
        assert_eq!(load(&a).unwrap(), Settings::default());
        let s = Settings { client_id: Some("abc".into()), ..Default::default() };
        save(&a, &s).unwrap();
        assert_eq!(load(&a).unwrap(), s);
        assert_eq!(load(&b).unwrap(), Settings::default());
    }

    #[cfg(unix)]
    #[test]
    fn saved_privately_and_never_through_a_planted_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = settings_path(dir.path(), None).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::set_permissions(path.parent().unwrap(), std::fs::Permissions::from_mode(0o755)).unwrap();
        // Another user plants a link where the temporary file will be.
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, path.with_extension("json.tmp")).unwrap();
        let s = Settings { client_id: Some("abc".into()), ..Default::default() };
        save(&path, &s).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious", "nothing written through the link");
        assert_eq!(load(&path).unwrap(), s);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert!(!std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink());
    }
}
