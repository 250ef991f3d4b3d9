//! The refresh lock that every process of the app shares for one account.
//!
//! The window and `ilert-desktop token` in a script read and write the same
//! keyring entry. Without a lock, two processes that meet an expired access
//! token both refresh; when ilert rotates refresh tokens the slower one gets
//! `invalid_grant` for a token the faster one already replaced. So
//! read-refresh-store runs under an advisory file lock (`flock` on Unix,
//! `LockFileEx` on Windows, through `std::fs::File::try_lock`), one file per
//! keyring service and account in the user's runtime directory. The OS drops
//! the lock when a process dies, so a crash never leaves it held.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// Longer than one token request may take (30 s), so a process waiting for
/// another one's refresh does not give up while it is still under way.
pub const LOCK_WAIT: Duration = Duration::from_secs(45);

/// Held while it lives; dropping the file releases the lock.
#[derive(Debug)]
pub struct AccountLock {
    _file: File,
}

/// The directory of the lock files: `$XDG_RUNTIME_DIR/<app id>/locks`
/// (private to the user, emptied at logout), else the local data directory.
/// The app id is the service's first segment, so every profile of one app
/// shares the directory and files stay apart by name.
fn lock_dir(service: &str) -> Result<PathBuf, Error> {
    let base = dirs::runtime_dir()
        .or_else(dirs::data_local_dir)
        .ok_or_else(|| Error::Config("no runtime or data directory for this user".into()))?;
    let app = service.split('/').next().filter(|a| !a.is_empty() && !a.starts_with('.')).unwrap_or("ilert-oauth");
    Ok(base.join(app).join("locks"))
}

/// A file name for `service` and `account_key` (only safe characters; two
/// names that map to one file merely share a lock).
fn file_name(service: &str, account_key: &str) -> String {
    let safe = |s: &str| s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect::<String>();
    format!("{}--{}.lock", safe(service), safe(account_key))
}

impl AccountLock {
    /// Waits (without blocking a tokio worker) until the lock is ours, at most `wait`.
    pub async fn acquire(service: &str, account_key: &str, wait: Duration) -> Result<AccountLock, Error> {
        let dir = lock_dir(service)?;
        let io = |e: std::io::Error| Error::Config(format!("cannot use the session lock in {}: {e}", dir.display()));
        create_private_dir(&dir).map_err(io)?;
        let path = dir.join(file_name(service, account_key));
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(AccountLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Unavailable(format!(
                        "another ilert Desktop process held the session lock for over {} s",
                        wait.as_secs()
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }
}

/// Creates `dir` (and its parents) readable by this user only.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_at_a_time() {
        let key = format!("test/{} @ http://x", std::process::id());
        let held = AccountLock::acquire("lock-test", &key, LOCK_WAIT).await.unwrap();
        let err = AccountLock::acquire("lock-test", &key, Duration::from_millis(100)).await.unwrap_err();
        assert!(err.is_transient(), "waiting too long is transient: {err}");
        drop(held);
        AccountLock::acquire("lock-test", &key, Duration::from_millis(100)).await.expect("free after drop");
        assert!(!file_name("a/b", "x @ https://api").contains('/'));
    }
}
