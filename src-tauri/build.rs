/// Every app command is declared here so Tauri checks it against the
/// capabilities: a command not granted in `src-tauri/capabilities/` cannot be
/// invoked from the webview.
const COMMANDS: &[&str] =
    &["app_info", "get_settings", "set_settings", "sign_in", "cancel_sign_in", "session_info", "dashboard", "sign_out"];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build");
}
