//! One alert in full, for the window's detail view: what the list row
//! has, plus its details, its log and whom ilert told about it.

use chrono::{DateTime, Utc};
use ilert_api::api::alerts::{Alert, AlertNotification, LogEntry, NotificationMethod, NotificationStatus};
use serde::Serialize;

use super::alerts::AlertRow;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub at: Option<DateTime<Utc>>,
    pub text: String,
}

/// One message ilert sent about the alert: "did Alan get the call?".
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub struct Told {
    /// Who (`None`: ilert did not say).
    pub who: Option<String>,
    /// How, in words: "push", "voice call", "SMS", "email", "WhatsApp".
    pub how: String,
    pub at: Option<DateTime<Utc>>,
    /// "sent", "scheduled", or "failed: why".
    pub outcome: String,
    pub failed: bool,
}

impl Told {
    fn of(n: &AlertNotification) -> Told {
        let how = match &n.method {
            Some(NotificationMethod::Push) => "push".to_string(),
            Some(NotificationMethod::Voice) => "voice call".into(),
            Some(NotificationMethod::Sms) => "SMS".into(),
            Some(NotificationMethod::Email) => "email".into(),
            Some(NotificationMethod::Whatsapp) => "WhatsApp".into(),
            Some(other) => other.as_str().to_lowercase(),
            None => "a message".into(),
        };
        let failed = n.status == Some(NotificationStatus::Error);
        let outcome = match &n.status {
            Some(NotificationStatus::Success) => "sent".to_string(),
            Some(NotificationStatus::Scheduled) => "scheduled".into(),
            Some(NotificationStatus::Error) => match n.error_message.as_deref().filter(|m| !m.is_empty()) {
                Some(why) => format!("failed: {why}"),
                None => "failed".into(),
            },
            Some(other) => other.as_str().to_lowercase(),
            None => "unknown".into(),
        };
        Told { who: n.user.as_ref().map(|u| u.name()), how, at: n.notification_time, outcome, failed }
    }
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
    /// Whom ilert told, oldest first; `None`: it could not be read (the
    /// detail still shows).
    pub told: Option<Vec<Told>>,
}

impl AlertDetail {
    pub fn of(a: &Alert, log: &[LogEntry], unreadable_log: usize, notifications: Option<&[AlertNotification]>) -> AlertDetail {
        let mut log: Vec<LogLine> =
            log.iter().filter_map(|e| Some(LogLine { at: e.timestamp, text: e.text.clone().filter(|t| !t.is_empty())? })).collect();
        log.sort_by_key(|l| l.at);
        let told = notifications.map(|ns| {
            let mut told: Vec<Told> = ns.iter().map(Told::of).collect();
            told.sort_by_key(|t| t.at);
            told
        });
        AlertDetail {
            alert: AlertRow::of(a, false, true, false),
            details: a.details.clone().unwrap_or_default(),
            log,
            unreadable_log,
            told,
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
        let d = AlertDetail::of(&a, &log, 0, None);
        assert_eq!(d.log.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["Created", "Accepted"]);
        assert_eq!(d.alert.next_escalation_user.as_deref(), Some("Alan Turing"));
        assert_eq!((d.alert.responders.len(), d.alert.accepted_by.as_slice()), (2, &["Ada".to_string()][..]));
        assert_eq!(d.told, None, "not read: not shown as nobody");
    }

    #[test]
    fn who_was_told_reads_oldest_first_with_how_and_whether_it_failed() {
        let a: Alert = serde_json::from_value(serde_json::json!({"id": 7, "summary": "Disk full", "status": "PENDING"})).unwrap();
        let ns: Vec<AlertNotification> = serde_json::from_value(serde_json::json!([
            {"method": "VOICE", "user": {"id": 3, "firstname": "Alan", "lastname": "Turing"}, "notificationTime": "2026-05-01T10:01:00Z", "status": "ERROR", "errorMessage": "busy"},
            {"method": "PUSH", "user": {"id": 1, "firstName": "Ada"}, "notificationTime": "2026-05-01T10:00:00Z", "status": "SUCCESS"},
            {"method": "CARRIER_PIGEON", "status": "SCHEDULED"},
        ]))
        .unwrap();
        let d = AlertDetail::of(&a, &[], 0, Some(&ns));
        let told: Vec<(Option<&str>, &str, &str, bool)> =
            d.told.as_ref().unwrap().iter().map(|t| (t.who.as_deref(), t.how.as_str(), t.outcome.as_str(), t.failed)).collect();
        assert_eq!(
            told,
            [
                (None, "carrier_pigeon", "scheduled", false),
                (Some("Ada"), "push", "sent", false),
                (Some("Alan Turing"), "voice call", "failed: busy", true)
            ]
        );
    }
}
