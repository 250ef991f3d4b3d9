// No console window on Windows release builds; the command line still works from a terminal.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Read here, in the binary, so a release build's client ID
    // (ILERT_BUILTIN_CLIENT_ID at compile time) rebuilds only this file.
    std::process::exit(ilert_desktop_lib::main(ilert_app::built_in_client!()));
}
