//! A signed-in API client against a fresh sandbox, for the integration tests.
#![allow(dead_code)] // each test binary uses its own part

use std::sync::Arc;
use std::time::Duration;

use ilert_api::{Client, RetryPolicy};
use ilert_oauth::config::Endpoints;
use ilert_oauth::endpoint::http_client;
use ilert_oauth::token_store::{MemoryStore, TokenStore};
use ilert_oauth::{OAuthConfig, Session, SignIn};
use ilert_sandbox::{browser, Config, Sandbox};

pub const ALL: &str = "profile schedule policy source alert team offline_access";

pub async fn session(sb: &Sandbox, scopes: &str) -> Arc<Session> {
    session_in(sb, scopes, Arc::new(MemoryStore::default())).await
}

/// A sign-in whose refresh token goes to `store`.
pub async fn session_in(sb: &Sandbox, scopes: &str, store: Arc<dyn TokenStore>) -> Arc<Session> {
    let settings = OAuthConfig {
        client_id: "api-test".into(),
        endpoints: Endpoints::resolve(Some(&sb.url()), None, Some(&sb.url())).unwrap(),
        redirect_uri: "http://127.0.0.1:0/callback".into(),
        scopes: scopes.into(),
        tenant: None,
    };
    let s = SignIn::start(&settings, http_client()).await.unwrap();
    sb.knobs().register_client("api-test", s.redirect_uri().as_str());
    let url = s.authorize_url().to_string();
    let b = tokio::spawn(async move { browser::approve_and_follow(&url).await });
    let session = s.finish(store).await.unwrap();
    b.await.unwrap();
    Arc::new(session)
}

/// Fast retries and short rate-limit waits, so the tests do not sleep for seconds.
pub fn fast(c: Client) -> Client {
    c.with_retry(RetryPolicy { retries: 3, base: Duration::from_millis(20), cap: Duration::from_millis(80) })
        .with_rate_limit_wait(Duration::from_millis(30))
}

pub async fn client(scopes: &str) -> (Sandbox, Client) {
    let sb = Sandbox::start(Config::default()).await.unwrap();
    let c = fast(Client::new(session(&sb, scopes).await, http_client()));
    (sb, c)
}
