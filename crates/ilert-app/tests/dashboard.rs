//! Every panel at once against the sandbox over real HTTP: concurrency,
//! scopes not granted, the rate gate, one refresh for concurrent 401s, a
//! slow panel alone, ilert's optional fields, and 403/402 said as they are.

use std::time::{Duration, Instant};

use ilert_api::ApiError;
use ilert_app::engine::fetch::fetch;
use ilert_app::view::Panel;
use ilert_app::ErrorKind;
use ilert_sandbox::{Fault, FaultKind};

// The signed-in client of the REST crate's tests, shared rather than copied.
#[path = "../../ilert-api/tests/common/mod.rs"]
mod common;
use common::{client, ALL};

#[tokio::test]
async fn the_dashboard_fetches_panels_concurrently() {
    let (sb, c) = client(ALL).await;
    c.session().access_token().await.unwrap();
    sb.knobs().set_latency(Duration::from_millis(200));
    sb.knobs().take_peak_concurrency();
    let d = fetch(&c).await;
    assert!(
        matches!(d.user, Panel::Ready { .. }) && matches!(d.on_call, Panel::Ready { .. }) && matches!(d.schedules, Panel::Ready { .. })
    );
    assert_eq!(d.alert_sources.data().unwrap().len(), 60);
    let on_call = d.on_call.data().unwrap();
    assert_eq!(on_call.policies.len(), 3);
    assert!(on_call.policies.iter().any(|p| !p.levels.is_empty()), "someone is on call");
    assert!(d.alerts.data().is_some_and(|a| !a.is_empty()), "the open alerts");
    // user, on-calls, policies, schedules, alerts and the first page of
    // sources: all at once; the second page only after the first came back full.
    assert_eq!(sb.knobs().take_peak_concurrency(), 6, "every panel's first request was in flight together");
    assert_eq!(sb.knobs().requests("/api/alert-sources"), 2, "no speculative page");
}

/// ilert filters lists by the team selected in its web app for some
/// credentials, unless the `team-context` header says all teams: the app
/// always says so, and sees every source, schedule and policy.
#[tokio::test]
async fn lists_are_of_every_team_whatever_team_is_selected() {
    let (sb, c) = client(ALL).await;
    sb.knobs().set_team_context(true);
    let d = fetch(&c).await;
    assert_eq!(d.alert_sources.data().unwrap().len(), 60, "every team's sources");
    assert_eq!(d.on_call.data().unwrap().policies.len(), 3, "every team's policies");
    assert_eq!(d.schedules.data().unwrap().len(), 3, "every team's schedules");
    // Without the header the sandbox answers with the selected team's only.
    let sources: Vec<serde_json::Value> = reqwest::Client::new()
        .get(format!("{}/api/alert-sources", sb.url()))
        .bearer_auth(c.session().access_token().await.unwrap().expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!sources.is_empty() && sources.len() < 50, "one team's: {}", sources.len());
}

/// ilert does not say whether an alert's responders grow as it escalates.
/// Either way a HIGH alert that reached me pages me: I am on call for its
/// policy at the level it reached, which the app reads from who is on call.
#[tokio::test]
async fn an_escalated_alert_pages_me_whether_or_not_ilert_lists_me_as_its_responder() {
    use ilert_sandbox::{Config, Sandbox};
    for initial_only in [false, true] {
        let config = Config { consent_username: "alan".into(), initial_responders_only: initial_only, ..Config::default() };
        let sb = Sandbox::start(config).await.unwrap();
        let c = common::fast(ilert_api::Client::new(common::session(&sb, ALL).await, ilert_oauth::endpoint::http_client()));
        // SRE Critical (the source's policy): Alan is its second rule, after 15 minutes.
        let event = serde_json::json!({"integrationKey": sb.knobs().integration_key(1201).unwrap(), "eventType": "ALERT", "summary": "Escalated", "priority": "HIGH"});
        let sent = reqwest::Client::new().post(format!("{}/api/events", sb.url())).json(&event).send().await.unwrap();
        assert_eq!(sent.status(), 202);
        sb.knobs().move_clock(chrono::Duration::minutes(20));
        let d = fetch(&c).await;
        let me = d.user.data().map(|u| u.id);
        let open = ilert_app::view::OpenAlerts::of(d.alerts.data().unwrap(), me, d.on_call.data(), ilert_app::view::NotifyAlerts::OnCall);
        let row = open.alerts.iter().find(|r| r.summary == "Escalated").cloned().expect("the alert is listed");
        assert_eq!(row.responder, !initial_only, "listed as its responder only when ilert adds escalated people");
        assert!(row.page && row.rings(), "a page for me either way (initial responders only: {initial_only}): {row:?}");
    }
}

/// The slow lists are read again only when older than their age, the
/// alerts and who is on call every round; a list that failed is not kept.
#[tokio::test]
async fn slow_lists_are_read_again_only_when_old() {
    use ilert_app::engine::fetch::{fetch_with, SlowLists};
    let (sb, c) = client(ALL).await;
    let mut slow = SlowLists::new(Duration::from_millis(600));
    sb.knobs().add_fault(Fault::status("/api/schedules", 500).times(1));
    let first = fetch_with(&c, &mut slow).await;
    assert!(first.schedules.is_error() && first.alert_sources.data().is_some());
    let slow_paths = ["/api/users/current", "/api/escalation-policies", "/api/alert-sources"];
    let count = |paths: &[&str]| paths.iter().map(|p| sb.knobs().requests(p)).collect::<Vec<_>>();
    let (slow_before, schedules, alerts, on_calls) = (
        count(&slow_paths),
        sb.knobs().requests("/api/schedules"),
        sb.knobs().requests("/api/alerts"),
        sb.knobs().requests("/api/on-calls"),
    );

    let second = fetch_with(&c, &mut slow).await;
    assert_eq!(count(&slow_paths), slow_before, "kept lists are not asked for again");
    assert_eq!(sb.knobs().requests("/api/schedules"), schedules + 1, "the list that failed is read again");
    assert!(sb.knobs().requests("/api/alerts") > alerts && sb.knobs().requests("/api/on-calls") > on_calls, "every round");
    assert_eq!(second.alert_sources.data().unwrap().len(), 60, "the kept list is shown");
    assert!(second.user.data().is_some() && second.on_call.data().is_some_and(|o| o.policies.len() == 3));
    assert!(second.schedules.data().is_some());

    tokio::time::sleep(Duration::from_millis(700)).await;
    fetch_with(&c, &mut slow).await;
    assert!(count(&slow_paths).iter().zip(&slow_before).all(|(now, then)| now > then), "old: read again");
    let before = count(&slow_paths);
    slow.forget();
    fetch_with(&c, &mut slow).await;
    assert!(count(&slow_paths).iter().zip(&before).all(|(now, then)| now > then), "forgotten (Refresh now): read again");
}

#[tokio::test]
async fn panels_without_their_scope_are_not_granted_and_not_fetched() {
    let (sb, c) = client("profile schedule offline_access").await;
    let d = fetch(&c).await;
    assert!(matches!(&d.alert_sources, Panel::NotGranted { scope, .. } if scope == "source"));
    assert_eq!(sb.knobs().requests("/api/alert-sources"), 0);
    assert!(matches!(d.on_call, Panel::Ready { .. }), "schedule alone opens on-calls");
    // Asked anyway, ilert's 403 OAUTH2_SCOPE_ERROR becomes "not granted".
    let err = c.alert_sources().await.unwrap_err();
    assert!(matches!(&err, ApiError::ScopeNotGranted { scope: Some(s), .. } if s == "source"), "{err}");
    assert_eq!(err.kind(), "scopeNotGranted");
}

/// ilert's 429 carries no Retry-After and its windows are the wall-clock
/// minute: wait until the minute turns, at least 10 s (with jitter), and ask
/// nothing in the meantime; honour Retry-After when sent.
#[tokio::test]
async fn a_429_closes_the_gate_until_the_minute_turns() {
    let (sb, c) = client(ALL).await;
    let c = c.with_timeout(Duration::from_secs(2)).with_rate_pace(ilert_api::rate::Pace::default());
    c.current_user().await.unwrap();
    sb.knobs().add_fault(Fault::status("/api/users/current", 429).times(1));
    let before = sb.knobs().requests("/api/");
    let err = c.current_user().await.unwrap_err();
    let ApiError::RateLimited { retry_in_secs } = err else { panic!("{err}") };
    let epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let to_minute = (60 - epoch % 60).max(10);
    assert!((to_minute.saturating_sub(2)..=to_minute + 4).contains(&retry_in_secs), "{retry_in_secs} s, the minute turns in {to_minute} s");
    assert_eq!(err.to_string(), format!("ilert is rate-limiting; next try in {retry_in_secs} s"));
    // Every panel now waits: the dashboard sends nothing while the gate is closed.
    let d = fetch(&c).await;
    assert!(matches!(&d.alert_sources, Panel::Error { kind: ErrorKind::RateLimited, .. }), "{:?}", d.alert_sources);
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

#[tokio::test]
async fn a_401_refreshes_once_for_all_concurrent_calls() {
    let (sb, c) = client(ALL).await;
    c.current_user().await.unwrap();
    sb.knobs().expire_access_tokens();
    let d = fetch(&c).await;
    assert!(matches!(d.user, Panel::Ready { .. }) && d.alert_sources.data().is_some(), "{d:?}");
    assert_eq!(sb.knobs().token_requests("refresh_token"), 1, "single flight across panels");
    // A second 401 inside ilert's five minutes: the session is over.
    sb.knobs().expire_access_tokens();
    let d = fetch(&c).await;
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
    let d = fetch(&c).await;
    assert!(t.elapsed() < Duration::from_millis(3000), "the dashboard did not wait for the slow answer");
    assert!(matches!(&d.schedules, Panel::Error { kind: ErrorKind::Timeout, .. }), "{:?}", d.schedules);
    assert!(d.user.data().is_some() && d.alert_sources.data().is_some() && d.on_call.data().is_some());
}

/// The sandbox's `nulls` mode: every optional field an explicit `null`, empty
/// lists `null`, levels as `1.0`, and an on-call entry without a user. Every
/// panel still reads, and the gap shows as a level with nobody on it.
#[tokio::test]
async fn explicit_nulls_and_float_numbers_read() {
    let (sb, c) = client(ALL).await;
    sb.knobs().set_nulls(true);
    let d = fetch(&c).await;
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
    let alerts = c.alerts(&ilert_api::api::alerts::AlertFilter::default()).await.unwrap();
    assert!(!alerts.is_empty() && alerts.unreadable == 0, "`assignedTo: {{}}` costs no alert: {} unreadable", alerts.unreadable);
    assert!(alerts.iter().any(|a| a.assigned_to.is_none() && a.merged_into_id.is_none()));
    let merged: Vec<_> = alerts.iter().filter(|a| a.is_merged()).collect();
    assert_eq!(merged.len(), 1, "the merged copy is read");
    let open = ilert_app::view::OpenAlerts::of(&alerts, None, None, ilert_app::view::NotifyAlerts::All);
    assert!(open.get(merged[0].id).is_none(), "and shown only as its parent");
}

/// ilert documents no order for `/api/alerts`: whichever order the
/// sandbox answers in (`alert_order`), the app's list is the same, newest first.
#[tokio::test]
async fn the_open_alerts_do_not_depend_on_the_order_ilert_sends() {
    use ilert_app::view::{NotifyAlerts, OpenAlerts};
    use ilert_sandbox::AlertOrder;
    let (sb, c) = client(ALL).await;
    let mut lists = Vec::new();
    for order in [AlertOrder::Newest, AlertOrder::Oldest, AlertOrder::Id] {
        sb.knobs().set_alert_order(order);
        let listed = c.alerts(&ilert_api::api::alerts::AlertFilter::open()).await.unwrap();
        let open = OpenAlerts::of(&listed, None, None, NotifyAlerts::All);
        lists.push(open.alerts.iter().map(|r| r.id).collect::<Vec<_>>());
    }
    assert!(lists[0].len() > 3);
    assert_eq!(lists[0], lists[1], "oldest first from ilert");
    assert_eq!(lists[0], lists[2], "by id from ilert");
}

/// What ilert's description allows and today's code did not read: nested
/// references without an id (`assignedTo: {}`, `alertSource: {"id": null}`,
/// a responder `{}`), a merged alert beside its parent, the same alert on
/// two pages, and no order at all. Every alert reads; the open list is
/// newest first, each id once, without the merged one.
#[tokio::test]
async fn alerts_read_in_any_order_with_references_without_ids_and_merges() {
    use ilert_api::api::alerts::AlertFilter;
    use ilert_app::view::{NotifyAlerts, OpenAlerts};
    let (sb, c) = client(ALL).await;
    let at = |h: u32| format!("2026-12-07T{h:02}:00:00Z");
    let alert = |id: i64, h: u32| serde_json::json!({"id": id, "summary": format!("a{id}"), "status": "PENDING", "priority": "HIGH", "reportTime": at(h), "alertSource": {"id": 1201, "name": "Checkout"}});
    let mut odd = vec![alert(1, 9), alert(2, 11), alert(3, 10), alert(4, 11), alert(2, 11)];
    odd[0]["assignedTo"] = serde_json::json!({});
    odd[1]["alertSource"] = serde_json::json!({"id": null, "name": "gone"});
    odd[2]["responders"] =
        serde_json::json!([{"user": {}, "status": "PENDING"}, {"user": {"id": 7, "username": "grace"}, "status": "ACCEPTED"}]);
    odd[3]["nextEscalationUser"] = serde_json::json!({"id": null});
    let mut merged = alert(5, 12);
    merged["mergedIntoId"] = serde_json::json!(3);
    merged["mergeState"] = serde_json::json!("MERGED");
    odd.push(merged);
    sb.knobs().add_fault(Fault::new("/api/alerts", FaultKind::Json { status: 200, body: serde_json::Value::Array(odd) }));
    let listed = c.alerts(&AlertFilter::open()).await.unwrap();
    assert_eq!(listed.unreadable, 0, "every alert reads");
    let open = OpenAlerts::of(&listed, None, None, NotifyAlerts::All);
    let ids: Vec<i64> = open.alerts.iter().map(|r| r.id).collect();
    assert_eq!(ids, [4, 2, 3, 1], "newest first, then id; each once; the merged one is its parent's");
    assert_eq!(open.get(2).unwrap().source, "", "a source without an id names none");
    assert_eq!(open.get(3).unwrap().accepted_by, ["grace"]);
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
    let d = fetch(&c).await;
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
    let d = fetch(&c).await;
    let on_call = serde_json::to_value(&d.on_call).unwrap();
    assert_eq!(on_call["state"], "error", "{on_call}");
    assert_eq!(on_call["message"], "ilert refused access to on-calls (403 OAUTH2_SCOPE_ERROR)");
    let schedules = serde_json::to_value(&d.schedules).unwrap();
    assert_eq!(schedules["kind"], "planLimit", "{schedules}");
}
