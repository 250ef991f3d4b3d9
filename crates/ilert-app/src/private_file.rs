//! Files only this user may read, written whole or not at all: the
//! settings, the notifier's seen-sets, the calendar's memory. A leaf: it
//! imports nothing of the crate, so every layer may use it.

use std::path::Path;

/// Writes `bytes` to `path` atomically (temporary file + rename), so a crash
/// never leaves half a file behind. The directory is made private (0700) and
/// the file is 0600. The temporary file is created exclusively
/// (`O_CREAT|O_EXCL`, which never follows a symlink): a link planted at its
/// path by another local user is removed (the link, not its target) and the
/// creation retried, so nothing is ever written through it.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        ilert_oauth::account_lock::create_private_dir(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut file = match create_exclusive(&tmp) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Left by a crash, or planted: remove_file removes a link, not its target.
            std::fs::remove_file(&tmp)?;
            create_exclusive(&tmp)?
        }
        other => other?,
    };
    file.write_all(bytes).and_then(|()| file.sync_all())?;
    drop(file);
    std::fs::rename(&tmp, path)
}

fn create_exclusive(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
