//! Updates: when to look for a new version, and what the window and the
//! tray say about it. Looking, verifying the signature and installing belong to
//! tauri-plugin-updater, called from the glue (`src-tauri/updates.rs`).
//! What stays here is the policy, in plain Rust: check at start and then once a
//! day, never install without the person's word, and say in one sentence why
//! an update was not installed.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::watch;

/// How often to look for a new version.
pub const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// How often the checker wakes to see whether a check is due. A laptop's
/// sleep stops the monotonic clock, so one 24-hour timer could wait for
/// days; an hourly look at the wall clock costs one wake-up an hour.
pub const WAKE_EVERY: Duration = Duration::from_secs(60 * 60);

/// What the window's update bar and the tray's update lines show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum UpdateView {
    /// Nothing to show: up to date, not checked yet, checks off, or put off with Later.
    None,
    /// A newer version is offered; nothing happens without Install.
    Available { version: String, notes: Option<String> },
    /// Downloading, verifying the signature, installing.
    Installing { version: String },
    /// Installed; it runs from the next start (Restart now).
    Installed { version: String },
    /// Not installed: `message` says why in a sentence (the window),
    /// `reason` in a few words (the tray).
    Failed { version: String, message: String, reason: String },
}

impl UpdateView {
    /// The version this view is about, if any.
    pub fn version(&self) -> Option<&str> {
        match self {
            UpdateView::None => None,
            UpdateView::Available { version, .. }
            | UpdateView::Installing { version }
            | UpdateView::Installed { version }
            | UpdateView::Failed { version, .. } => Some(version),
        }
    }

    /// The tray's line about it (its actions are the glue's).
    pub fn tray_line(&self) -> Option<String> {
        Some(match self {
            UpdateView::None => return None,
            UpdateView::Available { version, .. } => format!("Version {version} is available"),
            UpdateView::Installing { version } => format!("Installing version {version}…"),
            UpdateView::Installed { version } => format!("Version {version} is installed"),
            UpdateView::Failed { version, reason, .. } => format!("Version {version} not installed: {reason}"),
        })
    }
}

/// Why an update was not installed, as the updater reports it; the glue
/// sorts the plugin's errors into these, and [`Refusal::message`] words them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The download is not signed with this app's key: tampered with, or corrupt.
    BadSignature,
    /// Signed by our key, but for another version than the feed announced:
    /// the feed pairs a version with another release's download.
    SignedForAnotherVersion { signed: String },
    /// Signed without a version, which this app requires.
    UnversionedSignature,
    /// Not downloaded or not installed for another reason (offline, disk, …).
    Other(String),
}

impl Refusal {
    /// In a few words, for the tray.
    pub fn reason(&self) -> &str {
        match self {
            Refusal::BadSignature => "bad signature",
            Refusal::SignedForAnotherVersion { .. } => "signed for another version",
            Refusal::UnversionedSignature => "unversioned signature",
            Refusal::Other(_) => "download or install failed",
        }
    }

    pub fn message(&self, version: &str) -> String {
        match self {
            Refusal::BadSignature => format!(
                "Version {version} was not installed: its signature does not match this app's signing key, so the download may have been tampered with."
            ),
            Refusal::SignedForAnotherVersion { signed } => format!(
                "Version {version} was not installed: the download is signed as version {signed}, so the update feed may have been tampered with."
            ),
            Refusal::UnversionedSignature => {
                format!("Version {version} was not installed: its signature does not say which version it is for.")
            }
            Refusal::Other(why) => format!("Version {version} could not be installed: {why}. Try again later."),
        }
    }
}

/// Where this build looks for updates and whose signature it trusts.
///
/// The key decides what may be installed as root (`pkexec dpkg -i`), so a
/// release build trusts only the key it was built with: whoever can set the
/// user's environment (an `environment.d` file, a login script) must not be
/// able to make it offer and install a package of their own. The environment
/// may change where a release looks (a mirror), never whom it trusts; a key
/// from the environment is taken by development builds alone (the tests'
/// loopback feed).
#[derive(Clone, PartialEq, Eq)]
pub enum Channel {
    /// No checks; `why` is said in the window's settings, not only the log.
    Off { why: String },
    /// The release's feed (tauri.conf.json) and built-in key.
    Release,
    /// `ILERT_UPDATE_FEED` in a release build: another address, the built-in key.
    Mirror(url::Url),
    /// A feed and key of one's own: development builds only.
    Own(Feed),
}

/// Where to look and whose signature to trust, in a development build.
#[derive(Clone, PartialEq, Eq)]
pub struct Feed {
    pub endpoint: url::Url,
    /// The minisign public key, as in tauri.conf.json (base64 of the key file).
    pub pubkey: String,
}

/// A feed's address as the log may show it: no user info, query or fragment
/// (a mirror's URL may carry a token).
pub fn shown(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed").field("endpoint", &shown(&self.endpoint)).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Channel::Off { why } => f.debug_struct("Off").field("why", why).finish(),
            Channel::Release => f.write_str("Release"),
            Channel::Mirror(url) => f.debug_tuple("Mirror").field(&shown(url)).finish(),
            Channel::Own(feed) => f.debug_tuple("Own").field(feed).finish(),
        }
    }
}

/// What the build carries and the environment says.
#[derive(Debug, Clone, Default)]
pub struct ChannelInputs {
    /// `ILERT_UPDATE_FEED`.
    pub feed: Option<String>,
    /// `ILERT_UPDATE_PUBKEY`.
    pub pubkey: Option<String>,
    /// tauri.conf.json's `plugins.updater.pubkey`, filled in by the release workflow.
    pub built_in_key: String,
    /// `cfg(debug_assertions)`: `cargo tauri dev` and the tests.
    pub development: bool,
}

impl ChannelInputs {
    /// The environment's part, read now; the caller adds the rest.
    pub fn from_env(built_in_key: &str, development: bool) -> ChannelInputs {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ChannelInputs {
            feed: var("ILERT_UPDATE_FEED"),
            pubkey: var("ILERT_UPDATE_PUBKEY"),
            built_in_key: built_in_key.trim().to_string(),
            development,
        }
    }
}

impl Channel {
    /// The channel, and a warning for the log when the environment asked
    /// for something this build does not do.
    pub fn choose(inputs: ChannelInputs) -> (Channel, Option<String>) {
        let ChannelInputs { feed, pubkey, built_in_key, development } = inputs;
        let endpoint = match feed.as_deref().map(parse_endpoint).transpose() {
            Ok(e) => e,
            Err(why) => return (Channel::Off { why: why.clone() }, Some(why)),
        };
        if development {
            return match (endpoint, pubkey) {
                (Some(endpoint), Some(pubkey)) => (Channel::Own(Feed { endpoint, pubkey: pubkey.trim().to_string() }), None),
                (None, None) => (
                    Channel::Off {
                        why: "A development build looks for updates only with ILERT_UPDATE_FEED and ILERT_UPDATE_PUBKEY.".into(),
                    },
                    None,
                ),
                (Some(_), None) => {
                    let why = "ILERT_UPDATE_FEED is set without ILERT_UPDATE_PUBKEY, the key its updates are signed with".to_string();
                    (Channel::Off { why: why.clone() }, Some(why))
                }
                (None, Some(_)) => {
                    let why = "ILERT_UPDATE_PUBKEY is set without ILERT_UPDATE_FEED".to_string();
                    (Channel::Off { why: why.clone() }, Some(why))
                }
            };
        }
        let warning = pubkey.map(|_| "ILERT_UPDATE_PUBKEY is ignored: a release build trusts only the key it was built with".to_string());
        if built_in_key.is_empty() {
            let why = "This build does not update itself: it carries no update signing key. Updates come from where you installed it.";
            return (Channel::Off { why: why.into() }, warning);
        }
        match endpoint {
            Some(url) => (Channel::Mirror(url), warning),
            None => (Channel::Release, warning),
        }
    }

    /// Whether checks happen at all.
    pub fn checks(&self) -> bool {
        !matches!(self, Channel::Off { .. })
    }
}

/// `ILERT_UPDATE_FEED`: https, or http to this machine only, as for every
/// other URL here (and the plugin takes plain http only in a development build).
fn parse_endpoint(e: &str) -> Result<url::Url, String> {
    let endpoint = url::Url::parse(e.trim()).map_err(|err| format!("ILERT_UPDATE_FEED is not a URL ({err})"))?;
    let local_http = endpoint.scheme() == "http" && ilert_oauth::config::is_loopback_host(&endpoint);
    if endpoint.scheme() != "https" && !local_http {
        return Err(format!("ILERT_UPDATE_FEED must be an https URL (http only to a loopback host): {}", shown(&endpoint)));
    }
    Ok(endpoint)
}

/// Whether this build updates itself, for the window's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct SelfUpdate {
    pub checks: bool,
    /// Why not, in a sentence; `None` when it checks.
    pub why_not: Option<String>,
}

/// The update state every surface follows, and when the last check was.
pub struct Updates {
    view: watch::Sender<UpdateView>,
    last_check: Mutex<Option<SystemTime>>,
    self_update: Mutex<SelfUpdate>,
}

impl Default for Updates {
    fn default() -> Updates {
        let unknown = SelfUpdate { checks: false, why_not: Some("Updates have not been set up yet.".into()) };
        Updates { view: watch::Sender::new(UpdateView::None), last_check: Mutex::new(None), self_update: Mutex::new(unknown) }
    }
}

impl Updates {
    /// The glue chose the channel at start: what the settings say of it.
    pub fn set_channel(&self, channel: &Channel) {
        let why_not = match channel {
            Channel::Off { why } => Some(why.clone()),
            _ => None,
        };
        *self.self_update.lock().unwrap_or_else(|e| e.into_inner()) = SelfUpdate { checks: channel.checks(), why_not };
    }

    pub fn self_update(&self) -> SelfUpdate {
        self.self_update.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn view(&self) -> UpdateView {
        self.view.borrow().clone()
    }

    /// Told of every change (the glue forwards them to the window and the tray).
    pub fn subscribe(&self) -> watch::Receiver<UpdateView> {
        self.view.subscribe()
    }

    /// Never checked, or the last check was [`CHECK_EVERY`] ago (by the wall clock).
    pub fn due(&self, now: SystemTime) -> bool {
        let last = *self.last_check.lock().unwrap_or_else(|e| e.into_inner());
        last.is_none_or(|t| now.duration_since(t).is_ok_and(|d| d >= CHECK_EVERY) || now < t)
    }

    /// A check ended (found, nothing new, or failed): the next is a day away.
    pub fn checked(&self, now: SystemTime) {
        *self.last_check.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
    }

    /// The feed offers `version`. Shown again even after Later (a day has
    /// passed, or the app restarted); an install under way or done is left alone.
    pub fn found(&self, version: &str, notes: Option<String>) {
        self.view.send_if_modified(|v| {
            if matches!(v, UpdateView::Installing { .. } | UpdateView::Installed { .. }) {
                return false;
            }
            let new = UpdateView::Available { version: version.to_string(), notes };
            let changed = *v != new;
            *v = new;
            changed
        });
    }

    /// The feed offers nothing newer (it may have withdrawn what it offered).
    pub fn nothing_new(&self) {
        self.view.send_if_modified(|v| match v {
            UpdateView::Available { .. } | UpdateView::Failed { .. } => {
                *v = UpdateView::None;
                true
            }
            _ => false,
        });
    }

    /// Later: out of sight until the next check finds it again.
    pub fn later(&self) {
        self.nothing_new();
    }

    /// Install was chosen: the version to install, or `None` when there is
    /// nothing to install (or an install is already under way).
    pub fn start_install(&self) -> Option<String> {
        let mut started = None;
        self.view.send_if_modified(|v| match v {
            UpdateView::Available { version, .. } | UpdateView::Failed { version, .. } => {
                started = Some(version.clone());
                *v = UpdateView::Installing { version: version.clone() };
                true
            }
            _ => false,
        });
        started
    }

    pub fn installed(&self, version: &str) {
        self.view.send_replace(UpdateView::Installed { version: version.to_string() });
    }

    pub fn refused(&self, version: &str, why: &Refusal) {
        let (message, reason) = (why.message(version), why.reason().to_string());
        self.view.send_replace(UpdateView::Failed { version: version.to_string(), message, reason });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_is_due_at_start_then_daily_by_the_wall_clock() {
        let u = Updates::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert!(u.due(t0), "never checked");
        u.checked(t0);
        assert!(!u.due(t0 + Duration::from_secs(60)));
        assert!(!u.due(t0 + CHECK_EVERY - Duration::from_secs(1)));
        assert!(u.due(t0 + CHECK_EVERY), "a day later");
        assert!(u.due(t0 - Duration::from_secs(3600)), "the clock was set back: check rather than wait a day and more");
    }

    #[test]
    fn install_needs_an_offer_and_happens_once() {
        let u = Updates::default();
        assert_eq!(u.start_install(), None, "nothing offered");
        u.found("0.2.0", Some("Fixes".into()));
        assert_eq!(u.view(), UpdateView::Available { version: "0.2.0".into(), notes: Some("Fixes".into()) });
        assert_eq!(u.start_install().as_deref(), Some("0.2.0"));
        assert_eq!(u.start_install(), None, "a second click starts no second install");
        u.found("0.3.0", None);
        assert_eq!(u.view(), UpdateView::Installing { version: "0.2.0".into() }, "a check during the install changes nothing");
        u.refused("0.2.0", &Refusal::BadSignature);
        let UpdateView::Failed { message, .. } = u.view() else { panic!("{:?}", u.view()) };
        assert!(message.contains("signature does not match"), "{message}");
        assert_eq!(u.start_install().as_deref(), Some("0.2.0"), "tried again from the message");
        u.refused("0.2.0", &Refusal::SignedForAnotherVersion { signed: "0.1.5".into() });
        assert_eq!(u.view().tray_line().unwrap(), "Version 0.2.0 not installed: signed for another version");
        u.found("0.2.0", None);
        assert_eq!(u.view().tray_line().unwrap(), "Version 0.2.0 is available", "offered again by the next check");
        u.start_install();
        u.installed("0.2.0");
        u.found("0.2.0", None);
        assert_eq!(u.view(), UpdateView::Installed { version: "0.2.0".into() }, "installed stays until the restart");
    }

    #[test]
    fn later_hides_the_offer_until_it_is_found_again() {
        let u = Updates::default();
        let mut rx = u.subscribe();
        u.found("0.2.0", None);
        assert!(rx.has_changed().unwrap());
        rx.mark_unchanged();
        u.found("0.2.0", None);
        assert!(!rx.has_changed().unwrap(), "the same offer again tells nobody");
        u.later();
        assert_eq!(u.view(), UpdateView::None);
        u.found("0.2.0", None);
        assert_eq!(u.view().version(), Some("0.2.0"), "the next day's check offers it again");
        u.nothing_new();
        assert_eq!(u.view(), UpdateView::None, "withdrawn by the feed");
    }

    #[test]
    fn every_refusal_names_the_version_and_the_reason() {
        let cases = [
            (Refusal::BadSignature, "may have been tampered with"),
            (Refusal::SignedForAnotherVersion { signed: "0.1.5".into() }, "signed as version 0.1.5"),
            (Refusal::UnversionedSignature, "does not say which version"),
            (Refusal::Other("connection refused".into()), "connection refused"),
        ];
        for (why, says) in cases {
            let m = why.message("0.2.0");
            assert!(m.starts_with("Version 0.2.0 "), "{m}");
            assert!(m.contains(says), "{m}");
        }
    }

    fn inputs(feed: Option<&str>, pubkey: Option<&str>, built_in_key: &str, development: bool) -> ChannelInputs {
        ChannelInputs { feed: feed.map(str::to_string), pubkey: pubkey.map(str::to_string), built_in_key: built_in_key.into(), development }
    }

    #[test]
    fn a_release_build_trusts_only_its_built_in_key() {
        let mirror = "https://evil.example.com/latest.json";
        let local = Some(mirror);
        // The environment names a feed and a key of its own: the key is ignored, said in the log.
        let (c, warning) = Channel::choose(inputs(local, Some("ZXZpbA=="), "cmVsZWFzZQ==", false));
        assert_eq!(c, Channel::Mirror(url::Url::parse(mirror).unwrap()), "a mirror, checked against the built-in key");
        assert!(warning.unwrap().contains("ignored"));
        // A key alone changes nothing.
        assert_eq!(Channel::choose(inputs(None, Some("ZXZpbA=="), "cmVsZWFzZQ==", false)).0, Channel::Release);
        // No built-in key: no checks, whatever the environment says, and the window says so.
        let (c, _) = Channel::choose(inputs(local, Some("ZXZpbA=="), "", false));
        let Channel::Off { why } = &c else { panic!("{c:?}") };
        assert!(why.contains("does not update itself"), "{why}");
        let u = Updates::default();
        u.set_channel(&c);
        assert_eq!(u.self_update(), SelfUpdate { checks: false, why_not: Some(why.clone()) });
        assert_eq!(Channel::choose(inputs(None, None, "cmVsZWFzZQ==", false)).0, Channel::Release);
    }

    #[test]
    fn a_development_build_takes_a_feed_of_its_own_with_its_key() {
        let (c, warning) = Channel::choose(inputs(Some(" http://127.0.0.1:9/latest.json "), Some("a2V5"), "", true));
        let Channel::Own(feed) = c else { panic!("{c:?}") };
        assert_eq!((feed.endpoint.as_str(), feed.pubkey.as_str(), warning), ("http://127.0.0.1:9/latest.json", "a2V5", None));
        let off = |feed: Option<&str>, key: Option<&str>| match Channel::choose(inputs(feed, key, "cmVsZWFzZQ==", true)) {
            (Channel::Off { why }, _) => why,
            (other, _) => panic!("{other:?}"),
        };
        assert!(off(None, None).contains("development build"));
        assert!(off(Some("http://127.0.0.1:9/x"), None).contains("ILERT_UPDATE_PUBKEY"));
        assert!(off(None, Some("a2V5")).contains("ILERT_UPDATE_FEED"));
        assert!(off(Some("not a url"), Some("k")).contains("not a URL"));
        assert!(off(Some("file:///etc/passwd"), Some("k")).contains("https"));
        assert!(off(Some("http://updates.example.com/latest.json"), Some("k")).contains("loopback"));
        assert!(Channel::choose(inputs(Some("https://updates.example.com/latest.json"), Some("k"), "", true)).0.checks());
    }

    #[test]
    fn a_feed_is_logged_without_its_credentials() {
        let url = url::Url::parse("https://me:s3cret@mirror.example.com/u/latest.json?token=abc#x").unwrap();
        let logged = format!("{:?} {:?}", Channel::Mirror(url.clone()), Feed { endpoint: url, pubkey: "a2V5".into() });
        assert!(logged.contains("https://mirror.example.com/u/latest.json"), "{logged}");
        for secret in ["me", "s3cret", "token", "abc", "a2V5"] {
            assert!(!logged.contains(secret), "{secret} in {logged}");
        }
    }
}
