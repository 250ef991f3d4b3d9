include!("command_list.rs");

macro_rules! names {
    ($($command:ident),*) => { &[$(stringify!($command)),*] };
}

/// Declared so Tauri checks every command against the capabilities: a
/// command not granted in `src-tauri/capabilities/` cannot be invoked.
const COMMANDS: &[&str] = with_app_commands!(names);

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/command_list.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build");
}
