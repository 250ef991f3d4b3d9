//! Helpers shared by the sandbox's integration tests: PKCE, authorize URLs
//! and a full sign-in over HTTP.
#![allow(dead_code)]

use base64::Engine;
use ilert_sandbox::{browser, Config, Sandbox};
use sha2::{Digest, Sha256};

pub const CLIENT: &str = "test-client";
pub const REDIRECT: &str = "http://127.0.0.1:4598/cb";

pub async fn sandbox() -> Sandbox {
    Sandbox::start(Config::default().with_client(CLIENT, REDIRECT)).await.expect("sandbox starts")
}

pub fn pkce(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-sandbox-test";

pub fn authorize_url(sb: &Sandbox, extra: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse(&format!("{}/api/developers/oauth2/authorize", sb.url())).unwrap();
    {
        let mut q = url.query_pairs_mut();
        let mut pairs: Vec<(&str, String)> = vec![
            ("client_id", CLIENT.into()),
            ("response_type", "code".into()),
            ("redirect_uri", REDIRECT.into()),
            ("scope", "profile source:w schedule policy offline_access".into()),
            ("state", "st4te".into()),
            ("code_challenge", pkce(VERIFIER)),
            ("code_challenge_method", "S256".into()),
        ];
        for (k, v) in extra {
            pairs.retain(|(pk, _)| pk != k);
            if !v.is_empty() {
                pairs.push((k, v.to_string()));
            }
        }
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
    }
    url.to_string()
}

pub fn query(location: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(location).ok()?;
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

pub async fn token_request(sb: &Sandbox, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new().post(format!("{}/api/developers/oauth2/token", sb.url())).form(form).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// Signs in with `scope` and returns the token response.
pub async fn sign_in(sb: &Sandbox, scope: &str) -> serde_json::Value {
    let loc = browser::approve(&authorize_url(sb, &[("scope", scope)])).await;
    let code = query(&loc, "code").expect("code in redirect");
    let (status, body) =
        token_request(sb, &[("grant_type", "authorization_code"), ("client_id", CLIENT), ("code", &code), ("code_verifier", VERIFIER)])
            .await;
    assert_eq!(status, 200, "{body}");
    body
}

pub async fn get(sb: &Sandbox, token: &str, path: &str) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new().get(format!("{}{path}", sb.url())).bearer_auth(token).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}
