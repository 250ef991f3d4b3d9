//! One alert in full, for the window's detail view: what the list row
//! has, plus its details and its log.

use chrono::{DateTime, Utc};
use ilert_api::api::alerts::{Alert, LogEntry};
use serde::Serialize;

use super::alerts::AlertRow;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub at: Option<DateTime<Utc>>,
    pub text: String,
}

/// The list's row (flattened: the same fields), and what only the detail has.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AlertDetail {
    #[serde(flatten)]
    #[cfg_attr(test, ts(flatten))]
    pub alert: AlertRow,
    pub details: String,
    /// Oldest first.
    pub log: Vec<LogLine>,
    /// Log entries ilert sent that could not be read.
    pub unreadable_log: usize,
}

impl AlertDetail {
    pub fn of(a: &Alert, log: &[LogEntry], unreadable_log: usize) -> AlertDetail {
        let mut log: Vec<LogLine> =
            log.iter().filter_map(|e| Some(LogLine { at: e.timestamp, text: e.text.clone().filter(|t| !t.is_empty())? })).collect();
        log.sort_by_key(|l| l.at);
        AlertDetail { alert: AlertRow::of(a, false, true, false), details: a.details.clone().unwrap_or_default(), log, unreadable_log }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_reads_oldest_first_and_skips_empty_lines() {
        let a: Alert = serde_json::from_value(serde_json::json!({
            "id": 7, "summary": "Disk full", "status": "PENDING",
            "nextEscalationUser": {"id": 3, "firstName": "Alan", "lastName": "Turing"},
            "responders": [{"user": {"id": 1, "firstName": "Ada"}, "status": "ACCEPTED"}, {"user": {"id": 2, "firstName": "Grace"}, "status": "PENDING"}],
        }))
        .unwrap();
        let log: Vec<LogEntry> = serde_json::from_value(serde_json::json!([
            {"timestamp": "2026-05-01T10:05:00Z", "text": "Accepted"},
            {"timestamp": "2026-05-01T10:00:00Z", "text": "Created"},
            {"timestamp": "2026-05-01T10:01:00Z", "text": ""},
        ]))
        .unwrap();
        let d = AlertDetail::of(&a, &log, 0);
        assert_eq!(d.log.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["Created", "Accepted"]);
        assert_eq!(d.alert.next_escalation_user.as_deref(), Some("Alan Turing"));
        assert_eq!((d.alert.responders.len(), d.alert.accepted_by.as_slice()), (2, &["Ada".to_string()][..]));
    }
}
