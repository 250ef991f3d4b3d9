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
    let now = c.on_calls_now().await.unwrap();
    assert!(!now.is_empty() && now.iter().all(|o| o.user.first_name.is_some()), "expanded users");
    assert!(c.user_on_call(schedules[0].id).await.unwrap().is_some());
    assert_eq!(c.teams().await.unwrap().len(), 3);
    let alerts = c.alerts(&[]).await.unwrap();
    assert!(!alerts.is_empty());
    let pending = c.alerts(&[ilert_api::api::alerts::AlertStatus::Pending]).await.unwrap();
    assert!(pending.len() < alerts.len() && pending.iter().all(|a| a.status.as_str() == "PENDING"));
    let sources = c.alert_sources().await.unwrap();
    assert_eq!(sources.len(), 60, "every source across pages of 50");
    for status in ["PENDING", "ALL_ACCEPTED", "ALL_RESOLVED", "IN_MAINTENANCE", "DISABLED"] {
        assert!(sources.iter().any(|s| s.status == AlertSourceStatus::from(status)), "{status}");
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
    assert!(matches!(d.user, Panel::Ready { .. }) && matches!(d.on_call, Panel::Ready { .. }) && matches!(d.schedules, Panel::Ready { .. }));
    assert_eq!(d.alert_sources.data().unwrap().len(), 60);
    let on_call = d.on_call.data().unwrap();
    assert_eq!(on_call.policies.len(), 3);
    assert!(on_call.policies.iter().any(|p| !p.levels.is_empty()), "someone is on call");
    // user, on-calls, policies, schedules and 3 pages of sources: all at once.
    assert_eq!(sb.knobs().take_peak_concurrency(), 7, "every request of the dashboard was in flight together");
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
async fn rate_limits_and_gateway_errors_are_retried_then_given_up() {
    let (sb, c) = client(ALL).await;
    for status in [429, 502, 503, 504] {
        sb.knobs().add_fault(Fault::status("/api/users/current", status).times(2));
        let before = sb.knobs().requests("/api/users/current");
        c.current_user().await.unwrap();
        assert_eq!(sb.knobs().requests("/api/users/current") - before, 3, "{status}: two failures, then success");
    }
    sb.knobs().add_fault(Fault::status("/api/users/current", 429));
    let before = sb.knobs().requests("/api/users/current");
    let err = c.current_user().await.unwrap_err();
    assert!(matches!(err, ApiError::RateLimited { attempts: 4 }), "{err}");
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
