//! No Secret Service on the bus (as on a bare server or a locked-down
//! desktop): the sign-in still completes, the session says it is not
//! persisted, and the refresh token lives in memory only.
//!
//! Its own test binary, because it points this process's D-Bus session
//! address at nothing before anything talks to D-Bus.
//!
//! Linux only: a keyring that is not there is a Linux situation (Windows
//! and macOS always have theirs), and D-Bus is how it is made absent.
#![cfg(all(unix, not(target_os = "macos")))]

use std::sync::Arc;

use ilert_oauth::token_store::{KeyringStore, TokenStore};

mod common;

#[test]
fn without_a_keyring_the_session_is_in_memory_only() {
    // Before any thread exists: nothing else reads the environment concurrently.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ilert-test-bus");
    let keyring = Arc::new(KeyringStore::new("com.ilert.desktop/absent"));
    let err = keyring.probe().unwrap_err();
    assert_eq!(err.kind(), "keyring", "{err}");
    assert!(err.to_string().contains("keyring"), "a clear message: {err}");

    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let sb = common::sandbox().await;
        let session = common::login(&sb, keyring.clone()).await;
        assert!(!session.is_persistent(), "the session says it is not persisted");
        // It works for as long as the app runs: refresh included.
        let first = session.access_token().await.unwrap();
        sb.knobs().expire_access_tokens();
        let second = session.unauthorized(&first).await.unwrap();
        assert!(first != second);
        assert_eq!(sb.knobs().token_requests("refresh_token"), 1);
        // Nothing reached the keyring (there is none), and sign-out still ends it.
        assert!(keyring.load(session.account()).is_err());
        assert!(session.sign_out().await.revoke.is_ok());
    });
}
