//! `tracing` to stderr and, for the app, to a file in the app's log directory.
//! Log lines carry no secrets: the core never formats a token (see `ilert_oauth::secret`).
//!
//! The file is capped: past [`MAX_FILE_BYTES`] it is rotated to `.1` (and
//! `.1` to `.2`), so a flood of log lines can never fill the disk. It is
//! private as the settings are (0600 in a 0700 directory): it names the
//! user, the tenant and alert summaries, which other local users have no
//! business reading. It holds
//! plain text: its layer formats span fields with a formatter of its own,
//! because tracing-subscriber caches a span's formatted fields per formatter
//! type, and with the shared default the file got stderr's colour codes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::{FormatFields, MakeWriter};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// The log file's size cap; with two rotated files, at most three times this on disk.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
const KEEP: usize = 2;
pub const FILE_NAME: &str = "ilert-desktop.log";

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
    let (file, guard) = match log_dir.and_then(|d| CappedFile::open(d.join(FILE_NAME), MAX_FILE_BYTES).ok()) {
        Some(capped) => {
            let (writer, guard) = tracing_appender::non_blocking(capped);
            (Some(file_layer(writer).with_filter(filter("info"))), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
    guard
}

/// The file's layer: no colours, and span fields formatted apart from stderr's.
fn file_layer<S, W>(writer: W) -> fmt::Layer<S, PlainFields, fmt::format::Format, W>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fmt::layer().with_ansi(false).fmt_fields(PlainFields::default()).with_writer(writer)
}

/// The default field format under a type of its own (see the module doc).
#[derive(Default)]
pub struct PlainFields(DefaultFields);

impl<'w> FormatFields<'w> for PlainFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> std::fmt::Result {
        self.0.format_fields(writer, fields)
    }
}

/// A log file that rotates itself when it reaches its cap.
pub struct CappedFile {
    path: PathBuf,
    file: File,
    len: u64,
    cap: u64,
}

impl CappedFile {
    pub fn open(path: PathBuf, cap: u64) -> std::io::Result<CappedFile> {
        if let Some(dir) = path.parent() {
            ilert_oauth::account_lock::create_private_dir(dir)?;
        }
        let file = open_private(&path)?;
        let len = file.metadata()?.len();
        Ok(CappedFile { path, file, len, cap })
    }

    fn rotated(&self, n: usize) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        for n in (1..KEEP).rev() {
            let _ = std::fs::rename(self.rotated(n), self.rotated(n + 1));
        }
        std::fs::rename(&self.path, self.rotated(1))?;
        self.file = open_private(&self.path)?;
        self.len = 0;
        Ok(())
    }
}

/// Opens a log file for appending, 0600; one an older version left readable
/// to others is made private too.
fn open_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

impl Write for CappedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.len > 0 && self.len + buf.len() as u64 > self.cap {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    #[test]
    fn the_file_gets_plain_text_while_the_terminal_gets_colour() {
        let (terminal, file) = (Buffer::default(), Buffer::default());
        let subscriber =
            tracing_subscriber::registry().with(fmt::layer().with_ansi(true).with_writer(terminal.clone())).with(file_layer(file.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("loopback.wait", addrs = ?["127.0.0.1:4598"]);
            let _e = span.enter();
            tracing::info!(count = 3, "callback received");
        });
        let terminal = String::from_utf8(terminal.0.lock().unwrap().clone()).unwrap();
        let file = String::from_utf8(file.0.lock().unwrap().clone()).unwrap();
        assert!(terminal.contains('\x1b'), "the terminal layer colours: {terminal:?}");
        assert!(file.contains("loopback.wait{addrs=[\"127.0.0.1:4598\"]}"), "{file:?}");
        assert!(!file.contains('\x1b'), "no escape codes in the file: {file:?}");
    }

    #[test]
    fn the_file_rotates_at_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut f = CappedFile::open(path.clone(), 1000).unwrap();
        let line = [b'x'; 99].iter().copied().chain([b'\n']).collect::<Vec<u8>>();
        for _ in 0..95 {
            f.write_all(&line).unwrap();
        }
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        assert!(size(&path) <= 1000);
        assert_eq!(size(&dir.path().join(format!("{FILE_NAME}.1"))), 1000);
        assert_eq!(size(&dir.path().join(format!("{FILE_NAME}.2"))), 1000);
        assert!(!dir.path().join(format!("{FILE_NAME}.3")).exists(), "only two old files are kept");
        // Reopened (the next start), it continues from the size on disk.
        let f = CappedFile::open(path, 1000).unwrap();
        assert_eq!(f.len, 500);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_and_its_rotations_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("logs");
        let path = dir.join(FILE_NAME);
        // A file an older version left world-readable is made private.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, b"old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut f = CappedFile::open(path.clone(), 100).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path), 0o600);
        f.write_all(&[b'x'; 150]).unwrap();
        f.write_all(&[b'y'; 10]).unwrap();
        assert_eq!(mode(&dir.join(format!("{FILE_NAME}.1"))), 0o600, "rotated");
        assert_eq!(mode(&path), 0o600, "the new file after a rotation");
    }
}
