//! Captures every log line of a full session (sign-in, refresh, token_info,
//! sign-out) at TRACE level for every crate, hyper and reqwest included, and
//! finds no token, code or verifier in it.

use std::sync::Arc;

use ilert_oauth::token_store::{MemoryStore, TokenStore};

mod common;
use common::Captured;

// One thread: every task of the session logs into the captured subscriber.
#[tokio::test(flavor = "current_thread")]
async fn a_full_session_logs_no_secret() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || sink.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sb = common::sandbox().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let (session, loc) = common::login_with_redirect(&sb, store.clone()).await;
    let code = reqwest::Url::parse(&loc).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();

    let first = session.access_token().await.unwrap();
    let refresh = store.load(session.account()).unwrap().unwrap();
    sb.knobs().expire_access_tokens();
    let second = session.unauthorized(&first).await.unwrap();
    session.token_info().await.unwrap();
    let debug = format!("{session:?} {first:?} {refresh:?}", session = session.account());
    session.sign_out().await.revoke.unwrap();

    let text = logs.text() + &debug;
    assert!(text.lines().count() > 20, "the capture holds the session's logs ({} lines)", text.lines().count());
    for (what, secret) in [
        ("access token", first.expose()),
        ("refreshed access token", second.expose()),
        ("refresh token", refresh.refresh.expose()),
        ("authorization code", code.as_str()),
    ] {
        assert!(!text.contains(secret), "the {what} appears in the logs");
    }
    assert!(!text.contains("code_verifier="), "the PKCE verifier appears in the logs");
}
