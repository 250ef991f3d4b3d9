//! A scripted person in the browser, for tests: opens the authorize URL,
//! reads the consent form the way a browser would, and submits a decision.
//! It follows no redirect, so the test sees where ilert would send the browser.

use reqwest::{redirect::Policy, StatusCode};

/// What the authorization server answered to the consent.
#[derive(Debug)]
pub enum Outcome {
    /// 302 to this location (the app's redirect URI with `code` or `error`).
    Redirect(String),
    /// An error page with this status (a bad client or redirect URI).
    Page(StatusCode, String),
}

/// Opens `authorize_url` and presses the button `decision` (`approve` or `deny`).
pub async fn consent(authorize_url: &str, decision: &str) -> Result<Outcome, reqwest::Error> {
    consent_with(reqwest::Client::builder(), authorize_url, decision).await
}

/// [`consent`] with a client of the caller's (one that trusts a test CA).
pub async fn consent_with(builder: reqwest::ClientBuilder, authorize_url: &str, decision: &str) -> Result<Outcome, reqwest::Error> {
    let http = builder.redirect(Policy::none()).build()?;
    let page = http.get(authorize_url).send().await?;
    if let Some(loc) = location(&page) {
        return Ok(Outcome::Redirect(loc));
    }
    let status = page.status();
    let html = page.text().await?;
    let Some(consent_id) = hidden_input(&html, "consent_id") else {
        return Ok(Outcome::Page(status, html));
    };
    let mut action = reqwest::Url::parse(authorize_url).expect("authorize URL parses");
    action.set_query(None);
    let resp = http.post(action).form(&[("consent_id", consent_id.as_str()), ("decision", decision)]).send().await?;
    match location(&resp) {
        Some(loc) => Ok(Outcome::Redirect(loc)),
        None => Ok(Outcome::Page(resp.status(), resp.text().await?)),
    }
}

/// Approves and returns the redirect location; panics on anything else (tests only).
pub async fn approve(authorize_url: &str) -> String {
    match consent(authorize_url, "approve").await.expect("authorize request") {
        Outcome::Redirect(loc) => loc,
        Outcome::Page(s, body) => panic!("expected a redirect, got {s}: {body}"),
    }
}

/// Approves and follows the redirect to the app's receiver, as a person's
/// browser does; the receiver's page (tests only).
pub async fn approve_and_follow(authorize_url: &str) -> reqwest::Response {
    let loc = approve(authorize_url).await;
    reqwest::get(&loc).await.expect("the app's receiver answers")
}

fn location(resp: &reqwest::Response) -> Option<String> {
    resp.status().is_redirection().then(|| resp.headers().get(reqwest::header::LOCATION)?.to_str().ok().map(str::to_string)).flatten()
}

fn hidden_input(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}
