//! One alert in full, for the window's detail view: what the list row
//! has, plus its details, who it escalates to next, its log, and where
//! ilert's web app shows it.

use chrono::{DateTime, Utc};
use ilert_api::api::alerts::{Alert, LogEntry};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub at: Option<DateTime<Utc>>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct AlertDetail {
    pub id: i64,
    pub summary: String,
    pub details: String,
    pub source: String,
    pub priority: String,
    pub status: String,
    pub report_time: Option<DateTime<Utc>>,
    pub responders: Vec<String>,
    pub accepted_by: Vec<String>,
    pub next_escalation: Option<DateTime<Utc>>,
    /// Who it escalates to then, where ilert says.
    pub next_escalation_user: Option<String>,
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
        let names = |accepted: bool| {
            a.responders
                .iter()
                .filter(|r| !accepted || r.status.as_deref() == Some("ACCEPTED"))
                .filter_map(|r| r.user.as_ref().map(|u| u.name()))
                .collect::<Vec<_>>()
        };
        AlertDetail {
            id: a.id,
            summary: a.summary.clone().unwrap_or_else(|| format!("Alert #{}", a.id)),
            details: a.details.clone().unwrap_or_default(),
            source: a.alert_source.as_ref().and_then(|s| s.name.clone()).unwrap_or_default(),
            priority: a.priority.clone().unwrap_or_default(),
            status: a.status.as_ref().map(|s| s.as_str().to_string()).unwrap_or_default(),
            report_time: a.report_time,
            responders: names(false),
            accepted_by: names(true),
            next_escalation: a.next_escalation,
            next_escalation_user: a.next_escalation_user.as_ref().map(|u| u.name()),
            log,
            unreadable_log,
        }
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
        assert_eq!(d.next_escalation_user.as_deref(), Some("Alan Turing"));
        assert_eq!((d.responders.len(), d.accepted_by.as_slice()), (2, &["Ada".to_string()][..]));
    }
}
