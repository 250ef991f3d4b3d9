//! The webview's limits, read from the files that set them, so that any
//! loosening fails CI: a strict CSP (no remote sources, no inline or eval'd
//! script), capabilities that grant exactly the app's own commands plus
//! event listening (no shell, opener, filesystem, HTTP or remote access), and
//! a UI that loads nothing from outside `ui/`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(path)).unwrap()).unwrap()
}

#[test]
fn the_csp_is_strict() {
    let conf = json("tauri.conf.json");
    let security = &conf["app"]["security"];
    let csp = security["csp"].as_object().expect("the CSP is set, as an object");
    let directive = |name: &str| csp.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("CSP lacks {name}"));
    assert_eq!(directive("default-src"), "'self'");
    assert_eq!(directive("script-src"), "'self'", "scripts only from the app");
    assert_eq!(directive("object-src"), "'none'");
    assert_eq!(directive("base-uri"), "'none'");
    assert_eq!(directive("frame-ancestors"), "'none'");
    for (name, value) in csp {
        for token in value.as_str().unwrap().split_whitespace() {
            assert!(!["'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "blob:"].contains(&token), "{name} allows {token}");
            assert!(token != "data:" || name == "img-src", "{name} allows data:");
            // Remote hosts: none, but the IPC's own origin.
            assert!(!token.starts_with("http") || (name == "connect-src" && token == "http://ipc.localhost"), "{name} allows {token}");
        }
    }
    assert_eq!(directive("connect-src"), "ipc: http://ipc.localhost", "the webview talks only to the IPC");
    assert!(security.get("dangerousDisableAssetCspModification").is_none());
    assert_eq!(security["freezePrototype"], true);
    assert!(conf["app"].get("withGlobalTauri").is_some());
    // No remote URL is ever the app's page.
    for w in conf["app"]["windows"].as_array().unwrap() {
        assert!(w.get("url").is_none_or(|u| !u.as_str().unwrap().contains("://")), "a window loads a remote URL");
    }
}

#[test]
fn capabilities_grant_only_the_apps_commands() {
    // The one list, as build.rs and the handler read it.
    let list_rs = std::fs::read_to_string(root().join("src-tauri/command_list.rs")).unwrap();
    let list = list_rs.split("$then![").nth(1).unwrap().split(']').next().unwrap();
    let commands: BTreeSet<String> = list.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
    assert!(commands.contains("sign_in") && commands.contains("window_frame"));

    let dir = root().join("src-tauri/capabilities");
    let mut granted = BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let cap: Value = serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap();
        assert!(cap.get("remote").is_none(), "a capability opened to remote URLs");
        assert_eq!(cap["windows"], serde_json::json!(["main"]));
        for p in cap["permissions"].as_array().unwrap() {
            let p = p.as_str().expect("plain permission names, no scoped objects");
            granted.insert(p.to_string());
        }
    }
    let own: BTreeSet<String> = commands.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
    let events: BTreeSet<String> = ["core:event:allow-listen", "core:event:allow-unlisten"].map(String::from).into();
    let expected: BTreeSet<String> = own.union(&events).cloned().collect();
    assert_eq!(granted, expected, "capabilities must grant exactly the app's commands and event listening");
    for p in &granted {
        for banned in ["shell:", "fs:", "opener:", "http:", "process:", "dialog:", "core:webview", "core:window"] {
            assert!(!p.starts_with(banned), "{p} is granted to the webview");
        }
    }
}

#[test]
fn the_ui_loads_nothing_from_outside() {
    for e in std::fs::read_dir(root().join("ui")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//") && !l.trim_start().starts_with('*')) {
            for bad in ["src=\"http", "href=\"http", "url(http", "import(\"http", "from \"http", "innerHTML", "eval(", "new Function"] {
                assert!(!line.contains(bad), "{}: {bad} in {line:?}", path.display());
            }
        }
        if path.extension().is_some_and(|x| x == "html") {
            assert!(!text.contains("<script>") && !text.contains("onclick="), "{}: inline script", path.display());
        }
    }
}

/// The refresh schedule lives in Rust (the engine): the UI keeps no timer
/// of its own and asks for no token information per refresh.
#[test]
fn the_ui_keeps_no_timer_and_asks_no_token_info() {
    for entry in std::fs::read_dir(root().join("ui")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "js") {
            let text = std::fs::read_to_string(&path).unwrap();
            for banned in ["setInterval", "setTimeout", "token_info", "sessionInfo()"] {
                let used = text.lines().filter(|l| !l.trim_start().starts_with("//")).any(|l| l.contains(banned));
                // `sessionInfo()` once, at start, restores the sign-in; never per refresh.
                let allowed = banned == "sessionInfo()" && path.ends_with("app.js") && text.matches(banned).count() == 1;
                assert!(!used || allowed, "{} uses {banned}", path.display());
            }
        }
    }
}

/// The settings form has one input per setting, named as the Rust field
/// (the generated `Settings` type): a setting added in Rust without its
/// field in the form, or a field left for a setting that is gone, fails.
#[test]
fn the_settings_form_has_every_setting() {
    let html = std::fs::read_to_string(root().join("ui/index.html")).unwrap();
    let form = html.split("id=\"settings-form\"").nth(1).unwrap().split("</form>").next().unwrap();
    let named = |tag: &'static str| form.split(tag).skip(1).map(|s| s.split('"').next().unwrap());
    let inputs: BTreeSet<&str> = named("<input name=\"").chain(named("<select name=\"")).collect();
    let ts = std::fs::read_to_string(root().join("ui/bindings/Settings.ts")).unwrap();
    let body = ts.split("export type Settings = {").nth(1).unwrap();
    let fields: BTreeSet<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('*') && !l.starts_with("/**") && !l.starts_with("*/"))
        .flat_map(|l| l.split(',').filter_map(|f| f.split_once(':').map(|(name, _)| name.trim())))
        .filter(|n| !n.is_empty())
        .collect();
    assert!(fields.contains("clientId") && fields.len() >= 6, "{fields:?}");
    assert_eq!(inputs, fields);
}
