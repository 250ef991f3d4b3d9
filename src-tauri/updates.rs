//! Updates through tauri-plugin-updater. The app checks at start and then
//! daily (the `checkUpdates` setting), offers what it finds in the window and
//! the tray, and installs only on Install. Before anything is installed the
//! plugin checks the download's signature, and the version the signature
//! names, against the key the release was built with. When to check and what
//! to say is `ilert_app::updates`.
//!
//! Where it looks and whom it trusts is `ilert_app::updates::Channel`: a
//! release build trusts only the key it was built with (tauri.conf.json's
//! `plugins.updater.pubkey`, filled in by the release workflow), and
//! `ILERT_UPDATE_FEED` may only point it at a mirror; a development build
//! takes a feed and key of its own (the tests' loopback feed). A build
//! without a key does not check, and its settings say so.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use ilert_app::updates::{Channel, ChannelInputs, Refusal, WAKE_EVERY};
use ilert_app::App;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::{Error, Update, Updater, UpdaterExt};
use tracing::Instrument;

/// A feed that does not answer within this is tried again the next day.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);
/// A whole download (tens of megabytes on a slow line).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The plugin, with the configuration of tauri.conf.json (`plugins.updater`).
pub fn plugin<R: Runtime>() -> TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().build()
}

/// Where this build looks, if anywhere; the window's settings are told why
/// not, and the log of what the environment asked for and did not get.
pub fn channel<R: Runtime>(handle: &AppHandle<R>) -> Channel {
    let inputs = ChannelInputs::from_env(&release_pubkey(handle), cfg!(debug_assertions));
    let (channel, warning) = Channel::choose(inputs);
    if let Some(w) = warning {
        tracing::warn!("{w}");
    }
    match &channel {
        Channel::Off { why } => tracing::info!("updates are not checked: {why}"),
        other => tracing::info!(channel = ?other, "updates are checked"),
    }
    handle.state::<App>().updates().set_channel(&channel);
    channel
}

/// The plugin's updater for this channel.
pub fn updater<R: Runtime>(handle: &AppHandle<R>, channel: &Channel) -> Result<Updater, Error> {
    let builder = handle.updater_builder().timeout(CHECK_TIMEOUT);
    match channel {
        Channel::Own(feed) => builder.endpoints(vec![feed.endpoint.clone()])?.pubkey(&feed.pubkey).build(),
        // Another address; the key stays the one compiled in.
        Channel::Mirror(url) => builder.endpoints(vec![url.clone()])?.build(),
        Channel::Release | Channel::Off { .. } => builder.build(),
    }
}

fn release_pubkey<R: Runtime>(handle: &AppHandle<R>) -> String {
    let config = handle.config().plugins.0.get("updater");
    config.and_then(|c| c.get("pubkey")).and_then(|k| k.as_str()).unwrap_or_default().trim().to_string()
}

/// The update the last check found, kept for Install.
#[derive(Default)]
struct Found(Mutex<Option<Update>>);

/// Wakes the checker before its hour is up (the setting was turned on).
#[derive(Default)]
struct Wake(tokio::sync::Notify);

/// Started with the app: runs the checks where this build has somewhere to
/// look (what they find is the core's update state, which the frame shows).
pub fn start<R: Runtime>(handle: &AppHandle<R>) {
    handle.manage(Found::default());
    handle.manage(Wake::default());
    let channel = channel(handle);
    if !channel.checks() {
        return;
    }
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let app = handle.state::<App>();
            if app.checks_updates() && app.updates().due(SystemTime::now()) {
                check(&handle, &channel).await;
            }
            let wake = handle.state::<Wake>();
            tokio::select! {
                _ = tokio::time::sleep(WAKE_EVERY) => {}
                _ = wake.0.notified() => {}
            }
        }
    });
}

/// The settings changed: a check turned on is made now (if one is due).
pub fn follow<R: Runtime>(handle: &AppHandle<R>) {
    if let Some(wake) = handle.try_state::<Wake>() {
        wake.0.notify_one();
    }
}

/// One check. A feed that cannot be reached or read is a line in the log,
/// nothing more: the next check is a day away.
pub async fn check<R: Runtime>(handle: &AppHandle<R>, channel: &Channel) {
    let span = tracing::info_span!("update.check", channel = ?channel);
    let result = async { updater(handle, channel)?.check().await }.instrument(span.clone()).await;
    let _in = span.entered();
    let app = handle.state::<App>();
    app.updates().checked(SystemTime::now());
    let found = handle.state::<Found>();
    match result {
        Ok(Some(update)) => {
            tracing::info!(version = %update.version, "a newer version is available");
            app.updates().found(&update.version, update.body.clone().filter(|b| !b.trim().is_empty()));
            *found.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(update);
        }
        Ok(None) => {
            tracing::info!(version = %handle.package_info().version, "up to date");
            app.updates().nothing_new();
            *found.0.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        Err(e) => tracing::info!(error = %e, "no update check: the feed could not be reached or read"),
    }
}

/// Install, chosen in the window or the tray: download, verify, install.
/// Refused or failed, the window and the tray say why, and so does a
/// notification (Install may have been clicked in the tray).
pub fn install<R: Runtime>(handle: &AppHandle<R>) {
    let handle = handle.clone();
    tauri::async_runtime::spawn(async move {
        let app = handle.state::<App>();
        let Some(version) = app.updates().start_install() else { return };
        let update = handle.state::<Found>().0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let result = match update.filter(|u| u.version == version) {
            Some(update) => download_and_install(update).instrument(tracing::info_span!("update.install", %version)).await,
            None => Err(Refusal::Other("the offer is gone; the next check looks again".into())),
        };
        match result {
            Ok(()) => {
                tracing::info!(%version, "installed; it runs from the next start");
                app.updates().installed(&version);
            }
            Err(why) => app.update_refused(&version, &why),
        }
    });
}

async fn download_and_install(mut update: Update) -> Result<(), Refusal> {
    update.timeout = Some(DOWNLOAD_TIMEOUT);
    // `download` verifies the signature (and the version it names) before it returns the bytes.
    let bytes = update.download(|_, _| {}, || {}).await.map_err(|e| refusal(&e))?;
    tracing::info!(bytes = bytes.len(), "downloaded and verified");
    // Installing writes the app's files (or runs the package manager): off the runtime's threads.
    tauri::async_runtime::spawn_blocking(move || update.install(bytes))
        .await
        .map_err(|e| Refusal::Other(format!("the installer stopped: {e}")))?
        .map_err(|e| refusal(&e))
}

/// The plugin's error, sorted: the signature's verdicts apart from the rest.
pub fn refusal(e: &Error) -> Refusal {
    tracing::warn!(error = %e, "the update was not installed");
    match e {
        Error::Minisign(_) | Error::Base64(_) | Error::SignatureUtf8(_) => Refusal::BadSignature,
        Error::SignedVersionMismatch { signed, .. } => Refusal::SignedForAnotherVersion { signed: signed.clone() },
        Error::MissingSignedVersion => Refusal::UnversionedSignature,
        other => Refusal::Other(other.to_string()),
    }
}
