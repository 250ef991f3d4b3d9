//! The loopback receiver's callback parsing on arbitrary bytes (as a query
//! string, lossily decoded as a browser's URL would be). Run with
//! `cargo +nightly fuzz run callback_params` from the repository root.
//! HTTP framing is hyper's; the end-to-end property test in
//! `crates/ilert-oauth/tests/hostile_loopback.rs` covers the socket side in CI.

#![no_main]

use ilert_oauth::loopback::CallbackParams;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let query = String::from_utf8_lossy(data);
    if let Some(p) = CallbackParams::parse(&query) {
        // Whatever was parsed came from the input.
        for v in [&p.code, &p.state, &p.error, &p.description].into_iter().flatten() {
            assert!(v.len() <= data.len() * 3 + 3);
        }
    }
});
