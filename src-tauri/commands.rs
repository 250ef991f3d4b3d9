//! The `#[tauri::command]`s the UI may call, each one line over
//! [`ilert_app::App`]. They return data, never tokens; a sign-in reports its
//! steps as `progress` events (`dispatch`), and what the window shows
//! arrives as `window` events (`surfaces`).

use std::sync::Arc;

use ilert_app::accounts::SignedOut;
use ilert_app::actions::{ActionOutcome, AlertAction};
use ilert_app::doctor::Report;
use ilert_app::help::{BringHelp, HelpOutcome, Helper};
use ilert_app::maintenance::{MaintainFor, MaintenanceOutcome};
use ilert_app::pager::{PagerOutcome, TakeFor};
use ilert_app::settings::{Settings, SettingsState};
use ilert_app::surface::{AppInfo, Question, WindowFrame};
use ilert_app::view::timeline::ShiftAhead;
use ilert_app::view::{AlertDetail, SessionInfo, Snapshot};
use ilert_app::{App, IpcError};
use tauri::{AppHandle, Runtime, State};

type Result<T> = std::result::Result<T, IpcError>;

#[tauri::command]
pub fn app_info(app: State<'_, App>) -> Result<AppInfo> {
    Ok(app.app_info()?)
}

#[tauri::command]
pub fn get_settings(app: State<'_, App>) -> Result<SettingsState> {
    Ok(app.settings().state()?)
}

/// Saves the settings; what notifies, rings and starts at login follows
/// them at once (the next frame), and a check turned on is made.
#[tauri::command]
pub fn set_settings<R: Runtime>(handle: AppHandle<R>, app: State<'_, App>, settings: Settings) -> Result<SettingsState> {
    let state = app.settings().set(settings)?;
    app.settings_changed();
    crate::updates::follow(&handle);
    Ok(state)
}

/// Signs in through the system browser (or the embedded sandbox when
/// `demo`), then brings the window back to the front.
#[tauri::command]
pub async fn sign_in<R: Runtime>(handle: AppHandle<R>, demo: bool, add_scope: Option<String>) -> Result<SessionInfo> {
    crate::dispatch::sign_in(&handle, demo, add_scope).await
}

#[tauri::command]
pub fn cancel_sign_in(app: State<'_, App>) -> bool {
    app.cancel_sign_in()
}

#[tauri::command]
pub async fn session_info(app: State<'_, App>) -> Result<Option<SessionInfo>> {
    Ok(app.session_info().await?)
}

/// What the window shows now, for its first render; later frames come as
/// `window` events.
#[tauri::command]
pub fn window_frame(app: State<'_, App>) -> WindowFrame {
    let frame = app.frames().borrow().window.clone();
    // `scripts/bench` times a reopened window to the moment its data is in it.
    if frame.snapshot.is_some() && crate::bench() {
        println!("bench: snapshot served");
    }
    frame
}

/// Refresh now; the result also arrives as a `window` event.
#[tauri::command]
pub async fn refresh(app: State<'_, App>) -> Result<Arc<Snapshot>> {
    Ok(app.refresh().await?)
}

#[tauri::command]
pub async fn sign_out(app: State<'_, App>) -> Result<SignedOut> {
    Ok(app.sign_out().await?)
}

/// Demo mode: raises an alert the way a monitoring tool does.
#[tauri::command]
pub async fn demo_incident(app: State<'_, App>) -> Result<()> {
    Ok(app.demo_incident().await?)
}

/// Accepts or resolves an alert; the change shows at once in every snapshot
/// (and changes back if ilert refuses, which a notification then says).
#[tauri::command]
pub async fn act_on_alert(app: State<'_, App>, id: i64, action: AlertAction) -> Result<ActionOutcome> {
    app.act_telling(id, action).await
}

/// Whom an alert can be handed to or get help from (ilert's suggestions,
/// the people on call for its policy first).
#[tauri::command]
pub async fn helpers(app: State<'_, App>, id: i64) -> Result<Vec<Helper>> {
    Ok(app.helpers(id).await?)
}

/// Adds a responder to an alert or reassigns it: shown at once in every
/// snapshot, then as ilert answers (back as it was if ilert refuses).
#[tauri::command]
pub async fn bring_help(app: State<'_, App>, id: i64, how: BringHelp, who: Helper) -> Result<HelpOutcome> {
    Ok(app.bring_help(id, how, &who).await?)
}

/// Takes on-call on a schedule for a while, covering for whoever is on
/// call there now: shown at once, then as ilert has it.
#[tauri::command]
pub async fn take_pager(app: State<'_, App>, id: i64, length: TakeFor) -> Result<PagerOutcome> {
    Ok(app.take_pager(id, length).await?)
}

/// The hand-over at my shift's end: my open alerts to `to` (the person it
/// named), one assign each; the sentence says how it went.
#[tauri::command]
pub async fn hand_over(app: State<'_, App>, to: i64) -> Result<String> {
    Ok(app.hand_over(to).await?)
}

/// The hand-over at my shift's end: I keep them.
#[tauri::command]
pub fn keep_alerts(app: State<'_, App>) {
    app.keep_alerts();
}

/// Stops the alarm; the pages stay in the list, unanswered.
#[tauri::command]
pub fn silence_alarm(app: State<'_, App>) {
    app.silence_alarm();
}

/// Quiets an alert source for a deploy: a maintenance window from now for
/// `length`. `None`: a page of mine is pending on the source; nothing was
/// sent, and the window asks first (`asked`), then calls again `confirmed`.
#[tauri::command]
pub async fn maintain_source(app: State<'_, App>, id: i64, length: MaintainFor, confirmed: bool) -> Result<Option<MaintenanceOutcome>> {
    Ok(app.maintain_source(id, length, confirmed).await?)
}

/// One alert in full (details, who it escalates to, its log).
#[tauri::command]
pub async fn alert_detail(app: State<'_, App>, id: i64) -> Result<AlertDetail> {
    Ok(app.alert_detail(id).await?)
}

/// Opens the alert in ilert's web app, in the system browser (the page may not open URLs itself).
#[tauri::command]
pub async fn open_alert_in_ilert(app: State<'_, App>, id: i64) -> Result<()> {
    let url = app.alert_web_url(id).await?;
    tauri_plugin_opener::open_url(&url, None::<&str>)
        .map_err(|e| IpcError::from(ilert_app::AppError::Internal(format!("no browser opened: {e}"))))
}

/// The alert a pasted link names (`ilert-desktop://alert/ID` or the alert's
/// page in ilert), read by the same parser as the links the OS hands over.
#[tauri::command]
pub fn alert_in_link(link: String) -> Option<i64> {
    ilert_app::links::alert_in(&link)
}

/// Install, the person's word: download, verify the signature, install.
/// The outcome comes as `window` events.
#[tauri::command]
pub fn install_update<R: Runtime>(handle: AppHandle<R>) {
    crate::updates::install(&handle);
}

/// Later: out of sight until the next check.
#[tauri::command]
pub fn dismiss_update(app: State<'_, App>) {
    app.updates().later();
}

/// "Will it ring?": every step a page takes, checked; with `test_page`,
/// also a test page that waits (up to a minute) for the person's press and
/// the alarm played for 3 s.
#[tauri::command]
pub async fn will_it_ring<R: Runtime>(handle: AppHandle<R>, app: State<'_, App>, test_page: bool) -> Result<Report> {
    let settings = app.settings().current();
    let (signed, running) = crate::doctor::in_app(&app).await;
    let test = test_page.then(|| (handle.config().identifier.clone(), crate::doctor::PRESS_WAIT));
    let facts = crate::doctor::facts(&settings, signed, app.profile(), running, test).await;
    Ok(Report::of(&facts, chrono::Utc::now()))
}

/// My shifts in the next 14 days with their hand-overs (read on request).
#[tauri::command]
pub async fn shifts_ahead(app: State<'_, App>) -> Result<Vec<ShiftAhead>> {
    Ok(app.shifts_ahead().await?)
}

/// "Add to calendar": my shifts ahead as an `.ics` file, where the person
/// says in a save dialog. `None`: the dialog was cancelled.
#[tauri::command]
pub async fn save_shifts_calendar<R: Runtime>(handle: AppHandle<R>, app: State<'_, App>) -> Result<Option<String>> {
    let ics = app.shifts_calendar().await?;
    let Some(path) = crate::dialogs::save_calendar(&handle).await else { return Ok(None) };
    std::fs::write(&path, ics)
        .map_err(|e| IpcError::from(ilert_app::AppError::Settings(format!("could not write {}: {e}", path.display()))))?;
    tracing::info!(path = %path.display(), "my shifts saved as a calendar file");
    Ok(Some(path.display().to_string()))
}

/// The question a step chosen in the tray left for the window, once.
#[tauri::command]
pub fn asked(app: State<'_, App>) -> Option<Question> {
    app.take_question()
}

/// After an install: the new version starts in place of this one.
#[tauri::command]
pub fn restart_app<R: Runtime>(handle: AppHandle<R>) {
    handle.restart();
}
