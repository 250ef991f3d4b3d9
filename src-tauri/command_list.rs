// The one list of the app's commands. `build.rs` declares them to Tauri's
// ACL (so each needs a grant in `capabilities/`), `lib.rs` registers them,
// and `tests/webview_boundary.rs` checks that the capability grants each one. Included by
// both with `include!`, since build scripts cannot share a module.
macro_rules! with_app_commands {
    ($then:ident) => {
        $then![app_info, get_settings, set_settings, sign_in, cancel_sign_in, session_info, window_frame, refresh, sign_out, demo_incident, act_on_alert, helpers, bring_help, take_pager, hand_over, keep_alerts, maintain_source, alert_detail, open_alert_in_ilert, alert_in_link, silence_alarm, install_update, dismiss_update, restart_app, asked, will_it_ring, shifts_ahead, save_shifts_calendar]
    };
}
