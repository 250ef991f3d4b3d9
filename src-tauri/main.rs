// No console window on Windows release builds; the command line still works from a terminal.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    std::process::exit(ilert_desktop_lib::main());
}
