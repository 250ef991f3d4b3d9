//! Where the refresh token lives between runs: the OS keyring (macOS
//! Keychain, Windows Credential Manager, the Secret Service on Linux), or,
//! when the keyring is unavailable or locked, memory only, never a file.
//!
//! The keyring calls block (D-Bus on Linux), so the session runs them on
//! tokio's blocking pool.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::Error;
use crate::secret::Secret;
use crate::settings::{Account, APP_ID};

/// A home for refresh tokens, one per account.
pub trait TokenStore: Send + Sync {
    /// The stored token; `Ok(None)` when there is none.
    fn load(&self, account: &Account) -> Result<Option<Secret>, Error>;
    fn save(&self, account: &Account, token: &Secret) -> Result<(), Error>;
    /// Deleting a missing entry is fine.
    fn delete(&self, account: &Account) -> Result<(), Error>;
    /// Whether tokens survive a restart (false: a session that is not persisted).
    fn is_persistent(&self) -> bool;
}

/// The OS keyring, under service `com.ilert.desktop` (or
/// `com.ilert.desktop/<profile>`) and an entry named for issuer, tenant and user.
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(profile: Option<&str>) -> KeyringStore {
        let service = match profile.filter(|p| !p.is_empty()) {
            Some(p) => format!("{APP_ID}/{p}"),
            None => APP_ID.to_string(),
        };
        KeyringStore { service }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &Account) -> Result<keyring::Entry, Error> {
        keyring::Entry::new(&self.service, &account.key()).map_err(keyring_error)
    }

    /// Checks that the keyring answers (and is unlocked) by reading an entry
    /// that does not exist.
    pub fn probe(&self) -> Result<(), Error> {
        let probe = Account { issuer: "probe".into(), tenant: "probe".into(), username: "probe".into() };
        match self.entry(&probe)?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

fn keyring_error(e: keyring::Error) -> Error {
    Error::Keyring(match e {
        keyring::Error::NoStorageAccess(_) => "the keyring is locked or not reachable (no Secret Service?)".into(),
        keyring::Error::PlatformFailure(_) => "the keyring failed".into(),
        // No variant carries the secret; still, say only which kind of failure.
        other => format!("{other}"),
    })
}

impl TokenStore for KeyringStore {
    fn load(&self, account: &Account) -> Result<Option<Secret>, Error> {
        match self.entry(account)?.get_password() {
            Ok(p) => Ok(Some(Secret::new(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn save(&self, account: &Account, token: &Secret) -> Result<(), Error> {
        self.entry(account)?.set_password(token.expose()).map_err(keyring_error)
    }

    fn delete(&self, account: &Account) -> Result<(), Error> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn is_persistent(&self) -> bool {
        true
    }
}

/// Tokens in this process's memory only: the fallback when the keyring is
/// unavailable, so a person can still sign in for this run.
#[derive(Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, Secret>>,
}

impl TokenStore for MemoryStore {
    fn load(&self, account: &Account) -> Result<Option<Secret>, Error> {
        Ok(self.tokens.lock().unwrap_or_else(|e| e.into_inner()).get(&account.key()).cloned())
    }
    fn save(&self, account: &Account, token: &Secret) -> Result<(), Error> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner()).insert(account.key(), token.clone());
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
