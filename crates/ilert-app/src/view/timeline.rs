//! My shifts ahead, each with its hand-overs: who is on call before me and
//! after me on that schedule, and whether the turn is an override (me
//! covering someone). `/on-calls` names neither, so the schedules' own
//! shifts and overrides are read, only when the person asks (the window's
//! "Shifts ahead", the calendar file), never in the refresh rounds.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use ilert_api::api::schedules::Shift;
use ilert_api::{ApiError, Client};
use serde::Serialize;

use super::dashboard::{on_call_now, MyShift, MY_SHIFTS_AHEAD_DAYS};

/// One of my shifts, with its hand-overs.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct ShiftAhead {
    pub shift: MyShift,
    /// Who hands over to me (on call up to my start); `None`: nobody, or not known.
    pub before: Option<String>,
    /// Whom I hand over to (on call from my end).
    pub after: Option<String>,
    /// An override: I cover this turn for someone.
    pub cover: bool,
}

/// What one schedule says around my shifts.
#[derive(Debug, Clone, Default)]
pub struct Turns {
    pub shifts: Vec<Shift>,
    pub overrides: Vec<Shift>,
}

/// A hand-over within this is one (ilert's times are to the second; a
/// rotation and an override meet exactly).
const TOUCHING: i64 = 60;

/// Joins my shifts with their schedules' turns (`turns` by schedule id;
/// a schedule missing there gives no hand-overs, not an error).
pub fn ahead(mine: &[MyShift], turns: &BTreeMap<i64, Turns>, me: i64) -> Vec<ShiftAhead> {
    let someone_else = |s: &&Shift| s.user.as_ref().is_some_and(|u| u.id != me);
    let touches = |a: DateTime<Utc>, b: DateTime<Utc>| (a - b).num_seconds().abs() <= TOUCHING;
    mine.iter()
        .map(|m| {
            let t = m.schedule_id.and_then(|id| turns.get(&id));
            let name = |s: &Shift| s.user.as_ref().map(|u| u.name());
            let before = t.and_then(|t| t.shifts.iter().filter(someone_else).find(|s| touches(s.end, m.start)).and_then(name));
            let after = t.and_then(|t| t.shifts.iter().filter(someone_else).find(|s| touches(s.start, m.end)).and_then(name));
            let cover = t.is_some_and(|t| {
                t.overrides.iter().any(|o| o.user.as_ref().is_some_and(|u| u.id == me) && o.start < m.end && o.end > m.start)
            });
            ShiftAhead { shift: m.clone(), before, after, cover }
        })
        .collect()
}

/// My shifts from now to [`MY_SHIFTS_AHEAD_DAYS`] on, with their hand-overs:
/// my on-call intervals (policies expanded, one request), then each of
/// their schedules' turns.
pub async fn read(client: &Client, now: DateTime<Utc>) -> Result<Vec<ShiftAhead>, ApiError> {
    let me = match client.known_user_id() {
        Some(id) => id,
        None => client.current_user().await?.id,
    };
    let calls = client.on_calls_of(me, now + Duration::days(MY_SHIFTS_AHEAD_DAYS), true).await?;
    let mine = on_call_now(&calls.items, None, Some(me), now).my_shifts;
    Ok(fetch(client, &mine, me).await)
}

/// Reads the turns of each schedule among `mine` (at once, each with the
/// client's time limit) and joins them; a schedule that fails is logged and
/// shown without hand-overs.
pub async fn fetch(client: &Client, mine: &[MyShift], me: i64) -> Vec<ShiftAhead> {
    let Some(last) = mine.iter().map(|m| m.end).max() else { return Vec::new() };
    let first = mine.iter().map(|m| m.start).min().unwrap_or(last);
    // A day each side, so the turns touching the first and last are in.
    let (from, until) = (first - Duration::days(1), last + Duration::days(1));
    let mut ids: Vec<i64> = mine.iter().filter_map(|m| m.schedule_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let read = ids.iter().map(|&id| async move {
        let (shifts, overrides) = tokio::join!(client.schedule_shifts(id, from, until), client.schedule_overrides(id));
        let shifts = shifts.map_err(|e| tracing::warn!(schedule = id, error = %e, "a schedule's shifts could not be read")).ok()?;
        // Overrides are extra: without them the hand-overs still show.
        let overrides = overrides.map_err(|e| tracing::info!(schedule = id, error = %e, "no overrides read")).unwrap_or_default();
        Some((id, Turns { shifts, overrides }))
    });
    let turns: BTreeMap<i64, Turns> = join_all(read).await.into_iter().flatten().collect();
    ahead(mine, &turns, me)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ilert_api::api::users::UserRel;

    fn at(h: i64) -> DateTime<Utc> {
        "2026-12-07T08:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(h)
    }

    fn turn(user: i64, name: &str, from: i64, to: i64) -> Shift {
        let user = UserRel { id: user, first_name: Some(name.into()), last_name: None, username: None };
        Shift { user: Some(user), start: at(from), end: at(to) }
    }

    fn mine(schedule: i64, from: i64, to: i64) -> MyShift {
        MyShift {
            schedule: Some("Primary".into()),
            schedule_id: Some(schedule),
            policies: vec!["SRE".into()],
            start: at(from),
            end: at(to),
            current: false,
        }
    }

    #[test]
    fn hand_overs_are_the_turns_that_touch_mine_and_a_gap_has_none() {
        let turns = BTreeMap::from([(
            7,
            Turns {
                shifts: vec![turn(2, "Bob", 0, 12), turn(1, "Ada", 12, 24), turn(3, "Cleo", 24, 36), turn(1, "Ada", 48, 60)],
                overrides: vec![],
            },
        )]);
        let got = ahead(&[mine(7, 12, 24), mine(7, 48, 60)], &turns, 1);
        assert_eq!((got[0].before.as_deref(), got[0].after.as_deref()), (Some("Bob"), Some("Cleo")));
        assert_eq!((got[1].before.as_deref(), got[1].after.as_deref()), (None, None), "a gap either side: nobody hands over");
        assert!(!got[0].cover);
    }

    #[test]
    fn an_override_of_mine_is_a_cover_and_my_own_next_turn_is_no_hand_over() {
        let turns = BTreeMap::from([(
            7,
            Turns {
                shifts: vec![turn(1, "Ada", 10, 12), turn(1, "Ada", 12, 24), turn(2, "Bob", 24, 30)],
                overrides: vec![turn(1, "Ada", 10, 12)],
            },
        )]);
        let got = ahead(&[mine(7, 10, 12), mine(7, 12, 24)], &turns, 1);
        assert!(got[0].cover && !got[1].cover);
        assert_eq!(got[0].after, None, "my own next turn is not a hand-over");
        assert_eq!(got[1].after.as_deref(), Some("Bob"));
    }

    #[test]
    fn a_schedule_not_read_gives_the_shift_without_hand_overs() {
        let got = ahead(&[mine(9, 0, 8)], &BTreeMap::new(), 1);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].before.clone(), got[0].after.clone(), got[0].cover), (None, None, false));
    }
}
