//! Reports: the [`Summary`](crate::analysis::Summary) and the per-trial table in each output
//! format, one exporter per file (`terminal`, `json`, `csv`), plus what they share — the error
//! type and [`write_all_or_nothing`], which puts a set of output files in place together.
//!
//! Exporters build bytes in memory and never touch the file system themselves, so each can be
//! tested on its exact output and the caller decides where, and whether, to write.

pub mod csv;
pub mod json;
pub mod pay;
pub mod plan;
pub mod record;
pub mod terminal;

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// What went wrong producing or writing a report. Each variant names the file concerned; the
/// underlying cause, where there is one, is the error's `source()`.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output directory did not exist and could not be created.
    #[error("cannot create output directory `{}`", .path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file (or its temporary) could not be created, written or flushed to disk.
    #[error("cannot write `{}`", .path.display())]
    WriteFile {
        /// The file being written.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A completely written temporary could not be renamed over its target.
    #[error("cannot move `{}` into place as `{}`", .from.display(), .to.display())]
    Rename {
        /// The temporary.
        from: PathBuf,
        /// The target.
        to: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A target path is an existing directory, so a file cannot replace it.
    #[error("cannot write `{}`: a directory of that name exists", .path.display())]
    TargetIsDirectory {
        /// The target.
        path: PathBuf,
    },
    /// An output name was not a plain file name (it was empty, `.`/`..`, or had a separator).
    #[error("output name `{name}` must be a plain file name, not a path")]
    InvalidFileName {
        /// The name as given.
        name: String,
    },
    /// The same output name was given twice in one set.
    #[error("output name `{name}` appears twice in one output set")]
    DuplicateFileName {
        /// The repeated name.
        name: String,
    },
    /// Formatting a table as CSV failed.
    #[error("cannot format the {what} as CSV")]
    Csv {
        /// Which table, e.g. "summary".
        what: &'static str,
        /// Why.
        #[source]
        source: ::csv::Error,
    },
}

/// Writes every `(file name, bytes)` pair into `dir`, all or nothing.
///
/// Creates `dir` (and its parents) if needed. Each file is first written to a temporary in `dir`
/// (`.NAME.tmp-PID`) and fsynced; only when all are on disk is each renamed over its target.
///
/// # Guarantee
/// Each rename is atomic, so a reader never sees a half-written file. If anything fails before
/// the renames — a name that is not a plain file name or is repeated, a target that is a
/// directory, a write error — no target is touched: the old files, if any, remain, and the
/// temporaries made so far are removed. The set as a whole is not atomic: the renames happen one
/// after another, so a concurrent reader may briefly see some new files beside old ones, and if a
/// rename itself fails (unlikely, since each temporary sits beside its target, but possible if the
/// target changed meanwhile) the files already renamed stay new. That error is still returned and
/// the remaining temporaries are removed.
///
/// # Errors
/// [`ReportError::InvalidFileName`], [`ReportError::DuplicateFileName`],
/// [`ReportError::CreateDir`], [`ReportError::TargetIsDirectory`], [`ReportError::WriteFile`] or
/// [`ReportError::Rename`], naming the path concerned.
pub fn write_all_or_nothing(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), ReportError> {
    let mut seen = HashSet::new();
    for (name, _) in files {
        if !is_plain_file_name(name) {
            return Err(ReportError::InvalidFileName {
                name: (*name).to_owned(),
            });
        }
        if !seen.insert(*name) {
            return Err(ReportError::DuplicateFileName {
                name: (*name).to_owned(),
            });
        }
    }

    fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;

    // Checked up front because writing the temporary would succeed and only the rename would fail,
    // after other targets had already been replaced.
    for (name, _) in files {
        let target = dir.join(name);
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(ReportError::TargetIsDirectory { path: target });
        }
    }

    let pid = std::process::id();
    let mut temporaries: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let temp = dir.join(format!(".{name}.tmp-{pid}"));
        let written = write_synced(&temp, bytes);
        // Recorded before checking the result: a failed write may still have created the file.
        temporaries.push((temp.clone(), dir.join(name)));
        if let Err(source) = written {
            remove_all(&temporaries);
            return Err(ReportError::WriteFile { path: temp, source });
        }
    }

    for (i, (temp, target)) in temporaries.iter().enumerate() {
        if let Err(source) = fs::rename(temp, target) {
            remove_all(&temporaries[i..]);
            return Err(ReportError::Rename {
                from: temp.clone(),
                to: target.clone(),
                source,
            });
        }
    }
    sync_dir(dir);
    Ok(())
}

/// True for a single normal path component: no separators, not empty, not `.` or `..`.
fn is_plain_file_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(c)), None) if c == name
    )
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Best-effort cleanup on an error path: the original error is the one worth reporting.
fn remove_all(temporaries: &[(PathBuf, PathBuf)]) {
    for (temp, _) in temporaries {
        let _ = fs::remove_file(temp);
    }
}

/// Makes the renames durable. Best effort: the files are complete either way, and on some
/// platforms (Windows) a directory cannot be opened to sync it.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_every_file_and_creates_the_directory() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("out/run1");
        let files = [
            ("summary.json", b"{}".to_vec()),
            ("summary.csv", b"name\n".to_vec()),
        ];
        write_all_or_nothing(&dir, &files).expect("written");
        assert_eq!(entries(&dir), ["summary.csv", "summary.json"]);
        assert_eq!(fs::read(dir.join("summary.json")).expect("read"), b"{}");
        assert_eq!(fs::read(dir.join("summary.csv")).expect("read"), b"name\n");

        // A second run replaces the old files.
        write_all_or_nothing(&dir, &[("summary.json", b"[]".to_vec())]).expect("rewritten");
        assert_eq!(fs::read(dir.join("summary.json")).expect("read"), b"[]");
        assert_eq!(entries(&dir), ["summary.csv", "summary.json"]);
    }

    #[test]
    fn one_unwritable_file_leaves_no_targets_and_no_temporaries() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path();
        fs::create_dir(dir.join("trials.csv")).expect("blocking directory");
        let files = [
            ("summary.json", b"{}".to_vec()),
            ("trials.csv", b"trial\n".to_vec()),
            ("summary.csv", b"name\n".to_vec()),
        ];
        let err = write_all_or_nothing(dir, &files).expect_err("must fail");
        assert!(
            matches!(&err, ReportError::TargetIsDirectory { path } if path == &dir.join("trials.csv")),
            "{err:?}"
        );
        assert_eq!(entries(dir), ["trials.csv"]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_files_and_removes_temporaries() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path();
        fs::write(dir.join("summary.json"), b"old").expect("old file");
        let pid = std::process::id();
        // A directory where the second temporary must go makes that write fail after the first
        // temporary was written.
        fs::create_dir(dir.join(format!(".summary.csv.tmp-{pid}"))).expect("blocker");
        let files = [
            ("summary.json", b"new".to_vec()),
            ("summary.csv", b"new".to_vec()),
        ];
        let err = write_all_or_nothing(dir, &files).expect_err("must fail");
        assert!(matches!(err, ReportError::WriteFile { .. }), "{err:?}");
        assert_eq!(fs::read(dir.join("summary.json")).expect("read"), b"old");
        assert!(!dir.join("summary.csv").exists());
        assert!(!dir.join(format!(".summary.json.tmp-{pid}")).exists());
    }

    #[test]
    fn refuses_paths_and_repeated_names() {
        let root = tempfile::tempdir().expect("tempdir");
        for bad in ["", ".", "..", "a/b", "/abs"] {
            let err = write_all_or_nothing(root.path(), &[(bad, vec![])]).expect_err(bad);
            assert!(matches!(err, ReportError::InvalidFileName { .. }), "{bad}");
        }
        let err = write_all_or_nothing(root.path(), &[("a", vec![]), ("a", vec![1])])
            .expect_err("duplicate");
        assert_eq!(
            err.to_string(),
            "output name `a` appears twice in one output set"
        );
        assert!(entries(root.path()).is_empty());
    }

    #[test]
    fn error_messages_name_the_path() {
        let root = tempfile::tempdir().expect("tempdir");
        let file = root.path().join("not-a-dir");
        fs::write(&file, b"").expect("file");
        let err = write_all_or_nothing(&file.join("sub"), &[("a", vec![])]).expect_err("fails");
        assert_eq!(
            err.to_string(),
            format!(
                "cannot create output directory `{}`",
                file.join("sub").display()
            )
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
