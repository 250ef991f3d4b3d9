//! What a web page in the user's browser can do to the demo's sandbox,
//! which listens on loopback inside the app: reach its port (any page can),
//! but neither read it under a name of its own (DNS rebinding) nor drive
//! its Events API with a request the browser sends without asking (a form
//! or text/plain POST), nor use an integration key seen in an earlier run.

mod common;

use common::sandbox;

/// A raw request with the `Host` header given: what a browser sends for a
/// page whose name was pointed at 127.0.0.1.
async fn with_host(sb: &ilert_sandbox::Sandbox, path: &str, host: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(sb.addr()).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not HTTP: {answer}"))
}

#[tokio::test]
async fn only_requests_addressed_to_the_sandbox_by_its_own_address_are_answered() {
    let sb = sandbox().await;
    let port = sb.addr().port();
    let consent = "/api/developers/oauth2/authorize";
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert_ne!(with_host(&sb, consent, &host).await, 421, "{host}");
    }
    for host in [format!("evil.example:{port}"), "127.0.0.1".to_string(), format!("127.0.0.1.evil.example:{port}"), String::new()] {
        assert_eq!(with_host(&sb, consent, &host).await, 421, "Host {host:?} is refused");
        assert_eq!(with_host(&sb, "/api/users/current", &host).await, 421, "Host {host:?} is refused");
    }
}

#[tokio::test]
async fn the_events_api_takes_json_only_and_keys_are_new_each_start() {
    let sb = sandbox().await;
    let key = sb.knobs().integration_key(1201).unwrap();
    let event = serde_json::json!({ "integrationKey": key, "eventType": "ALERT", "summary": "from a web page" }).to_string();
    let http = reqwest::Client::new();
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let r =
            http.post(format!("{}/api/events", sb.url())).header("content-type", content_type).body(event.clone()).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 415, "{content_type}: what a page may send unasked is refused");
    }
    assert_eq!(sb.knobs().alert_status("from a web page"), None, "nothing was raised");
    let r = http
        .post(format!("{}/api/events", sb.url()))
        .header("content-type", "application/json; charset=utf-8")
        .body(event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202, "a monitoring tool's JSON is taken");

    let again = sandbox().await;
    assert_ne!(again.knobs().integration_key(1201).unwrap(), key, "the seed decides the tenant, never its keys");
}
