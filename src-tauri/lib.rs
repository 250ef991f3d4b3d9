//! ilert Desktop: the Tauri glue. Everything here is thin; the sign-in, the
//! token lifecycle, the ilert client and the sandbox live in `crates/`.
//!
//! # Layout
//! - `cli`: the command line (same binary; no subcommand opens the window).
//! - `controller`: what the app does (settings, sign-in, demo, dashboard,
//!   sign-out) in plain Rust, testable without a window.
//! - `commands`: the `#[tauri::command]`s the UI may call; thin.
//! - `error`: errors as `{kind, message}` across IPC.
//! - `logging`: tracing to stderr and the log file.

pub mod cli;
pub mod commands;
pub mod controller;
pub mod error;
pub mod logging;

use clap::Parser;
use tauri::{Manager, Runtime};

/// Entry point of the binary; returns the exit code.
pub fn main() -> i32 {
    let cli = cli::Cli::parse();
    match cli.command {
        Some(command) => cli::run(command, cli.options),
        None => {
            run(cli.options);
            0
        }
    }
}

/// Opens the window.
pub fn run(options: cli::Options) {
    let controller = match options.controller() {
        Ok(mut c) => {
            c.no_browser = std::env::var("ILERT_NO_BROWSER").is_ok_and(|v| v == "1");
            c
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    // `scripts/bench` measures start-up to the page's load event; the bare
    // baseline in bench/bare prints the same line.
    let bench = std::env::var("ILERT_BENCH").is_ok_and(|v| v == "1");
    build_app(tauri::Builder::default(), controller)
        .on_page_load(move |_, payload| {
            if bench && matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                println!("bench: page loaded");
            }
        })
        .setup(|app| {
            if let Some(guard) = logging::init_app(app.path().app_log_dir().ok().as_deref()) {
                app.manage(guard);
            }
            tracing::info!(settings = %app.state::<controller::Controller>().settings_path().display(), "ilert Desktop starting");
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("error while running ilert Desktop");
}

/// The app without its runtime and context, so tests can pass
/// `tauri::test::mock_builder()` and their own state.
pub fn build_app<R: Runtime>(builder: tauri::Builder<R>, controller: controller::Controller) -> tauri::Builder<R> {
    builder.plugin(tauri_plugin_opener::init()).manage(controller).invoke_handler(tauri::generate_handler![
        commands::app_info,
        commands::get_settings,
        commands::set_settings,
        commands::sign_in,
        commands::cancel_sign_in,
        commands::session_info,
        commands::dashboard,
        commands::sign_out,
    ])
}

#[cfg(test)]
mod tests {
    use tauri::test::mock_builder;

    /// The command answers over the (mock) IPC with the configuration summary.
    #[test]
    fn app_info_answers_over_ipc() {
        let dir = tempfile::tempdir().unwrap();
        let overrides = ilert_oauth::Settings { client_id: Some("cid".into()), tenant: Some("acme".into()), ..Default::default() };
        let state = crate::controller::Controller::new(dir.path().join("settings.json"), None, overrides).unwrap();
        // The real context, so the real capabilities decide what the webview may call.
        let app = super::build_app(mock_builder(), state).build(tauri::generate_context!(test = true)).unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        let res =
            tauri::test::get_ipc_response(&webview, request("app_info")).map(|b| b.deserialize::<serde_json::Value>().unwrap()).unwrap();
        assert_eq!(res["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(res["mode"], "ilert");
        assert_eq!(res["authorizeHost"], "acme.ilert.com");
        assert_eq!(res["redirectUri"], "http://localhost:4598/callback");

        // Every app command is granted; get_settings answers without a session.
        let res = tauri::test::get_ipc_response(&webview, request("get_settings"))
            .map(|b| b.deserialize::<serde_json::Value>().unwrap())
            .unwrap();
        assert_eq!(res["effective"]["clientId"], "cid");
        assert_eq!(res["fromEnvironment"], serde_json::json!(["clientId", "tenant"]));
        let res = tauri::test::get_ipc_response(&webview, request("session_info"))
            .map(|b| b.deserialize::<serde_json::Value>().unwrap())
            .unwrap();
        assert_eq!(res, serde_json::Value::Null, "signed out");

        // A command that is not granted is refused by the ACL.
        let refused = tauri::test::get_ipc_response(&webview, request("plugin:opener|open_url"));
        assert!(refused.is_err(), "the webview must not open URLs itself");
    }

    fn request(cmd: &str) -> tauri::webview::InvokeRequest {
        tauri::webview::InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::default(),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        }
    }
}
