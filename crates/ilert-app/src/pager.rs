//! Take the pager: cover a colleague's turn on a schedule for 30 minutes,
//! an hour or until their shift ends (`PUT /api/schedules/{id}/overrides`,
//! scope `schedule:w`, asked for the first time it is used), from the On
//! call panel and the tray's "Who is on call". Shown at once (the schedule
//! has me on call), then as ilert has it; the tray says whom I cover for,
//! and a notification reminds me five minutes before the cover ends.
//!
//! ilert says an override "must not be in the past", against its own
//! clock: the cover starts a few seconds ahead of this machine's, and a 400
//! to that (ilert refused, so nothing was made) is tried once more further
//! ahead, for a clock that runs behind ilert's. Any other write is sent
//! once: one that may have reached ilert is read back, not repeated.

use chrono::{DateTime, Duration, Utc};
use ilert_api::api::schedules::{NewOverride, UserRef};
use ilert_api::{ApiError, Client};
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::AppError;
use crate::notify::{Notice, NoticeKind};
use crate::view::dashboard::{ScheduleNow, ShiftNow};
use crate::view::session::can_cover;
use crate::view::{Panel, Snapshot};

/// The scope an override needs.
pub const SCHEDULE_WRITE: &str = "schedule:w";

/// How far ahead of this machine's clock a cover starts (ilert refuses a start in its past).
const LEAD: Duration = Duration::seconds(5);
/// The second try's lead, after ilert said the first start was in its past.
const SKEWED_LEAD: Duration = Duration::minutes(2);
/// A cover's end is said this long before it comes.
pub const REMINDER: Duration = Duration::minutes(5);

/// How long I take the pager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum TakeFor {
    HalfHour,
    Hour,
    /// To the end of the colleague's current shift.
    ShiftEnd,
}

impl TakeFor {
    pub const ALL: [TakeFor; 3] = [TakeFor::HalfHour, TakeFor::Hour, TakeFor::ShiftEnd];

    /// When the cover ends: never past the colleague's shift (after it, the
    /// pager is the next person's, not theirs).
    pub fn until(self, now: DateTime<Utc>, shift_end: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TakeFor::HalfHour => (now + Duration::minutes(30)).min(shift_end),
            TakeFor::Hour => (now + Duration::hours(1)).min(shift_end),
            TakeFor::ShiftEnd => shift_end,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TakeFor::HalfHour => "30 min",
            TakeFor::Hour => "1 h",
            TakeFor::ShiftEnd => "until the shift's end",
        }
    }

    /// The lengths worth offering for a shift that ends at `shift_end`: a
    /// fixed one only while it ends before the shift does.
    pub fn offered(now: DateTime<Utc>, shift_end: DateTime<Utc>) -> Vec<TakeFor> {
        TakeFor::ALL.into_iter().filter(|t| *t == TakeFor::ShiftEnd || t.until(now, shift_end) < shift_end).collect()
    }
}

/// A cover I took in this run: whom for, on which schedule, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    pub schedule: i64,
    pub schedule_name: String,
    pub covering_for: String,
    pub until: DateTime<Utc>,
    /// The five-minute reminder was said.
    pub reminded: bool,
}

impl Cover {
    /// "covering for Grace Hopper until 11:30"
    pub fn line(&self) -> String {
        format!("covering for {} until {}", self.covering_for, self.until.with_timezone(&chrono::Local).format("%H:%M"))
    }
}

/// When the next reminder is due: five minutes before the end of the
/// first cover not yet reminded of (`None`: no cover runs).
pub fn next_reminder(covers: &[Cover], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    covers.iter().filter(|c| !c.reminded && c.until > now).map(|c| c.until - REMINDER).min()
}

/// The reminders due at `now`, each said once (marked reminded).
pub fn due_reminders(covers: &mut [Cover], now: DateTime<Utc>) -> Vec<Notice> {
    let mut notices = Vec::new();
    for c in covers.iter_mut().filter(|c| !c.reminded && c.until > now && c.until - REMINDER <= now) {
        c.reminded = true;
        let title = format!("Your cover for {} ends in {} min", c.covering_for, (c.until - now).num_minutes().max(1));
        let body = format!("On call for {}, {}. Hand back, or take it again.", c.schedule_name, c.line());
        notices.push(Notice { kind: NoticeKind::Info, title, body, page: false });
    }
    notices
}

/// What became of it, in a sentence for the person.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct PagerOutcome {
    pub schedule: i64,
    pub until: DateTime<Utc>,
    /// "You are on call for SRE Primary, covering for Grace Hopper until 11:30".
    pub message: String,
}

/// The schedule as the latest snapshot has it.
pub fn schedule_of(s: &Snapshot, id: i64) -> Option<&ScheduleNow> {
    s.on_call.data()?.schedules.as_ref()?.iter().find(|x| x.id == id)
}

/// Whom I would cover for: somebody else on call there now.
pub fn takeable(s: &ScheduleNow) -> Option<&ShiftNow> {
    s.current.as_ref().filter(|c| !c.mine && c.user_id.is_some())
}

fn set_current(engine: &Engine, id: i64, current: Option<ShiftNow>) {
    engine.amend(|s| {
        if let Panel::Ready { data, unreadable } = &s.on_call {
            let mut board = data.clone();
            if let Some(x) = board.schedules.as_mut().and_then(|l| l.iter_mut().find(|x| x.id == id)) {
                x.current = current.clone();
            }
            s.on_call = Panel::Ready { data: board, unreadable: *unreadable };
        }
    });
}

/// I (`me`, named `my_name`) take `schedule`'s pager for `length` from `now`.
#[tracing::instrument(name = "app.take_pager", skip(client, engine, schedule, my_name), fields(schedule = schedule.id))]
pub async fn take(
    client: &Client,
    engine: &Engine,
    schedule: &ScheduleNow,
    me: i64,
    my_name: &str,
    length: TakeFor,
    now: DateTime<Utc>,
) -> Result<(PagerOutcome, Cover), AppError> {
    let granted = client.session().granted_scope().await?;
    if !can_cover(&granted) {
        return Err(AppError::scope_not_granted(
            SCHEDULE_WRITE,
            "taking on-call for a colleague needs permission to change schedules in ilert",
        ));
    }
    let Some(theirs) = takeable(schedule).cloned() else {
        return Err(AppError::Settings(format!("nobody else is on call for {} now: there is no pager to take", schedule.name)));
    };
    let until = length.until(now, theirs.end);
    let mut start = now + LEAD;
    if until <= start {
        return Err(AppError::Settings(format!("{}'s shift ends before a cover could start", theirs.name)));
    }
    set_current(engine, schedule.id, Some(ShiftNow { user_id: Some(me), name: my_name.to_string(), mine: true, start, end: until }));
    let mut sent = client.add_override(schedule.id, &NewOverride { user: UserRef { id: me }, start, end: until }).await;
    if let Err(e @ ApiError::Http { status: 400, .. }) = &sent {
        // Refused, so not made: perhaps this machine's clock is behind ilert's.
        tracing::info!(error = %e, "ilert refused the cover; once more, starting further ahead");
        start = now + SKEWED_LEAD;
        if until > start {
            sent = client.add_override(schedule.id, &NewOverride { user: UserRef { id: me }, start, end: until }).await;
        }
    }
    let made = match sent {
        Ok(_) => Ok(()),
        Err(e) if e.is_uncertain() => {
            tracing::warn!(error = %e, "the cover may or may not have been made; reading the overrides");
            match client.schedule_overrides(schedule.id).await {
                Ok(list)
                    if list.iter().any(|o| o.user.as_ref().is_some_and(|u| u.id == me) && (o.end - until).num_seconds().abs() <= 1) =>
                {
                    Ok(())
                }
                _ => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    if let Err(e) = made {
        set_current(engine, schedule.id, Some(theirs));
        engine.refresh_now();
        return Err(AppError::Api(e));
    }
    // Shown as ilert has it with the round this starts (on-calls and schedules read again).
    engine.confirm(|_| {});
    let cover =
        Cover { schedule: schedule.id, schedule_name: schedule.name.clone(), covering_for: theirs.name.clone(), until, reminded: false };
    let message = format!("You are on call for {}, {}", schedule.name, cover.line());
    tracing::info!(%until, "covering");
    Ok((PagerOutcome { schedule: schedule.id, until, message }, cover))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cover_ends_with_the_colleagues_shift_at_the_latest() {
        let now = Utc::now();
        let soon = now + Duration::minutes(40);
        assert_eq!(TakeFor::HalfHour.until(now, soon), now + Duration::minutes(30));
        assert_eq!(TakeFor::Hour.until(now, soon), soon, "not past their shift");
        assert_eq!(TakeFor::offered(now, soon), [TakeFor::HalfHour, TakeFor::ShiftEnd], "1 h would be the shift's end anyway");
        assert_eq!(TakeFor::offered(now, now + Duration::hours(5)), TakeFor::ALL);
        assert!(can_cover("profile schedule:w") && can_cover("") && !can_cover("profile schedule alert:w"));
    }

    #[test]
    fn a_cover_is_reminded_of_once_five_minutes_before_it_ends() {
        let now = Utc::now();
        let cover = |minutes: i64| Cover {
            schedule: 3,
            schedule_name: "Payments Static".into(),
            covering_for: "Donald Knuth".into(),
            until: now + Duration::minutes(minutes),
            reminded: false,
        };
        let mut covers = vec![cover(30), cover(4), cover(-1)];
        assert_eq!(next_reminder(&covers, now), Some(now - Duration::minutes(1)), "the one ending in 4 min is due already");
        let said = due_reminders(&mut covers, now);
        assert_eq!(said.len(), 1, "{said:?}");
        assert_eq!(said[0].title, "Your cover for Donald Knuth ends in 4 min");
        assert!(said[0].body.starts_with("On call for Payments Static, covering for Donald Knuth until "), "{}", said[0].body);
        assert!(due_reminders(&mut covers, now).is_empty(), "once");
        assert_eq!(next_reminder(&covers, now), Some(now + Duration::minutes(25)));
        assert!(due_reminders(&mut covers, now + Duration::minutes(26)).len() == 1);
        assert_eq!(next_reminder(&covers, now + Duration::minutes(26)), None, "nothing left to remind of");
    }
}
