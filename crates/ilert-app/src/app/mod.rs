//! The app: the parts below, put together once. Each method is a few lines
//! over [`settings`](crate::settings), [`sign_in`](crate::sign_in),
//! [`accounts`](crate::accounts), [`demo`](crate::demo) and the
//! [`engine`](crate::engine); the Tauri commands are one line over these.
//! Its loop (`frames.rs`) publishes what every surface shows, and
//! `handle.rs` runs what a person asks from any of them.

mod frames;
mod handle;

use std::sync::Arc;
use std::time::Duration;

use ilert_api::Client;
use ilert_oauth::token_store::{KeyringStore, TokenStore};
use tokio::sync::watch;

use crate::accounts::{self, Accounts, SignedIn, SignedOut};
use crate::actions::{self, ActionOutcome, AlertAction};
use crate::demo::Demo;
use crate::engine::{Engine, EngineConfig};
use crate::error::AppError;
use crate::handover::{Handover, HandoverWatch};
use crate::help::{self, BringHelp, HelpOutcome, Helper};
use crate::maintenance::{self, MaintainFor, MaintenanceOutcome};
use crate::notify::seen::SeenStore;
use crate::notify::{Notice, NoticeKind, Notifier, PauseFor, Quiet};
use crate::pager::{self, Cover, PagerOutcome, TakeFor};
use crate::settings::{keyring_service, SettingsStore};
use crate::sign_in::{self, Pending, Plan, Progress};
use crate::surface::{AppInfo, Ask, Question};
use crate::updates::Updates;
use crate::view::timeline::{self, ShiftAhead};
use crate::view::{calendar, AlertDetail, SessionInfo, Snapshot};

pub struct App {
    settings: SettingsStore,
    profile: Option<String>,
    http: reqwest::Client,
    accounts: Accounts,
    demo: Demo,
    pending: Pending,
    /// One restore at a time: the window's first calls may race.
    restoring: tokio::sync::Mutex<()>,
    engine: EngineConfig,
    notifier: std::sync::Mutex<Notifier>,
    /// Told when a snooze starts or ends, so nobody has to poll for it.
    pause_changed: tokio::sync::Notify,
    updates: Updates,
    /// A step chosen in the tray that the window must ask about first.
    asked: std::sync::Mutex<Option<Ask>>,
    /// The frame and the outbox (`frames.rs`).
    surfaces: frames::Surfaces,
    /// The covers I took in this run (the tray says whom for; each is
    /// reminded of before it ends), and word when one is added.
    covers: std::sync::Mutex<Vec<Cover>>,
    covers_changed: tokio::sync::Notify,
    /// My shifts' ends as the snapshots show them, and the hand-over that
    /// waits for an answer (the notification's, or the window's).
    handover: std::sync::Mutex<(HandoverWatch, Option<Handover>)>,
    /// Show the link instead of opening a browser (`ILERT_NO_BROWSER=1`).
    pub no_browser: bool,
}

impl App {
    pub fn new(settings: SettingsStore, profile: Option<String>) -> App {
        // Beside the settings file, so each profile (and each test) has its own.
        let seen = SeenStore::new(settings.path().with_file_name("seen"));
        let notifier = Notifier::new(seen, settings.current().notify_config());
        App {
            notifier: std::sync::Mutex::new(notifier),
            pause_changed: tokio::sync::Notify::new(),
            settings,
            profile,
            http: ilert_oauth::endpoint::http_client(),
            accounts: Accounts::default(),
            demo: Demo::default(),
            pending: Pending::default(),
            restoring: Default::default(),
            engine: EngineConfig::default(),
            updates: Updates::default(),
            asked: Default::default(),
            surfaces: Default::default(),
            covers: Default::default(),
            covers_changed: tokio::sync::Notify::new(),
            handover: Default::default(),
            no_browser: false,
        }
    }

    pub fn with_engine(mut self, config: EngineConfig) -> App {
        self.engine = config;
        self
    }

    /// The engine's pace and alert scope: the settings over the built-in ones.
    pub fn engine_config(&self) -> EngineConfig {
        self.settings.current().engine(self.engine)
    }

    /// The profile this app runs (`None`: the default one).
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    pub fn settings(&self) -> &SettingsStore {
        &self.settings
    }

    pub fn demo(&self) -> &Demo {
        &self.demo
    }

    /// What is known of a newer version (the glue checks and installs).
    pub fn updates(&self) -> &Updates {
        &self.updates
    }

    /// A surface chose a step that cannot be undone: the window asks (the
    /// latest choice wins; nothing happens until the person says yes there).
    fn ask(&self, ask: Ask) {
        *self.asked.lock().unwrap_or_else(|e| e.into_inner()) = Some(ask);
    }

    /// The question waiting for the window, once: a window that opens, or
    /// one told by an event, takes it.
    pub fn take_question(&self) -> Option<Question> {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).take().map(Ask::question)
    }

    /// The `checkUpdates` setting, on unless turned off.
    pub fn checks_updates(&self) -> bool {
        self.settings.current().check_updates.unwrap_or(true)
    }

    pub fn app_info(&self) -> Result<AppInfo, AppError> {
        AppInfo::of(
            &self.settings.current(),
            self.settings.path(),
            env!("CARGO_PKG_VERSION"),
            self.settings.uses_built_in_client(),
            self.updates.self_update(),
        )
    }

    /// The demo keeps its tokens apart from real ones (its sandbox is gone after a restart).
    fn store(&self, demo: bool) -> Arc<dyn TokenStore> {
        let profile = match (&self.profile, demo) {
            (Some(p), true) => Some(format!("{p}-demo")),
            (None, true) => Some("demo".to_string()),
            (p, false) => p.clone(),
        };
        Arc::new(KeyringStore::new(keyring_service(profile.as_deref())))
    }

    /// A whole sign-in (see [`sign_in::sign_in`]). `add_scope` asks for one
    /// more scope than configured (a panel's "Grant access") and remembers it.
    pub async fn sign_in(
        &self,
        demo: bool,
        add_scope: Option<&str>,
        progress: impl Fn(Progress),
        open: impl FnOnce(&str) -> Result<(), String>,
    ) -> Result<SessionInfo, AppError> {
        if let Some(scope) = add_scope {
            if scope.is_empty() || !scope.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                return Err(AppError::Settings(format!("'{scope}' is not a scope")));
            }
        }
        let configured = self.settings.current().scopes().to_string();
        let widened = add_scope.map(|s| ilert_api::scope::with_added(&configured, s)).filter(|s| *s != configured);
        if let Some(scopes) = widened {
            let add = |s: &mut crate::settings::Settings| s.scopes = Some(scopes.clone());
            if demo {
                self.settings.change_for_this_run(add);
            } else {
                self.settings.change(add)?;
            }
        }
        let settings = if demo { self.demo.settings(&self.settings.current()).await? } else { self.settings.current() };
        let plan = Plan {
            config: settings.oauth_config()?,
            store: self.store(demo),
            http: self.http.clone(),
            require_keyring: false,
            demo: demo.then_some(&self.demo),
            no_browser: self.no_browser,
            previous: self.accounts.current().map(|c| c.session().clone()),
            pending: &self.pending,
        };
        let remember =
            |account: &ilert_oauth::Account| if demo { Ok(()) } else { self.settings.change(|f| f.account = Some(account.clone())) };
        let session = sign_in::sign_in(plan, progress, open, remember).await?;
        let signed = self.adopt(Client::new(Arc::new(session), self.http.clone()), demo).await;
        Ok(signed.engine.latest().session.clone())
    }

    pub fn cancel_sign_in(&self) -> bool {
        self.pending.cancel()
    }

    /// Starts the account's engine and makes it current.
    async fn adopt(&self, client: Client, demo: bool) -> Arc<SignedIn> {
        let asked = self.settings.current().scopes().to_string();
        let first = SessionInfo::of(client.session(), demo, &asked).await;
        let engine = Engine::spawn(client.clone(), demo, asked, self.engine_config(), first);
        self.accounts.insert(SignedIn { client, demo, engine });
        self.accounts.current().expect("just inserted")
    }

    /// The current account; on first call, the one the keyring keeps for
    /// the remembered account is restored (no browser). An account whose
    /// session ilert ended is dropped here, so the next call restores or
    /// says signed out.
    pub async fn current_or_restore(&self) -> Result<Option<Arc<SignedIn>>, AppError> {
        let live = || self.accounts.current().filter(|c| !c.engine.latest().session_ended);
        if let Some(c) = live() {
            return Ok(Some(c));
        }
        let _one = self.restoring.lock().await;
        if let Some(c) = live() {
            return Ok(Some(c));
        }
        if self.accounts.current().is_some() {
            tracing::info!("the session ended; signed out");
            self.accounts.remove_current();
        }
        let Some(session) = accounts::restore(&self.settings.current(), self.http.clone(), self.store(false)).await? else {
            return Ok(None);
        };
        let client = Client::new(Arc::new(session), self.http.clone());
        // Learn the scopes now; a transient failure keeps the session for a retry.
        match client.session().granted_scope().await {
            Err(ilert_oauth::Error::SessionExpired) => {
                self.settings.change(|f| f.account = None)?;
                Err(ilert_oauth::Error::SessionExpired.into())
            }
            Err(e) => Err(e.into()),
            Ok(_) => Ok(Some(self.adopt(client, false).await)),
        }
    }

    /// [`App::current_or_restore`], or [`AppError::NotSignedIn`].
    async fn signed_in(&self) -> Result<Arc<SignedIn>, AppError> {
        self.current_or_restore().await?.ok_or(AppError::NotSignedIn)
    }

    /// Who is signed in, restoring on first call. `Ok(None)`: signed out.
    pub async fn session_info(&self) -> Result<Option<SessionInfo>, AppError> {
        let Some(c) = self.current_or_restore().await? else { return Ok(None) };
        Ok(Some(SessionInfo::of(c.session(), c.demo, self.settings.current().scopes()).await))
    }

    /// The current account's latest snapshot (`None`: signed out).
    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.accounts.current().map(|c| c.engine.latest())
    }

    /// Every snapshot of the current account, as it is published.
    pub fn snapshots(&self) -> watch::Receiver<Option<Arc<Snapshot>>> {
        self.accounts.snapshots()
    }

    /// Accepts or resolves an alert of the current account (see [`crate::actions`]).
    pub async fn act(&self, id: i64, action: AlertAction) -> Result<ActionOutcome, AppError> {
        let c = self.signed_in().await?;
        let me = c.engine.latest().user.data().map(|u| u.name());
        actions::act(&c.client, &c.engine, id, action, me.as_deref()).await
    }

    /// Starts maintenance on alert source `id` for `length` (see
    /// [`crate::maintenance`]). With a page of mine pending on the source
    /// and not `confirmed`: nothing is sent, the window asks first
    /// (`Ok(None)`; the question waits in [`App::take_question`]).
    pub async fn maintain_source(&self, id: i64, length: MaintainFor, confirmed: bool) -> Result<Option<MaintenanceOutcome>, AppError> {
        let c = self.signed_in().await?;
        let latest = c.engine.latest();
        let Some(source) = maintenance::source_of(&latest, id).cloned() else {
            return Err(AppError::Settings(format!("alert source {id} is not in the list")));
        };
        if !confirmed && maintenance::pages_pending(&latest, &source) {
            self.ask(Ask::Maintenance { source: id, name: source.name.clone(), length });
            return Ok(None);
        }
        let me = latest.user.data().map(|u| u.name()).unwrap_or_else(|| c.session().account().username.clone());
        maintenance::maintain(&c.client, &c.engine, &source, length, &me, chrono::Utc::now()).await.map(Some)
    }

    /// Whom alert `id` can be handed to or get help from: ilert's
    /// suggestions, the people on call for its policy first (see [`crate::help`]).
    pub async fn helpers(&self, id: i64) -> Result<Vec<Helper>, AppError> {
        let c = self.signed_in().await?;
        let suggested = c.client.suggested_responders(id).await?;
        let latest = c.engine.latest();
        let policy = latest.alerts.data().and_then(|a| a.get(id)).and_then(|r| r.policy_id);
        Ok(help::helpers_of(&suggested, &help::on_call_for(&latest, policy)))
    }

    /// Adds `who` as a responder of alert `id`, or reassigns it to them.
    pub async fn bring_help(&self, id: i64, how: BringHelp, who: &Helper) -> Result<HelpOutcome, AppError> {
        let c = self.signed_in().await?;
        help::bring_help(&c.client, &c.engine, id, how, who).await
    }

    /// Takes the pager on schedule `id` for `length` (see [`crate::pager`]):
    /// I cover for whoever is on call there now.
    pub async fn take_pager(&self, id: i64, length: TakeFor) -> Result<PagerOutcome, AppError> {
        let c = self.signed_in().await?;
        let latest = c.engine.latest();
        let Some(schedule) = pager::schedule_of(&latest, id).cloned() else {
            return Err(AppError::Settings(format!("schedule {id} is not in the list")));
        };
        let me = match latest.user.data() {
            Some(u) => (u.id, u.name()),
            None => return Err(AppError::Settings("who you are is not known yet; try again in a moment".into())),
        };
        let (outcome, cover) = pager::take(&c.client, &c.engine, &schedule, me.0, &me.1, length, chrono::Utc::now()).await?;
        self.lock_covers().push(cover);
        self.covers_changed.notify_one();
        self.redraw();
        Ok(outcome)
    }

    fn lock_covers(&self) -> std::sync::MutexGuard<'_, Vec<Cover>> {
        self.covers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cover running now, if any (the latest taken, if two overlap).
    pub fn covering(&self) -> Option<Cover> {
        let now = chrono::Utc::now();
        self.lock_covers().iter().rev().find(|c| c.until > now).cloned()
    }

    /// Waits until a cover is five minutes from its end, and says so once.
    /// Sleeps, without waking, while no cover is running.
    async fn cover_ending(&self) -> Vec<Notice> {
        loop {
            let changed = self.covers_changed.notified();
            let Some(at) = pager::next_reminder(&self.lock_covers(), chrono::Utc::now()) else {
                changed.await;
                continue;
            };
            let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = changed => continue,
            }
            let notices = pager::due_reminders(&mut self.lock_covers(), chrono::Utc::now());
            if !notices.is_empty() {
                return notices;
            }
        }
    }

    fn lock_handover(&self) -> std::sync::MutexGuard<'_, (HandoverWatch, Option<Handover>)> {
        self.handover.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A snapshot that shows my shift ended with alerts of mine open: the
    /// hand-over waits for an answer, and its notice is returned.
    fn watch_handover(&self, s: &Snapshot) -> Option<Notice> {
        let mut h = self.lock_handover();
        let handover = h.0.observe(s)?;
        tracing::info!(alerts = handover.alerts.len(), to = ?handover.to.as_ref().map(|t| t.id), "my shift ended with open alerts");
        let notice = Notice {
            kind: NoticeKind::Handover { to: handover.to.as_ref().map(|t| (t.id, t.name.clone())) },
            title: handover.title.clone(),
            body: handover.body(),
            page: false,
        };
        h.1 = Some(handover);
        Some(notice)
    }

    /// The hand-over waiting for an answer, if any.
    pub fn pending_handover(&self) -> Option<Handover> {
        self.lock_handover().1.clone()
    }

    /// "Keep them": the hand-over is answered, nothing is sent.
    pub fn keep_alerts(&self) {
        if self.lock_handover().1.take().is_some() {
            tracing::info!("the open alerts stay mine");
        }
        self.redraw();
    }

    /// "Reassign to ‹who›": each open alert the hand-over named that is
    /// still mine (accepted by me, open) goes to `to` with one assign. Only
    /// to the person it named: an older notification, or another program,
    /// sends nothing. The sentence says how it went.
    pub async fn hand_over(&self, to: i64) -> Result<String, AppError> {
        let handover = {
            let mut h = self.lock_handover();
            match &h.1 {
                None => return Err(AppError::Settings("there is no hand-over waiting (it was answered already)".into())),
                // The one waiting stays: this press is not its answer.
                Some(p) if p.to.as_ref().is_none_or(|t| t.id != to) => {
                    return Err(AppError::Settings("the hand-over names somebody else; nothing was sent".into()))
                }
                Some(_) => h.1.take().expect("matched above"),
            }
        };
        self.redraw();
        let c = self.signed_in().await?;
        let me = c.engine.latest().user.data().map(|u| u.name());
        Ok(crate::handover::reassign(&c.client, &c.engine, &handover, me.as_deref()).await)
    }

    /// My shifts in the next 14 days with their hand-overs, read now (the
    /// schedules' turns are not part of the refresh rounds).
    pub async fn shifts_ahead(&self) -> Result<Vec<ShiftAhead>, AppError> {
        let c = self.signed_in().await?;
        Ok(timeline::read(&c.client, chrono::Utc::now()).await?)
    }

    /// My shifts ahead as an iCalendar file (see [`crate::view::calendar`]).
    pub async fn shifts_calendar(&self) -> Result<String, AppError> {
        let c = self.signed_in().await?;
        let shifts = timeline::read(&c.client, chrono::Utc::now()).await?;
        let account = c.session().account();
        let memory = calendar::memory_beside(self.settings.path());
        Ok(calendar::ics_remembering(&shifts, &account.username, &account.tenant, chrono::Utc::now(), &memory))
    }

    /// One alert in full: the alert, its log and whom ilert told, asked for together.
    pub async fn alert_detail(&self, id: i64) -> Result<AlertDetail, AppError> {
        let c = self.signed_in().await?;
        let (alert, log, told) = tokio::join!(c.client.alert(id), c.client.alert_log(id), c.client.alert_notifications(id));
        let alert = alert?;
        // A log that cannot be had still shows the alert.
        let (entries, unreadable) = match log {
            Ok(l) => (l.items, l.unreadable),
            Err(e) => {
                tracing::warn!(id, error = %e, "the alert's log could not be read");
                (Vec::new(), 0)
            }
        };
        // Likewise whom ilert told: missing, it is said to be unknown, not "nobody".
        let told = told.map_err(|e| tracing::warn!(id, error = %e, "whom the alert was sent to could not be read")).ok();
        Ok(AlertDetail::of(&alert, &entries, unreadable, told.as_deref()))
    }

    /// Where ilert's web app shows alert `id`: on the sign-in's own host
    /// (app.ilert.com, or the tenant's), `/alert/view.jsf?id=ID`.
    pub async fn alert_web_url(&self, id: i64) -> Result<String, AppError> {
        let c = self.signed_in().await?;
        let mut url = c.session().endpoint().endpoints().authorize.clone();
        url.set_path("/alert/view.jsf");
        url.set_query(Some(&format!("id={id}")));
        Ok(url.to_string())
    }

    /// Demo mode: raises an alert through the demo's Events API.
    pub async fn demo_incident(&self) -> Result<(), AppError> {
        let demo = self.accounts.current().is_some_and(|c| c.demo);
        if !demo {
            return Err(AppError::Settings("a demo incident is raised only in the demo".into()));
        }
        self.demo.raise_incident(&self.http).await?;
        // Seen at once, not at the next round.
        if let Some(c) = self.accounts.current() {
            c.engine.refresh_now();
        }
        Ok(())
    }

    fn notifier(&self) -> std::sync::MutexGuard<'_, Notifier> {
        self.notifier.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What this snapshot tells that was never told (see [`crate::notify`]).
    fn notices(&self, snapshot: &Snapshot) -> Vec<Notice> {
        self.notifier().observe(snapshot, chrono::Utc::now())
    }

    /// Snoozes notifications (`None`: resumes, quiet hours too until their
    /// end); what quiet held is told as one summary.
    fn pause_notifications(&self, choice: Option<PauseFor>) {
        let now = chrono::Utc::now();
        let shift_end = self.snapshot().and_then(|s| s.my_shift_ends(now));
        let until = match choice {
            Some(c) => match c.until(chrono::Local::now(), shift_end) {
                Some(u) => Some(u),
                None => return,
            },
            None => None,
        };
        let held = self.notifier().pause(until, now);
        tracing::info!(?until, "notifications paused or resumed");
        self.tell(held);
        self.pause_changed.notify_one();
    }

    /// Waits until quiet starts or ends by itself (a snooze's end, quiet
    /// hours), and returns what it held (`[]` at a start). Sleeps, without
    /// waking, while nothing is scheduled.
    async fn quiet_changed(&self) -> Vec<Notice> {
        loop {
            let changed = self.pause_changed.notified();
            let Some(at) = self.notifier().next_change(chrono::Utc::now()) else {
                changed.await;
                continue;
            };
            let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            tokio::select! {
                _ = tokio::time::sleep(wait) => return self.notifier().tick(chrono::Utc::now()),
                _ = changed => {}
            }
        }
    }

    /// Why notifications are quiet now, if they are.
    pub fn quiet(&self) -> Option<Quiet> {
        self.notifier().quiet(chrono::Utc::now())
    }

    /// The pages ringing now (alert ids, newest last).
    pub fn ringing(&self) -> Vec<i64> {
        self.notifier().ringing().iter().copied().collect()
    }

    /// Stops the alarm; the pages stay in the list, unanswered.
    pub fn silence_alarm(&self) {
        self.notifier().silence();
        tracing::info!("alarm silenced");
        self.redraw();
    }

    /// The settings were saved: what notifies, rings and is quiet follows them now.
    pub fn settings_changed(&self) {
        self.notifier().reconfigure(self.settings.current().notify_config());
        self.pause_changed.notify_one();
        self.redraw();
    }

    /// Refreshes now and waits (at most 90 s) for the result.
    pub async fn refresh(&self) -> Result<Arc<Snapshot>, AppError> {
        let c = self.signed_in().await?;
        let mut rx = c.engine.subscribe();
        let seq = rx.borrow_and_update().seq;
        c.engine.refresh_now();
        let done = async { rx.wait_for(|s| s.seq > seq).await.map(|s| s.clone()) };
        match tokio::time::timeout(Duration::from_secs(90), done).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(_)) => Err(AppError::NotSignedIn),
            Err(_) => Err(AppError::Internal("a refresh took longer than 90 s".into())),
        }
    }

    /// Revokes at ilert and forgets locally; the local part always happens.
    pub async fn sign_out(&self) -> Result<SignedOut, AppError> {
        // Restore first, so a sign-out before the window loaded still revokes.
        let _ = self.current_or_restore().await;
        let Some(current) = self.accounts.remove_current() else { return Ok(SignedOut::not_signed_in()) };
        let forget = || if current.demo { Ok(()) } else { self.settings.change(|f| f.account = None) };
        let out = accounts::sign_out(current.session(), forget).await;
        // Revoked first (at the demo's own server), then the server goes.
        if current.demo {
            self.demo.stop().await;
        }
        out
    }
}
