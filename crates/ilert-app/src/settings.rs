//! The app's settings: declared once, in [`Settings`]. That one struct is the
//! settings file (serde), the flags and environment variables (clap), the
//! overlay of the one on the other and the list of fields the environment
//! locks, so adding a setting is one field here plus its form field.
//!
//! One JSON file in the OS config directory is shared by the app and the
//! command line, so a sign-in from either is seen by the other. A profile
//! gets its own file (and its own keyring service), so accounts and test runs
//! never collide. Tokens are never written here.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::Duration;

use ilert_oauth::config::{checked_base, is_loopback_host, Endpoints};
use ilert_oauth::{Account, OAuthConfig};
use serde::{Deserialize, Serialize};

use crate::engine::EngineConfig;
use crate::error::AppError;
use crate::notify::alarm::AlarmRamp;
use crate::notify::quiet::QuietHours;
use crate::notify::{NotifyConfig, OtherAlerts};
use crate::private_file;
use crate::view::NotifyAlerts;

/// The app's identifier: its config directory and keyring service name.
pub const APP_ID: &str = "com.ilert.desktop";
/// The redirect URI to register in the ilert app (exact match, port included).
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:4598/callback";
/// What the dashboard reads, plus a refresh token so the app stays signed in.
/// Minutes of warning before an alert escalates to me.
pub const DEFAULT_HEADS_UP_MINUTES: u64 = 3;

pub const DEFAULT_SCOPES: &str = "profile schedule policy source offline_access";

/// A client ID built into a release (and the redirect URI it was registered
/// with at ilert), so people who install the app sign in without registering
/// an ilert app of their own. The settings file and the environment win over
/// it, and a client ID set there never borrows the built-in redirect URI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuiltIn {
    pub client_id: Option<&'static str>,
    pub redirect_uri: Option<&'static str>,
}

/// The [`BuiltIn`] client of this build: `ILERT_BUILTIN_CLIENT_ID` and
/// `ILERT_BUILTIN_REDIRECT_URI` as they were when the crate that expands it
/// was compiled. A macro, so that crate is the binary: changing the
/// variables rebuilds the few lines of `main.rs`, not the app.
#[macro_export]
macro_rules! built_in_client {
    () => {
        $crate::settings::BuiltIn::new(option_env!("ILERT_BUILTIN_CLIENT_ID"), option_env!("ILERT_BUILTIN_REDIRECT_URI"))
    };
}

impl BuiltIn {
    /// Empty or blank values are no value (a CI variable that is unset may arrive empty).
    pub const fn new(client_id: Option<&'static str>, redirect_uri: Option<&'static str>) -> BuiltIn {
        const fn filled(v: Option<&'static str>) -> Option<&'static str> {
            match v {
                Some(s) if !s.trim_ascii().is_empty() => Some(s.trim_ascii()),
                _ => None,
            }
        }
        BuiltIn { client_id: filled(client_id), redirect_uri: filled(redirect_uri) }
    }

    /// `settings` with the built-in client filled in where they name none.
    pub fn under(self, mut settings: Settings) -> Settings {
        if let (None, Some(id)) = (settings.client_id(), self.client_id) {
            settings.client_id = Some(id.to_string());
            if settings.redirect_uri.is_none() {
                settings.redirect_uri = self.redirect_uri.map(str::to_string);
            }
        }
        settings
    }
}

/// How many minutes before a shift its reminder comes, unless set.
pub const DEFAULT_SHIFT_REMINDER_MINUTES: u64 = 15;

/// Every setting. Unset means the default; flags and environment variables
/// (the `#[arg]`s) are laid over the file and never written to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Client id of your ilert app.
    #[arg(long, env = "ILERT_CLIENT_ID", global = true)]
    pub client_id: Option<String>,
    /// Your ilert tenant (authorize on https://TENANT.ilert.com).
    #[arg(long, env = "ILERT_TENANT", global = true)]
    pub tenant: Option<String>,
    /// Base URL for authorize (default https://app.ilert.com or the tenant's host).
    #[arg(long, env = "ILERT_AUTH_URL", global = true)]
    pub auth_url: Option<String>,
    /// Base URL for the API and token endpoints (default https://api.ilert.com).
    #[arg(long, env = "ILERT_API_URL", global = true)]
    pub api_url: Option<String>,
    /// Redirect URI registered in your ilert app (default http://localhost:4598/callback).
    #[arg(long, env = "ILERT_REDIRECT_URI", global = true)]
    pub redirect_uri: Option<String>,
    /// Space-separated scopes (default: profile schedule policy source offline_access).
    #[arg(long = "scope", env = "ILERT_SCOPES", global = true)]
    pub scopes: Option<String>,
    /// Which new alerts notify and count in the tray: on-call (my on-call policies' and mine), all, mine.
    #[arg(long, env = "ILERT_NOTIFY_ALERTS", value_enum, global = true)]
    pub notify_alerts: Option<NotifyAlerts>,
    /// Seconds between refreshes while on call (default 15).
    #[arg(long, env = "ILERT_POLL_ON_CALL_SECS", global = true)]
    pub poll_on_call_secs: Option<u64>,
    /// Seconds between refreshes otherwise (default 60).
    #[arg(long, env = "ILERT_POLL_SECS", global = true)]
    pub poll_secs: Option<u64>,
    /// Minutes before a shift starts to remind me (default 15; 0: no reminder before).
    #[arg(long, env = "ILERT_SHIFT_REMINDER_MINUTES", global = true)]
    pub shift_reminder_minutes: Option<u64>,
    /// Minutes before a pending alert escalates to me to say so (default 3; 0: never).
    #[arg(long, env = "ILERT_ESCALATION_HEADS_UP_MINUTES", global = true)]
    pub escalation_heads_up_minutes: Option<u64>,
    /// Alerts that are not pages (not HIGH, or not mine): quiet (a normal notification) or off.
    #[arg(long, env = "ILERT_OTHER_ALERTS", value_enum, global = true)]
    pub other_alerts: Option<OtherAlerts>,
    /// How a page's alarm grows: rising (default), gentle, full, off (no sound).
    #[arg(long, env = "ILERT_ALARM", value_enum, global = true)]
    pub alarm: Option<AlarmRamp>,
    /// Weekly quiet hours, local time, e.g. "Mon-Fri 22:00-07:00; Sat,Sun 00:00-24:00".
    #[arg(long, env = "ILERT_QUIET_HOURS", global = true)]
    pub quiet_hours: Option<String>,
    /// Quiet hours and snoozes hold pages too (default false: a page always rings).
    #[arg(long, env = "ILERT_QUIET_HOLDS_PAGES", global = true)]
    pub quiet_holds_pages: Option<bool>,
    /// Start ilert Desktop, hidden in the tray, when I log in (default false).
    #[arg(long, env = "ILERT_START_AT_LOGIN", global = true)]
    pub start_at_login: Option<bool>,
    /// Look for a new version at start and then daily (default true); nothing installs without my Install.
    #[arg(long, env = "ILERT_CHECK_UPDATES", global = true)]
    pub check_updates: Option<bool>,
    /// Set after a sign-in: whose refresh token the keyring holds. Never a flag.
    #[arg(skip)]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(skip))]
    pub account: Option<Account>,
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

    /// The refresh pace and alert scope these settings ask for, over `base`.
    pub fn engine(&self, base: EngineConfig) -> EngineConfig {
        let secs = |v: Option<u64>, d: Duration| v.map_or(d, Duration::from_secs);
        EngineConfig {
            interval: secs(self.poll_secs, base.interval),
            on_call_interval: secs(self.poll_on_call_secs, base.on_call_interval),
            notify_alerts: self.notify_alerts.unwrap_or(base.notify_alerts),
            ..base
        }
    }

    /// How long before a shift its reminder comes; `None`: no reminder before it.
    pub fn shift_reminder(&self) -> Option<chrono::Duration> {
        let m = self.shift_reminder_minutes.unwrap_or(DEFAULT_SHIFT_REMINDER_MINUTES);
        (m > 0).then(|| chrono::Duration::minutes(m as i64))
    }

    /// Quiet hours that do not parse were refused when saved; from the
    /// environment they are logged and ignored rather than stop the app.
    pub fn quiet_hours(&self) -> QuietHours {
        let text = nonempty(&self.quiet_hours).unwrap_or("");
        text.parse().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "quiet hours ignored");
            QuietHours::default()
        })
    }

    /// What the notifier is to do, from these settings.
    pub fn notify_config(&self) -> NotifyConfig {
        NotifyConfig {
            reminder_lead: self.shift_reminder(),
            other_alerts: self.other_alerts.unwrap_or_default(),
            alarm: self.alarm.unwrap_or_default(),
            quiet_hours: self.quiet_hours(),
            quiet_holds_pages: self.quiet_holds_pages.unwrap_or(false),
            heads_up: match self.escalation_heads_up_minutes.unwrap_or(DEFAULT_HEADS_UP_MINUTES) {
                0 => None,
                m => Some(chrono::Duration::minutes(m as i64)),
            },
        }
    }

    /// Out-of-range paces are refused (too slow tells too late, too fast
    /// spends ilert's rate limit of 120 requests a minute per user), and
    /// quiet hours that do not read.
    fn check_values(&self) -> Result<(), AppError> {
        for (what, v, min) in [("poll on call", self.poll_on_call_secs, 5), ("poll", self.poll_secs, 15)] {
            if let Some(v) = v.filter(|v| !(min..=3600).contains(v)) {
                return Err(AppError::Settings(format!("{what} every {v} s: it must be between {min} and 3600 seconds")));
            }
        }
        if let Some(m) = self.escalation_heads_up_minutes.filter(|m| *m > 60) {
            return Err(AppError::Settings(format!("a heads-up {m} minutes before an escalation: at most 60")));
        }
        if let Some(m) = self.shift_reminder_minutes.filter(|m| *m > 24 * 60) {
            return Err(AppError::Settings(format!("a shift reminder {m} minutes ahead: at most 1440 (a day)")));
        }
        if let Some(q) = nonempty(&self.quiet_hours) {
            q.parse::<QuietHours>().map_err(AppError::Settings)?;
        }
        Ok(())
    }

    pub fn endpoints(&self) -> Result<Endpoints, AppError> {
        Ok(Endpoints::resolve(self.auth_url.as_deref(), self.tenant.as_deref(), self.api_url.as_deref())?)
    }

    /// The ilert app these settings name, for `ilert-oauth`.
    pub fn oauth_config(&self) -> Result<OAuthConfig, AppError> {
        Ok(OAuthConfig {
            client_id: self.client_id().ok_or(ilert_oauth::Error::NoClientId)?.to_string(),
            endpoints: self.endpoints()?,
            redirect_uri: self.redirect_uri().to_string(),
            scopes: self.scopes().to_string(),
            tenant: nonempty(&self.tenant).map(str::to_ascii_lowercase),
        })
    }

    /// The set fields of `other` laid over these, field by field (through
    /// their JSON form, so no field list is written out again).
    pub fn overlay(self, other: Settings) -> Settings {
        let mut base = as_object(&self);
        base.extend(as_object(&other).into_iter().filter(|(_, v)| !v.is_null()));
        serde_json::from_value(serde_json::Value::Object(base)).expect("settings round-trip")
    }

    /// The names (as the UI knows them) of the fields that are set.
    pub fn set_fields(&self) -> Vec<String> {
        as_object(self).into_iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k).collect()
    }

    /// Every text trimmed, empty ones unset; the tenant lower-case and the
    /// scopes single-spaced. What the window's form sends goes through this.
    pub fn cleaned(self) -> Settings {
        let mut fields = as_object(&self);
        for v in fields.values_mut() {
            if let Some(s) = v.as_str() {
                let t = s.trim();
                *v = if t.is_empty() { serde_json::Value::Null } else { t.into() };
            }
        }
        let mut s: Settings = serde_json::from_value(serde_json::Value::Object(fields)).expect("settings round-trip");
        s.tenant = s.tenant.map(|t| t.to_ascii_lowercase());
        s.scopes = s.scopes.map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "));
        s
    }
}

fn as_object(s: &Settings) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(s).expect("settings serialize") {
        serde_json::Value::Object(m) => m,
        _ => unreachable!("a struct serializes as an object"),
    }
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
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

/// The keyring service of a profile (`None`: the default profile).
pub fn keyring_service(profile: Option<&str>) -> String {
    match profile.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => format!("{APP_ID}/{p}"),
        None => APP_ID.to_string(),
    }
}

/// The name one running window of a profile holds (a D-Bus name on Linux),
/// so a second launch of the same profile hands over to the first, while
/// another profile (its own settings and keyring entry) may run beside it.
pub fn instance_id(profile: Option<&str>) -> String {
    match profile.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => format!("{APP_ID}.profile_{}", p.replace('-', "_")),
        None => APP_ID.to_string(),
    }
}

/// The settings file of a profile (`None`: the default profile).
pub fn settings_path(config_dir: &Path, profile: Option<&str>) -> Result<PathBuf, AppError> {
    let base = config_dir.join(APP_ID);
    match profile.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(base.join("settings.json")),
        Some(p) if p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {
            Ok(base.join("profiles").join(p).join("settings.json"))
        }
        Some(p) => Err(AppError::Settings(format!("profile '{p}' may use only letters, digits, '-' and '_'"))),
    }
}

/// The OS config directory (`~/.config` on Linux), where Tauri's
/// `app_config_dir()` also lives.
pub fn default_config_dir() -> Result<PathBuf, AppError> {
    dirs::config_dir().ok_or_else(|| AppError::Settings("no config directory for this user".into()))
}

/// Reads a settings file; a missing file is the default settings.
pub fn load(path: &Path) -> Result<Settings, AppError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| AppError::Settings(format!("settings file {} is not valid: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => Err(AppError::Settings(format!("cannot read {}: {e}", path.display()))),
    }
}

/// Reads the file, changes it with `f` and writes it back: only what `f`
/// touches changes, whatever else is in the file (or the environment) stays.
pub fn update(path: &Path, f: impl FnOnce(&mut Settings)) -> Result<Settings, AppError> {
    let mut file = load(path)?;
    f(&mut file);
    save(path, &file)?;
    Ok(file)
}

/// Writes a settings file whole, 0600 in a 0700 directory, never through a
/// planted link ([`private_file::write`]).
pub fn save(path: &Path, settings: &Settings) -> Result<(), AppError> {
    let json = serde_json::to_vec_pretty(settings).expect("settings serialize");
    private_file::write(path, &json).map_err(|e| AppError::Settings(format!("cannot write {}: {e}", path.display())))
}

/// What the window's settings form shows.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct SettingsState {
    /// What the settings file holds (what the form edits).
    pub file: Settings,
    /// What is in effect: the file with the environment laid over it.
    pub effective: Settings,
    /// Fields set by environment variables or flags, which win over the file.
    pub from_environment: Vec<String>,
    pub settings_file: String,
    pub default_redirect_uri: &'static str,
    pub default_scopes: &'static str,
    /// The client ID this build carries, if any (used when the form leaves it empty).
    pub built_in_client_id: Option<&'static str>,
}

/// The settings of one running app: the file, the flags and environment
/// laid over it, and what is in effect now.
pub struct SettingsStore {
    path: PathBuf,
    built_in: BuiltIn,
    overrides: Settings,
    current: RwLock<Settings>,
}

impl SettingsStore {
    pub fn open(path: PathBuf, overrides: Settings) -> Result<SettingsStore, AppError> {
        SettingsStore::open_with(path, BuiltIn::default(), overrides)
    }

    /// With a client built in, under the file and the environment.
    pub fn open_with(path: PathBuf, built_in: BuiltIn, overrides: Settings) -> Result<SettingsStore, AppError> {
        let current = built_in.under(load(&path)?.overlay(overrides.clone()));
        Ok(SettingsStore { path, built_in, overrides, current: RwLock::new(current) })
    }

    /// Whether the client ID in effect is the one built in (read from what
    /// is in effect, not the file again).
    pub fn uses_built_in_client(&self) -> bool {
        self.built_in.client_id.is_some() && self.current().client_id() == self.built_in.client_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is in effect now.
    pub fn current(&self) -> Settings {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn state(&self) -> Result<SettingsState, AppError> {
        let without_account = |mut s: Settings| {
            s.account = None;
            s
        };
        Ok(SettingsState {
            file: without_account(load(&self.path)?),
            effective: without_account(self.current()),
            from_environment: self.overrides.set_fields(),
            settings_file: self.path.display().to_string(),
            default_redirect_uri: self.built_in.redirect_uri.unwrap_or(DEFAULT_REDIRECT_URI),
            default_scopes: DEFAULT_SCOPES,
            built_in_client_id: self.built_in.client_id,
        })
    }

    /// Validates and saves what the window's form sent. Nothing is saved if
    /// any field is unusable; the remembered account stays as it is.
    pub fn set(&self, input: Settings) -> Result<SettingsState, AppError> {
        let file = load(&self.path)?;
        let candidate = Settings { account: file.account.clone(), ..input.cleaned() };
        // The window may change the hosts only to ilert's or loopback; what
        // the file already holds (edited by hand) may stay.
        for (what, new, old) in [("auth URL", &candidate.auth_url, &file.auth_url), ("API URL", &candidate.api_url, &file.api_url)] {
            if let Some(url) = new.as_deref().filter(|u| Some(*u) != old.as_deref()) {
                if !is_ilert_or_loopback(url) {
                    return Err(AppError::Settings(format!(
                        "the {what} '{url}' is not an ilert host (https://….ilert.com) or loopback; another host can be set only with a flag or environment variable (ILERT_AUTH_URL, ILERT_API_URL)"
                    )));
                }
            }
        }
        let effective = self.built_in.under(candidate.clone().overlay(self.overrides.clone()));
        effective.endpoints()?;
        effective.check_values()?;
        ilert_oauth::loopback::check_redirect_uri(effective.redirect_uri())?;
        save(&self.path, &candidate)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = effective;
        tracing::info!(file = %self.path.display(), "settings saved");
        self.state()
    }

    /// Changes one thing in the file and in what is in effect alike (the
    /// file is shared with the command line; the rest of it stays).
    pub fn change(&self, f: impl Fn(&mut Settings)) -> Result<(), AppError> {
        update(&self.path, &f)?;
        f(&mut self.current.write().unwrap_or_else(|e| e.into_inner()));
        Ok(())
    }

    /// Changes what is in effect for this run only (the demo's scopes).
    pub fn change_for_this_run(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut self.current.write().unwrap_or_else(|e| e.into_inner()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_takes_the_set_fields_and_lists_them() {
        let file = Settings { client_id: Some("file".into()), tenant: Some("acme".into()), ..Default::default() };
        let env = Settings { client_id: Some("env".into()), scopes: Some("profile".into()), ..Default::default() };
        let s = file.overlay(env.clone());
        assert_eq!(s.client_id.as_deref(), Some("env"));
        assert_eq!(s.tenant.as_deref(), Some("acme"));
        assert_eq!(s.scopes(), "profile");
        assert_eq!(env.set_fields(), ["clientId", "scopes"]);
    }

    /// A release's built-in client serves until the file or the environment
    /// names one; its redirect URI goes only with it.
    #[test]
    fn the_built_in_client_is_under_the_file_and_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let built_in = BuiltIn::new(Some(" built-in "), Some("http://127.0.0.1:4700/callback"));
        let store = SettingsStore::open_with(path.clone(), built_in, Settings::default()).unwrap();
        let s = store.current();
        assert_eq!((s.client_id(), s.redirect_uri()), (Some("built-in"), "http://127.0.0.1:4700/callback"));
        assert!(store.uses_built_in_client());
        let state = store.state().unwrap();
        assert_eq!(state.file.client_id, None, "never written to the file");
        assert_eq!((state.built_in_client_id, state.default_redirect_uri), (Some("built-in"), "http://127.0.0.1:4700/callback"));

        // The form names its own client: the built-in redirect URI does not go with it.
        store.set(Settings { client_id: Some("mine".into()), ..Default::default() }).unwrap();
        let s = store.current();
        assert_eq!((s.client_id(), s.redirect_uri()), (Some("mine"), DEFAULT_REDIRECT_URI));
        assert!(!store.uses_built_in_client());
        // Emptied again, the built-in one is back.
        store.set(Settings::default()).unwrap();
        assert_eq!(store.current().client_id(), Some("built-in"));

        // The environment wins too.
        let env = Settings { client_id: Some("env".into()), ..Default::default() };
        let store = SettingsStore::open_with(path, built_in, env).unwrap();
        assert_eq!(store.current().client_id(), Some("env"));
        assert!(!store.uses_built_in_client());

        // Nothing built in (a variable set but empty): no client ID, the demo's mode.
        assert_eq!(BuiltIn::new(Some(""), Some(" ")), BuiltIn::default());
        assert_eq!(BuiltIn::default().under(Settings::default()), Settings::default());
    }

    #[test]
    fn the_form_is_cleaned() {
        let s = Settings {
            tenant: Some(" Acme ".into()),
            scopes: Some(" profile   source ".into()),
            api_url: Some("  ".into()),
            ..Default::default()
        }
        .cleaned();
        assert_eq!(s.tenant.as_deref(), Some("acme"));
        assert_eq!(s.scopes.as_deref(), Some("profile source"));
        assert_eq!(s.api_url, None);
    }

    #[test]
    fn every_setting_is_a_flag_and_an_environment_variable() {
        use clap::{CommandFactory, Parser};
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let cmd = Cli::command();
        let env = cmd.get_arguments().filter(|a| a.get_env().is_some()).count();
        // Every field but the account (only a sign-in sets it, and unset it is not in the file).
        assert_eq!(env, as_object(&Settings::default()).len());
        let parsed = Cli::parse_from(["x", "--client-id", "c", "--scope", "profile", "--tenant", "t"]).settings;
        assert_eq!(parsed.set_fields(), ["clientId", "scopes", "tenant"], "in name order");
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
        assert_eq!(keyring_service(Some("work")), "com.ilert.desktop/work");
        assert_eq!(instance_id(Some("e2e-a-1")), "com.ilert.desktop.profile_e2e_a_1");
        assert_eq!(instance_id(None), "com.ilert.desktop");
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
