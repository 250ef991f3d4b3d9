//! Sign-in against the sandbox with an HTTP client playing the person in the
//! browser, shared by the integration tests of the sign-in core.
#![allow(dead_code)] // each test binary uses its own part

pub mod callback;

use std::sync::Arc;

use ilert_oauth::config::Endpoints;
use ilert_oauth::endpoint::http_client;
use ilert_oauth::token_store::TokenStore;
use ilert_oauth::{OAuthConfig, Session, SignIn};
use ilert_sandbox::{browser, Config, Sandbox};

/// The client id every test registers its redirect URI under.
pub const CLIENT: &str = "desktop-test";
/// A free port picked by the OS at bind time.
pub const ANY_PORT: &str = "http://127.0.0.1:0/callback";

pub fn settings(sb: &Sandbox, redirect: &str) -> OAuthConfig {
    OAuthConfig {
        client_id: CLIENT.into(),
        endpoints: Endpoints::resolve(Some(&sb.url()), None, Some(&sb.url())).unwrap(),
        redirect_uri: redirect.into(),
        scopes: "profile schedule policy source offline_access".into(),
        tenant: None,
    }
}

pub async fn sandbox() -> Sandbox {
    Sandbox::start(Config::default()).await.unwrap()
}

/// Starts a sign-in on a free port and registers its redirect URI at the sandbox.
pub async fn start(sb: &Sandbox) -> (SignIn, String) {
    let s = SignIn::start(&settings(sb, ANY_PORT), http_client()).await.unwrap();
    sb.knobs().register_client(CLIENT, s.redirect_uri().as_str());
    let url = s.authorize_url().to_string();
    (s, url)
}

/// Approves in the "browser" and delivers the redirect to the receiver,
/// checking the headers of the page the browser is shown. Yields the
/// redirect URL (which holds the code).
pub fn approve_in_browser(url: String) -> tokio::task::JoinHandle<String> {
    tokio::spawn(async move {
        let loc = browser::approve(&url).await;
        let page = reqwest::get(&loc).await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert_eq!(page.headers()["cache-control"], "no-store");
        assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        loc
    })
}

/// A whole sign-in; returns the session and the redirect URL the browser saw.
pub async fn login_with_redirect(sb: &Sandbox, store: Arc<dyn TokenStore>) -> (Session, String) {
    let (s, url) = start(sb).await;
    let browser = approve_in_browser(url);
    let session = s.finish(store).await.unwrap();
    (session, browser.await.unwrap())
}

pub async fn login(sb: &Sandbox, store: Arc<dyn TokenStore>) -> Session {
    login_with_redirect(sb, store).await.0
}

/// A log sink for a test's own subscriber: every line written, kept to read back.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}
