//! Reports: every command's result in each output format, one exporter per format behind one
//! trait (after hyperfine's `src/export/`), plus what they share — the text-table helper and
//! [`write_all_or_nothing`], which puts a set of output files in place together (with
//! [`write_all_or_nothing_with`], files streamed into a [`PendingFile`] during a run too: a run's
//! `trials.csv`, written a segment of trials at a time by [`csv::TrialsCsv`]).
//!
//! # The results contract
//! Each command's result is a plain, serialisable library type, wrapped for exporting in
//! [`Report`]: a run's [`RunReport`] (summary, plan checks and `max_share` checks), its plan
//! checks alone, its per-trial [`TrialTable`], a [`Validation`], a pay [`Settlement`], a
//! [`Backtest`], an [`OutsideViewReport`], a [`Calibration`] and an evidence [`Listing`]. Their
//! JSON forms (serde) are the documented contracts; see each type.
//!
//! # Exporters
//! An [`Exporter`] turns a [`Report`] into bytes: [`terminal::Terminal`] (the tables a user
//! reads), [`json::Json`] and [`csv::Csv`]. An exporter that has no form for a kind of result
//! (CSV of a calibration, say) answers [`ReportError::Unsupported`]. A new format (SVG, HTML) is one
//! new file here implementing [`Exporter`].
//!
//! Exporters build bytes in memory and never touch the file system themselves, so each can be
//! tested on its exact output and the caller decides where, and whether, to write.

pub mod charts;
pub mod csv;
pub mod html;
pub mod json;
pub mod table;
pub mod terminal;

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};

// Defined with the library's errors, below the layers that produce it, so that `error` does not
// reach up into `report`.
pub use crate::error::ReportError;

use crate::analysis::backtest::Backtest;
use crate::analysis::contract::Validation;
use crate::analysis::monthly::MonthlySummary;
use crate::analysis::outside_view::OutsideViewReport;
use crate::analysis::plan::PlanCheck;
use crate::analysis::{RunReport, TrialTable};
use crate::engine::pay::Settlement;
use crate::evidence::results::{Calibration, Listing};

/// One command's result, borrowed, for an [`Exporter`].
#[derive(Debug, Clone, Copy)]
pub enum Report<'a> {
    /// A run: summary, plan checks and `max_share` checks (`summary.json`, `summary.csv`).
    Run(&'a RunReport),
    /// A run's plan checks alone (`plan.csv`).
    Plan(&'a [PlanCheck]),
    /// A table's per-trial results as it holds them (a run streams its `trials.csv` from the
    /// exact rows instead, with [`csv::TrialsCsv`]).
    Trials(&'a TrialTable),
    /// A run's monthly series, summarised month by month (`monthly.csv`).
    Monthly(&'a MonthlySummary),
    /// A scenario that passed `validate`.
    Validation(&'a Validation),
    /// The payments that given event counts earn (`pay`).
    Settlement(&'a Settlement),
    /// Recorded outturns against the simulation (`backtest`).
    Backtest(&'a Backtest),
    /// Plan figures under the outside and inside views (`outside-view`).
    OutsideView(&'a OutsideViewReport),
    /// Rates and quantities calibrated from the evidence (`calibrate`).
    Calibration(&'a Calibration),
    /// The evidence library's figures (`evidence`).
    Evidence(&'a Listing),
}

impl Report<'_> {
    /// The kind of result, for messages: "run summary", "per-trial table", ….
    pub fn kind(&self) -> &'static str {
        match self {
            Report::Run(_) => "run summary",
            Report::Plan(_) => "plan checks",
            Report::Trials(_) => "per-trial table",
            Report::Monthly(_) => "monthly series",
            Report::Validation(_) => "validation",
            Report::Settlement(_) => "payments",
            Report::Backtest(_) => "back-test",
            Report::OutsideView(_) => "outside view",
            Report::Calibration(_) => "calibration",
            Report::Evidence(_) => "evidence listing",
        }
    }
}

/// One output format.
pub trait Exporter {
    /// The format's name, for messages: "terminal", "JSON", "CSV".
    fn format(&self) -> &'static str;

    /// The result in this format.
    ///
    /// # Errors
    /// [`ReportError::Unsupported`] when the format has no form for this kind of result (see
    /// [`unsupported`](Exporter::unsupported)); otherwise whatever formatting can fail with.
    fn export(&self, report: Report<'_>) -> Result<Vec<u8>, ReportError>;

    /// The error an exporter answers for a kind of result it has no form for.
    fn unsupported(&self, report: Report<'_>) -> ReportError {
        ReportError::Unsupported {
            format: self.format(),
            kind: report.kind(),
        }
    }
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
    write_all_or_nothing_with(dir, files, Vec::new())
}

/// [`write_all_or_nothing`] of `files` together with `streamed`, files already written into
/// `dir` under their temporary names (a run's `trials.csv`): they are synced and renamed with the
/// others, under the same guarantee. If anything fails, their temporaries are removed too.
///
/// # Errors
/// As [`write_all_or_nothing`]; a streamed file that cannot be flushed or synced is a
/// [`ReportError::WriteFile`] naming its temporary.
pub fn write_all_or_nothing_with(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    mut streamed: Vec<PendingFile>,
) -> Result<(), ReportError> {
    let mut seen = HashSet::new();
    let names = files
        .iter()
        .map(|(n, _)| *n)
        .chain(streamed.iter().map(|p| p.name.as_str()));
    for name in names {
        if !is_plain_file_name(name) {
            return Err(ReportError::InvalidFileName {
                name: name.to_owned(),
            });
        }
        if !seen.insert(name) {
            return Err(ReportError::DuplicateFileName {
                name: name.to_owned(),
            });
        }
    }
    if let Some(p) = streamed.iter().find(|p| p.dir != dir) {
        return Err(ReportError::WriteFile {
            path: p.temp.clone(),
            source: io::Error::other(format!(
                "streamed into {}, not into the output folder {}",
                p.dir.display(),
                dir.display()
            )),
        });
    }

    fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;

    // Checked up front because writing the temporary would succeed and only the rename would fail,
    // after other targets had already been replaced.
    for name in &seen {
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
    for p in &mut streamed {
        if let Err(source) = p.file.flush().and_then(|()| p.file.get_ref().sync_all()) {
            remove_all(&temporaries);
            return Err(ReportError::WriteFile {
                path: p.temp.clone(),
                source,
            });
        }
    }
    // From here the streamed files' temporaries are in `temporaries` too, removed on failure.
    for p in &mut streamed {
        temporaries.push((p.temp.clone(), dir.join(&p.name)));
        p.kept = true;
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

/// A file being written into an output folder under its temporary name (`.NAME.tmp-PID`, as
/// [`write_all_or_nothing`] names them), to be put in place with the other files of the set by
/// [`write_all_or_nothing_with`]. A run streams `trials.csv` into one as the trials come.
///
/// Dropped without being put in place — the run failed — it removes its temporary, and the
/// folders it had to create for it if they are left empty: nothing is left behind, and the old
/// file of that name, if any, is untouched.
#[derive(Debug)]
pub struct PendingFile {
    name: String,
    dir: PathBuf,
    temp: PathBuf,
    file: BufWriter<File>,
    /// Folders created for it, outermost first.
    created: Vec<PathBuf>,
    kept: bool,
}

impl PendingFile {
    /// Creates the temporary of file `name` in `dir`, and `dir` (with its parents) if needed.
    ///
    /// # Errors
    /// [`ReportError::InvalidFileName`] for a name that is not a plain file name,
    /// [`ReportError::TargetIsDirectory`] if a directory has the name,
    /// [`ReportError::CreateDir`] or [`ReportError::WriteFile`].
    pub fn create(dir: &Path, name: &str) -> Result<PendingFile, ReportError> {
        if !is_plain_file_name(name) {
            return Err(ReportError::InvalidFileName {
                name: name.to_owned(),
            });
        }
        let target = dir.join(name);
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(ReportError::TargetIsDirectory { path: target });
        }
        let missing: Vec<PathBuf> = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        let mut created = Vec::new();
        for d in missing.into_iter().rev() {
            match fs::create_dir(&d) {
                Ok(()) => created.push(d),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(source) => {
                    remove_dirs(&created);
                    return Err(ReportError::CreateDir { path: d, source });
                }
            }
        }
        let temp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = match OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
        {
            Ok(f) => f,
            Err(source) => {
                remove_dirs(&created);
                return Err(ReportError::WriteFile { path: temp, source });
            }
        };
        Ok(PendingFile {
            name: name.to_owned(),
            dir: dir.to_path_buf(),
            temp,
            file: BufWriter::with_capacity(1 << 20, file),
            created,
            kept: false,
        })
    }

    /// The file's name in the folder, e.g. `trials.csv`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it is being written: its temporary.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }
}

impl Write for PendingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.temp);
            remove_dirs(&self.created);
        }
    }
}

/// Best effort, innermost first: a folder that is not empty stays.
fn remove_dirs(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = fs::remove_dir(d);
    }
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

    #[test]
    fn a_streamed_file_is_put_in_place_with_the_others() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("new/run");
        let mut trials = PendingFile::create(&dir, "trials.csv").expect("created");
        trials.write_all(b"trial\n0\n").expect("written");
        // Only its temporary is there while it is written.
        assert_eq!(
            entries(&dir),
            [format!(".trials.csv.tmp-{}", std::process::id())]
        );
        write_all_or_nothing_with(&dir, &[("summary.json", b"{}".to_vec())], vec![trials])
            .expect("put in place");
        assert_eq!(entries(&dir), ["summary.json", "trials.csv"]);
        assert_eq!(
            fs::read(dir.join("trials.csv")).expect("read"),
            b"trial\n0\n"
        );
    }

    #[test]
    fn a_streamed_file_never_put_in_place_leaves_nothing() {
        let root = tempfile::tempdir().expect("tempdir");
        // A run that fails while streaming into new folders: the temporary and the folders go.
        let dir = root.path().join("a/b/c");
        let mut trials = PendingFile::create(&dir, "trials.csv").expect("created");
        trials.write_all(&[b'x'; 100_000]).expect("written");
        drop(trials);
        assert!(entries(root.path()).is_empty());

        // Into an existing folder: the old file stays as it was, whole.
        let dir = root.path();
        fs::write(dir.join("trials.csv"), b"old").expect("old file");
        let mut trials = PendingFile::create(dir, "trials.csv").expect("created");
        trials.write_all(b"new, half written").expect("written");
        drop(trials);
        assert_eq!(entries(dir), ["trials.csv"]);
        assert_eq!(fs::read(dir.join("trials.csv")).expect("read"), b"old");
    }

    #[test]
    fn a_failure_before_the_renames_removes_the_streamed_temporary() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path();
        fs::write(dir.join("trials.csv"), b"old").expect("old file");
        fs::create_dir(dir.join("summary.json")).expect("blocking directory");
        let mut trials = PendingFile::create(dir, "trials.csv").expect("created");
        trials.write_all(b"new").expect("written");
        let err = write_all_or_nothing_with(dir, &[("summary.json", b"{}".to_vec())], vec![trials])
            .expect_err("must fail");
        assert!(
            matches!(err, ReportError::TargetIsDirectory { .. }),
            "{err:?}"
        );
        assert_eq!(entries(dir), ["summary.json", "trials.csv"]);
        assert_eq!(fs::read(dir.join("trials.csv")).expect("read"), b"old");
        // And a name streamed twice is refused like any repeated name.
        let one = PendingFile::create(dir, "a.csv").expect("created");
        let err =
            write_all_or_nothing_with(dir, &[("a.csv", vec![])], vec![one]).expect_err("twice");
        assert!(
            matches!(err, ReportError::DuplicateFileName { .. }),
            "{err:?}"
        );
        assert_eq!(entries(dir), ["summary.json", "trials.csv"]);
    }
}
