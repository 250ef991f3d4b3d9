//! The token store against the real OS keyring. On Linux that is a Secret
//! Service (gnome-keyring), which `scripts/test` starts and unlocks inside
//! `dbus-run-session`; a bare `cargo test` leaves these out.
//!
//! The keyring crate silently falls back to an in-memory mock when built
//! without a platform feature, so the store is checked from another process
//! (`secret-tool`, libsecret's CLI): a mock's entries are invisible there.

use std::process::Command;

use ilert_oauth::token_store::{KeyringStore, TokenStore};
use ilert_oauth::{Account, Secret};

mod common;

fn account(tag: &str) -> Account {
    Account { issuer: "http://127.0.0.1:1".into(), tenant: "sandbox".into(), username: format!("{tag}-{}", std::process::id()) }
}

fn lookup(service: &str, account: &Account) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", &account.key()])
        .output()
        .expect("secret-tool (package libsecret-tools)");
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

#[test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
fn tokens_land_in_the_real_secret_service() {
    let store = KeyringStore::new(Some("keyring-test"));
    store.probe().expect("the Secret Service answers");
    let acct = account("smoke");
    assert_eq!(store.load(&acct).unwrap(), None, "no entry: Ok(None)");

    store.save(&acct, &Secret::new("refresh-token-value-1")).unwrap();
    assert_eq!(lookup(store.service(), &acct).as_deref(), Some("refresh-token-value-1"), "another process sees the entry");
    // A second store instance (as after a restart) reads it back.
    let again = KeyringStore::new(Some("keyring-test"));
    assert_eq!(again.load(&acct).unwrap().unwrap().expose(), "refresh-token-value-1");

    store.save(&acct, &Secret::new("refresh-token-value-2")).unwrap();
    assert_eq!(lookup(store.service(), &acct).as_deref(), Some("refresh-token-value-2"), "overwritten, not duplicated");

    store.delete(&acct).unwrap();
    assert_eq!(lookup(store.service(), &acct), None);
    assert_eq!(store.load(&acct).unwrap(), None);
    store.delete(&acct).expect("deleting a missing entry is fine");
}

#[test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
fn profiles_are_separate_entries() {
    let a = KeyringStore::new(Some("profile-a"));
    let b = KeyringStore::new(Some("profile-b"));
    let acct = account("profiles");
    a.save(&acct, &Secret::new("token-a")).unwrap();
    assert_eq!(b.load(&acct).unwrap(), None);
    a.delete(&acct).unwrap();
}

/// The session against the real keyring: sign in, restore in a "new process"
/// (fresh store instance) without a browser, then `invalid_grant` clears the entry.
#[tokio::test]
#[ignore = "needs an unlocked Secret Service; scripts/test runs it"]
async fn session_restores_from_and_is_cleared_in_the_keyring() {
    use std::sync::Arc;
    use ilert_oauth::endpoint::{http_client, TokenEndpoint};
    use ilert_oauth::{Error, Session};

    let sb = common::sandbox().await;
    let profile = format!("flow-{}", std::process::id());
    let session = common::login(&sb, Arc::new(KeyringStore::new(Some(&profile)))).await;
    assert!(session.is_persistent());
    let acct = session.account().clone();
    let stored = lookup(&format!("com.ilert.desktop/{profile}"), &acct).expect("refresh token in the Secret Service");

    let endpoint = TokenEndpoint::new(&common::settings(&sb, common::ANY_PORT), http_client()).unwrap();
    let restored = Session::restore(endpoint, Arc::new(KeyringStore::new(Some(&profile))), acct.clone()).await.unwrap().unwrap();
    let token = restored.access_token().await.unwrap();
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1);

    // Revoked elsewhere: the next refresh gets invalid_grant and the entry goes.
    restored.endpoint().revoke(&Secret::new(stored.trim().to_string())).await.unwrap();
    sb.knobs().expire_access_tokens();
    let restored = restored.with_policy(ilert_oauth::session::RefreshPolicy { min_interval: std::time::Duration::ZERO, ..Default::default() });
    assert!(matches!(restored.unauthorized(&token).await, Err(Error::SessionExpired)));
    assert_eq!(lookup(&format!("com.ilert.desktop/{profile}"), &acct), None, "the rejected token left the keyring");
}
