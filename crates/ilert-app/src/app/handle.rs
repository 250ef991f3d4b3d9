//! [`App::handle`]: an intent from any surface, with the core's part done
//! here and what only the OS or the window can do returned as an [`Effect`].

use tracing::Instrument;

use super::App;
use crate::actions::AlertAction;
use crate::error::{ErrorKind, IpcError};
use crate::help::{BringHelp, Helper, HelperKind};
use crate::intent::{Effect, Intent};
use crate::notify::{Notice, NoticeKind};
use crate::surface::Ask;

impl App {
    /// Runs `intent`'s part in the core; what is left is the glue's.
    /// Failures are logged, and said by a notification where the person
    /// waits for the outcome (an action on an alert).
    pub async fn handle(&self, intent: Intent) -> Option<Effect> {
        let span = tracing::info_span!("intent", id = %intent.id());
        self.handle_in(intent).instrument(span).await
    }

    async fn handle_in(&self, intent: Intent) -> Option<Effect> {
        tracing::info!("asked");
        let effect = match intent {
            Intent::Open => Some(Effect::ShowWindow(None)),
            Intent::ShowAlert(id) => Some(Effect::ShowWindow(Some(id))),
            Intent::WillItRing => Some(Effect::ShowCheck),
            Intent::Grant(g) => Some(Effect::SignIn { add_scope: g.scope() }),
            Intent::OpenInIlert(id) => match self.alert_web_url(id).await {
                Ok(url) => Some(Effect::OpenUrl(url)),
                Err(e) => {
                    tracing::warn!(error = %e, "no address for the alert");
                    None
                }
            },
            Intent::Refresh => {
                if let Err(e) = self.refresh().await {
                    tracing::warn!(error = %e, "the refresh failed");
                }
                None
            }
            Intent::Accept(id) => {
                let _ = self.act_telling(id, AlertAction::Accept).await;
                None
            }
            Intent::Resolve(id) => {
                let _ = self.act_telling(id, AlertAction::Resolve).await;
                None
            }
            Intent::ReassignToNext { alert, user } => {
                self.reassign_to_next(alert, user).await;
                None
            }
            Intent::TakePager { schedule, length } => {
                let (title, body) = match self.take_pager(schedule, length).await {
                    Ok(out) => ("On call now".to_string(), out.message),
                    Err(e) => ("Could not take on-call".to_string(), IpcError::from(e).message),
                };
                self.tell(vec![Notice { kind: NoticeKind::Info, title, body, page: false }]);
                None
            }
            Intent::HandOver { to } => {
                let (title, body) = match self.hand_over(to).await {
                    Ok(message) => (message, String::new()),
                    Err(e) => ("Not handed over".to_string(), IpcError::from(e).message),
                };
                self.tell(vec![Notice { kind: NoticeKind::Info, title, body, page: false }]);
                None
            }
            Intent::KeepAlerts => {
                self.keep_alerts();
                None
            }
            Intent::AskResolve(id) => {
                let row = self.snapshot().and_then(|s| s.alerts.data().and_then(|a| a.get(id)).map(|r| r.summary.clone()));
                self.ask(Ask::Resolve { id, summary: row.unwrap_or_else(|| format!("alert {id}")) });
                Some(Effect::Ask)
            }
            Intent::AskSignOut => {
                self.ask(Ask::SignOut);
                Some(Effect::Ask)
            }
            Intent::AskInstallUpdate => self.updates.view().version().map(|v| {
                self.ask(Ask::InstallUpdate { version: v.to_string() });
                Effect::Ask
            }),
            Intent::Pause(p) => {
                self.pause_notifications(Some(p));
                None
            }
            Intent::Resume => {
                self.pause_notifications(None);
                None
            }
            Intent::Silence => {
                self.silence_alarm();
                None
            }
            Intent::UpdateLater => {
                self.updates.later();
                None
            }
            Intent::Restart => Some(Effect::Restart),
            Intent::Quit => Some(Effect::Exit),
        };
        self.redraw();
        effect
    }

    /// The tray's "Reassign to ‹next on call›": only while `user` is still
    /// who the alert escalates to next (the menu may be older than the
    /// data, and an id may come from another program); a notification says
    /// what happened, since the tray shows no answer.
    async fn reassign_to_next(&self, alert: i64, user: i64) {
        let row = self.snapshot().and_then(|s| s.alerts.data().and_then(|a| a.get(alert)).cloned());
        let next = row.as_ref().filter(|r| r.status == "PENDING" && r.next_escalation_user_id == Some(user));
        let Some(row) = next else {
            tracing::warn!(alert, user, "not the next on call of a pending alert (any more); nothing sent");
            let body = "It is no longer pending, or escalates to somebody else now: nothing was sent.".to_string();
            self.tell(vec![Notice { kind: NoticeKind::Info, title: "Not reassigned".into(), body, page: false }]);
            return;
        };
        let name = row.next_escalation_user.clone().unwrap_or_else(|| format!("user {user}"));
        let who = Helper { kind: HelperKind::Person, id: user, name, suggested: true, disabled: false };
        let (title, body) = match self.bring_help(alert, BringHelp::Reassign, &who).await {
            Ok(out) => (out.message, row.summary.clone()),
            Err(e) => {
                let e = IpcError::from(e);
                tracing::warn!(alert, error = %e.message, "the reassign failed");
                (format!("Could not reassign to {}", who.name), e.message)
            }
        };
        self.tell(vec![Notice { kind: NoticeKind::Info, title, body, page: false }]);
    }

    /// Accepts or resolves; refused or unconfirmed, a notification says so
    /// (the row has changed back already). A missing scope is not said: the
    /// window asks for it, and no other surface offers the action without it.
    pub async fn act_telling(&self, id: i64, action: AlertAction) -> Result<crate::actions::ActionOutcome, IpcError> {
        match self.act(id, action).await {
            Ok(out) => {
                tracing::info!(id, status = %out.status, "{}", out.message);
                Ok(out)
            }
            Err(e) => {
                let e = IpcError::from(e);
                tracing::warn!(id, error = %e.message, "the action failed");
                if e.kind != ErrorKind::ScopeNotGranted {
                    let what = if action == AlertAction::Accept { "accept" } else { "resolve" };
                    let title = format!("Could not {what} the alert");
                    self.tell(vec![Notice { kind: NoticeKind::Info, title, body: e.message.clone(), page: false }]);
                }
                Err(e)
            }
        }
    }
}
