//! `tracing` to stderr and, for the app, to a file in the app's log directory.
//! Log lines carry no secrets: the core never formats a token (see `ilert_oauth::secret`).

use std::path::Path;

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

fn filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_env("ILERT_LOG").unwrap_or_else(|_| EnvFilter::new(default))
}

/// Command line: warnings to stderr (`ILERT_LOG=debug` for more).
pub fn init_cli() {
    let _ = tracing_subscriber::registry().with(fmt::layer().with_writer(std::io::stderr).with_filter(filter("warn"))).try_init();
}

/// App: info to stderr and to `<log_dir>/ilert-desktop.log`. The returned
/// guard flushes the file when dropped.
pub fn init_app(log_dir: Option<&Path>) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let stderr = fmt::layer().with_writer(std::io::stderr).with_filter(filter("info,ilert=debug"));
    let (file, guard) = match log_dir.and_then(|d| std::fs::create_dir_all(d).ok().map(|_| d)) {
        Some(dir) => {
            let (writer, guard) = tracing_appender::non_blocking(tracing_appender::rolling::never(dir, "ilert-desktop.log"));
            (Some(fmt::layer().with_ansi(false).with_writer(writer).with_filter(filter("info"))), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
    guard
}
