//! The token store against the real OS keyring. On Linux that is a Secret
//! Service (gnome-keyring), which `scripts/test` starts and unlocks inside
//! `dbus-run-session`; on Windows the Credential Manager (Wine's, in
//! `scripts/cross-check`); a bare `cargo test` leaves these out.
//!
//! The keyring crate silently falls back to an in-memory mock when built
//! without a platform feature, so the store is checked past it: from another
//! process on Linux (`secret-tool`, libsecret's CLI) and macOS (`security`),
//! through Win32's `CredReadW` on Windows. A mock's entries are invisible there.

use ilert_oauth::token_store::{KeyringStore, StoredTokens, TokenStore};
use ilert_oauth::{Account, Secret};

mod common;

fn account(tag: &str) -> Account {
    Account { issuer: "http://127.0.0.1:1".into(), tenant: "sandbox".into(), username: format!("{tag}-{}", std::process::id()) }
}

fn refresh_only(token: &str) -> StoredTokens {
    StoredTokens::refresh_only(Secret::new(token))
}

/// The entry as the platform's own tools read it (`None`: no entry).
fn lookup(service: &str, account: &Account) -> Option<String> {
    platform::lookup(service, &account.key())
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use std::process::{Command, Stdio};

    pub fn lookup(service: &str, key: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", service, "username", key])
            .output()
            .expect("secret-tool (package libsecret-tools)");
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).to_string())
    }

    /// Writes `text` as another program would have.
    pub fn store(service: &str, key: &str, text: &str) {
        use std::io::Write;
        let mut child = Command::new("secret-tool")
            .args(["store", "--label", "old", "service", service, "username", key])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use std::process::Command;

    pub fn lookup(service: &str, key: &str) -> Option<String> {
        let out = Command::new("security").args(["find-generic-password", "-s", service, "-a", key, "-w"]).output().unwrap();
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    }

    pub fn store(service: &str, key: &str, text: &str) {
        let ok = Command::new("security").args(["add-generic-password", "-U", "-s", service, "-a", key, "-w", text]).status().unwrap();
        assert!(ok.success());
    }
}

/// keyring names a Windows credential `<user>.<service>`.
#[cfg(windows)]
#[allow(unsafe_code)]
mod platform {
    use windows_sys::Win32::Security::Credentials::{
        CredFree, CredReadW, CredWriteW, CREDENTIALW, CRED_PERSIST_ENTERPRISE, CRED_TYPE_GENERIC,
    };

    fn target(service: &str, key: &str) -> Vec<u16> {
        format!("{key}.{service}").encode_utf16().chain([0]).collect()
    }

    pub fn lookup(service: &str, key: &str) -> Option<String> {
        let target = target(service, key);
        let mut cred: *mut CREDENTIALW = std::ptr::null_mut();
        // SAFETY: `target` is NUL-terminated and outlives the call; a
        // credential read is freed with CredFree after its blob is copied.
        unsafe {
            if CredReadW(target.as_ptr(), CRED_TYPE_GENERIC, 0, &mut cred) == 0 {
                return None;
            }
            let blob = std::slice::from_raw_parts((*cred).CredentialBlob, (*cred).CredentialBlobSize as usize).to_vec();
            CredFree(cred.cast());
            Some(String::from_utf8(blob).expect("the entry is UTF-8"))
        }
    }

    /// Writes `text` as keyring's `set_password` did: UTF-16 bytes.
    pub fn store(service: &str, key: &str, text: &str) {
        let mut target = target(service, key);
        let mut user: Vec<u16> = key.encode_utf16().chain([0]).collect();
        let mut blob: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        // SAFETY: every pointer in the struct points into a Vec that lives
        // until the call returns; the rest of the struct is zero, as allowed.
        unsafe {
            let mut cred: CREDENTIALW = std::mem::zeroed();
            cred.Type = CRED_TYPE_GENERIC;
            cred.TargetName = target.as_mut_ptr();
            cred.UserName = user.as_mut_ptr();
            cred.CredentialBlobSize = blob.len() as u32;
            cred.CredentialBlob = blob.as_mut_ptr();
            cred.Persist = CRED_PERSIST_ENTERPRISE;
            assert_ne!(CredWriteW(&cred, 0), 0, "CredWriteW");
        }
    }
}

#[test]
#[ignore = "needs the OS keyring (on Linux an unlocked Secret Service); scripts/test runs it"]
fn tokens_land_in_the_real_secret_service() {
    let store = KeyringStore::new("com.ilert.desktop/keyring-test");
    store.probe().expect("the keyring answers");
    let acct = account("smoke");
    assert_eq!(store.load(&acct).unwrap(), None, "no entry: Ok(None)");

    store.save(&acct, &refresh_only("refresh-token-value-1")).unwrap();
    assert!(lookup(store.service(), &acct).unwrap().contains("\"refresh-token-value-1\""), "another process sees the entry");
    // A second store instance (as after a restart) reads it back.
    let again = KeyringStore::new("com.ilert.desktop/keyring-test");
    assert_eq!(again.load(&acct).unwrap().unwrap().refresh.expose(), "refresh-token-value-1");

    store.save(&acct, &refresh_only("refresh-token-value-2")).unwrap();
    let entry = lookup(store.service(), &acct).unwrap();
    assert!(entry.contains("refresh-token-value-2") && !entry.contains("value-1"), "overwritten, not duplicated");

    store.delete(&acct).unwrap();
    assert_eq!(lookup(store.service(), &acct), None);
    assert_eq!(store.load(&acct).unwrap(), None);
    store.delete(&acct).expect("deleting a missing entry is fine");
}

#[test]
#[ignore = "needs the OS keyring (on Linux an unlocked Secret Service); scripts/test runs it"]
fn profiles_are_separate_entries() {
    let a = KeyringStore::new("com.ilert.desktop/profile-a");
    let b = KeyringStore::new("com.ilert.desktop/profile-b");
    let acct = account("profiles");
    a.save(&acct, &refresh_only("token-a")).unwrap();
    assert_eq!(b.load(&acct).unwrap(), None);
    a.delete(&acct).unwrap();
}

/// The session against the real keyring: sign in, restore in a "new process"
/// (fresh store instance) without a browser, then `invalid_grant` clears the entry.
#[tokio::test]
#[ignore = "needs the OS keyring (on Linux an unlocked Secret Service); scripts/test runs it"]
async fn session_restores_from_and_is_cleared_in_the_keyring() {
    use ilert_oauth::endpoint::{http_client, TokenEndpoint};
    use ilert_oauth::{Error, Session};
    use std::sync::Arc;

    let sb = common::sandbox().await;
    let profile = format!("flow-{}", std::process::id());
    let session = common::login(&sb, Arc::new(KeyringStore::new(format!("com.ilert.desktop/{}", profile)))).await;
    assert!(session.is_persistent());
    let acct = session.account().clone();
    let entry = lookup(&format!("com.ilert.desktop/{profile}"), &acct).expect("tokens in the keyring");
    let entry: serde_json::Value = serde_json::from_str(&entry).unwrap();
    let stored = entry["refresh"].as_str().unwrap().to_string();
    assert!(entry["access"].is_string() && entry["accessExpiresAt"].is_string(), "the access token is shared with other processes");

    let endpoint = TokenEndpoint::new(&common::settings(&sb, common::ANY_PORT), http_client()).unwrap();
    let restored = Session::restore(endpoint, Arc::new(KeyringStore::new(format!("com.ilert.desktop/{}", profile))), acct.clone())
        .await
        .unwrap()
        .unwrap();
    let token = restored.access_token().await.unwrap();
    assert_eq!(sb.knobs().token_requests("refresh_token"), 0, "the stored access token is reused, not refreshed");

    // Revoked elsewhere: the next refresh gets invalid_grant and the entry goes.
    restored.endpoint().revoke(&Secret::new(stored)).await.unwrap();
    sb.knobs().expire_access_tokens();
    let restored =
        restored.with_policy(ilert_oauth::session::RefreshPolicy { min_interval: std::time::Duration::ZERO, ..Default::default() });
    assert!(matches!(restored.unauthorized(&token).await, Err(Error::SessionExpired)));
    assert_eq!(lookup(&format!("com.ilert.desktop/{profile}"), &acct), None, "the rejected token left the keyring");
}

/// An entry written before the access token was shared (a bare refresh
/// token) still signs in after an upgrade.
#[test]
#[ignore = "needs the OS keyring (on Linux an unlocked Secret Service); scripts/test runs it"]
fn an_entry_of_the_old_format_still_reads() {
    let store = KeyringStore::new("com.ilert.desktop/keyring-old-format");
    let acct = account("old");
    platform::store(store.service(), &acct.key(), "old-refresh-token");
    assert_eq!(store.load(&acct).unwrap(), Some(refresh_only("old-refresh-token")));
    store.delete(&acct).unwrap();
}
