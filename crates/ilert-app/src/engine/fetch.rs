//! Every panel the granted scopes allow, read at once: each concurrently,
//! each with its own outcome, so one slow or failing panel never blocks or
//! hides the others. Panels whose scope was not granted are not read at all;
//! the lists that change slowly are kept between rounds ([`SlowLists`]).

use chrono::{DateTime, Duration, Utc};

use ilert_api::api::alert_sources::AlertSource;
use ilert_api::api::alerts::AlertFilter;
use ilert_api::api::escalation_policies::EscalationPolicy;
use ilert_api::api::on_calls::OnCall;
use ilert_api::api::schedules::Schedule;
use ilert_api::api::users::User;
use ilert_api::client::Listed;
use ilert_api::scope::can_read;
use ilert_api::{ApiError, Client};

use crate::view::dashboard::{on_call_now, schedules_now, Panel, Round, MY_SHIFTS_AHEAD_DAYS};

/// The lists that change slowly — who I am, my shifts ahead, the escalation
/// policies, the schedules, the alert sources — as last read, each with
/// when. The refresh engine reads the alerts and who is on call now every
/// round, these only once they are older than their age (or when the person
/// asks): on a tenant of 290 sources, 90 schedules and 80 policies they are
/// most of a round's requests, and ilert's limit counts every one.
#[derive(Debug, Default)]
pub struct SlowLists {
    max_age: std::time::Duration,
    user: Option<Kept<User>>,
    mine: Option<Kept<Listed<OnCall>>>,
    policies: Option<Kept<Listed<EscalationPolicy>>>,
    schedules: Option<Kept<Listed<Schedule>>>,
    sources: Option<Kept<Listed<AlertSource>>>,
}

#[derive(Debug)]
struct Kept<T> {
    at: tokio::time::Instant,
    value: T,
}

impl SlowLists {
    /// Keeps what was read for up to `max_age` (zero: read every round).
    pub fn new(max_age: std::time::Duration) -> SlowLists {
        SlowLists { max_age, ..SlowLists::default() }
    }

    /// The next round reads everything again.
    pub fn forget(&mut self) {
        *self = SlowLists::new(self.max_age);
    }

    fn fresh<'a, T>(&self, kept: &'a Option<Kept<T>>) -> Option<&'a T> {
        kept.as_ref().filter(|k| k.at.elapsed() < self.max_age).map(|k| &k.value)
    }

    /// Keeps `got` when it is a success and was read now (not reused).
    fn keep<T: Clone>(slot: &mut Option<Kept<T>>, got: Option<&Result<T, ApiError>>, reused: bool) {
        if let (Some(Ok(v)), false) = (got, reused) {
            *slot = Some(Kept { at: tokio::time::Instant::now(), value: v.clone() });
        }
    }
}

/// Fetches every panel the granted scopes allow, concurrently.
pub async fn fetch(client: &Client) -> Round {
    fetch_with(client, &mut SlowLists::default()).await
}

/// Fetches every panel the granted scopes allow, concurrently, reusing the
/// slow lists `slow` still holds fresh.
#[tracing::instrument(name = "app.dashboard", skip_all)]
pub async fn fetch_with(client: &Client, slow: &mut SlowLists) -> Round {
    let now = Utc::now();
    let (kept_user, kept_mine) = (slow.fresh(&slow.user).cloned(), slow.fresh(&slow.mine).cloned());
    let (kept_policies, kept_schedules, kept_sources) =
        (slow.fresh(&slow.policies).cloned(), slow.fresh(&slow.schedules).cloned(), slow.fresh(&slow.sources).cloned());
    let (reused_user, reused_mine) = (kept_user.is_some(), kept_mine.is_some());
    let (reused_policies, reused_schedules, reused_sources) = (kept_policies.is_some(), kept_schedules.is_some(), kept_sources.is_some());
    let scope = match client.session().granted_scope().await {
        Ok(s) => s,
        Err(e) => return failed(now, ApiError::from(e)),
    };
    // ilert never said what it granted: ask for every panel and let its
    // 403s tell.
    let can = |s: &str| scope.is_empty() || can_read(&scope, s);
    let (schedule_ok, policy_ok) = (can("schedule"), can("policy"));
    // Policies come expanded in on-calls only when their own list is not fetched.
    let expand_policy = !policy_ok;
    let until = now + Duration::days(MY_SHIFTS_AHEAD_DAYS);
    // Only the user's own coming shifts (not 14 days of every policy);
    // their id is known after the first load, so from then on this runs
    // beside the other requests instead of after `/users/current`.
    let known = client.known_user_id();
    let current_user = || async {
        if !can("profile") {
            None
        } else if let Some(u) = kept_user.clone() {
            Some(Ok(u))
        } else {
            Some(client.current_user().await)
        }
    };
    let my_shifts = |id: i64| {
        let kept = kept_mine.clone();
        async move {
            match kept {
                Some(m) => Ok(m),
                None => client.on_calls_of(id, until, expand_policy).await,
            }
        }
    };
    let user_and_mine = async {
        let on_call_ok = schedule_ok || policy_ok;
        let (user, mine) = match known {
            Some(id) if on_call_ok => {
                let (u, m) = tokio::join!(current_user(), my_shifts(id));
                (u, Some(m))
            }
            _ => {
                let user = current_user().await;
                let mine = match user.as_ref().and_then(|u| u.as_ref().ok()) {
                    Some(me) if on_call_ok => Some(my_shifts(me.id).await),
                    _ => None,
                };
                (user, mine)
            }
        };
        if let Some(Ok(u)) = &user {
            client.remember_user_id(u.id);
        }
        (user, mine)
    };
    let on_calls = async {
        if schedule_ok || policy_ok {
            Some(client.on_calls_now(expand_policy).await)
        } else {
            None
        }
    };
    let policies = async {
        match (policy_ok, kept_policies) {
            (false, _) => None,
            (true, Some(p)) => Some(Ok(p)),
            (true, None) => Some(client.escalation_policies().await),
        }
    };
    let schedules = async {
        match (schedule_ok, kept_schedules) {
            (false, _) => None,
            (true, Some(s)) => Some(Ok(s)),
            (true, None) => Some(client.schedules().await),
        }
    };
    let sources = async {
        match (can("source"), kept_sources) {
            (false, _) => None,
            (true, Some(s)) => Some(Ok(s)),
            (true, None) => Some(client.alert_sources().await),
        }
    };
    let alerts = async {
        if can("alert") {
            Some(client.alerts(&AlertFilter::open()).await)
        } else {
            None
        }
    };
    let ((user, mine), on_calls, policies, schedules, sources, alerts) =
        tokio::join!(user_and_mine, on_calls, policies, schedules, sources, alerts);
    SlowLists::keep(&mut slow.user, user.as_ref(), reused_user);
    SlowLists::keep(&mut slow.policies, policies.as_ref(), reused_policies);
    SlowLists::keep(&mut slow.schedules, schedules.as_ref(), reused_schedules);
    SlowLists::keep(&mut slow.sources, sources.as_ref(), reused_sources);
    SlowLists::keep(&mut slow.mine, mine.as_ref(), reused_mine);

    let me = user.as_ref().and_then(|u| u.as_ref().ok()).map(|u| u.id);
    let on_call = match on_calls {
        None => Panel::not_granted("schedule"),
        Some(r) => Panel::with_unreadable(r.and_then(|calls| {
            // My shifts failing fails the panel too: it would silently say "no shifts".
            let mine = mine.transpose()?.unwrap_or(Listed { items: Vec::new(), unreadable: 0 });
            let all_policies = policies.as_ref().and_then(|p| p.as_ref().ok());
            let unreadable = calls.unreadable + mine.unreadable + all_policies.map_or(0, |p| p.unreadable);
            // Who is on call now is this round's answer alone: my shifts
            // kept from an earlier round add the ones ahead, never a turn
            // now that ilert no longer has (somebody covers me from now).
            let ahead = mine.items.into_iter().filter(|c| !(c.start <= now && now < c.end));
            let all: Vec<OnCall> = calls.items.into_iter().chain(ahead).collect();
            Ok((on_call_now(&all, all_policies.map(|p| p.as_slice()), me, now), unreadable))
        })),
    };
    fn listed<T>(r: Result<Listed<T>, ApiError>) -> Result<(Vec<T>, usize), ApiError> {
        r.map(|l| (l.items, l.unreadable))
    }
    Round {
        fetched_at: now,
        user: user.map_or_else(|| Panel::not_granted("profile"), Panel::from_result),
        on_call,
        schedules: schedules
            .map_or_else(|| Panel::not_granted("schedule"), |r| Panel::with_unreadable(r.map(|s| (schedules_now(&s, me), s.unreadable)))),
        alert_sources: sources.map_or_else(|| Panel::not_granted("source"), |r| Panel::with_unreadable(listed(r))),
        alerts: alerts.map_or_else(|| Panel::not_granted("alert"), |r| Panel::with_unreadable(listed(r))),
    }
}

/// Every panel failed for the same reason (the session could not give a token).
fn failed(now: DateTime<Utc>, e: ApiError) -> Round {
    Round {
        fetched_at: now,
        user: Panel::error(&e),
        on_call: Panel::error(&e),
        schedules: Panel::error(&e),
        alert_sources: Panel::error(&e),
        alerts: Panel::error(&e),
    }
}
