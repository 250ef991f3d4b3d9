//! The API client against the sandbox over real HTTP: typed models of every
//! endpoint, paging, concurrency, retries, 401 refresh, scope errors,
//! timeouts and bad bodies.

use ilert_api::api::alert_sources::AlertSourceStatus;
use ilert_api::api::alerts::{AlertFilter, AlertStatus};
use ilert_api::ApiError;
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
    let alerts = c.alerts(&AlertFilter::default()).await.unwrap();
    assert!(!alerts.is_empty());
    let pending = AlertFilter { states: vec![AlertStatus::Pending], ..AlertFilter::default() };
    let pending_alerts = c.alerts(&pending).await.unwrap();
    assert!(pending_alerts.len() < alerts.len() && pending_alerts.iter().all(|a| a.status == Some(AlertStatus::Pending)));
    assert_eq!(c.alert_count(&pending).await.unwrap(), pending_alerts.len() as u64, "count takes the same filters");
    assert!(alerts.windows(2).all(|w| w[0].report_time >= w[1].report_time), "newest first");
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

/// A call that met a 429, waited its turn and then ran out of time was held
/// up by ilert's rate limit: that is what it says, not "did not answer". (The
/// wait fitted the call's budget; the request after it did not.)
#[tokio::test]
async fn running_out_of_time_after_a_429_is_rate_limited_not_a_timeout() {
    let (sb, c) = client(&format!("{ALL} alert:w")).await;
    let c = c.with_timeout(std::time::Duration::from_millis(600));
    sb.knobs().add_fault(Fault::status("/api/users/current", 429).times(1));
    sb.knobs().add_fault(Fault::new("/api/users/current", FaultKind::Delay { millis: 3_000 }).times(1));
    let err = c.current_user().await.unwrap_err();
    assert_eq!(err.kind(), "rateLimited", "{err}");
    assert_eq!(sb.knobs().requests("/api/users/current"), 2, "the 429, then the retry that met the silence");

    // Silence without a 429 is a timeout, and says how long it waited.
    sb.knobs().clear_faults();
    tokio::time::sleep(c.rate_gate().closed_for().unwrap_or_default()).await;
    sb.knobs().add_fault(Fault::new("/api/users/current", FaultKind::Delay { millis: 3_000 }).times(1));
    let err = c.current_user().await.unwrap_err();
    assert_eq!(err.kind(), "timeout", "{err}");
    assert_eq!(err.to_string(), "ilert did not answer within 1 s", "a budget under a second is not 0 s");

    // A write that runs out of time stays uncertain (it may have been done),
    // even when a read beside it met a 429 meanwhile.
    sb.knobs().clear_faults();
    let id = c.alerts(&AlertFilter { states: vec![AlertStatus::Pending], ..AlertFilter::default() }).await.unwrap()[0].id;
    let mut put = Fault::new("/api/alerts/", FaultKind::Delay { millis: 3_000 }).times(1);
    put.method = Some("PUT".into());
    sb.knobs().add_fault(put);
    sb.knobs().add_fault(Fault::status("/api/users/current", 429));
    let (write, read) = tokio::join!(c.accept_alert(id), async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        c.current_user().await
    });
    assert_eq!(read.unwrap_err().kind(), "rateLimited");
    let err = write.unwrap_err();
    assert!(err.is_uncertain(), "{err}");
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

/// Posts one event to ilert's Events API, as a monitoring tool does.
async fn event(sb: &ilert_sandbox::Sandbox, source: i64, event_type: &str, summary: &str, alert_key: &str) -> u16 {
    let key = sb.knobs().integration_key(source).unwrap();
    let body = serde_json::json!({ "integrationKey": key, "eventType": event_type, "summary": summary, "alertKey": alert_key });
    reqwest::Client::new().post(format!("{}/api/events", sb.url())).json(&body).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn events_raise_accept_and_resolve_alerts_which_the_filters_find() {
    let (sb, c) = client(ALL).await;
    let source = c.alert_sources().await.unwrap().iter().find(|s| s.status != Some(AlertSourceStatus::Disabled)).unwrap().id;
    let open = AlertFilter { sources: vec![source], ..AlertFilter::open() };
    let before = c.alert_count(&open).await.unwrap();
    assert_eq!(event(&sb, source, "ALERT", "Disk full on db-1", "db-1/disk").await, 202);
    assert_eq!(event(&sb, source, "ALERT", "Disk still full", "DB-1/disk").await, 202, "same key, any case: appended");
    assert_eq!(c.alert_count(&open).await.unwrap(), before + 1);
    let newest = &c.alerts(&open).await.unwrap()[0];
    assert_eq!(newest.summary.as_deref(), Some("Disk full on db-1"));
    assert_eq!(newest.status, Some(AlertStatus::Pending));
    assert!(!newest.responders.is_empty(), "the policy's first rule is notified");
    let responder = newest.responders[0].user.as_ref().unwrap().id;
    let mine = AlertFilter { responders: vec![responder.to_string()], ..open.clone() };
    assert!(c.alerts(&mine).await.unwrap().iter().any(|a| a.id == newest.id), "responders filter by user id");

    assert_eq!(event(&sb, source, "ACCEPT", "on it", "db-1/disk").await, 202);
    let accepted = AlertFilter { states: vec![AlertStatus::Accepted], sources: vec![source], ..AlertFilter::default() };
    assert!(c.alerts(&accepted).await.unwrap().iter().any(|a| a.id == newest.id));
    assert_eq!(event(&sb, source, "RESOLVE", "fixed", "db-1/disk").await, 202);
    assert_eq!(c.alert_count(&open).await.unwrap(), before);

    let bad = reqwest::Client::new()
        .post(format!("{}/api/events", sb.url()))
        .json(&serde_json::json!({ "integrationKey": "nope", "eventType": "ALERT", "summary": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400, "an unknown integration key is refused");
}

#[tokio::test]
async fn an_unchanged_alert_list_costs_a_304_and_a_changed_one_is_read_again() {
    for etags in [true, false] {
        let (sb, c) = client(ALL).await;
        sb.knobs().set_etags(etags);
        let first = c.alerts(&AlertFilter::open()).await.unwrap();
        let second = c.alerts(&AlertFilter::open()).await.unwrap();
        assert_eq!(first, second, "etags {etags}: the same list either way");
        let source = first[0].alert_source.as_ref().unwrap().id;
        event(&sb, source, "ALERT", "Something new", "new/1").await;
        let third = c.alerts(&AlertFilter::open()).await.unwrap();
        assert_eq!(third.len(), first.len() + 1, "etags {etags}: a change is seen");
        assert_eq!(third[0].summary.as_deref(), Some("Something new"));
        assert_eq!(sb.knobs().not_modified(), if etags { 1 } else { 0 }, "etags {etags}: the second read was a 304");
    }
}

#[tokio::test]
async fn accept_and_resolve_need_alert_w_and_a_failed_write_is_never_repeated() {
    let (sb, reader) = client(ALL).await;
    let pending = AlertFilter { states: vec![AlertStatus::Pending], ..AlertFilter::default() };
    let id = reader.alerts(&pending).await.unwrap()[0].id;
    let err = reader.accept_alert(id).await.unwrap_err();
    assert_eq!(err.missing_scope(), Some("alert:w"), "{err}");

    let (sb2, writer) = client(&format!("{ALL} alert:w")).await;
    drop(sb);
    let id = writer.alerts(&pending).await.unwrap()[0].id;
    let accepted = writer.accept_alert(id).await.unwrap();
    assert_eq!(accepted.status, Some(AlertStatus::Accepted));
    assert!(accepted.responders.iter().any(|r| r.status.as_deref() == Some("ACCEPTED")), "the acting user's entry");

    // ilert fails inside: the write may have happened, so it is not sent again.
    sb2.knobs().add_fault(Fault::status("/api/alerts/", 503));
    let before = sb2.knobs().requests("/api/alerts/");
    let err = writer.resolve_alert(id).await.unwrap_err();
    assert!(err.is_uncertain(), "{err}");
    assert_eq!(sb2.knobs().requests("/api/alerts/") - before, 1, "one try only (a GET would have been retried)");
    sb2.knobs().clear_faults();
    assert_eq!(writer.alert(id).await.unwrap().status, Some(AlertStatus::Accepted), "the real state, read after");
    let resolved = writer.resolve_alert(id).await.unwrap();
    assert_eq!(resolved.status, Some(AlertStatus::Resolved));
    assert_eq!(writer.accept_alert(id).await.unwrap().status, Some(AlertStatus::Resolved), "accepting a resolved alert changes nothing");
}

/// ilert's notes: `include=` may lower a list's maximum, and an overshoot is
/// a hard 400. The alert list (sent with `include=nextEscalationUser`) is
/// then asked again with pages of 50, then 25; the size that worked is
/// remembered, so the next refresh costs no 400.
#[tokio::test]
async fn a_page_cap_lowered_by_include_is_found_and_remembered() {
    let (sb, c) = client(ALL).await;
    let all = c.alerts(&AlertFilter::default()).await.unwrap().len();
    assert!(all > 25, "more than a page of 25: {all}");
    let before = sb.knobs().requests("/api/alerts");
    sb.knobs().set_include_cap(Some(25));
    assert_eq!(c.alerts(&AlertFilter::default()).await.unwrap().len(), all, "every alert, in pages of 25");
    let first = sb.knobs().requests("/api/alerts") - before;
    assert_eq!(first, 2 + all.div_ceil(25) + usize::from(all % 25 == 0), "a 400 at 100, one at 50, then the pages of 25");
    let before = sb.knobs().requests("/api/alerts");
    assert_eq!(c.alerts(&AlertFilter::default()).await.unwrap().len(), all);
    assert_eq!(sb.knobs().requests("/api/alerts") - before, all.div_ceil(25) + usize::from(all % 25 == 0), "remembered: no 400 again");
}

/// An Accept must not lose to polling: a 429 on the alert list closes the
/// gate, and an Accept made then waits for it (within its own budget)
/// instead of failing, is sent once, and goes before the background read
/// that was waiting too (a 429 means ilert processed nothing).
#[tokio::test]
async fn an_accept_waits_for_the_rate_limit_and_goes_first() {
    use std::time::{Duration, Instant};
    let (sb, c) = client(&format!("{ALL} alert:w")).await;
    let c = c.with_rate_limit_wait(Duration::from_secs(2)).with_retry(ilert_api::RetryPolicy { retries: 0, ..Default::default() });
    let pending = AlertFilter { states: vec![AlertStatus::Pending], ..AlertFilter::default() };
    let id = c.alerts(&pending).await.unwrap()[0].id;
    sb.knobs().add_fault(Fault::status("/api/alerts", 429).times(1));
    assert_eq!(c.alerts(&pending).await.unwrap_err().kind(), "rateLimited", "the polling met the limit");
    let accept = format!("/api/alerts/{id}/accept");
    let started = Instant::now();
    let (write, read) = tokio::join!(c.accept_alert(id), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        c.alerts(&pending).await
    });
    assert_eq!(write.unwrap().status, Some(AlertStatus::Accepted), "accepted, not refused for the limit");
    assert!(started.elapsed() >= Duration::from_millis(1500), "after the gate opened: {:?}", started.elapsed());
    read.unwrap();
    let log = sb.knobs().request_log();
    assert_eq!(log.iter().filter(|p| **p == accept).count(), 1, "one PUT");
    let put_at = log.iter().position(|p| *p == accept).unwrap();
    let lists_before = log[..put_at].iter().filter(|p| *p == "/api/alerts").count();
    assert_eq!(lists_before, 2, "the first list and the one that met the 429, nothing more before the write: {log:?}");
    assert!(log[put_at + 1..].iter().any(|p| p == "/api/alerts"), "the waiting read went after the write: {log:?}");
}

/// ilert's limits as its notes describe them: fixed windows on the wall
/// clock, 429 without `Retry-After`. The client waits for the window to
/// turn, so no request goes in a window that refused one already: each
/// 429 is in a window of its own, and every call gets through.
#[tokio::test]
async fn a_fixed_window_limit_is_waited_out_to_the_turn_of_the_window() {
    use ilert_api::rate::Pace;
    use std::time::Duration;
    let window = Duration::from_millis(1500);
    let run = |pace: Pace| async move {
        let (sb, c) = client(ALL).await;
        let c = c.with_rate_pace(pace).with_timeout(Duration::from_secs(10));
        c.current_user().await.unwrap();
        sb.knobs().set_rate_limit(Some(ilert_sandbox::RateLimit { per_ip: 700, per_token: Some(4), window, retry_after: false }));
        let mut failed = 0;
        for _ in 0..10 {
            failed += usize::from(c.current_user().await.is_err());
        }
        (sb.knobs().rate_limited(), failed)
    };
    let (aligned, failed) = run(Pace { first_wait: Duration::from_millis(100), window }).await;
    assert_eq!(failed, 0, "every call got through");
    assert!(!aligned.is_empty(), "the limit was met");
    let mut windows = aligned.clone();
    windows.dedup();
    assert_eq!(windows, aligned, "one 429 per window at most: {aligned:?}");
    // A client that only backs off (100, 200, 400 ms) knocks again within
    // the window that refused it.
    let (unaligned, _) = run(Pace { first_wait: Duration::from_millis(100), window: Duration::ZERO }).await;
    let mut windows = unaligned.clone();
    windows.dedup();
    assert!(windows.len() < unaligned.len(), "backing off alone repeats 429s in one window: {unaligned:?}");
}

/// The Events API as ilert's own clients call it: `apiKey` and
/// `incidentKey` (ilert-go, ilagent), `/api/v1/events`, no summary on an
/// ACCEPT; and answered each way ilert's documentation allows.
#[tokio::test]
async fn events_are_taken_as_ilerts_own_clients_send_them() {
    use ilert_sandbox::{EventAnswers, UnknownKey};
    let (sb, _c) = client(ALL).await;
    let key = sb.knobs().integration_key(1201).unwrap();
    let http = reqwest::Client::new();
    let post = |path: &'static str, body: serde_json::Value| {
        let req = http.post(format!("{}{path}", sb.url())).json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (status, body) =
        post("/api/v1/events", serde_json::json!({"apiKey": key, "eventType": "ALERT", "summary": "Old client", "incidentKey": "old/1"}))
            .await;
    assert_eq!((status, body.as_str()), (202, ""), "no body by default");
    assert_eq!(sb.knobs().alert_status("Old client").as_deref(), Some("PENDING"));
    let (status, _) = post("/api/events", serde_json::json!({"integrationKey": key, "eventType": "ACCEPT", "alertKey": "OLD/1"})).await;
    assert_eq!(status, 202, "no summary needed to accept; the key compared case-insensitively");
    assert_eq!(sb.knobs().alert_status("Old client").as_deref(), Some("ACCEPTED"));
    assert_eq!(
        post("/api/events", serde_json::json!({"integrationKey": key, "eventType": "ALERT"})).await.0,
        400,
        "an ALERT needs its summary"
    );

    sb.knobs().set_event_answers(EventAnswers {
        json_answer: true,
        no_open_alert_error: true,
        unknown_key: UnknownKey::NotFound,
        source_priority_rule: false,
    });
    let (status, body) =
        post("/api/events", serde_json::json!({"integrationKey": key, "eventType": "ALERT", "summary": "New", "alertKey": "new/1"})).await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, body["alertKey"].as_str(), body["responseCode"].as_str()), (202, Some("new/1"), Some("NEW_ALERT_CREATED")));
    assert!(body["alertUrl"].as_str().unwrap().contains("/alert/view.jsf?id="));
    let (status, body) =
        post("/api/events", serde_json::json!({"integrationKey": key, "eventType": "RESOLVE", "alertKey": "nothing/open"})).await;
    assert_eq!(status, 400);
    assert!(body.contains("NO_OPEN_ALERT_WITH_KEY"), "{body}");
    assert_eq!(post("/api/events", serde_json::json!({"integrationKey": "nope", "eventType": "ALERT", "summary": "x"})).await.0, 404);

    // The two readings of an event's priority: it wins, or a source set to
    // HIGH keeps HIGH (the demo's source is HIGH, so its incident rings).
    let low = |summary: &str| serde_json::json!({"integrationKey": key, "eventType": "ALERT", "summary": summary, "priority": "LOW"});
    post("/api/events", low("Priority wins")).await;
    assert_eq!(sb.knobs().alert_priority("Priority wins").as_deref(), Some("LOW"));
    sb.knobs().set_event_answers(EventAnswers { source_priority_rule: true, ..EventAnswers::default() });
    post("/api/events", low("Rule wins")).await;
    assert_eq!(sb.knobs().alert_priority("Rule wins").as_deref(), Some("HIGH"));
}

/// `/alerts/count` as ilert's description has it (`{count}`, no `policies`
/// filter) and as it may also be read (`{totalCount}`): the count is right
/// either way, and a count by policy never counts every policy's alerts.
#[tokio::test]
async fn the_alert_count_is_right_whichever_way_ilert_answers() {
    use ilert_sandbox::CountAnswers;
    let (sb, c) = client(ALL).await;
    let open = AlertFilter::open();
    let by_policy = AlertFilter { policies: vec![1], ..AlertFilter::open() };
    let all = c.alerts(&open).await.unwrap().len() as u64;
    let on_policy = c.alerts(&by_policy).await.unwrap().len() as u64;
    assert!(on_policy < all, "policy 1 has some of the open alerts, not all: {on_policy} of {all}");
    for answers in [
        CountAnswers::default(),
        CountAnswers { total_count: true, ..Default::default() },
        CountAnswers { ignore_policies: true, ..Default::default() },
        CountAnswers { total_count: true, ignore_policies: true },
    ] {
        sb.knobs().set_count_answers(answers);
        assert_eq!(c.alert_count(&open).await.unwrap(), all, "{answers:?}");
        assert_eq!(c.alert_count(&by_policy).await.unwrap(), on_policy, "{answers:?}");
    }
}

/// A maintenance window is created with one POST and read from the answer;
/// ilert documents a 200 with the window, and a 2xx without one (a `201`
/// whose body is `null`) is taken as made, not as a failure; a 503
/// is not sent again (the caller reads the sources back).
#[tokio::test]
async fn a_maintenance_window_is_posted_once_and_read_from_any_answer() {
    use ilert_api::api::maintenance_windows::{NewMaintenanceWindow, SourceRef};
    let (sb, c) = client(&format!("{ALL} maintenance:w")).await;
    let now = chrono::Utc::now();
    let window = NewMaintenanceWindow {
        summary: "deploy".into(),
        description: "from a test".into(),
        start: now,
        end: now + chrono::Duration::hours(1),
        timezone: "UTC".into(),
        alert_sources: vec![SourceRef { id: 1201 }],
    };
    let made = c.create_maintenance_window(&window).await.unwrap().expect("ilert answers with the window");
    assert!(made.id.is_some() && made.end.is_some_and(|e| (e - window.end).num_seconds().abs() <= 1), "{made:?}");
    let posts = || sb.knobs().requests_by_path().get("/api/maintenance-windows").copied().unwrap_or(0);
    assert_eq!(posts(), 1);
    let source = c.alert_sources().await.unwrap().items.into_iter().find(|s| s.id == 1201).unwrap();
    assert_eq!(source.status, Some(AlertSourceStatus::InMaintenance));

    let null = FaultKind::Json { status: 201, body: serde_json::Value::Null };
    sb.knobs().add_fault(Fault { method: Some("POST".into()), ..Fault::new("/api/maintenance-windows", null) }.times(1));
    assert_eq!(c.create_maintenance_window(&window).await.unwrap(), None, "made, without a window in the answer");
    sb.knobs().add_fault(Fault { method: Some("POST".into()), ..Fault::status("/api/maintenance-windows", 503) }.times(1));
    let before = posts();
    let err = c.create_maintenance_window(&window).await.unwrap_err();
    assert!(err.is_uncertain(), "{err:?}");
    assert_eq!(posts(), before + 1, "not sent again");
    let err = client(&format!("{ALL} maintenance")).await.1.create_maintenance_window(&window).await.unwrap_err();
    assert_eq!(err.missing_scope(), Some("maintenance:w"), "{err:?}");
}

/// Bringing help: the suggestions read in ilert's groups (one entry that
/// cannot be read costs only itself); an assign reaches a server that reads
/// either set of parameter names; a responder added is ilert's 201, one
/// already there its 405; a write that may have reached ilert is not sent again.
#[tokio::test]
async fn help_is_read_assigned_and_added_whichever_names_ilert_reads() {
    use ilert_api::api::alerts::{Assignee, ResponderGroup};
    let (sb, c) = client(&format!("{ALL} alert:w")).await;
    let pending = AlertFilter { states: vec![AlertStatus::Pending], ..AlertFilter::default() };
    let id = c.alerts(&pending).await.unwrap()[0].id;
    let suggested = c.suggested_responders(id).await.unwrap();
    for group in [ResponderGroup::User, ResponderGroup::EscalationPolicy, ResponderGroup::OnCallSchedule] {
        assert!(suggested.iter().any(|s| s.group.as_ref() == Some(&group) && s.name.is_some()), "{group:?} in {suggested:?}");
    }
    let odd = serde_json::json!([{ "id": 2, "name": "Grace Hopper", "group": "TEAM", "disabled": null }, { "name": "no id" }]);
    sb.knobs().add_fault(Fault::new("/api/alerts/", FaultKind::Json { status: 200, body: odd }).times(1));
    let read = c.suggested_responders(id).await.unwrap();
    assert_eq!(read.len(), 1, "the entry without an id is left out: {read:?}");
    assert_eq!((read[0].group.clone(), read[0].disabled), (Some(ResponderGroup::Unknown("TEAM".into())), false));

    for (names, user) in [(ilert_sandbox::AssignNames::Spec, 2), (ilert_sandbox::AssignNames::Legacy, 3)] {
        sb.knobs().set_assign_names(names);
        let alert = c.assign_alert(id, Assignee::User(user)).await.unwrap();
        let ids: Vec<i64> = alert.responders.iter().filter_map(|r| r.user.as_ref().map(|u| u.id)).collect();
        assert_eq!(ids, [user], "{names:?}: assigned");
    }
    let added = c.add_responder(id, 4).await.unwrap().expect("ilert answers with the responder");
    assert_eq!(added.user.map(|u| u.id), Some(4));
    let err = c.add_responder(id, 4).await.unwrap_err();
    assert!(matches!(err, ilert_api::ApiError::Http { status: 405, .. }), "{err:?}");

    let posts = || sb.knobs().requests_by_path().get(&format!("/api/alerts/{id}/responders")).copied().unwrap_or(0);
    sb.knobs().add_fault(Fault { method: Some("POST".into()), ..Fault::status("/api/alerts/", 503) }.times(1));
    let before = posts();
    assert!(c.add_responder(id, 5).await.unwrap_err().is_uncertain());
    assert_eq!(posts(), before + 1, "not sent again");
}

/// An override is sent once as a `Shift` naming the user by id; ilert's
/// answer (the schedule) is read, and so is an answer without a body.
#[tokio::test]
async fn an_override_is_put_once_and_read_from_any_answer() {
    use ilert_api::api::schedules::{NewOverride, UserRef};
    let (sb, c) = client(&format!("{ALL} schedule:w")).await;
    let now = chrono::Utc::now();
    let cover =
        NewOverride { user: UserRef { id: 1 }, start: now + chrono::Duration::seconds(15), end: now + chrono::Duration::minutes(30) };
    let made = c.add_override(3, &cover).await.unwrap().expect("ilert answers with the schedule");
    assert_eq!(made.id, 3);
    let overrides = c.schedule_overrides(3).await.unwrap();
    assert!(
        overrides.iter().any(|o| o.user.as_ref().is_some_and(|u| u.id == 1) && o.end.timestamp() == cover.end.timestamp()),
        "{overrides:?}"
    );

    let empty = FaultKind::Json { status: 200, body: serde_json::Value::Null };
    sb.knobs().add_fault(Fault { method: Some("PUT".into()), ..Fault::new("/api/schedules/", empty) }.times(1));
    assert_eq!(c.add_override(3, &cover).await.unwrap(), None, "made, without the schedule in the answer");
    let path = "/api/schedules/3/overrides";
    let before = sb.knobs().requests_by_path().get(path).copied().unwrap_or(0);
    sb.knobs().add_fault(Fault { method: Some("PUT".into()), ..Fault::status("/api/schedules/", 503) }.times(1));
    assert!(c.add_override(3, &cover).await.unwrap_err().is_uncertain());
    assert_eq!(sb.knobs().requests_by_path().get(path).copied().unwrap_or(0), before + 1, "not sent again");
    let err = client(ALL).await.1.add_override(3, &cover).await.unwrap_err();
    assert_eq!(err.missing_scope(), Some("schedule:w"), "{err:?}");
}
