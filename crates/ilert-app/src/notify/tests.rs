use super::*;
use crate::view::board::OnCallBoard;
use crate::view::dashboard::OnCallNow;
use crate::view::{OpenAlerts, SessionInfo};

fn row(id: i64, status: &str, priority: &str) -> AlertRow {
    AlertRow {
        id,
        summary: format!("Alert {id}"),
        source: "Checkout".into(),
        source_id: None,
        priority: priority.into(),
        status: status.into(),
        report_time: None,
        responders: vec![],
        accepted_by: vec![],
        next_escalation: None,
        next_escalation_user: None,
        next_escalation_user_id: None,
        policy_id: None,
        escalates_to_me: false,
        responder: true,
        concerns_me: true,
        page: priority == "HIGH",
    }
}

fn snapshot(account: &str, alerts: Panel<OpenAlerts>, shifts: Vec<MyShift>) -> Snapshot {
    let session = SessionInfo {
        username: "ada".into(),
        tenant: "t".into(),
        issuer: "i".into(),
        scopes: vec!["alert".into()],
        access_expires_at: None,
        persistent: true,
        demo: false,
        can_act: false,
        can_maintain: false,
        can_cover: false,
    };
    let mut s = Snapshot::loading(account.into(), session);
    s.alerts = alerts;
    let board = OnCallBoard::new(Some(OnCallNow { policies: vec![], my_shifts: shifts }), None, None);
    s.on_call = Panel::Ready { data: board, unreadable: 0 };
    s
}

fn ready(rows: Vec<AlertRow>) -> Panel<OpenAlerts> {
    Panel::Ready { data: OpenAlerts { pending: rows.len(), accepted: 0, alerts: rows, ..Default::default() }, unreadable: 0 }
}

fn notifier(dir: &tempfile::TempDir) -> Notifier {
    notifier_with(dir, NotifyConfig::default())
}

fn notifier_with(dir: &tempfile::TempDir, config: NotifyConfig) -> Notifier {
    Notifier::new(SeenStore::new(dir.path().join("seen")), NotifyConfig { reminder_lead: Some(Duration::minutes(15)), ..config })
}

fn titles(n: &[Notice]) -> Vec<&str> {
    n.iter().map(|n| n.title.as_str()).collect()
}

#[test]
fn a_new_alert_is_told_once_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let mut n = notifier(&dir);
    let first = n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH")]), vec![]), now);
    assert_eq!(titles(&first), ["Alert 1"]);
    assert!(first[0].page, "pending and high, mine");
    assert_eq!(first[0].kind, NoticeKind::Alert { id: 1, actions: vec![] }, "no alert:w, no buttons");
    assert!(n.observe(&snapshot("a", ready(vec![row(1, "ACCEPTED", "HIGH")]), vec![]), now).is_empty(), "same alert, accepted since");
    let mut again = notifier(&dir);
    let after_restart = again.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH"), row(2, "PENDING", "LOW")]), vec![]), now);
    assert_eq!(titles(&after_restart), ["Alert 2"], "the seen-set is on disk");
    assert!(!after_restart[0].page);
    let other = again.observe(&snapshot("b", ready(vec![row(1, "PENDING", "HIGH")]), vec![]), now);
    assert_eq!(titles(&other), ["Alert 1"], "per account");
}

#[test]
fn with_alert_w_a_pending_alert_offers_accept_and_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = notifier(&dir);
    let mut s = snapshot("a", ready(vec![row(1, "PENDING", "HIGH"), row(2, "ACCEPTED", "LOW")]), vec![]);
    s.session.scopes = vec!["alert:w".into()];
    s.session.can_act = true;
    let told = n.observe(&s, Utc::now());
    assert_eq!(told[0].kind, NoticeKind::Alert { id: 1, actions: vec![AlertAction::Accept, AlertAction::Resolve] });
    assert_eq!(told[1].kind, NoticeKind::Alert { id: 2, actions: vec![AlertAction::Resolve] }, "accepted already");
}

#[test]
fn stale_or_failed_panels_tell_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = notifier(&dir);
    let failed: Panel<OpenAlerts> = Panel::Error { kind: crate::ErrorKind::Unavailable, message: "down".into(), last: None };
    assert!(n.observe(&snapshot("a", failed, vec![]), Utc::now()).is_empty());
    assert!(n.observe(&snapshot("a", Panel::NotGranted { scope: "alert".into(), message: "m".into() }, vec![]), Utc::now()).is_empty());
}

#[test]
fn more_than_five_at_once_become_one_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = notifier(&dir);
    let six: Vec<AlertRow> = (1..=6).map(|i| row(i, "PENDING", "LOW")).collect();
    let told = n.observe(&snapshot("a", ready(six), vec![]), Utc::now());
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].kind, NoticeKind::Alerts { count: 6 });
    assert_eq!(told[0].title, "6 new alerts");
    assert!(told[0].body.ends_with("and 3 more"), "{}", told[0].body);
    let five: Vec<AlertRow> = (7..=11).map(|i| row(i, "PENDING", "LOW")).collect();
    assert_eq!(n.observe(&snapshot("a", ready(five), vec![]), Utc::now()).len(), 5, "five are told one by one");
}

#[test]
fn a_pause_holds_alerts_and_sums_them_up_when_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let mut n = notifier(&dir);
    assert!(n.pause(Some(now + Duration::minutes(15)), now).is_empty());
    let told = n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH"), row(2, "PENDING", "LOW")]), vec![]), now);
    assert_eq!(titles(&told), ["Alert 1"], "a page is not held by a snooze");
    assert!(n.tick(now + Duration::minutes(14)).is_empty(), "still paused");
    let after = n.tick(now + Duration::minutes(15));
    assert_eq!(titles(&after), ["While notifications were quiet: 1 new alert"]);
    assert!(!after[0].page, "the page was told at once (it rang): only the LOW one was held");
    assert!(n.tick(now + Duration::minutes(16)).is_empty(), "told once");
    assert!(n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH")]), vec![]), now).is_empty(), "held ones count as told");
}

#[test]
fn the_session_ending_is_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = notifier(&dir);
    let mut s = snapshot("a", Panel::Loading, vec![]);
    s.session_ended = true;
    assert_eq!(titles(&n.observe(&s, Utc::now())), ["ilert signed you out — sign in again"]);
    assert!(n.observe(&s, Utc::now()).is_empty());
}

fn shift(start: DateTime<Utc>, hours: i64, now: DateTime<Utc>) -> MyShift {
    MyShift {
        schedule: Some("Primary".into()),
        schedule_id: None,
        policies: vec!["SRE Critical".into()],
        start,
        end: start + Duration::hours(hours),
        current: start <= now,
    }
}

#[test]
fn a_shift_is_reminded_before_at_its_start_and_at_its_end_and_a_moved_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Utc::now();
    let start = t0 + Duration::minutes(20);
    let mut n = notifier(&dir);
    let at = |n: &mut Notifier, now: DateTime<Utc>, s: Vec<MyShift>| n.observe(&snapshot("a", Panel::Loading, s), now);
    assert!(at(&mut n, t0, vec![shift(start, 2, t0)]).is_empty(), "20 min ahead: not yet");
    let now = t0 + Duration::minutes(6);
    assert_eq!(titles(&at(&mut n, now, vec![shift(start, 2, now)])), ["Your shift starts in 14 min"]);
    assert!(at(&mut n, now + Duration::minutes(1), vec![shift(start, 2, now)]).is_empty(), "once");
    let now = start + Duration::seconds(30);
    assert_eq!(titles(&at(&mut n, now, vec![shift(start, 2, now)])), ["Your on-call shift has started"]);
    let end = start + Duration::hours(2);
    assert_eq!(titles(&at(&mut n, end + Duration::seconds(20), vec![])), ["Your on-call shift has ended"]);

    // A shift moved before its reminder: the old time never reminds, the new one does.
    let mut n = notifier(&dir);
    let old = t0 + Duration::minutes(20);
    assert!(at(&mut n, t0, vec![shift(old, 2, t0)]).is_empty());
    let moved = t0 + Duration::hours(3);
    let now = t0 + Duration::minutes(6);
    assert!(at(&mut n, now, vec![shift(moved, 2, now)]).is_empty(), "the old reminder is gone with the old time");
    let now = moved - Duration::minutes(15);
    assert_eq!(titles(&at(&mut n, now, vec![shift(moved, 2, now)])), ["Your shift starts in 15 min"]);
    // Gone from the list before its end: moved, not ended.
    assert!(at(&mut n, now + Duration::minutes(1), vec![]).is_empty());
}

#[test]
fn a_reminder_slept_through_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Utc::now();
    let start = t0 + Duration::minutes(20);
    let mut n = notifier(&dir);
    let now = start + Duration::minutes(30);
    let told = n.observe(&snapshot("a", Panel::Loading, vec![shift(start, 2, now)]), now);
    assert!(told.is_empty(), "30 min late: {:?}", titles(&told));
}

#[test]
fn pausing_until_tomorrow_morning_means_nine_local_time() {
    use chrono::TimeZone;
    let tz = chrono::FixedOffset::east_opt(3600).unwrap();
    let late = tz.with_ymd_and_hms(2026, 12, 2, 23, 30, 0).unwrap();
    assert_eq!(PauseFor::TomorrowMorning.until(late, None), Some(tz.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap().with_timezone(&Utc)));
    assert_eq!(PauseFor::Minutes15.until(late, None).unwrap() - late.with_timezone(&Utc), Duration::minutes(15));
    let end = Utc::now() + Duration::hours(3);
    assert_eq!(PauseFor::EndOfShift.until(late, Some(end)), Some(end));
    assert_eq!(PauseFor::EndOfShift.until(late, None), None, "not on call: no end to pause until");
}

#[test]
fn nothing_new_is_written_at_most_hourly_and_anything_new_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let file = dir.path().join("seen/a.json");
    let mut n = notifier(&dir);
    n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH")]), vec![]), now);
    assert!(file.exists(), "the first sight is written at once");
    std::fs::remove_file(&file).unwrap();
    n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH")]), vec![]), now + Duration::minutes(30));
    assert!(!file.exists(), "nothing new, written within the hour: not again");
    n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH")]), vec![]), now + Duration::minutes(61));
    assert!(file.exists(), "an hour on, the times seen open are written");
    std::fs::remove_file(&file).unwrap();
    let told =
        n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH"), row(2, "PENDING", "LOW")]), vec![]), now + Duration::minutes(62));
    assert_eq!(titles(&told), ["Alert 2"]);
    assert!(file.exists(), "something new: written before it is shown");
}

#[test]
fn a_page_rings_until_answered_here_or_anywhere_or_silenced() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let mut n = notifier(&dir);
    let told = n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH"), row(2, "PENDING", "LOW")]), vec![]), now);
    assert_eq!(told.iter().map(|t| t.page).collect::<Vec<_>>(), [true, false]);
    assert_eq!(n.ringing().iter().copied().collect::<Vec<_>>(), [1]);
    // A stale list says nothing of it: it keeps ringing.
    let failed: Panel<OpenAlerts> = Panel::Error { kind: crate::ErrorKind::Unavailable, message: "down".into(), last: None };
    n.observe(&snapshot("a", failed, vec![]), now);
    assert!(!n.ringing().is_empty());
    // Accepted (here, the list amended; or elsewhere, a fresh list): it stops.
    n.observe(&snapshot("a", ready(vec![row(1, "ACCEPTED", "HIGH")]), vec![]), now);
    assert!(n.ringing().is_empty());
    n.observe(&snapshot("a", ready(vec![row(3, "PENDING", "HIGH")]), vec![]), now);
    assert!(!n.ringing().is_empty());
    n.silence();
    assert!(n.ringing().is_empty());
    n.observe(&snapshot("a", ready(vec![row(3, "PENDING", "HIGH")]), vec![]), now);
    assert!(n.ringing().is_empty(), "silenced stays silenced");
    // An alert accepted before it was first seen is told quietly.
    let told = n.observe(&snapshot("a", ready(vec![row(4, "ACCEPTED", "HIGH")]), vec![]), now);
    assert!(!told[0].page && n.ringing().is_empty());
    // With the alarm off, a page is still a page, but nothing rings.
    let mut off = notifier_with(&tempfile::tempdir().unwrap(), NotifyConfig { alarm: AlarmRamp::Off, ..Default::default() });
    assert!(off.observe(&snapshot("a", ready(vec![row(1, "PENDING", "HIGH")]), vec![]), now)[0].page);
    assert!(off.ringing().is_empty());
}

#[test]
fn other_alerts_off_tells_only_pages() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = notifier_with(&dir, NotifyConfig { other_alerts: OtherAlerts::Off, ..Default::default() });
    let told = n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "LOW"), row(2, "PENDING", "HIGH")]), vec![]), Utc::now());
    assert_eq!(titles(&told), ["Alert 2"]);
}

#[test]
fn quiet_hours_hold_others_and_pages_only_when_told_to() {
    let now = Utc::now();
    // Quiet all day, every day: whatever the time of the test.
    let always: quiet::QuietHours = "Mon-Sun 00:00-24:00".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = notifier_with(&dir, NotifyConfig { quiet_hours: always.clone(), ..Default::default() });
    assert!(matches!(n.quiet(now), Some(Quiet::QuietHours { .. })));
    let told = n.observe(&snapshot("a", ready(vec![row(1, "PENDING", "LOW"), row(2, "PENDING", "HIGH")]), vec![]), now);
    assert_eq!(titles(&told), ["Alert 2"], "the page rings through quiet hours");
    assert!(!n.ringing().is_empty());
    // Resumed by hand: what was held is summed up, and quiet hours are over until their end.
    let resumed = n.pause(None, now);
    assert_eq!(titles(&resumed), ["While notifications were quiet: 1 new alert"]);
    assert_eq!(n.quiet(now), None);

    let dir = tempfile::tempdir().unwrap();
    let mut n = notifier_with(&dir, NotifyConfig { quiet_hours: always, quiet_holds_pages: true, ..Default::default() });
    assert!(n.observe(&snapshot("a", ready(vec![row(2, "PENDING", "HIGH")]), vec![]), now).is_empty(), "held, as the person asked");
    assert!(n.ringing().is_empty());
    let released = n.pause(None, now);
    assert!(released[0].page, "the summary of a held page is critical");
    assert_eq!(n.ringing().iter().copied().collect::<Vec<_>>(), [2], "and it rings once quiet ends");
    // Quiet every day: the next change is the end of the whole merged window, days away.
    let next = n.next_change(now).unwrap();
    assert!(next - now > Duration::days(6), "{next}");
}

/// A pending alert about to escalate to me: one heads-up, once per alert
/// and escalation step, with Accept when I may; none for one already
/// paging me, none too early, none while quiet.
#[test]
fn a_heads_up_comes_once_before_an_alert_escalates_to_me() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let mut n = notifier_with(&dir, NotifyConfig { heads_up: Some(Duration::minutes(3)), ..Default::default() });
    let escalating = |id: i64, in_secs: i64, page: bool| AlertRow {
        next_escalation: Some(now + Duration::seconds(in_secs)),
        next_escalation_user: Some("Ada Lovelace".into()),
        escalates_to_me: true,
        concerns_me: false,
        responder: false,
        page,
        ..row(id, "PENDING", "LOW")
    };
    let mut s = snapshot("a", ready(vec![escalating(7, 600, false)]), vec![]);
    s.session.can_act = true;
    assert!(n.observe(&s, now).iter().all(|x| !x.title.contains("escalates")), "ten minutes ahead: not yet");

    s.alerts = ready(vec![escalating(7, 110, false), escalating(8, 100, true)]);
    let told = n.observe(&s, now + Duration::seconds(1));
    let heads: Vec<&Notice> = told.iter().filter(|x| x.title.contains("escalates to you")).collect();
    assert_eq!(heads.len(), 1, "not for the one paging me: {:?}", titles(&told));
    assert_eq!(heads[0].title, "Alert 7 escalates to you in 2 min");
    assert_eq!(heads[0].kind, NoticeKind::Alert { id: 7, actions: vec![AlertAction::Accept] });
    assert!(!heads[0].page);
    assert!(n.observe(&s, now + Duration::seconds(30)).iter().all(|x| !x.title.contains("escalates")), "once");
    let mut again = notifier_with(&dir, NotifyConfig { heads_up: Some(Duration::minutes(3)), ..Default::default() });
    assert!(again.observe(&s, now + Duration::seconds(40)).iter().all(|x| !x.title.contains("escalates")), "once, after a restart too");

    // The next escalation step is a new one.
    s.alerts = ready(vec![AlertRow { next_escalation: Some(now + Duration::minutes(20)), ..escalating(7, 0, false) }]);
    assert_eq!(
        titles(&again.observe(&s, now + Duration::minutes(18))).iter().filter(|t| t.contains("escalates")).count(),
        1,
        "the next step of the same alert"
    );
    let mut quiet = notifier_with(
        &tempfile::tempdir().unwrap(),
        NotifyConfig { heads_up: Some(Duration::minutes(3)), quiet_hours: "Mon-Sun 00:00-24:00".parse().unwrap(), ..Default::default() },
    );
    s.alerts = ready(vec![escalating(9, 60, false)]);
    assert!(quiet.observe(&s, now).iter().all(|x| !x.title.contains("escalates")), "quiet: no heads-up");
}
