//! Output sets: the files one command writes into one or more folders, put in place together or
//! not at all (docs/outputs.md).
//!
//! An [`OutputSet`] stages its files in a hidden folder inside its output folder,
//! `.sibsim-tmp-PID-N` (same file system as the targets, so every later move is a rename). Nothing
//! in the output folder itself changes until [`commit`]: it writes a journal
//! (`.sibsim-commit-PID-N`, the names it will put in place and remove), moves each old target
//! aside into `.sibsim-old-PID-N`, renames each new file into place, and only then removes the
//! journal — the commit point — and the old files. An interrupt ([`crate::interrupt`]) or an error
//! before the commit point rolls every set back: the old files return, the new ones go, the
//! temporaries go. A process killed outright (SIGKILL, power loss) leaves its journal: the next
//! set written into that folder finds it, sees the process is gone, and rolls the folder back the
//! same way; stale temporaries of dead processes (and the `.NAME.tmp-PID` files of earlier
//! versions) are removed then too. Only entries of exactly these names are ever touched: files
//! the user keeps in the folder are never moved, read or removed.
//!
//! # Whose results a folder holds
//! A set may be *claimed* for a scenario file ([`OutputSet::claim`], with an [`Owner`]): its
//! commit then also writes the marker [`MARKER`] (`.sibsim-results.json`), which names the
//! scenario file (absolute path and SHA-256) and, per command, the files of that command's last
//! set. Claiming a folder whose marker names another scenario file is refused
//! ([`ReportError::OtherScenario`]) unless forced; the same file (edited or not) may replace its
//! own results. At commit the files of the command's previous set that this set does not write
//! again are removed with it (an earlier `--per-trial` run's `trials.csv`, an earlier `--charts`
//! run's charts), and so is the rest of any other command's set that this one partly overwrites
//! (`report` and `run` both write `summary.json`): a folder never holds files of two runs of one
//! set. Forced over another scenario's results, the commit removes every file the old marker
//! lists. Files the marker does not list are never touched.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::ReportError;

const STAGING: &str = ".sibsim-tmp-";
const ASIDE: &str = ".sibsim-old-";
const JOURNAL: &str = ".sibsim-commit-";
/// Where a process cannot be looked up (no `/proc`), a temporary this old is taken as stale.
const STALE_AGE: Duration = Duration::from_secs(24 * 3600);

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The marker of a claimed output folder: whose results it holds, and which files each command's
/// last set wrote (module docs).
pub const MARKER: &str = ".sibsim-results.json";

/// Whose results a claimed set writes: the scenario (or comparison) file the command ran, and
/// the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The scenario file as an absolute, canonical path (the folder's identity: the same path is
    /// the same scenario, whatever its contents now).
    pub scenario: PathBuf,
    /// The SHA-256 of its bytes, for the record.
    pub sha256: String,
    /// The command, e.g. `run`: each command's last set is tracked apart.
    pub command: String,
}

impl Owner {
    /// The owner of a `command`'s results for the scenario file at `path`, read now for its hash.
    ///
    /// # Errors
    /// [`ReportError::ReadScenarioFile`] when the file cannot be read.
    pub fn new(path: &Path, command: &str) -> Result<Owner, ReportError> {
        let bytes = fs::read(path).map_err(|source| ReportError::ReadScenarioFile {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Owner {
            scenario: fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            sha256: crate::analysis::run::sha256_hex(&bytes),
            command: command.to_owned(),
        })
    }
}

/// A folder's marker as read: the scenario and each command's files.
#[derive(Debug, Clone, Default)]
struct Marker {
    scenario: String,
    sha256: String,
    sets: Vec<(String, Vec<String>)>,
}

impl Marker {
    /// The marker in `dir`: `Ok(None)` without one, `Err(why)` when it cannot be read as one.
    fn read(dir: &Path) -> Result<Option<Marker>, String> {
        let path = dir.join(MARKER);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let scenario = v["scenario_path"]
            .as_str()
            .ok_or("no \"scenario_path\"")?
            .to_owned();
        let sha256 = v["scenario_sha256"].as_str().unwrap_or_default().to_owned();
        let mut sets = Vec::new();
        if let Some(map) = v["sets"].as_object() {
            for (command, files) in map {
                let files = files
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|f| f.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                sets.push((command.clone(), files));
            }
        }
        Ok(Some(Marker {
            scenario,
            sha256,
            sets,
        }))
    }

    fn to_json(&self) -> String {
        let sets: serde_json::Map<String, serde_json::Value> = self
            .sets
            .iter()
            .map(|(c, f)| (c.clone(), serde_json::json!(f)))
            .collect();
        let mut text = serde_json::to_string_pretty(&serde_json::json!({
            "schema": "sibsim.results/1",
            "scenario_path": self.scenario,
            "scenario_sha256": self.sha256,
            "sets": sets,
        }))
        .unwrap_or_default();
        text.push('\n');
        text
    }
}

/// What a claim on `dir` for `owner` finds: the folder's marker when it is `owner`'s scenario's,
/// or the files another scenario's marker lists (when `force`).
fn read_claim(
    dir: &Path,
    owner: &Owner,
    force: bool,
) -> Result<(Option<Marker>, Vec<String>), ReportError> {
    match Marker::read(dir) {
        Ok(None) => Ok((None, Vec::new())),
        Ok(Some(m)) if Path::new(&m.scenario) == owner.scenario => Ok((Some(m), Vec::new())),
        Ok(Some(m)) if force => Ok((None, m.sets.into_iter().flat_map(|(_, f)| f).collect())),
        Ok(Some(m)) => Err(ReportError::OtherScenario {
            dir: dir.to_path_buf(),
            theirs: m.scenario,
            ours: owner.scenario.clone(),
        }),
        Err(_) if force => Ok((None, Vec::new())),
        Err(why) => Err(ReportError::OtherScenario {
            dir: dir.to_path_buf(),
            theirs: format!("unknown (its {MARKER} cannot be read: {why})"),
            ours: owner.scenario.clone(),
        }),
    }
}

/// Whether `owner` may claim `dir` ([`OutputSet::claim`]), checked without creating anything:
/// for a command to refuse before its work.
///
/// # Errors
/// As [`OutputSet::claim`].
pub fn check_claim(dir: &Path, owner: &Owner, force: bool) -> Result<(), ReportError> {
    read_claim(dir, owner, force).map(|_| ())
}

/// [`write_all_or_nothing`], the folder claimed for `owner` ([`OutputSet::claim`]).
///
/// # Errors
/// As [`write_all_or_nothing`] and [`OutputSet::claim`].
pub fn write_claimed(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    owner: Owner,
    force: bool,
) -> Result<(), ReportError> {
    let mut set = OutputSet::new(dir)?;
    set.claim(owner, force)?;
    for (name, bytes) in files {
        set.add(name, bytes)?;
    }
    commit(vec![set])
}

/// A set's claim on its folder, settled at commit.
#[derive(Debug)]
struct Claim {
    owner: Owner,
    /// The folder's marker before this set, when it names the same scenario (`None` for another
    /// scenario's or none).
    previous: Option<Marker>,
    /// Files another scenario's marker lists, to remove (forced).
    foreign: Vec<String>,
}

/// The files of one output folder, staged until [`commit`] puts them in place with the other
/// sets of the command. Dropped without being committed, it removes its staging folder and the
/// folders it had to create: the output folder is as it was.
#[derive(Debug)]
pub struct OutputSet {
    dir: PathBuf,
    tag: String,
    staging: PathBuf,
    /// Folders created for it, outermost first.
    created: Vec<PathBuf>,
    /// Staged files, in order.
    put: Vec<String>,
    /// Targets to remove at commit (a file an earlier run wrote that this one does not).
    remove: Vec<String>,
    /// Every name taken: staged, being streamed, or to remove.
    taken: HashSet<String>,
    committed: bool,
    /// The folder claimed for a scenario's results ([`OutputSet::claim`]).
    claim: Option<Claim>,
}

impl OutputSet {
    /// Starts a set for folder `dir`: creates `dir` (and its parents) if needed, removes the stale
    /// temporaries of earlier runs there (rolling back a commit a killed run left half done), and
    /// creates the staging folder.
    ///
    /// # Errors
    /// [`ReportError::CreateDir`] naming the folder that could not be created.
    pub fn new(dir: &Path) -> Result<OutputSet, ReportError> {
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
        if let Err(source) = fs::read_dir(dir) {
            remove_dirs(&created);
            return Err(ReportError::CreateDir {
                path: dir.to_path_buf(),
                source,
            });
        }
        remove_stale(dir);
        let tag = format!(
            "{}-{}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        );
        let staging = dir.join(format!("{STAGING}{tag}"));
        if let Err(source) = fs::create_dir(&staging) {
            remove_dirs(&created);
            return Err(ReportError::CreateDir {
                path: staging,
                source,
            });
        }
        Ok(OutputSet {
            dir: dir.to_path_buf(),
            tag,
            staging,
            created,
            put: Vec::new(),
            remove: Vec::new(),
            taken: HashSet::new(),
            committed: false,
            claim: None,
        })
    }

    /// Claims the folder for `owner`'s results (module docs): refused when the folder's marker
    /// names another scenario file, or cannot be read, unless `force`. Call it before the work
    /// whose results the set will hold, so that a refusal comes first.
    ///
    /// # Errors
    /// [`ReportError::OtherScenario`] naming the folder, the scenario whose results it holds and
    /// this one.
    pub fn claim(&mut self, owner: Owner, force: bool) -> Result<(), ReportError> {
        let (previous, foreign) = read_claim(&self.dir, &owner, force)?;
        self.claim = Some(Claim {
            owner,
            previous,
            foreign,
        });
        Ok(())
    }

    /// The files an earlier run left that the commit will remove (so far: a claimed set settles
    /// its marker's at [`commit`]).
    pub fn removing(&self) -> &[String] {
        &self.remove
    }

    /// Settles a claim ([`OutputSet::claim`]) once every file is staged: marks for removal what
    /// the folder's marker says belongs to a replaced set (see [`removing`](OutputSet::removing))
    /// and stages the new marker. [`commit`] settles a set that was not; settling twice does
    /// nothing more.
    ///
    /// # Errors
    /// As [`add`](OutputSet::add), for the marker.
    pub fn settle(&mut self) -> Result<(), ReportError> {
        let Some(claim) = self.claim.take() else {
            return Ok(());
        };
        let put: Vec<String> = self.put.clone();
        let writes = |f: &String| put.contains(f);
        let mut stale: Vec<String> = claim.foreign.clone();
        let mut sets: Vec<(String, Vec<String>)> = Vec::new();
        if let Some(prev) = &claim.previous {
            for (command, files) in &prev.sets {
                let ours = *command == claim.owner.command;
                if ours || files.iter().any(writes) {
                    stale.extend(files.iter().cloned());
                } else {
                    sets.push((command.clone(), files.clone()));
                }
            }
        }
        for name in stale {
            if !self.taken.contains(&name)
                && is_plain_file_name(&name)
                && name != MARKER
                && fs::symlink_metadata(self.dir.join(&name)).is_ok_and(|m| m.is_file())
            {
                self.remove(&name)?;
            }
        }
        sets.push((claim.owner.command.clone(), put));
        let marker = Marker {
            scenario: claim.owner.scenario.display().to_string(),
            sha256: claim.owner.sha256.clone(),
            sets,
        };
        let text = marker.to_json();
        self.add(MARKER, text.as_bytes())
    }

    /// The output folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The staging folder, where the set's files wait for [`commit`].
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    fn take(&mut self, name: &str) -> Result<(), ReportError> {
        if !is_plain_file_name(name) {
            return Err(ReportError::InvalidFileName {
                name: name.to_owned(),
            });
        }
        let target = self.dir.join(name);
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(ReportError::TargetIsDirectory { path: target });
        }
        if !self.taken.insert(name.to_owned()) {
            return Err(ReportError::DuplicateFileName {
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Stages file `name` with `bytes`, written and synced to disk.
    ///
    /// # Errors
    /// [`ReportError::InvalidFileName`], [`ReportError::DuplicateFileName`],
    /// [`ReportError::TargetIsDirectory`] or [`ReportError::WriteFile`].
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), ReportError> {
        self.take(name)?;
        let path = self.staging.join(name);
        write_synced(&path, bytes).map_err(|source| ReportError::WriteFile { path, source })?;
        self.put.push(name.to_owned());
        Ok(())
    }

    /// Starts file `name`, to be written as a run goes (a run's `trials.csv`) and staged with
    /// [`add_streamed`](OutputSet::add_streamed) once complete.
    ///
    /// # Errors
    /// As [`add`](OutputSet::add).
    pub fn stream(&mut self, name: &str) -> Result<PendingFile, ReportError> {
        self.take(name)?;
        let temp = self.staging.join(name);
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .map_err(|source| ReportError::WriteFile {
                path: temp.clone(),
                source,
            })?;
        Ok(PendingFile {
            name: name.to_owned(),
            tag: self.tag.clone(),
            temp,
            file: BufWriter::with_capacity(1 << 20, file),
        })
    }

    /// Stages a file started with [`stream`](OutputSet::stream), flushed and synced.
    ///
    /// # Errors
    /// [`ReportError::WriteFile`] naming its temporary if it cannot be flushed or synced, or was
    /// started by another set.
    pub fn add_streamed(&mut self, mut file: PendingFile) -> Result<(), ReportError> {
        if file.tag != self.tag {
            return Err(ReportError::WriteFile {
                path: file.temp.clone(),
                source: io::Error::other(format!(
                    "streamed for another output set, not for {}",
                    self.dir.display()
                )),
            });
        }
        file.file
            .flush()
            .and_then(|()| file.file.get_ref().sync_all())
            .map_err(|source| ReportError::WriteFile {
                path: file.temp.clone(),
                source,
            })?;
        self.put.push(file.name.clone());
        Ok(())
    }

    /// Removes file `name` from the folder at commit, if it is there: an earlier run's output
    /// that this run does not write, which would otherwise sit beside this run's as if it were
    /// its. Rolled back with the rest.
    ///
    /// # Errors
    /// As [`add`](OutputSet::add), but for the write.
    pub fn remove(&mut self, name: &str) -> Result<(), ReportError> {
        self.take(name)?;
        self.remove.push(name.to_owned());
        Ok(())
    }

    fn journal(&self) -> PathBuf {
        self.dir.join(format!("{JOURNAL}{}", self.tag))
    }

    fn aside(&self) -> PathBuf {
        self.dir.join(format!("{ASIDE}{}", self.tag))
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            remove_dirs(&self.created);
        }
    }
}

/// Puts every set in place, all or nothing, checking the process's stop flag
/// ([`crate::interrupt::requested`]) before each step.
///
/// # Errors
/// As [`commit_with`].
pub fn commit(sets: Vec<OutputSet>) -> Result<(), ReportError> {
    commit_with(sets, &crate::interrupt::requested)
}

/// [`commit`] with the stop condition `stop`, asked before each step of putting the files in
/// place.
///
/// # Guarantee
/// Before it returns, either every set is in place (each target replaced by its new file, each
/// removal done) or — on an error, or when `stop` answers true — every folder is as it was:
/// the old files are back under their names, byte for byte (they were renamed, never copied),
/// and no temporary is left. The targets change one rename at a time, so a reader looking at the
/// folder *during* the commit (milliseconds) can see some new files beside old ones; a process
/// killed outright during it leaves its journal, and the next set written into that folder rolls
/// the folder back first.
///
/// # Errors
/// [`ReportError::Interrupted`] when `stop` answered true; [`ReportError::DuplicateFileName`] for
/// two sets writing one name in one folder; [`ReportError::WriteFile`] for the journal;
/// [`ReportError::Rename`] naming the move that failed.
pub fn commit_with(mut sets: Vec<OutputSet>, stop: &dyn Fn() -> bool) -> Result<(), ReportError> {
    for set in &mut sets {
        set.settle()?;
    }
    let mut names = HashSet::new();
    for set in &sets {
        let dir = fs::canonicalize(&set.dir).unwrap_or_else(|_| set.dir.clone());
        for name in &set.taken {
            if !names.insert((dir.clone(), name.clone())) {
                return Err(ReportError::DuplicateFileName { name: name.clone() });
            }
        }
    }
    if stop() {
        return Err(ReportError::Interrupted);
    }
    let mut moves: Vec<Vec<Move>> = Vec::with_capacity(sets.len());
    let result = place(&sets, &mut moves, stop);
    if let Err(e) = result {
        for (set, done) in sets.iter().zip(&moves).rev() {
            roll_back(set, done);
        }
        return Err(e);
    }
    // The commit point: with the journals gone, nothing rolls this back.
    for set in &sets {
        let _ = fs::remove_file(set.journal());
        sync_dir(&set.dir);
    }
    for set in &mut sets {
        let _ = fs::remove_dir_all(set.aside());
        let _ = fs::remove_dir_all(&set.staging);
        set.committed = true;
    }
    Ok(())
}

/// What was done to one name, in order, so that it can be undone.
struct Move {
    name: String,
    /// The old target was moved aside.
    aside: bool,
    /// The new file was moved into place.
    placed: bool,
}

fn place(
    sets: &[OutputSet],
    moves: &mut Vec<Vec<Move>>,
    stop: &dyn Fn() -> bool,
) -> Result<(), ReportError> {
    for set in sets {
        moves.push(Vec::new());
        let journal = serde_json::json!({ "put": set.put, "remove": set.remove }).to_string();
        let path = set.journal();
        write_synced(&path, journal.as_bytes())
            .map_err(|source| ReportError::WriteFile { path, source })?;
        let aside = set.aside();
        fs::create_dir(&aside).map_err(|source| ReportError::CreateDir {
            path: aside.clone(),
            source,
        })?;
        sync_dir(&set.dir);
        let done = moves.last_mut().expect("pushed above");
        for (name, put) in set
            .put
            .iter()
            .map(|n| (n, true))
            .chain(set.remove.iter().map(|n| (n, false)))
        {
            if stop() {
                return Err(ReportError::Interrupted);
            }
            let target = set.dir.join(name);
            let mut m = Move {
                name: name.clone(),
                aside: false,
                placed: false,
            };
            if fs::symlink_metadata(&target).is_ok() {
                let to = aside.join(name);
                if let Err(source) = fs::rename(&target, &to) {
                    done.push(m);
                    return Err(ReportError::Rename {
                        from: target,
                        to,
                        source,
                    });
                }
                m.aside = true;
            }
            if put {
                let from = set.staging.join(name);
                if let Err(source) = fs::rename(&from, &target) {
                    done.push(m);
                    return Err(ReportError::Rename {
                        from,
                        to: target,
                        source,
                    });
                }
                m.placed = true;
            }
            done.push(m);
        }
    }
    Ok(())
}

/// Undoes `done` in reverse, then removes the journal and the folder of old files. Best effort:
/// the error that caused the roll-back is the one worth reporting.
fn roll_back(set: &OutputSet, done: &[Move]) {
    let aside = set.aside();
    for m in done.iter().rev() {
        let target = set.dir.join(&m.name);
        if m.placed {
            let _ = fs::rename(&target, set.staging.join(&m.name));
        }
        if m.aside {
            let _ = fs::rename(aside.join(&m.name), &target);
        }
    }
    let _ = fs::remove_dir_all(&aside);
    let _ = fs::remove_file(set.journal());
    sync_dir(&set.dir);
}

/// Removes what dead runs left in `dir`: rolls back a commit they left half done (its journal
/// names what it did), then removes their staging and old-file folders and the `.NAME.tmp-PID`
/// files of earlier versions. Best effort; entries of live processes are left alone.
fn remove_stale(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(String, fs::Metadata)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.metadata().ok()?)))
        .collect();
    // Journals first: their roll-back needs the staging and old-file folders.
    entries.sort_by_key(|(name, _)| !name.starts_with(JOURNAL));
    for (name, meta) in entries {
        let Some((kind, tag)) = [JOURNAL, STAGING, ASIDE]
            .into_iter()
            .find_map(|p| name.strip_prefix(p).map(|t| (p, t.to_owned())))
            .or_else(|| {
                let (_, pid) = name.strip_prefix('.')?.rsplit_once(".tmp-")?;
                Some(("old-version", pid.to_owned()))
            })
        else {
            continue;
        };
        let pid = tag.split_once('-').map_or(tag.as_str(), |(p, _)| p);
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !is_stale(pid, &meta) {
            continue;
        }
        let path = dir.join(&name);
        match kind {
            JOURNAL => {
                recover(dir, &tag, &path);
                let _ = fs::remove_file(&path);
            }
            STAGING | ASIDE => {
                if meta.is_dir() {
                    let _ = fs::remove_dir_all(&path);
                }
            }
            _ => {
                if meta.is_file() {
                    let _ = fs::remove_file(&path);
                }
            }
        }
    }
}

/// Rolls back the commit of a dead run from its journal: each old file moved aside goes back; a
/// new file placed where there was none is removed.
fn recover(dir: &Path, tag: &str, journal: &Path) {
    #[derive(serde::Deserialize)]
    struct Journal {
        put: Vec<String>,
        remove: Vec<String>,
    }
    let Some(j) = fs::read(journal)
        .ok()
        .and_then(|b| serde_json::from_slice::<Journal>(&b).ok())
    else {
        return;
    };
    let staging = dir.join(format!("{STAGING}{tag}"));
    let aside = dir.join(format!("{ASIDE}{tag}"));
    for (name, put) in j
        .put
        .iter()
        .map(|n| (n, true))
        .chain(j.remove.iter().map(|n| (n, false)))
    {
        if !is_plain_file_name(name) {
            continue;
        }
        let target = dir.join(name);
        let old = aside.join(name);
        if fs::symlink_metadata(&old).is_ok() {
            let _ = fs::rename(&old, &target);
        } else if put && fs::symlink_metadata(staging.join(name)).is_err() {
            // Placed with nothing moved aside first: the target did not exist before.
            if fs::symlink_metadata(&target).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(&target);
            }
        }
    }
    sync_dir(dir);
}

/// A temporary of process `pid` is stale when that process is gone (or, where processes cannot
/// be looked up, when it is older than [`STALE_AGE`]). This process's own are never stale.
fn is_stale(pid: u32, meta: &fs::Metadata) -> bool {
    if pid == std::process::id() {
        return false;
    }
    if Path::new("/proc/self").exists() {
        return !Path::new("/proc").join(pid.to_string()).exists();
    }
    meta.modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .is_some_and(|age| age > STALE_AGE)
}

/// Writes every `(file name, bytes)` pair into `dir` as one [`OutputSet`], all or nothing.
///
/// # Errors
/// As [`OutputSet::new`], [`OutputSet::add`] and [`commit`].
pub fn write_all_or_nothing(dir: &Path, files: &[(&str, Vec<u8>)]) -> Result<(), ReportError> {
    let mut set = OutputSet::new(dir)?;
    for (name, bytes) in files {
        set.add(name, bytes)?;
    }
    commit(vec![set])
}

/// A file of an [`OutputSet`] being written as a run goes (a run's `trials.csv`), in the set's
/// staging folder. Staged with [`OutputSet::add_streamed`]; otherwise it goes with the staging
/// folder when the set is dropped.
#[derive(Debug)]
pub struct PendingFile {
    name: String,
    tag: String,
    temp: PathBuf,
    file: BufWriter<File>,
}

impl PendingFile {
    /// The file's name in the folder, e.g. `trials.csv`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it is being written: inside the set's staging folder.
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
    use std::cell::Cell;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Every entry of `dir` with its bytes (folders marked), for byte-for-byte comparisons.
    fn snapshot(dir: &Path) -> Vec<(String, Option<Vec<u8>>)> {
        entries(dir)
            .into_iter()
            .map(|n| {
                let p = dir.join(&n);
                let bytes = p.is_file().then(|| fs::read(&p).expect("read"));
                (n, bytes)
            })
            .collect()
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

        // A second run replaces the old files and leaves the others.
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
        let mut set = OutputSet::new(&dir).expect("set");
        let mut trials = set.stream("trials.csv").expect("created");
        trials.write_all(b"trial\n0\n").expect("written");
        // Only the staging folder is there while it is written.
        assert_eq!(entries(&dir), [format!("{STAGING}{}", set.tag)]);
        set.add("summary.json", b"{}").expect("staged");
        set.add_streamed(trials).expect("staged");
        commit(vec![set]).expect("put in place");
        assert_eq!(entries(&dir), ["summary.json", "trials.csv"]);
        assert_eq!(
            fs::read(dir.join("trials.csv")).expect("read"),
            b"trial\n0\n"
        );
    }

    #[test]
    fn a_set_never_committed_leaves_nothing() {
        let root = tempfile::tempdir().expect("tempdir");
        // A run that fails while streaming into new folders: the temporary and the folders go.
        let dir = root.path().join("a/b/c");
        let mut set = OutputSet::new(&dir).expect("set");
        let mut trials = set.stream("trials.csv").expect("created");
        trials.write_all(&[b'x'; 100_000]).expect("written");
        drop(trials);
        drop(set);
        assert!(entries(root.path()).is_empty());

        // Into an existing folder: the old file stays as it was, whole.
        let dir = root.path();
        fs::write(dir.join("trials.csv"), b"old").expect("old file");
        let mut set = OutputSet::new(dir).expect("set");
        let mut trials = set.stream("trials.csv").expect("created");
        trials.write_all(b"new, half written").expect("written");
        drop(set);
        drop(trials);
        assert_eq!(entries(dir), ["trials.csv"]);
        assert_eq!(fs::read(dir.join("trials.csv")).expect("read"), b"old");
    }

    /// A folder with user files, an earlier run's outputs and a folder of charts.
    fn earlier_run(dir: &Path) {
        fs::create_dir_all(dir.join("mine")).expect("user folder");
        fs::write(dir.join("mine/notes.txt"), b"user's").expect("user file");
        fs::write(dir.join("notes.md"), b"user's own").expect("user file");
        fs::write(dir.join("summary.json"), b"old summary").expect("old");
        fs::write(dir.join("summary.csv"), b"old csv").expect("old");
        fs::write(dir.join("trials.csv"), b"old trials").expect("old");
    }

    fn new_run(dir: &Path, charts: &Path) -> Vec<OutputSet> {
        let mut set = OutputSet::new(dir).expect("set");
        set.add("summary.json", b"new summary").expect("staged");
        set.add("summary.csv", b"new csv").expect("staged");
        set.add("monthly.csv", b"new monthly").expect("staged");
        set.remove("trials.csv").expect("removal");
        let mut c = OutputSet::new(charts).expect("charts set");
        c.add("a.svg", b"<svg/>").expect("staged");
        vec![set, c]
    }

    #[test]
    fn a_stop_at_any_step_of_the_commit_leaves_every_folder_byte_for_byte_as_it_was() {
        let root = tempfile::tempdir().expect("tempdir");
        let (dir, charts) = (root.path().join("out"), root.path().join("charts"));
        earlier_run(&dir);
        let before = snapshot(&dir);
        // The commit asks before each of its 5 moves (4 names in the run, 1 chart), and once
        // before the first: stop at each in turn.
        for steps in 0..6 {
            let asked = Cell::new(0);
            let stop = || {
                asked.set(asked.get() + 1);
                asked.get() > steps
            };
            let err = commit_with(new_run(&dir, &charts), &stop).expect_err("stopped");
            assert!(matches!(err, ReportError::Interrupted), "{err:?}");
            assert_eq!(snapshot(&dir), before, "stopped after {steps} steps");
            assert!(!charts.exists(), "stopped after {steps} steps");
        }
        // Not stopped: everything in place, the removal done, the user's files untouched.
        commit_with(new_run(&dir, &charts), &|| false).expect("committed");
        assert_eq!(
            entries(&dir),
            [
                "mine",
                "monthly.csv",
                "notes.md",
                "summary.csv",
                "summary.json"
            ]
        );
        assert_eq!(
            fs::read(dir.join("summary.json")).expect("read"),
            b"new summary"
        );
        assert_eq!(fs::read(dir.join("notes.md")).expect("read"), b"user's own");
        assert_eq!(entries(&charts), ["a.svg"]);
    }

    #[test]
    fn a_failed_move_rolls_back_the_sets_already_in_place() {
        let root = tempfile::tempdir().expect("tempdir");
        let (dir, charts) = (root.path().join("out"), root.path().join("charts"));
        earlier_run(&dir);
        let before = snapshot(&dir);
        let mut sets = new_run(&dir, &charts);
        // The chart's staged file vanishes: its move, the last, fails.
        fs::remove_file(sets[1].staging().join("a.svg")).expect("removed");
        let err = commit_with(std::mem::take(&mut sets), &|| false).expect_err("fails");
        assert!(matches!(err, ReportError::Rename { .. }), "{err:?}");
        assert_eq!(snapshot(&dir), before);
        assert!(!charts.exists());
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed_and_a_half_commit_rolled_back() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path();
        earlier_run(dir);
        let before = snapshot(dir);
        // A run killed halfway through its commit (pid 4000000000 cannot be alive): summary.json
        // was moved aside and replaced, monthly.csv placed new, summary.csv not reached.
        let tag = "4000000000-0";
        let (staging, aside) = (
            dir.join(format!("{STAGING}{tag}")),
            dir.join(format!("{ASIDE}{tag}")),
        );
        fs::create_dir(&staging).expect("staging");
        fs::create_dir(&aside).expect("aside");
        fs::write(staging.join("summary.csv"), b"new csv").expect("staged");
        fs::rename(dir.join("summary.json"), aside.join("summary.json")).expect("aside");
        fs::write(dir.join("summary.json"), b"new summary").expect("placed");
        fs::write(dir.join("monthly.csv"), b"new monthly").expect("placed");
        fs::write(
            dir.join(format!("{JOURNAL}{tag}")),
            r#"{"put":["summary.json","monthly.csv","summary.csv"],"remove":["trials.csv"]}"#,
        )
        .expect("journal");
        // A staging folder of another dead run, and an earlier version's temporary.
        fs::create_dir(dir.join(format!("{STAGING}4000000001-3"))).expect("staging");
        fs::write(dir.join(".trials.csv.tmp-4000000002"), [0u8; 1000]).expect("temporary");
        // Not stale: this process's own, and names that only look alike.
        let own = dir.join(format!(".x.tmp-{}", std::process::id()));
        fs::write(&own, b"live").expect("own");
        fs::write(dir.join(".sibsim-tmp-notapid"), b"user's").expect("look-alike");

        let set = OutputSet::new(dir).expect("set");
        let mut expected = before.clone();
        expected.push((format!("{STAGING}{}", set.tag), None));
        expected.push((".sibsim-tmp-notapid".into(), Some(b"user's".to_vec())));
        expected.push((
            format!(".x.tmp-{}", std::process::id()),
            Some(b"live".to_vec()),
        ));
        expected.sort();
        assert_eq!(snapshot(dir), expected);
        drop(set);
        fs::remove_file(own).expect("own");
        fs::remove_file(dir.join(".sibsim-tmp-notapid")).expect("look-alike");
        assert_eq!(snapshot(dir), before);
    }
}
