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

/// Where to look for updates and whose signature to trust, when not where
/// the release says (tauri.conf.json): a feed of one's own, or the tests'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub endpoint: url::Url,
    /// The minisign public key, as in tauri.conf.json (base64 of the key file).
    pub pubkey: String,
}

impl Feed {
    /// `ILERT_UPDATE_FEED` and `ILERT_UPDATE_PUBKEY`, both or neither: a
    /// feed without its own key would be checked against the release's key
    /// (and fail), a key alone would change whom the release's feed must be
    /// signed by.
    pub fn from_env() -> Result<Option<Feed>, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Feed::from_values(var("ILERT_UPDATE_FEED"), var("ILERT_UPDATE_PUBKEY"))
    }

    fn from_values(endpoint: Option<String>, pubkey: Option<String>) -> Result<Option<Feed>, String> {
        match (endpoint, pubkey) {
            (None, None) => Ok(None),
            (Some(e), Some(pubkey)) => {
                let endpoint = url::Url::parse(e.trim()).map_err(|err| format!("ILERT_UPDATE_FEED is not a URL ({err}): {e}"))?;
                // Plain http only on this machine, as for every other URL here
                // (and the plugin takes it only in a development build).
                let local_http = endpoint.scheme() == "http" && ilert_oauth::config::is_loopback_host(&endpoint);
                if endpoint.scheme() != "https" && !local_http {
                    return Err(format!("ILERT_UPDATE_FEED must be an https URL (http only to a loopback host): {e}"));
                }
                Ok(Some(Feed { endpoint, pubkey: pubkey.trim().to_string() }))
            }
            (Some(_), None) => Err("ILERT_UPDATE_FEED is set without ILERT_UPDATE_PUBKEY, the key its updates are signed with".into()),
            (None, Some(_)) => Err("ILERT_UPDATE_PUBKEY is set without ILERT_UPDATE_FEED".into()),
        }
    }
}

/// The update state every surface follows, and when the last check was.
pub struct Updates {
    view: watch::Sender<UpdateView>,
    last_check: Mutex<Option<SystemTime>>,
}

impl Default for Updates {
    fn default() -> Updates {
        Updates { view: watch::Sender::new(UpdateView::None), last_check: Mutex::new(None) }
    }
}

impl Updates {
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

    #[test]
    fn a_feed_of_ones_own_needs_its_key() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(Feed::from_values(None, None), Ok(None));
        let feed = Feed::from_values(s(" http://127.0.0.1:9/latest.json "), s("a2V5")).unwrap().unwrap();
        assert_eq!(feed.endpoint.as_str(), "http://127.0.0.1:9/latest.json");
        assert_eq!(feed.pubkey, "a2V5");
        assert!(Feed::from_values(s("http://x/latest.json"), None).unwrap_err().contains("ILERT_UPDATE_PUBKEY"));
        assert!(Feed::from_values(None, s("a2V5")).unwrap_err().contains("ILERT_UPDATE_FEED"));
        assert!(Feed::from_values(s("not a url"), s("k")).unwrap_err().contains("not a URL"));
        assert!(Feed::from_values(s("file:///etc/passwd"), s("k")).unwrap_err().contains("https"));
        assert!(Feed::from_values(s("http://updates.example.com/latest.json"), s("k")).unwrap_err().contains("loopback"));
        assert!(Feed::from_values(s("https://updates.example.com/latest.json"), s("k")).unwrap().is_some());
    }
}
