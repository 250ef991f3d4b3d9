//! The API client against the sandbox over real HTTP: typed models of every
//! endpoint, paging, concurrency, retries, 401 refresh, scope errors,
//! timeouts and bad bodies.

use std::time::{Duration, Instant};

use ilert_api::api::alert_sources::AlertSourceStatus;
use ilert_api::{ApiError, Panel};
use ilert_sandbox::{Fault, FaultKind};

mod common;
use common::{client, ALL};

#[tokio::test]
async fn every_endpoint_decodes_into_its_model() {
    let (sb, c) = client(ALL).await;
    let me = c.current_user().await.unwrap();
    assert_eq!(me.username.as_deref(), Some("ada"));
    let policies = c.escalation_policies().await.unwrap();
    assert_eq!(policies.len(), 3);
    let schedules = c.schedules().await.unwrap();
    assert_eq!(schedules.len(), 3);
    assert!(schedules.iter().all(|s| s.current_shift.is_some() && s.next_shift.is_some()), "include=currentShift&include=nextShift");
    let now = c.on_calls_now(true).await.unwrap();
    assert!(!now.is_empty() && now.iter().all(|o| o.user.as_ref().is_some_and(|u| u.first_name.is_some())), "expanded users");
    assert!(c.user_on_call(schedules[0].id).await.unwrap().is_some());
    assert_eq!(c.teams().await.unwrap().len(), 3);
    let alerts = c.alerts(&[]).await.unwrap();
    assert!(!alerts.is_empty());
    let pending = c.alerts(&[ilert_api::api::alerts::AlertStatus::Pending]).await.unwrap();
    assert!(pending.len() < alerts.len() && pending.iter().all(|a| a.status.as_ref().map(|s| s.as_str()) == Some("PENDING")));
    let sources = c.alert_sources().await.unwrap();
    assert_eq!(sources.len(), 60, "every source across pages of 50");
    for status in ["PENDING", "ALL_ACCEPTED", "ALL_RESOLVED", "IN_MAINTENANCE", "DISABLED"] {
        assert!(sources.iter().any(|s| s.status == Some(AlertSourceStatus::from(status))), "{status}");
    }
    assert!(sb.knobs().requests("/api/alert-sources") >= 2);
}

#[tokio::test]
async fn pages_are_followed_one_by_one_or_several_at_once() {
    let (sb, c) = client(ALL).await;
    let one = c.clone().with_concurrent_pages(1).alert_sources().await.unwrap();
    assert_eq!(one.len(), 60);
    assert_eq!(sb.knobs().requests("/api/alert-sources"), 2, "50 + 10, stop at the short page");
    let mut ids: Vec<_> = one.iter().map(|s| s.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 60, "no item twice");
    let three = c.clone().with_concurrent_pages(3).alert_sources().await.unwrap();
    assert_eq!(three, one, "same items, same order");
}

#[tokio::test]
async fn the_dashboard_fetches_panels_concurrently() {
    let (sb, c) = client(ALL).await;
    c.session().access_token().await.unwrap();
    sb.knobs().set_latency(Duration::from_millis(200));
    sb.knobs().take_peak_concurrency();
    let d = c.dashboard().await;
    assert!(
        matches!(d.user, Panel::Ready { .. }) && matches!(d.on_call, Panel::Ready { .. }) && matches!(d.schedules, Panel::Ready { .. })
    );
    assert_eq!(d.alert_sources.data().unwrap().len(), 60);
    let on_call = d.on_call.data().unwrap();
    assert_eq!(on_call.policies.len(), 3);
    assert!(on_call.policies.iter().any(|p| !p.levels.is_empty()), "someone is on call");
    // user, on-calls, policies, schedules and the first page of sources: all
    // at once; the second page only after the first came back full.
    assert_eq!(sb.knobs().take_peak_concurrency(), 5, "every panel's first request was in flight together");
    assert_eq!(sb.knobs().requests("/api/alert-sources"), 2, "no speculative page");
}

#[tokio::test]
async fn panels_without_their_scope_are_not_granted_and_not_fetched() {
    let (sb, c) = client("profile schedule offline_access").await;
    let d = c.dashboard().await;
    assert!(matches!(&d.alert_sources, Panel::NotGranted { scope, .. } if scope == "source"));
    assert_eq!(sb.knobs().requests("/api/alert-sources"), 0);
    assert!(matches!(d.on_call, Panel::Ready { .. }), "schedule alone opens on-calls");
    // Asked anyway, ilert's 403 OAUTH2_SCOPE_ERROR becomes "not granted".
    let err = c.alert_sources().await.unwrap_err();
    assert!(matches!(&err, ApiError::ScopeNotGranted { scope: Some(s), .. } if s == "source"), "{err}");
    assert_eq!(err.kind(), "scopeNotGranted");
}

#[tokio::test]
async fn gateway_errors_are_retried_then_given_up() {
    let (sb, c) = client(ALL).await;
    for status in [502, 503, 504] {
        sb.knobs().add_fault(Fault::status("/api/users/current", status).times(2));
        let before = sb.knobs().requests("/api/users/current");
        c.current_user().await.unwrap();
        assert_eq!(sb.knobs().requests("/api/users/current") - before, 3, "{status}: two failures, then success");
    }
    sb.knobs().add_fault(Fault::status("/api/users/current", 503));
    let before = sb.knobs().requests("/api/users/current");
    let err = c.current_user().await.unwrap_err();
    assert_eq!(err.kind(), "unavailable", "{err}");
    assert_eq!(sb.knobs().requests("/api/users/current") - before, 4, "1 try + 3 retries");
    sb.knobs().clear_faults();

    // A 500 is not retried: the answer is the error.
    sb.knobs().add_fault(Fault::status("/api/users/current", 500).times(1));
    let before = sb.knobs().requests("/api/users/current");
    assert!(matches!(c.current_user().await.unwrap_err(), ApiError::Http { status: 500, .. }));
    assert_eq!(sb.knobs().requests("/api/users/current") - before, 1);
    // A dropped connection is retried (GETs are idempotent).
    sb.knobs().add_fault(Fault::new("/api/users/current", FaultKind::Drop).times(1));
    c.current_user().await.unwrap();
}

/// ilert's 429 carries no Retry-After: wait at least 5 s (with jitter,
/// growing), and ask nothing in the meantime; honour Retry-After when sent.
#[tokio::test]
async fn a_429_closes_the_gate_for_at_least_five_seconds() {
    let (sb, c) = client(ALL).await;
    let c = c.with_timeout(Duration::from_secs(2)).with_rate_limit_wait(ilert_api::rate::FIRST_WAIT);
    c.current_user().await.unwrap();
    sb.knobs().add_fault(Fault::status("/api/users/current", 429).times(1));
    let before = sb.knobs().requests("/api/");
    let err = c.current_user().await.unwrap_err();
    let ApiError::RateLimited { retry_in_secs } = err else { panic!("{err}") };
    assert!((5..=8).contains(&retry_in_secs), "{retry_in_secs}");
    assert_eq!(err.to_string(), format!("ilert is rate-limiting; next try in {retry_in_secs} s"));
    // Every panel now waits: the dashboard sends nothing while the gate is closed.
    let d = c.dashboard().await;
    assert!(matches!(&d.alert_sources, Panel::Error { kind, .. } if kind == "rateLimited"), "{:?}", d.alert_sources);
    assert_eq!(sb.knobs().requests("/api/") - before, 1, "no request while rate-limited");
    assert!(c.rate_gate().cooling());

    // Retry-After, when ilert sends it, is the wait.
    let (sb, c) = client(ALL).await;
    c.current_user().await.unwrap();
    sb.knobs().add_fault(Fault::new("/api/users/current", FaultKind::RetryAfter { secs: 1 }).times(1));
    let t = Instant::now();
    c.current_user().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(950) && t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
}

/// ilert answers an unknown or revoked key with 403 KEY_ERROR: one refresh,
/// as for a 401.
#[tokio::test]
async fn a_key_error_refreshes_like_a_401() {
    let (sb, c) = client(ALL).await;
    sb.knobs().set_expired_as_key_error(true);
    c.current_user().await.unwrap();
    sb.knobs().expire_access_tokens();
    c.current_user().await.unwrap();
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1);
}

#[tokio::test]
async fn a_401_refreshes_once_for_all_concurrent_calls() {
    let (sb, c) = client(ALL).await;
    c.current_user().await.unwrap();
    sb.knobs().expire_access_tokens();
    let d = c.dashboard().await;
    assert!(matches!(d.user, Panel::Ready { .. }) && d.alert_sources.data().is_some(), "{d:?}");
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1, "single flight across panels");
    // A second 401 inside ilert's five minutes: the session is over.
    sb.knobs().expire_access_tokens();
    let d = c.dashboard().await;
    assert!(d.session_expired());
    assert!(matches!(c.current_user().await, Err(ApiError::SessionExpired)));
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1);
}

#[tokio::test]
async fn one_slow_panel_times_out_alone() {
    let (sb, c) = client(ALL).await;
    let c = c.with_timeout(Duration::from_millis(600));
    c.current_user().await.unwrap();
    sb.knobs().add_fault(Fault::new("/api/schedules", FaultKind::Delay { millis: 3000 }));
    let t = Instant::now();
    let d = c.dashboard().await;
    assert!(t.elapsed() < Duration::from_millis(3000), "the dashboard did not wait for the slow answer");
    assert!(matches!(&d.schedules, Panel::Error { kind, .. } if kind == "timeout"), "{:?}", d.schedules);
    assert!(d.user.data().is_some() && d.alert_sources.data().is_some() && d.on_call.data().is_some());
}

#[tokio::test]
async fn garbled_bodies_are_clear_errors() {
    let (sb, c) = client(ALL).await;
    for kind in [FaultKind::Garbled, FaultKind::WrongContentType] {
        sb.knobs().add_fault(Fault::new("/api/users/current", kind.clone()).times(1));
        let err = c.current_user().await.unwrap_err();
        assert_eq!(err.kind(), "unexpectedResponse", "{kind:?}: {err}");
        c.current_user().await.unwrap();
    }
    // An unknown id is ilert's 404 with its message.
    let err = c.user_on_call(987654).await.unwrap_err();
    assert!(matches!(err, ApiError::Http { status: 404, .. }), "{err}");
}

/// The sandbox's `nulls` mode: every optional field an explicit `null`, empty
/// lists `null`, levels as `1.0`, and an on-call entry without a user. Every
/// panel still reads, and the gap shows as a level with nobody on it.
#[tokio::test]
async fn explicit_nulls_and_float_numbers_read() {
    let (sb, c) = client(ALL).await;
    sb.knobs().set_nulls(true);
    let d = c.dashboard().await;
    for p in ["user", "onCall", "schedules", "alertSources"] {
        let v = serde_json::to_value(&d).unwrap()[p].clone();
        assert_eq!(v["state"], "ready", "{p}: {v}");
        assert!(v.get("unreadable").is_none(), "{p}: nothing skipped: {v}");
    }
    assert_eq!(d.alert_sources.data().unwrap().len(), 60);
    let calls = c.on_calls_now(true).await.unwrap();
    assert!(calls.iter().any(|c| c.user.is_none()), "the gap entry is read");
    assert!(calls.iter().any(|c| c.schedule.is_none() && c.user.is_some()), "a user named in a rule directly");
    let policies = c.escalation_policies().await.unwrap();
    assert!(policies.iter().all(|p| !p.escalation_rules.is_empty()));
    let alerts = c.alerts(&[]).await.unwrap();
    assert!(!alerts.is_empty() && alerts.unreadable == 0);
}

/// An entry that still cannot be read is skipped and counted; the panel
/// stays ready and says so. Optional fields missing are fine.
#[tokio::test]
async fn an_unreadable_entry_is_skipped_and_counted() {
    let (sb, c) = client(ALL).await;
    let sources = serde_json::json!([
        {"id": 1, "name": "Fine", "status": "PENDING", "integrationType": "API"},
        {"id": 2, "name": "No status, no policy, teams null", "teams": null},
        {"name": "No id at all"},
        {"id": "x", "name": "A bad id"}
    ]);
    sb.knobs().add_fault(Fault::new("/api/alert-sources", FaultKind::Json { status: 200, body: sources }));
    let d = c.dashboard().await;
    let Panel::Ready { data, unreadable } = &d.alert_sources else { panic!("{:?}", d.alert_sources) };
    assert_eq!(data.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(*unreadable, 2);
    assert_eq!(serde_json::to_value(&d.alert_sources).unwrap()["unreadable"], 2);
}

/// A 403 that names no scope is the refusal it is, not a "Grant access" for
/// a scope already granted; a 402 says the plan lacks the feature.
#[tokio::test]
async fn a_403_without_a_scope_and_a_402_are_said_as_they_are() {
    let (sb, c) = client(ALL).await;
    sb.knobs().add_fault(Fault::new(
        "/api/on-calls",
        FaultKind::Json { status: 403, body: serde_json::json!({"status": 403, "message": "Forbidden", "code": "OAUTH2_SCOPE_ERROR"}) },
    ));
    sb.knobs().add_fault(Fault::new(
        "/api/schedules",
        FaultKind::Json { status: 402, body: serde_json::json!({"status": 402, "message": "Upgrade", "code": "FEATURE_REQUIRED"}) },
    ));
    let d = c.dashboard().await;
    let on_call = serde_json::to_value(&d.on_call).unwrap();
    assert_eq!(on_call["state"], "error", "{on_call}");
    assert_eq!(on_call["message"], "ilert refused access to on-calls (403 OAUTH2_SCOPE_ERROR)");
    let schedules = serde_json::to_value(&d.schedules).unwrap();
    assert_eq!(schedules["kind"], "planLimit", "{schedules}");
}
