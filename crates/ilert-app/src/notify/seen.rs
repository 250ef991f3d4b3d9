//! What one account has already been told, kept on disk so that nothing is
//! told twice: not after a restart, a token refresh, a re-sign-in or a wake
//! from sleep. Alert ids and shift-reminder keys only (no summaries, no
//! tokens); written like the settings file (0600, atomically).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// An alert no longer open is forgotten this long after it was last seen
/// open; a reminder, this long after it was due.
const KEEP: Duration = Duration::days(7);
/// At most this many alert ids are kept, the most recently seen ones.
const MAX_ALERTS: usize = 10_000;

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Seen {
    /// Alert id → when it was last seen open (Unix seconds).
    #[serde(default)]
    pub alerts: BTreeMap<i64, i64>,
    /// Reminder key → when it was due (Unix seconds).
    #[serde(default)]
    pub reminders: BTreeMap<String, i64>,
}

impl Seen {
    /// Marks `open` as seen now; returns those never seen before.
    pub fn mark_alerts(&mut self, open: &[i64], now: DateTime<Utc>) -> Vec<i64> {
        let t = now.timestamp();
        open.iter().filter(|id| self.alerts.insert(**id, t).is_none()).copied().collect()
    }

    /// Forgets alerts not seen open for [`KEEP`] and reminders that long past.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let cutoff = (now - KEEP).timestamp();
        self.alerts.retain(|_, t| *t >= cutoff);
        self.reminders.retain(|_, t| *t >= cutoff);
        if self.alerts.len() > MAX_ALERTS {
            let mut by_age: Vec<(i64, i64)> = self.alerts.iter().map(|(id, t)| (*t, *id)).collect();
            by_age.sort_unstable();
            for (_, id) in by_age.iter().take(self.alerts.len() - MAX_ALERTS) {
                self.alerts.remove(id);
            }
        }
    }
}

/// The seen-sets of a profile, one file per account.
#[derive(Debug, Clone)]
pub struct SeenStore {
    dir: PathBuf,
}

impl SeenStore {
    pub fn new(dir: PathBuf) -> SeenStore {
        SeenStore { dir }
    }

    /// The account key (`tenant/user@issuer`) made a file name.
    fn path(&self, account: &str) -> PathBuf {
        let name: String = account.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        self.dir.join(format!("{name}.json"))
    }

    /// `None`: this account was never told anything (no file yet). A file
    /// that cannot be read is taken as empty (and logged): telling again
    /// beats never telling.
    pub fn load(&self, account: &str) -> Option<Seen> {
        let path = self.path(account);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "the seen-set cannot be read; starting afresh");
                return Some(Seen::default());
            }
        };
        Some(serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(file = %path.display(), error = %e, "the seen-set is not valid; starting afresh");
            Seen::default()
        }))
    }

    pub fn save(&self, account: &str, seen: &Seen) {
        let path = self.path(account);
        let json = serde_json::to_vec(seen).expect("seen-set serializes");
        if let Err(e) = crate::private_file::write(&path, &json) {
            tracing::warn!(file = %path.display(), error = %e, "the seen-set cannot be written");
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_once_and_old_ones_pruned() {
        let now = Utc::now();
        let mut s = Seen::default();
        assert_eq!(s.mark_alerts(&[1, 2], now), [1, 2]);
        assert_eq!(s.mark_alerts(&[2, 3], now + Duration::minutes(1)), [3]);
        s.prune(now + Duration::days(7) + Duration::seconds(30));
        assert_eq!(s.alerts.keys().copied().collect::<Vec<_>>(), [2, 3], "1 was last seen open over 7 days ago");
    }

    #[test]
    fn the_file_round_trips_and_garbage_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let store = SeenStore::new(dir.path().join("seen"));
        assert_eq!(store.load("t/ada@https://x"), None);
        let mut s = Seen::default();
        s.mark_alerts(&[7], Utc::now());
        store.save("t/ada@https://x", &s);
        assert_eq!(store.load("t/ada@https://x"), Some(s));
        std::fs::write(store.path("t/ada@https://x"), b"{not json").unwrap();
        assert_eq!(store.load("t/ada@https://x"), Some(Seen::default()));
    }
}
