//! The sandbox's OAuth2 endpoints over real HTTP: the whole flow, consent
//! form included, and every negative path ilert documents.

mod common;

use std::time::Duration;

use common::*;
use ilert_sandbox::browser::{self, Outcome};
use jsonwebtoken::{DecodingKey, Validation};

#[tokio::test]
async fn full_flow_issues_ilert_shaped_tokens() {
    let sb = sandbox().await;
    sb.knobs().set_rotate_refresh_tokens(false); // the rotation lane turns it on
    let loc = browser::approve(&authorize_url(&sb, &[])).await;
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert_eq!(query(&loc, "state").as_deref(), Some("st4te"));
    let code = query(&loc, "code").unwrap();
    assert_eq!(code.len(), 28, "ilert codes are 28 hex chars");

    let (status, body) =
        token_request(&sb, &[("grant_type", "authorization_code"), ("client_id", CLIENT), ("code", &code), ("code_verifier", VERIFIER)])
            .await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["refresh_token_expires_in"], 31_536_000);
    assert_eq!(body["scope"], "profile source:w schedule policy offline_access");

    // The access token is an RS256 JWT with ilert's claims.
    let access = body["access_token"].as_str().unwrap();
    let key = DecodingKey::from_rsa_pem(sb.knobs().access_public_key_pem().as_bytes()).unwrap();
    let mut v = Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_issuer(&["ilert"]);
    v.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<serde_json::Value>(access, &key, &v).unwrap().claims;
    assert_eq!(claims["il_t"], "ACCESS");
    assert_eq!(claims["il_u"], "ada");
    assert_eq!(claims["il_v"], 1);
    assert_eq!(claims["il_s"], "profile source:w schedule policy offline_access");
    assert!(claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());

    // The refresh token is an HS256 JWT of type OAUTH.
    let refresh = body["refresh_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(refresh).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::HS256);

    // token_info answers for the access token, and not for the refresh token.
    let http = reqwest::Client::new();
    let info = token_info(&http, &sb, access).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["tenant_id"], "sandbox");
    assert_eq!(info["username"], "ada");
    assert_eq!(info["app_id"], 250);
    let info = token_info(&http, &sb, refresh).await;
    assert_eq!(info, serde_json::json!({ "active": false }));

    // A refresh returns a new access token; without rotation the refresh token stays.
    let (status, again) = token_request(&sb, &[("grant_type", "refresh_token"), ("client_id", CLIENT), ("refresh_token", refresh)]).await;
    assert_eq!(status, 200);
    assert_ne!(again["access_token"], body["access_token"]);
    assert_eq!(again["refresh_token"], body["refresh_token"]);

    // Revoke kills the refresh token; the access token lives on until it expires.
    let r = http.post(format!("{}/api/developers/oauth2/revoke", sb.url())).form(&[("token", refresh)]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (status, err) = token_request(&sb, &[("grant_type", "refresh_token"), ("client_id", CLIENT), ("refresh_token", refresh)]).await;
    assert_eq!((status, err["code"].as_str()), (401, Some("invalid_grant")));
    assert_eq!(get(&sb, access, "/api/users/current").await.0, 200);

    let log = sb.knobs().oauth_log();
    assert_eq!(sb.knobs().token_requests("authorization_code"), 1);
    assert_eq!(sb.knobs().token_requests("refresh_token"), 2);
    assert!(log.iter().any(|e| e.endpoint == "revoke"));
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_state() {
    let sb = sandbox().await;
    let Outcome::Redirect(loc) = browser::consent(&authorize_url(&sb, &[]), "deny").await.unwrap() else { panic!() };
    assert_eq!(query(&loc, "error").as_deref(), Some("access_denied"));
    assert!(query(&loc, "error_description").is_some());
    assert_eq!(query(&loc, "state").as_deref(), Some("st4te"));
    assert!(query(&loc, "code").is_none());
}

#[tokio::test]
async fn bad_client_or_redirect_uri_gets_a_page_never_a_redirect() {
    let sb = sandbox().await;
    for extra in [
        [("client_id", "nobody")],
        [("redirect_uri", "http://127.0.0.1:4599/cb")],  // other port
        [("redirect_uri", "http://127.0.0.1:4598/cb/")], // other path
        [("redirect_uri", "http://localhost:4598/cb")],  // other host
        [("redirect_uri", "")],
    ] {
        match browser::consent(&authorize_url(&sb, &extra), "approve").await.unwrap() {
            Outcome::Page(status, _) => assert_eq!(status, 400, "{extra:?}"),
            Outcome::Redirect(loc) => panic!("{extra:?} redirected to {loc}"),
        }
    }
}

#[tokio::test]
async fn request_errors_redirect_with_ilert_codes_and_state() {
    let sb = sandbox().await;
    for (extra, code) in [
        (vec![("scope", "profile bogus")], "invalid_scope"),
        (vec![("scope", "source:x")], "invalid_scope"),
        (vec![("response_type", "token")], "invalid_request"),
        (vec![("code_challenge", "")], "invalid_request"),
        (vec![("code_challenge_method", "plain")], "invalid_request"),
        (vec![("code_challenge_method", "")], "invalid_request"),
    ] {
        let Outcome::Redirect(loc) = browser::consent(&authorize_url(&sb, &extra), "approve").await.unwrap() else {
            panic!("{extra:?} did not redirect")
        };
        assert!(loc.starts_with(REDIRECT));
        assert_eq!(query(&loc, "error").as_deref(), Some(code), "{extra:?}");
        assert_eq!(query(&loc, "state").as_deref(), Some("st4te"), "{extra:?}");
    }
}

#[tokio::test]
async fn codes_are_single_use_verified_and_short_lived() {
    let sb = sandbox().await;
    let code_for = |sb: &ilert_sandbox::Sandbox| {
        let url = authorize_url(sb, &[]);
        async move { query(&browser::approve(&url).await, "code").unwrap() }
    };
    let exchange = |code: String, verifier: &'static str| {
        let sb = &sb;
        async move {
            token_request(sb, &[("grant_type", "authorization_code"), ("client_id", CLIENT), ("code", &code), ("code_verifier", verifier)])
                .await
        }
    };

    // Wrong verifier: 401 invalid_grant, and the code is spent.
    let code = code_for(&sb).await;
    let (s, b) = exchange(code.clone(), "wrong-verifier-wrong-verifier-wrong-verifier-x").await;
    assert_eq!((s, b["code"].as_str()), (401, Some("invalid_grant")));
    assert!(b["error"].is_string());
    let (s, _) = exchange(code, VERIFIER).await;
    assert_eq!(s, 401);

    // Replay: the second exchange fails.
    let code = code_for(&sb).await;
    assert_eq!(exchange(code.clone(), VERIFIER).await.0, 200);
    let (s, b) = exchange(code, VERIFIER).await;
    assert_eq!((s, b["code"].as_str(), b["error"].as_str()), (401, Some("invalid_grant"), Some("Provided code is unknown")));

    // Missing verifier: 400 invalid_request.
    let code = code_for(&sb).await;
    let (s, b) = token_request(&sb, &[("grant_type", "authorization_code"), ("client_id", CLIENT), ("code", &code)]).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("invalid_request")));

    // Expired code.
    sb.knobs().set_code_lifetime(Duration::from_millis(200));
    let code = code_for(&sb).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(exchange(code, VERIFIER).await.0, 401);

    // Unknown grant type, missing grant type.
    let (s, b) = token_request(&sb, &[("grant_type", "password"), ("client_id", CLIENT)]).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("unsupported_grant_type")));
    let (s, b) = token_request(&sb, &[("client_id", CLIENT)]).await;
    assert_eq!((s, b["code"].as_str()), (400, Some("invalid_request")));
}

#[tokio::test]
async fn no_refresh_token_without_offline_access() {
    let sb = sandbox().await;
    let body = sign_in(&sb, "profile source").await;
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("refresh_token_expires_in").is_none());
}

#[tokio::test]
async fn rotation_knob_and_the_ten_token_limit() {
    let sb = sandbox().await;
    sb.knobs().set_rotate_refresh_tokens(true);
    let first = sign_in(&sb, "profile offline_access").await;
    let old = first["refresh_token"].as_str().unwrap();
    let (s, b) = token_request(&sb, &[("grant_type", "refresh_token"), ("client_id", CLIENT), ("refresh_token", old)]).await;
    assert_eq!(s, 200);
    let new = b["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert!(!sb.knobs().refresh_token_is_live(old));
    assert!(sb.knobs().refresh_token_is_live(new));

    // Eleven more sign-ins: only ten refresh tokens stay live, the oldest go first.
    for _ in 0..11 {
        sign_in(&sb, "profile offline_access").await;
    }
    assert_eq!(sb.knobs().live_refresh_tokens("ada"), 10);
    assert!(!sb.knobs().refresh_token_is_live(new));
}

#[tokio::test]
async fn garbled_and_foreign_refresh_tokens_are_invalid_grant() {
    let sb = sandbox().await;
    for token in ["garbage", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"] {
        let (s, b) = token_request(&sb, &[("grant_type", "refresh_token"), ("client_id", CLIENT), ("refresh_token", token)]).await;
        assert_eq!((s, b["code"].as_str()), (401, Some("invalid_grant")));
    }
    // An access token is not a refresh token.
    let body = sign_in(&sb, "profile offline_access").await;
    let access = body["access_token"].as_str().unwrap();
    let (s, _) = token_request(&sb, &[("grant_type", "refresh_token"), ("client_id", CLIENT), ("refresh_token", access)]).await;
    assert_eq!(s, 401);
}

async fn token_info(http: &reqwest::Client, sb: &ilert_sandbox::Sandbox, token: &str) -> serde_json::Value {
    let url = format!("{}/api/developers/oauth2/token_info", sb.url());
    http.post(url).form(&[("token", token)]).send().await.unwrap().json().await.unwrap()
}
