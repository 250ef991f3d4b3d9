//! Where a signed-in account's tokens live between runs: the OS keyring
//! (macOS Keychain, Windows Credential Manager, the Secret Service on Linux),
//! or, when the keyring is unavailable or locked, memory only, never a file.
//!
//! One keyring entry per account holds the refresh token *and* the current
//! access token with its wall-clock expiry (and the granted scope), so every
//! process of the app (the window, `ilert-desktop token` in a script) reuses
//! one access token for its hour instead of each refreshing: ilert asks for
//! at most one refresh per five minutes. Older entries that hold a bare
//! refresh token still read.
//!
//! The keyring calls block (D-Bus on Linux) and can hang forever behind an
//! unlock prompt nobody answers, so the session runs them on tokio's
//! blocking pool under a time limit ([`keyring_timeout`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Account;
use crate::error::Error;
use crate::secret::Secret;

/// What one account's entry holds.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTokens {
    pub refresh: Secret,
    /// The access token last issued to any process, with its wall-clock expiry.
    pub access: Option<(Secret, DateTime<Utc>)>,
    /// The granted scopes, space-separated, when known.
    pub scope: Option<String>,
}

impl StoredTokens {
    pub fn refresh_only(refresh: Secret) -> StoredTokens {
        StoredTokens { refresh, access: None, scope: None }
    }

    /// The text kept in the keyring: JSON, because the entry is one secret string.
    fn encode(&self) -> String {
        let wire = Wire {
            v: 1,
            refresh: self.refresh.expose(),
            access: self.access.as_ref().map(|(a, _)| a.expose()),
            access_expires_at: self.access.as_ref().map(|(_, t)| *t),
            scope: self.scope.as_deref(),
        };
        serde_json::to_string(&wire).expect("stored tokens serialize")
    }

    /// The entry's bytes: UTF-8 JSON within [`MAX_ENTRY_BYTES`]. The access
    /// token is only a cache shared between processes, so an entry that would
    /// not fit leaves it out (each process then refreshes on its own), then
    /// the scope (read again from the token info); the refresh token is the
    /// session, and one too long for the store is an error, never cut.
    fn stored(&self) -> Result<Vec<u8>, Error> {
        let lighter =
            [self.clone(), StoredTokens { access: None, ..self.clone() }, StoredTokens { access: None, scope: None, ..self.clone() }];
        for (i, t) in lighter.iter().enumerate() {
            let bytes = t.encode().into_bytes();
            if bytes.len() <= MAX_ENTRY_BYTES {
                if i > 0 {
                    tracing::debug!(bytes = self.encode().len(), "the keyring entry left out the shared access token to fit the store");
                }
                return Ok(bytes);
            }
        }
        Err(Error::Keyring(format!("the refresh token is longer than the keyring can hold ({MAX_ENTRY_BYTES} bytes per entry)")))
    }

    /// Reads an entry's bytes: UTF-8, or the UTF-16 that keyring's
    /// `set_password` writes on Windows.
    fn decode_bytes(bytes: &[u8]) -> StoredTokens {
        match std::str::from_utf8(bytes) {
            Ok(text) if !text.contains('\0') => StoredTokens::decode(text),
            _ => {
                let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
                StoredTokens::decode(&String::from_utf16_lossy(&units))
            }
        }
    }

    /// Reads an entry; one that is not our JSON is a bare refresh token (the
    /// format before the access token was shared).
    fn decode(text: &str) -> StoredTokens {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Owned {
            refresh: String,
            access: Option<String>,
            access_expires_at: Option<DateTime<Utc>>,
            scope: Option<String>,
        }
        match serde_json::from_str::<Owned>(text) {
            Ok(o) => StoredTokens {
                refresh: Secret::new(o.refresh),
                access: o.access.zip(o.access_expires_at).map(|(a, t)| (Secret::new(a), t)),
                scope: o.scope,
            },
            Err(_) => StoredTokens::refresh_only(Secret::new(text.trim())),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    v: u8,
    refresh: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

/// The most bytes one keyring entry holds: Windows' Credential Manager caps
/// a credential's blob at 2,560 bytes (`CRED_MAX_CREDENTIAL_BLOB_SIZE`), the
/// smallest limit of the three stores. The entry is written as UTF-8 bytes
/// (`set_secret`): keyring's `set_password` writes UTF-16 there, which
/// halves the room, and ilert's RS256 access token with a wide scope and the
/// refresh token already take about 1,130 characters (2,260 bytes as UTF-16).
pub const MAX_ENTRY_BYTES: usize = 2560;

/// A home for tokens, one entry per account.
pub trait TokenStore: Send + Sync {
    /// The stored tokens; `Ok(None)` when there are none.
    fn load(&self, account: &Account) -> Result<Option<StoredTokens>, Error>;
    fn save(&self, account: &Account, tokens: &StoredTokens) -> Result<(), Error>;
    /// Deleting a missing entry is fine.
    fn delete(&self, account: &Account) -> Result<(), Error>;
    /// Whether tokens survive a restart (false: a session that is not persisted).
    fn is_persistent(&self) -> bool;
    /// The name other processes share this store under (the keyring service),
    /// which names the cross-process refresh lock; `None`: this process only.
    fn shared_name(&self) -> Option<&str> {
        None
    }
}

/// How long one keyring call may take before it is abandoned: a locked
/// keyring under ssh or cron shows an unlock prompt nobody can answer.
/// `ILERT_KEYRING_TIMEOUT_MS` changes it (tests use a short one).
pub fn keyring_timeout() -> Duration {
    std::env::var("ILERT_KEYRING_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(10))
}

/// The OS keyring, under the app's service (`com.ilert.desktop`, or
/// `com.ilert.desktop/<profile>`) and an entry named for issuer, tenant and user.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    /// `service`: the app id, then `/profile` for a separate profile. Its
    /// first segment also names the directory of the account locks.
    pub fn new(service: impl Into<String>) -> KeyringStore {
        KeyringStore { service: service.into() }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry, Error> {
        keyring::Entry::new(&self.service, key).map_err(keyring_error)
    }

    /// Proves the keyring can keep a token: writes a probe item, reads it
    /// back and deletes it. Reading alone is not enough: a locked collection
    /// answers "no entry" to a read and refuses only the write.
    pub fn probe(&self) -> Result<(), Error> {
        let entry = self.entry(&format!("probe {}", std::process::id()))?;
        let value = format!("probe-{:x}", rand_u64());
        entry.set_password(&value).map_err(keyring_error)?;
        let read = entry.get_password().map_err(keyring_error);
        let _ = entry.delete_credential();
        if read? != value {
            return Err(Error::Keyring("the keyring did not keep a test item; it cannot hold your sign-in".into()));
        }
        Ok(())
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    u64::from_le_bytes(b)
}

/// One sentence that names the cause; never the secret (no variant carries it).
fn keyring_error(e: keyring::Error) -> Error {
    Error::Keyring(match e {
        keyring::Error::NoStorageAccess(inner) => {
            let inner = inner.to_string();
            if inner.contains("prompt") {
                "the keyring is locked and its unlock prompt was dismissed; unlock it and try again".into()
            } else {
                "the keyring is locked; unlock it and try again".into()
            }
        }
        keyring::Error::PlatformFailure(inner) => {
            let inner = inner.to_string();
            if inner.contains("locked") {
                // gnome-keyring refuses to create an item in a locked collection.
                "the keyring is locked; unlock it and try again".into()
            } else if inner.contains("ServiceUnknown")
                || inner.contains("NoServer")
                || inner.contains("No such file")
                || inner.contains("Connection refused")
            {
                "no keyring is running (no Secret Service on the session bus)".into()
            } else {
                format!("the keyring failed ({inner})")
            }
        }
        other => format!("the keyring failed ({other})"),
    })
}

impl TokenStore for KeyringStore {
    fn load(&self, account: &Account) -> Result<Option<StoredTokens>, Error> {
        match self.entry(&account.key())?.get_secret() {
            Ok(bytes) => Ok(Some(StoredTokens::decode_bytes(&bytes))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn save(&self, account: &Account, tokens: &StoredTokens) -> Result<(), Error> {
        let bytes = tokens.stored()?;
        self.entry(&account.key())?.set_secret(&bytes).map_err(keyring_error)
    }

    fn delete(&self, account: &Account) -> Result<(), Error> {
        match self.entry(&account.key())?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn is_persistent(&self) -> bool {
        true
    }

    fn shared_name(&self) -> Option<&str> {
        Some(&self.service)
    }
}

/// Tokens in this process's memory only: the fallback when the keyring is
/// unavailable, so a person can still sign in for this run.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, StoredTokens>>,
}

impl TokenStore for MemoryStore {
    fn load(&self, account: &Account) -> Result<Option<StoredTokens>, Error> {
        Ok(self.tokens.lock().unwrap_or_else(|e| e.into_inner()).get(&account.key()).cloned())
    }
    fn save(&self, account: &Account, tokens: &StoredTokens) -> Result<(), Error> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner()).insert(account.key(), tokens.clone());
        Ok(())
    }
    fn delete(&self, account: &Account) -> Result<(), Error> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner()).remove(&account.key());
        Ok(())
    }
    fn is_persistent(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_old_ones_read_as_a_refresh_token() {
        let t = StoredTokens {
            refresh: Secret::new("r.1"),
            access: Some((Secret::new("a.1"), "2026-12-02T10:00:00Z".parse().unwrap())),
            scope: Some("profile alert".into()),
        };
        assert_eq!(StoredTokens::decode(&t.encode()), t);
        assert_eq!(StoredTokens::decode("eyJ.old.refresh\n"), StoredTokens::refresh_only(Secret::new("eyJ.old.refresh")));
        assert!(!format!("{t:?}").contains("r.1"), "Debug redacts");
        assert_eq!(StoredTokens::decode_bytes(&t.stored().unwrap()), t);
        let utf16: Vec<u8> = t.encode().encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(StoredTokens::decode_bytes(&utf16), t, "what set_password wrote on Windows still reads");
    }

    /// ilert's tokens at their real sizes: an RS256 access token (a 256-byte
    /// signature) naming a wide scope, and an HS256 refresh token.
    fn jwt(payload_chars: usize, signature_bytes: usize) -> String {
        let b64 = |n: usize| "x".repeat(n.div_ceil(3) * 4);
        format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{}", b64(payload_chars), b64(signature_bytes))
    }

    #[test]
    fn a_real_sized_entry_fits_windows_credential_manager() {
        let scope = "profile user schedule:w policy source:w alert:w team incident status-page heartbeat:w wildcard:d offline_access";
        let payload = format!(
            r#"{{"il_n":"5cf","il_a":2,"il_s":"{scope}","iss":"ilert","il_u":"grace.hopper@example.com","il_t":"ACCESS","il_v":1,"exp":1643726723}}"#
        );
        let t = StoredTokens {
            refresh: Secret::new(jwt(120, 32)),
            access: Some((Secret::new(jwt(payload.len(), 256)), "2026-12-02T10:00:00Z".parse().unwrap())),
            scope: Some(scope.into()),
        };
        let bytes = t.stored().unwrap();
        assert!(bytes.len() <= MAX_ENTRY_BYTES, "{} bytes", bytes.len());
        assert_eq!(StoredTokens::decode_bytes(&bytes), t, "nothing left out");
        let utf16 = t.encode().encode_utf16().count() * 2;
        assert!(
            bytes.len() * 2 == utf16 && utf16 > MAX_ENTRY_BYTES * 85 / 100,
            "as UTF-16 (set_password) it would nearly fill the store: {utf16}"
        );
    }

    #[test]
    fn an_entry_too_large_leaves_out_the_cache_never_the_refresh_token() {
        let big = StoredTokens {
            refresh: Secret::new("r".repeat(1000)),
            access: Some((Secret::new("a".repeat(2000)), "2026-12-02T10:00:00Z".parse().unwrap())),
            scope: Some("profile alert".into()),
        };
        let kept = StoredTokens::decode_bytes(&big.stored().unwrap());
        assert_eq!((kept.refresh.expose(), kept.access, kept.scope.as_deref()), (big.refresh.expose(), None, Some("profile alert")));
        let huge = StoredTokens::refresh_only(Secret::new("r".repeat(MAX_ENTRY_BYTES)));
        let err = huge.stored().unwrap_err().to_string();
        assert!(err.contains("longer than the keyring can hold") && !err.contains("rrrr"), "{err}");
    }
}
