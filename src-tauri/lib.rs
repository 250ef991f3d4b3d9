//! ilert Desktop: the Tauri glue, and only that. What the app does lives in
//! `crates/ilert-app` (plain Rust); the sign-in, the token lifecycle, the
//! ilert client and the sandbox in the other crates under `crates/`.
//!
//! # Layout
//! - `command_list.rs`: the one list of commands (build.rs, the handler, the capability test).
//! - `commands`: the `#[tauri::command]`s the UI may call, one line each.
//! - `surfaces`: the only subscriber: the core's frames drawn on the tray,
//!   the alarm, the window and the start-at-login entry; its outbox's
//!   notices shown.
//! - `dispatch`: the only dispatcher: an intent from any surface to the
//!   core, and what is left (window, browser, sign-in, exit) done.
//! - `tray`: draws the tray's part of a frame; a press is an intent's id.
//! - `notifications`: draws a notice natively; a press is an intent.
//! - `alarm`: plays a page's sound, louder each time, while the frame says so.
//! - `dnd`: reads the desktop's Do Not Disturb for the core.
//! - `windows`: the main window; closing it hides it to the tray.
//! - `dialogs`: native dialogs opened from Rust (the calendar file's save dialog).
//! - `autostart`: start at login, hidden in the tray (a setting).
//! - `links`: `ilert-desktop://alert/ID` links open the window at the alert.
//! - `updates`: a newer version, checked daily, installed on the person's word.
//! - `cli`: the command line (same binary; no subcommand opens the window).
//! - `doctor`: what "Will it ring?" asks the desktop.
//!
//! # The one rule
//! What the surfaces show is decided in the core, which publishes it as one
//! frame; what a person asks anywhere is one intent. So the modules form one
//! way: `surfaces` → the drawers (`tray`, `alarm`, `notifications`,
//! `autostart`) → `dispatch` → `windows`; `links` → `dispatch`; `commands`
//! → `dispatch`, `updates`, `dialogs`, `doctor`; `cli` → `doctor` → the
//! drawers it tries out and `dnd`. A drawer imports no other drawer, and no
//! module one that imports it back (`tests/layers.rs` fails on a circle).
//! Inputs from the desktop (Do Not Disturb, an update found) go into the
//! core, never straight to a drawer.

pub mod alarm;
pub mod autostart;
pub mod cli;
pub mod commands;
pub mod dialogs;
pub mod dispatch;
pub mod dnd;
pub mod doctor;
pub mod links;
pub mod notifications;
pub mod surfaces;
pub mod tray;
pub mod updates;
pub mod windows;

use clap::Parser;
use ilert_app::App;
use tauri::{Manager, Runtime};

include!("command_list.rs");

/// Entry point of the binary, with the client it was built with; returns the exit code.
pub fn main(built_in: ilert_app::settings::BuiltIn) -> i32 {
    let mut cli = cli::Cli::parse();
    cli.options.built_in = built_in;
    if let Some(link) = &cli.link {
        let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
        if let Err(why) = cli::check_link_launch(&argv, link) {
            use clap::CommandFactory;
            eprintln!("error: {why}\n\n{}", cli::Cli::command().render_usage());
            return 2;
        }
    }
    match cli.command {
        Some(command) => cli::run(command, cli.options),
        None => {
            run(cli.options, cli.link);
            0
        }
    }
}

/// Opens the window; with `link`, at the alert it names.
pub fn run(options: cli::Options, link: Option<String>) {
    let app = match options.app() {
        Ok(mut a) => {
            a.no_browser = std::env::var("ILERT_NO_BROWSER").is_ok_and(|v| v == "1");
            a
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    // `scripts/bench` measures start-up to the page's load event; the bare
    // baseline in bench/bare prints the same line.
    let bench = bench();
    // First of all plugins: a second launch of this profile hands over to
    // the running one (which comes to the front) and exits 0.
    let single = tauri_plugin_single_instance::Builder::new()
        .dbus_id(ilert_app::settings::instance_id(options.profile.as_deref()))
        .callback(|handle, argv, _| links::opened(handle, &argv))
        .build();
    let hidden = options.hidden;
    let asked_alert = links::alert_of(link.as_deref());
    let builder = tauri::Builder::default().plugin(single).plugin(tauri_plugin_deep_link::init());
    #[cfg(target_os = "macos")]
    let builder = builder.plugin(autostart::plugin(options.profile.as_deref()));
    // Managed before any plugin starts: the first frame writes (or removes) this profile's entry.
    let builder = builder.manage(autostart::Profile(options.profile.clone()));
    build_app(builder, app)
        .on_page_load(move |_, payload| {
            if bench && matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                println!("bench: page loaded");
            }
        })
        .setup(move |app| {
            if let Some(guard) = ilert_app::logging::init_app(app.path().app_log_dir().ok().as_deref()) {
                app.manage(guard);
            }
            tracing::info!(settings = %app.state::<App>().settings().path().display(), "ilert Desktop starting");
            // Here, not in `build_app`: the tray needs a real desktop, the mock runtime of the tests has none.
            match tray::create(app.handle()) {
                Ok(_) => {
                    app.manage(windows::CloseToTray);
                }
                Err(e) => tracing::warn!(error = %e, "no tray icon; closing the window quits"),
            };
            // The window is built here (`"create": false` in tauri.conf.json):
            // started hidden in the tray, there is no webview until it is opened.
            // A link opens it at its alert, even when started hidden.
            if !hidden || asked_alert.is_some() || app.try_state::<windows::CloseToTray>().is_none() {
                windows::open(app.handle(), asked_alert);
            }
            links::init(app.handle());
            dnd::watch(app.handle());
            updates::start(app.handle());
            Ok(())
        })
        .on_window_event(windows::on_event)
        .build(tauri::generate_context!())
        .expect("error while building ilert Desktop")
        .run(windows::on_run_event);
}

/// `ILERT_BENCH=1`: print the moments `scripts/bench` times on stdout.
pub fn bench() -> bool {
    static BENCH: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *BENCH.get_or_init(|| std::env::var("ILERT_BENCH").is_ok_and(|v| v == "1"))
}

macro_rules! handler {
    ($($command:ident),*) => { tauri::generate_handler![$(commands::$command),*] };
}

/// The app without its runtime and context, so tests can pass
/// `tauri::test::mock_builder()` and their own [`App`]. The core's loop and
/// its one subscriber run from the start, and the remembered session is
/// restored without waiting for the page.
pub fn build_app<R: Runtime>(builder: tauri::Builder<R>, app: App) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(updates::plugin())
        .plugin(surfaces::plugin())
        .manage(app)
        .invoke_handler(with_app_commands!(handler))
}

#[cfg(test)]
mod tests {
    use ilert_app::settings::{Settings, SettingsStore};
    use tauri::test::mock_builder;

    fn app(dir: &tempfile::TempDir, overrides: Settings) -> ilert_app::App {
        ilert_app::App::new(SettingsStore::open(dir.path().join("settings.json"), overrides).unwrap(), None)
    }

    /// The command answers over the (mock) IPC with the configuration summary.
    #[test]
    fn app_info_answers_over_ipc() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = Settings { client_id: Some("cid".into()), tenant: Some("acme".into()), ..Default::default() };
        // The real context, so the real capabilities decide what the webview may call.
        let app = super::build_app(mock_builder(), app(&dir, overrides)).build(tauri::generate_context!(test = true)).unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        let ask = |cmd: &str| tauri::test::get_ipc_response(&webview, request(cmd)).map(|b| b.deserialize::<serde_json::Value>().unwrap());
        let res = ask("app_info").unwrap();
        assert_eq!(res["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(res["mode"], "ilert");
        assert_eq!(res["authorizeHost"], "acme.ilert.com");
        assert_eq!(res["redirectUri"], "http://localhost:4598/callback");

        // get_settings answers without a session.
        let res = ask("get_settings").unwrap();
        assert_eq!(res["effective"]["clientId"], "cid");
        assert_eq!(res["fromEnvironment"], serde_json::json!(["clientId", "tenant"]));
        assert_eq!(ask("session_info").unwrap(), serde_json::Value::Null, "signed out");
        let frame = ask("window_frame").unwrap();
        assert_eq!(frame["snapshot"], serde_json::Value::Null, "nothing to show");
        assert_eq!((frame["ringing"].clone(), frame["update"]["state"].clone()), (serde_json::json!([]), serde_json::json!("none")));
        // An error crosses as {kind, message}, kind from the one enum.
        let err = ask("refresh").unwrap_err();
        assert_eq!(err["kind"], "notSignedIn", "{err}");

        // A command that is not granted is refused by the ACL.
        assert!(ask("plugin:opener|open_url").is_err(), "the webview must not open URLs itself");
    }

    /// The window hidden (as in the tray), the engine keeps refreshing and
    /// the window keeps receiving each snapshot, so it is current when shown.
    /// (The mock runtime does not track visibility; what this shows is that
    /// nothing on the way from the engine to the window waits for the page.)
    #[test]
    fn snapshots_keep_coming_while_the_window_is_hidden() {
        use std::sync::{Arc, Mutex};
        use std::time::Duration;
        use tauri::{Listener, Manager};
        let dir = tempfile::tempdir().unwrap();
        let fast = ilert_app::engine::EngineConfig {
            interval: Duration::from_millis(150),
            max_backoff: Duration::from_millis(300),
            tick: Duration::from_millis(50),
            on_call_interval: Duration::from_millis(200),
            ..Default::default()
        };
        let overrides = Settings { redirect_uri: Some("http://127.0.0.1:0/callback".into()), ..Default::default() };
        let core = app(&dir, overrides).with_engine(fast);
        let app = super::build_app(mock_builder(), core).build(tauri::generate_context!(test = true)).unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).visible(false).build().unwrap();
        webview.hide().unwrap();
        let seen: Arc<Mutex<Vec<u64>>> = Default::default();
        let sink = seen.clone();
        app.listen_any(crate::surfaces::WINDOW_EVENT, move |e| {
            let v: serde_json::Value = serde_json::from_str(e.payload()).unwrap();
            if let Some(seq) = v["snapshot"]["seq"].as_u64() {
                sink.lock().unwrap().push(seq);
            }
        });
        let core = app.state::<ilert_app::App>();
        tauri::async_runtime::block_on(async {
            let approve = |url: &str| {
                let url = url.to_string();
                tauri::async_runtime::spawn(async move { ilert_sandbox::browser::approve_and_follow(&url).await });
                Ok(())
            };
            core.sign_in(true, None, |_| {}, approve).await.unwrap();
            let knobs = core.demo().knobs().await.unwrap();
            // Who is on call is read every round (the slow lists are kept).
            let before = knobs.requests("/api/on-calls");
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while seen.lock().unwrap().iter().max().copied().unwrap_or(0) < 3 {
                assert!(std::time::Instant::now() < deadline, "snapshots stopped: {:?}", seen.lock().unwrap());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(knobs.requests("/api/on-calls") >= before + 2, "each snapshot is a new round of requests");
            core.sign_out().await.unwrap();
        });
        let seqs = seen.lock().unwrap().clone();
        assert!(seqs.windows(2).all(|w| w[0] <= w[1]), "in order: {seqs:?}");
    }

    fn request(cmd: &str) -> tauri::webview::InvokeRequest {
        tauri::webview::InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            // The origin the app's own pages have: Windows' WebView2 serves them over http.
            url: if cfg!(windows) { "http://tauri.localhost" } else { "tauri://localhost" }.parse().unwrap(),
            body: tauri::ipc::InvokeBody::default(),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        }
    }
}
