//! The sign-in core over real HTTP against the sandbox, with an HTTP client
//! playing the person in the browser (it submits the consent form).

use std::sync::Arc;
use std::time::Duration;

use ilert_oauth::endpoint::{http_client, TokenEndpoint};
use ilert_oauth::session::RefreshPolicy;
use ilert_oauth::token_store::{MemoryStore, TokenStore};
use ilert_oauth::{Error, Session, SignIn};
use ilert_sandbox::{browser, Fault, FaultKind};
use tokio::io::AsyncWriteExt;

mod common;
use common::{approve_in_browser, login, sandbox, settings, start, ANY_PORT};

#[tokio::test]
async fn full_login_restores_from_the_store_without_a_browser() {
    let sb = sandbox().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session = login(&sb, store.clone()).await;
    assert_eq!(session.account().username, "ada");
    assert_eq!(session.account().tenant, "sandbox");
    assert_eq!(session.account().issuer, sb.url());
    assert!(session.scope().contains("source"));
    let info = session.token_info().await.unwrap();
    assert!(info.active);
    assert!(store.load(session.account()).unwrap().is_some(), "refresh token stored");
    assert_eq!(sb.knobs().token_requests("authorization_code"), 1);

    let endpoint = TokenEndpoint::new(&settings(&sb, ANY_PORT), http_client()).unwrap();
    let restored = Session::restore(endpoint, store, session.account().clone()).await.unwrap().expect("stored session");
    assert!(restored.scope().contains("source"), "the stored entry keeps the scope");
    assert!(restored.access_token().await.unwrap() == session.access_token().await.unwrap(), "the stored access token is reused");
    assert_eq!(sb.knobs().token_requests("refresh_token"), 0, "no refresh while the stored access token is fresh");
    assert_eq!(sb.knobs().token_requests("authorization_code"), 1, "no new sign-in");
}

#[tokio::test]
async fn refreshes_shortly_before_expiry() {
    let sb = sandbox().await;
    sb.knobs().set_access_token_lifetime(Duration::from_secs(2));
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session =
        login(&sb, store).await.with_policy(RefreshPolicy { leeway: Duration::from_millis(800), min_interval: Duration::from_secs(300) });
    let first = session.access_token().await.unwrap();
    assert_eq!(sb.knobs().token_requests("refresh_token"), 0);
    tokio::time::sleep(Duration::from_millis(1400)).await;
    let second = session.access_token().await.unwrap();
    assert!(first != second);
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1);
}

#[tokio::test]
async fn refresh_on_401_then_the_five_minute_rule_ends_the_session() {
    let sb = sandbox().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session = login(&sb, store.clone()).await;
    let old = session.access_token().await.unwrap();
    sb.knobs().expire_access_tokens();
    let new = session.unauthorized(&old).await.unwrap();
    assert!(new != old);
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1);
    // A stale 401 for the old token does not refresh again.
    assert!(session.unauthorized(&old).await.unwrap() == new);
    sb.knobs().expire_access_tokens();
    assert!(matches!(session.unauthorized(&new).await, Err(Error::SessionExpired)));
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1, "no second refresh within 5 minutes");
    assert!(store.load(session.account()).unwrap().is_some(), "the refresh token is kept");
}

#[tokio::test]
async fn hundred_concurrent_calls_on_an_expired_token_cause_one_refresh() {
    let sb = sandbox().await;
    sb.knobs().set_access_token_lifetime(Duration::from_secs(1));
    let session = Arc::new(
        login(&sb, Arc::new(MemoryStore::default())).await.with_policy(RefreshPolicy { leeway: Duration::ZERO, ..Default::default() }),
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sb.knobs().set_latency(Duration::from_millis(50));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.access_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for c in calls {
        tokens.push(c.await.unwrap().unwrap());
    }
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1);
}

#[tokio::test]
async fn rotation_stores_the_new_token_and_no_rotation_keeps_it() {
    for rotate in [true, false] {
        let sb = sandbox().await;
        sb.knobs().set_rotate_refresh_tokens(rotate);
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
        let session = login(&sb, store.clone()).await;
        let before = store.load(session.account()).unwrap().unwrap();
        sb.knobs().expire_access_tokens();
        let old = session.access_token().await.unwrap();
        session.unauthorized(&old).await.unwrap();
        let after = store.load(session.account()).unwrap().unwrap();
        assert_eq!(before.refresh != after.refresh, rotate, "rotate={rotate}");
        assert!(sb.knobs().refresh_token_is_live(after.refresh.expose()));
    }
}

#[tokio::test]
async fn invalid_grant_removes_the_stored_token() {
    let sb = sandbox().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session = login(&sb, store.clone()).await;
    let refresh = store.load(session.account()).unwrap().unwrap().refresh;
    session.endpoint().revoke(&refresh).await.unwrap(); // revoked elsewhere
    let old = session.access_token().await.unwrap();
    assert!(matches!(session.unauthorized(&old).await, Err(Error::SessionExpired)));
    assert!(store.load(session.account()).unwrap().is_none());
}

#[tokio::test]
async fn transient_failures_keep_the_stored_token() {
    for (fault, expect) in [
        (FaultKind::Status { status: 500 }, "unavailable"),
        (FaultKind::Status { status: 503 }, "unavailable"),
        (FaultKind::Status { status: 429 }, "rateLimited"),
        (FaultKind::Drop, "unavailable"),
        (FaultKind::Delay { millis: 1500 }, "unavailable"),
    ] {
        let sb = sandbox().await;
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
        let session = login(&sb, store.clone()).await;
        // A client with a short timeout, so a slow answer is a timeout.
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_millis(700)).build().unwrap();
        let endpoint = TokenEndpoint::new(&settings(&sb, ANY_PORT), http).unwrap();
        let restored = Session::restore(endpoint, store.clone(), session.account().clone()).await.unwrap().unwrap();
        let used = restored.access_token().await.unwrap();
        sb.knobs().add_fault(Fault::new("/api/developers/oauth2/token", fault.clone()).times(1));
        let err = restored.unauthorized(&used).await.unwrap_err();
        assert_eq!(err.kind(), expect, "{fault:?}: {err}");
        assert!(err.is_transient());
        assert!(store.load(session.account()).unwrap().is_some(), "{fault:?} kept the token");
        // And it recovers once the fault is gone.
        assert!(restored.unauthorized(&used).await.unwrap() != used);
    }
}

#[tokio::test]
async fn sign_out_revokes_and_forgets_even_when_ilert_is_down() {
    let sb = sandbox().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session = login(&sb, store.clone()).await;
    let refresh = store.load(session.account()).unwrap().unwrap().refresh;
    let out = session.sign_out().await;
    out.revoke.unwrap();
    assert!(!sb.knobs().refresh_token_is_live(refresh.expose()));
    assert!(store.load(session.account()).unwrap().is_none());
    assert!(matches!(session.access_token().await, Err(Error::SessionExpired)));

    let session = login(&sb, store.clone()).await;
    sb.knobs().add_fault(Fault::status("/api/developers/oauth2/revoke", 503));
    let out = session.sign_out().await;
    assert!(out.revoke.unwrap_err().is_transient(), "the failure is reported");
    assert!(store.load(session.account()).unwrap().is_none(), "the local sign-out still happened");
}

#[tokio::test]
async fn denial_ends_the_flow_with_the_error() {
    let sb = sandbox().await;
    let (s, url) = start(&sb).await;
    let browser = tokio::spawn(async move {
        let browser::Outcome::Redirect(loc) = browser::consent(&url, "deny").await.unwrap() else { panic!() };
        reqwest::get(&loc).await.unwrap().status()
    });
    let err = s.finish(Arc::new(MemoryStore::default())).await.err().unwrap();
    assert!(matches!(&err, Error::Denied { code, .. } if code == "access_denied"), "{err}");
    assert_eq!(browser.await.unwrap(), 400);
}

#[tokio::test]
async fn wrong_state_wrong_path_and_junk_do_not_end_the_wait() {
    let sb = sandbox().await;
    let (s, url) = start(&sb).await;
    let redirect = s.redirect_uri().clone();
    let addr = format!("127.0.0.1:{}", redirect.port().unwrap());
    let waiting = tokio::spawn(s.finish(Arc::new(MemoryStore::default())));
    let attacker = tokio::spawn(async move {
        let base = redirect.as_str().to_string();
        // A forged callback (wrong state), a favicon, a wrong path, a bad method.
        assert_eq!(reqwest::get(format!("{base}?code=forged&state=nope")).await.unwrap().status(), 400);
        assert_eq!(reqwest::get(format!("{base}?code=forged")).await.unwrap().status(), 400);
        assert_eq!(reqwest::get(format!("{base}?error=access_denied&state=nope")).await.unwrap().status(), 400);
        let origin = format!("http://{}", redirect.host_str().unwrap());
        let port = redirect.port().unwrap();
        assert_eq!(reqwest::get(format!("{origin}:{port}/favicon.ico")).await.unwrap().status(), 404);
        assert_eq!(reqwest::Client::new().post(&base).send().await.unwrap().status(), 404);
        // A flood of junk and idle (slowloris) connections.
        let mut idle = Vec::new();
        for i in 0..300 {
            let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
            if i % 3 == 0 {
                idle.push(c);
            } else {
                let _ = c.write_all(b"\x00\xff GARBAGE \r\n\r\n\x16\x03\x01").await;
            }
        }
        drop(idle);
    });
    attacker.await.unwrap();
    let loc = approve_in_browser(url).await.unwrap();
    let session = waiting.await.unwrap().unwrap();
    assert_eq!(session.account().username, "ada");
    // A replayed callback finds the receiver closed or answers harmlessly; the code is spent anyway.
    if let Ok(r) = reqwest::get(&loc).await {
        assert!(r.status().is_success() || r.status().is_client_error());
    }
    assert_eq!(sb.knobs().token_requests("authorization_code"), 1);
}

#[tokio::test]
async fn timeout_and_cancel_end_the_wait() {
    let sb = sandbox().await;
    let (s, _) = start(&sb).await;
    let err = s.with_timeout(Duration::from_millis(300)).finish(Arc::new(MemoryStore::default())).await.err().unwrap();
    assert!(matches!(err, Error::TimedOut { .. }), "{err}");

    let (s, _) = start(&sb).await;
    let cancel = s.cancel_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.cancel();
    });
    assert!(matches!(s.finish(Arc::new(MemoryStore::default())).await, Err(Error::Cancelled)));
}

#[tokio::test]
async fn a_busy_port_is_a_clear_error_naming_it() {
    let sb = sandbox().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let err = SignIn::start(&settings(&sb, &format!("http://127.0.0.1:{port}/callback")), http_client()).await.err().unwrap();
    assert!(matches!(err, Error::PortInUse { port: p, .. } if p == port));
    assert!(err.to_string().contains(&port.to_string()) && err.to_string().contains("ILERT_REDIRECT_URI"));
    // A non-loopback redirect host is refused before anything binds.
    let err = SignIn::start(&settings(&sb, "http://0.0.0.0:4598/callback"), http_client()).await.err().unwrap();
    assert!(matches!(err, Error::Config(_)));
}

/// Tokens are bound to the issuer that minted them: settings pointing at
/// another API (a new or a hostile host) do not receive the stored token.
#[tokio::test]
async fn tokens_stay_with_their_issuer() {
    let sb = sandbox().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session = login(&sb, store.clone()).await;
    let other = sandbox().await;
    let moved = settings(&other, ANY_PORT);
    let err = Session::restore_configured(&moved, session.account(), http_client(), store.clone()).await.err().expect("refused");
    assert_eq!(err.kind(), "config", "{err}");
    assert!(err.to_string().contains(&sb.url()) && err.to_string().contains(&other.url()));
    assert_eq!(other.knobs().requests("/"), 0, "the other host heard nothing");
    // With the original settings it restores.
    let same = settings(&sb, ANY_PORT);
    assert!(Session::restore_configured(&same, session.account(), http_client(), store).await.unwrap().is_some());
}

/// A keyring that fails on write (locked, full, refusing): the sign-in still
/// completes, in memory only, and says so.
#[tokio::test]
async fn a_keyring_failing_on_write_leaves_a_session_in_memory() {
    struct Refusing;
    impl TokenStore for Refusing {
        fn load(&self, _: &ilert_oauth::Account) -> Result<Option<ilert_oauth::token_store::StoredTokens>, Error> {
            Err(Error::Keyring("locked".into()))
        }
        fn save(&self, _: &ilert_oauth::Account, _: &ilert_oauth::token_store::StoredTokens) -> Result<(), Error> {
            Err(Error::Keyring("the collection is locked".into()))
        }
        fn delete(&self, _: &ilert_oauth::Account) -> Result<(), Error> {
            Err(Error::Keyring("locked".into()))
        }
        fn is_persistent(&self) -> bool {
            true
        }
    }
    let sb = sandbox().await;
    let session = login(&sb, Arc::new(Refusing)).await;
    assert!(!session.is_persistent());
    let first = session.access_token().await.unwrap();
    sb.knobs().expire_access_tokens();
    assert!(session.unauthorized(&first).await.is_ok(), "refresh works from memory");
    let out = session.sign_out().await;
    assert!(out.revoke.is_ok() && out.store.is_ok(), "sign-out clears the memory store");
}

/// Sign-in, restore, refresh and sign-out in each reading of token_info and
/// revoke that ilert's documentation allows: as ilert documents them, RFC
/// 7662/7009 to the letter (`client_id` required, RFC 6749 error bodies),
/// and no token_info at all. Before, the strict and absent readings failed
/// every sign-in.
#[tokio::test]
async fn every_reading_of_token_info_and_revoke_signs_in_and_out() {
    use ilert_sandbox::Introspection;
    for mode in [Introspection::Ilert, Introspection::Rfc, Introspection::Absent] {
        let sb = sandbox().await;
        sb.knobs().set_introspection(mode);
        sb.knobs().set_rotate_refresh_tokens(true);
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
        let session = login(&sb, store.clone()).await;
        assert_eq!(session.account().username, "ada", "{mode:?}: from token_info or users/current");
        assert_eq!(session.account().issuer, sb.url(), "{mode:?}: bound to its issuer");
        let tenant = if mode == Introspection::Absent { "unknown" } else { "sandbox" };
        assert_eq!(session.account().tenant, tenant, "{mode:?}");
        assert!(session.scope().contains("source"), "{mode:?}: scope from the token response");

        let endpoint = TokenEndpoint::new(&settings(&sb, ANY_PORT), http_client()).unwrap();
        let restored = Session::restore(endpoint, store.clone(), session.account().clone()).await.unwrap().unwrap();
        let used = restored.access_token().await.unwrap();
        sb.knobs().expire_access_tokens();
        restored.unauthorized(&used).await.unwrap();
        let refresh = store.load(session.account()).unwrap().unwrap().refresh;
        let out = restored.sign_out().await;
        out.revoke.unwrap_or_else(|e| panic!("{mode:?}: revoke: {e}"));
        assert!(!sb.knobs().refresh_token_is_live(refresh.expose()), "{mode:?}: revoked");
    }
}

/// No answer of token_info fails a sign-in: either error shape, 4xx or 5xx,
/// a non-JSON body, a timeout, or `active: false` just after issue.
#[tokio::test]
async fn no_token_info_failure_fails_a_sign_in() {
    use ilert_sandbox::FaultKind;
    let path = "/api/developers/oauth2/token_info";
    for fault in [
        FaultKind::Status { status: 500 },
        FaultKind::Status { status: 403 },
        FaultKind::Json {
            status: 400,
            body: serde_json::json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        },
        FaultKind::Json { status: 401, body: serde_json::json!({"code": "invalid_token", "error": "nope"}) },
        FaultKind::Json { status: 200, body: serde_json::json!({"active": false}) },
        FaultKind::Garbled,
        FaultKind::WrongContentType,
        FaultKind::Drop,
    ] {
        let sb = sandbox().await;
        sb.knobs().add_fault(Fault::new(path, fault.clone()));
        let session = login(&sb, Arc::new(MemoryStore::default())).await;
        assert_eq!(session.account().username, "ada", "{fault:?}");
        session.access_token().await.unwrap();
    }
    // A token_info that never answers: the sign-in still completes (the
    // HTTP client's time limit, shortened here).
    let sb = sandbox().await;
    sb.knobs().add_fault(Fault::new(path, FaultKind::Delay { millis: 3000 }));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_millis(1500)).build().unwrap();
    let s = SignIn::start(&settings(&sb, ANY_PORT), http).await.unwrap();
    sb.knobs().register_client(common::CLIENT, s.redirect_uri().as_str());
    let browser = approve_in_browser(s.authorize_url().to_string());
    let session = s.finish(Arc::new(MemoryStore::default())).await.unwrap();
    browser.await.unwrap();
    assert_eq!(session.account().username, "ada");
}

/// Expiry is wall-clock time: after a laptop sleeps two hours (`Instant`
/// stands still meanwhile on Linux and macOS), the first call refreshes
/// before sending anything, instead of sending a token that expired in its sleep.
#[tokio::test]
async fn after_a_sleep_the_first_call_refreshes() {
    let sb = sandbox().await;
    let clock = ilert_oauth::clock::Clock::adjustable();
    let session = login(&sb, Arc::new(MemoryStore::default())).await.with_clock(clock.clone());
    let before = session.access_token().await.unwrap();
    assert_eq!(sb.knobs().token_requests("refresh_token"), 0);
    clock.advance(Duration::from_secs(2 * 3600));
    let after = session.access_token().await.unwrap();
    assert!(after != before, "a new token, proactively");
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1);
    assert!(session.access_expires_in().await.unwrap() > Duration::from_secs(3000), "expiry counted from the wake");
}
