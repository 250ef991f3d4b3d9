//! A bare Tauri 2 window: the baseline ilert Desktop's start-up time and
//! memory are compared with (`scripts/bench`). It does what the app does to
//! be measured, and nothing else: with `ILERT_BENCH=1` it prints one line
//! when the page's load event fired.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let bench = std::env::var("ILERT_BENCH").is_ok_and(|v| v == "1");
    tauri::Builder::default()
        .on_page_load(move |_, payload| {
            if bench && matches!(payload.event(), tauri::webview::PageLoadEvent::Finished) {
                println!("bench: page loaded");
            }
        })
        .run(tauri::generate_context!())
        .expect("error while running the bare Tauri app");
}
