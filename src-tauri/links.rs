//! Links that open the app at an alert (`ilert-desktop://alert/ID`). The
//! desktop starts the app with the link as its argument; a running app gets
//! it from the second launch through single-instance ([`opened`]), macOS as
//! an Apple event through the deep-link plugin. Which alert a link names is
//! `ilert_app::links`'s to say.

use ilert_app::Intent;
use tauri::{AppHandle, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;

/// The app was launched again (`argv` is that launch's): with a link, open
/// the window at its alert; without, bring the window to the front.
pub fn opened<R: Runtime>(handle: &AppHandle<R>, argv: &[String]) {
    let alert = argv.iter().skip(1).find_map(|a| ilert_app::links::alert_in(a));
    tracing::info!(alert, "launched again");
    crate::dispatch::intent_from(handle, alert.map_or(Intent::Open, Intent::ShowAlert), "second launch");
}

/// The alert of the link this process was started with (a positional
/// argument), if it names one; a link that does not is said and ignored.
pub fn alert_of(link: Option<&str>) -> Option<i64> {
    let link = link?;
    let alert = ilert_app::links::alert_in(link);
    if alert.is_none() {
        tracing::warn!("not an alert link; opening the window");
    }
    alert
}

/// Listens for links (macOS delivers them to the running app) and, where no
/// installer registered the scheme (a development build, the AppImage, a
/// copied binary), registers this executable as its handler with the desktop.
pub fn init<R: Runtime>(handle: &AppHandle<R>) {
    #[cfg(target_os = "linux")]
    if !installed_by_a_package() {
        // xdg-mime is a shell script that takes a while: off the start-up path.
        let h = handle.clone();
        std::thread::spawn(move || match h.deep_link().register_all() {
            Ok(()) => tracing::info!(scheme = ilert_app::links::SCHEME, "link handler registered"),
            Err(e) => tracing::warn!(error = %e, "cannot register the link handler (is xdg-utils installed?)"),
        });
    }
    let h = handle.clone();
    handle.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            if let Some(id) = ilert_app::links::alert_in(url.as_str()) {
                crate::dispatch::intent_from(&h, Intent::ShowAlert(id), "link");
            }
        }
    });
}

/// The .deb and .rpm install to /usr, with the scheme in their desktop entry.
#[cfg(target_os = "linux")]
fn installed_by_a_package() -> bool {
    std::env::var_os("APPIMAGE").is_none() && std::env::current_exe().is_ok_and(|exe| exe.starts_with("/usr/"))
}

#[cfg(test)]
mod tests {
    /// The scheme the installers register (tauri.conf.json, read by the
    /// bundler and the plugin) is the one the parser reads.
    #[test]
    fn the_registered_scheme_is_the_one_read() {
        let conf: serde_json::Value = serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json"))).unwrap();
        let schemes = &conf["plugins"]["deep-link"]["desktop"]["schemes"];
        assert_eq!(schemes, &serde_json::json!([ilert_app::links::SCHEME]));
        assert_eq!(ilert_app::links::alert_in(&format!("{}://alert/9", ilert_app::links::SCHEME)), Some(9));
    }
}
