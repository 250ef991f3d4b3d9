//! Every fault the sandbox can inject, on every endpoint the dashboard uses:
//! the panel that depends on it shows a clear error, the other panels load,
//! the session survives with its refresh token kept, and the next load after
//! the fault clears is whole again.

use std::sync::Arc;
use std::time::Duration;

use ilert_api::Client;
use ilert_app::engine::fetch::fetch;
use ilert_app::view::dashboard::Round;
use ilert_oauth::endpoint::http_client;
use ilert_oauth::token_store::{MemoryStore, TokenStore};
use ilert_sandbox::{Config, Fault, FaultKind, Sandbox};

// The signed-in client of the REST crate's tests, shared rather than copied.
#[path = "../../ilert-api/tests/common/mod.rs"]
mod common;

/// Which panel each endpoint feeds.
const ENDPOINTS: &[(&str, &str)] = &[
    ("/api/users/current", "user"),
    ("/api/on-calls", "onCall"),
    ("/api/escalation-policies", "onCall"),
    ("/api/schedules", "schedules"),
    ("/api/alert-sources", "alertSources"),
];

fn faults() -> Vec<(FaultKind, &'static str)> {
    vec![
        (FaultKind::Status { status: 429 }, "rateLimited"),
        (FaultKind::Status { status: 500 }, "http"),
        (FaultKind::Status { status: 502 }, "unavailable"),
        (FaultKind::Status { status: 503 }, "unavailable"),
        (FaultKind::Drop, "unavailable"),
        (FaultKind::Delay { millis: 1_500 }, "timeout"),
        (FaultKind::Garbled, "unexpectedResponse"),
        (FaultKind::WrongContentType, "unexpectedResponse"),
    ]
}

fn panel(d: &Round, name: &str) -> serde_json::Value {
    serde_json::to_value(d).unwrap()[name].clone()
}

/// Policies feed the on-call panel only as names; their failure leaves the
/// panel ready (policies then come from the on-calls alone).
fn expect_error(d: &Round, path: &str, name: &str, kind: &str) {
    let p = panel(d, name);
    if path == "/api/escalation-policies" {
        assert_eq!(p["state"], "ready", "{path}: {p}");
        return;
    }
    assert_eq!(p["state"], "error", "{path} {kind}: {p}");
    assert_eq!(p["kind"], kind, "{path}: {p}");
    assert!(!p["message"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn every_fault_on_every_endpoint_is_survived() {
    let sb = Sandbox::start(Config::default()).await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session = common::session_in(&sb, common::ALL, store.clone()).await;
    for (path, name) in ENDPOINTS {
        for (fault, kind) in faults() {
            // A client each: a 429 closes the client's rate gate for a while.
            let client = common::fast(Client::new(session.clone(), http_client())).with_timeout(Duration::from_millis(700));
            sb.knobs().clear_faults();
            sb.knobs().add_fault(Fault::new(*path, fault.clone()));
            let d = fetch(&client).await;
            expect_error(&d, path, name, kind);
            // The other panels are unaffected.
            for other in ["user", "onCall", "schedules", "alertSources"].iter().filter(|o| *o != name) {
                assert_eq!(panel(&d, other)["state"], "ready", "{path} {fault:?} broke {other}");
            }
            assert!(!d.session_expired());
            assert!(store.load(session.account()).unwrap().is_some(), "{path} {fault:?}: the refresh token is kept");

            sb.knobs().clear_faults();
            if let Some(wait) = client.rate_gate().closed_for() {
                tokio::time::sleep(wait).await;
            }
            let d = fetch(&client).await;
            for p in [panel(&d, "user"), panel(&d, "onCall"), panel(&d, "schedules"), panel(&d, "alertSources")] {
                assert_eq!(p["state"], "ready", "{path} {fault:?}: not recovered: {p}");
            }
        }
    }
    assert_eq!(sb.knobs().token_requests("refresh_token"), 0, "no fault was taken for an expired token");
}

/// Faults on the token endpoint while a refresh is due: every panel says
/// why, the stored token stays, and the next load refreshes and recovers.
#[tokio::test]
async fn a_failing_refresh_keeps_the_session() {
    let sb = Sandbox::start(Config::default()).await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let session = common::session_in(&sb, common::ALL, store.clone()).await;
    let client = common::fast(Client::new(session.clone(), http_client()));
    for (status, kind) in [(503, "unavailable"), (429, "rateLimited"), (500, "unavailable")] {
        sb.knobs().expire_access_tokens();
        // A fresh session object, as after a restart, so the 5-minute rule does not apply.
        let restored =
            ilert_oauth::Session::restore(session.endpoint().clone(), store.clone(), session.account().clone()).await.unwrap().unwrap();
        let client = Client::new(Arc::new(restored), http_client());
        sb.knobs().add_fault(Fault::status("/api/developers/oauth2/token", status).times(1));
        let d = fetch(&client).await;
        // The panel whose 401 met the failing refresh says why; the others
        // may already have the token of the next try.
        let panels = [panel(&d, "user"), panel(&d, "onCall"), panel(&d, "schedules"), panel(&d, "alertSources")];
        assert!(panels.iter().any(|p| p["state"] == "error" && p["kind"] == kind), "{status}: {panels:?}");
        assert!(!d.session_expired(), "a transient failure does not end the session");
        assert!(store.load(session.account()).unwrap().is_some(), "{status}: kept");
        let d = fetch(&client).await;
        assert!(d.user.data().is_some(), "{status}: recovered");
    }
    drop(client);
}
