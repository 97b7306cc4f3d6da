//! The connection's log file (`-LogDirectoryPath`, `-LogLevel`): sign-ins, renewals, request
//! ids, timings, retries. Nothing is written unless a directory is given (requirement 6), the
//! file is owner-only, and no line ever holds a secret: callers log URLs without query
//! strings, statuses, ids and our own words only.

use crate::connection::chrono_like_iso;
use crate::error::{Error, Result};
use parking_lot::Mutex;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Sign-ins, renewals, retries, failures and one line per page.
    Default,
    /// Also every HTTP exchange with its status and timing.
    All,
}

impl LogLevel {
    /// Microsoft's module knows `Default` and `All`.
    pub fn parse(value: Option<&str>) -> Result<LogLevel> {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("default") => Ok(LogLevel::Default),
            Some("all") => Ok(LogLevel::All),
            Some(_) => Err(Error::invalid_argument(format!(
                "Unknown LogLevel '{}'. Use Default or All.",
                value.unwrap_or_default()
            ))),
        }
    }
}

#[derive(Debug)]
pub struct ActivityLog {
    file: Option<Mutex<std::fs::File>>,
    path: Option<PathBuf>,
    level: LogLevel,
}

impl ActivityLog {
    pub fn disabled() -> ActivityLog {
        ActivityLog { file: None, path: None, level: LogLevel::Default }
    }

    /// Creates `ExoNative_<UTC time>_<random>.log` in `directory` (made if missing).
    pub fn open(directory: Option<&str>, level: Option<&str>) -> Result<ActivityLog> {
        let level = LogLevel::parse(level)?;
        let Some(directory) = directory.filter(|d| !d.is_empty()) else {
            return Ok(ActivityLog { level, ..Self::disabled() });
        };
        let dir = Path::new(directory);
        let fail = |e: std::io::Error| Error::invalid_argument(format!("Cannot write a log file in LogDirectoryPath '{directory}': {e}"));
        std::fs::create_dir_all(dir).map_err(fail)?;
        let stamp: String = chrono_like_iso(SystemTime::now()).chars().filter(|c| c.is_ascii_digit()).collect();
        let path = dir.join(format!("ExoNative_{stamp}_{:08x}.log", rand::random::<u32>()));
        let mut options = std::fs::OpenOptions::new();
        options.create_new(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(fail)?;
        Ok(ActivityLog { file: Some(Mutex::new(file)), path: Some(path), level })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn enabled(&self, level: LogLevel) -> bool {
        self.file.is_some() && level <= self.level
    }

    /// Appends one timestamped line. A failing write never fails the operation it describes.
    pub fn write(&self, level: LogLevel, line: &str) {
        if !self.enabled(level) {
            return;
        }
        if let Some(file) = &self.file {
            let _ = writeln!(file.lock(), "{} {}", chrono_like_iso(SystemTime::now()), line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_written_without_a_directory() {
        let log = ActivityLog::open(None, Some("All")).unwrap();
        assert!(!log.enabled(LogLevel::Default));
        assert!(log.path().is_none());
    }

    #[test]
    fn lines_go_to_an_owner_only_file_by_level() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("logs");
        let log = ActivityLog::open(nested.to_str(), Some("Default")).unwrap();
        log.write(LogLevel::Default, "signed in");
        log.write(LogLevel::All, "POST ... 200");
        let text = std::fs::read_to_string(log.path().unwrap()).unwrap();
        assert!(text.contains("signed in"));
        assert!(!text.contains("POST"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path().unwrap()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn unknown_levels_are_refused() {
        assert!(ActivityLog::open(None, Some("Verbose")).unwrap_err().message.contains("Use Default or All"));
    }
}
