//! Which evidence library a command reads, in one search order (docs/calibration-evidence.md,
//! "Which library"):
//!
//! 1. a folder named explicitly by `--evidence DIR`;
//! 2. a folder named by the `SIBSIM_EVIDENCE` environment variable;
//! 3. an `evidence/` folder beside the scenario — in its own folder, then in its parent's
//!    (`scenarios/x.toml` → `scenarios/evidence/`, then `evidence/` beside `scenarios/`) — or, for a
//!    command without a scenario, `evidence/` in the working folder;
//! 4. the copy of the repository's `evidence/` compiled into sibsim ([`BUNDLED`]), so that an
//!    installed binary works from any folder.
//!
//! A library named explicitly (1 or 2) that cannot be read is an error, never passed over for a
//! later one: a typo must not silently change the figures. The library never reads the
//! environment itself: the caller puts what it read of [`ENV_VAR`] into [`EvidenceSearch::env`],
//! so a library user's results depend only on the values passed.

use std::path::{Path, PathBuf};

use super::Library;
use crate::error::{Error, ScenarioErrors};

/// The environment variable the command line reads for step 2 of the search order.
pub const ENV_VAR: &str = "SIBSIM_EVIDENCE";

/// Every file of the repository's `evidence/` folder, compiled in: (file name, text), in name
/// order. A test checks that it names exactly the `*.toml` files of `evidence/` and that
/// [`Library::bundled`] equals [`Library::load`] of that folder.
pub const BUNDLED: &[(&str, &str)] = &[
    ("bit2020.toml", include_str!("../../evidence/bit2020.toml")),
    ("later.toml", include_str!("../../evidence/later.toml")),
    ("mhep1.toml", include_str!("../../evidence/mhep1.toml")),
    (
        "reference_class.toml",
        include_str!("../../evidence/reference_class.toml"),
    ),
];

/// The first steps of the search order, as the caller found them: a folder from a command-line
/// flag and one from the environment. With neither (the default), the search starts beside the
/// scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvidenceSearch {
    /// Step 1: `--evidence DIR`.
    pub flag: Option<PathBuf>,
    /// Step 2: the value of [`ENV_VAR`], as the caller read it (an empty value counts as unset).
    pub env: Option<PathBuf>,
}

/// How the search order chose a library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Named by `--evidence`.
    Flag(PathBuf),
    /// Named by [`ENV_VAR`].
    Env(PathBuf),
    /// The `evidence/` folder found beside the scenario.
    BesideScenario(PathBuf),
    /// The working folder's `evidence/` (a command without a scenario).
    WorkingFolder(PathBuf),
    /// The copy compiled into sibsim ([`BUNDLED`]).
    Bundled,
}

/// A library the search order chose, not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Which library, and how it was chosen.
    pub origin: Origin,
    /// Every place looked at, in order, with what was found there (the chosen one last), e.g.
    /// `scenarios/evidence (no folder)`.
    pub searched: Vec<String>,
}

/// A library that was chosen but cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The folder cannot be read (it does not exist, is not a folder, or a file in it cannot be
    /// read).
    #[error("cannot read the evidence library at {} ({how}): {io}; {valid}", path.display())]
    Unreadable {
        /// The folder or file that cannot be read.
        path: PathBuf,
        /// How the library was chosen, e.g. "given by --evidence".
        how: String,
        /// What would be valid, with the places searched.
        valid: String,
        /// Why (part of the message, so that quoting it on one line keeps it).
        io: std::io::Error,
    },
    /// A file of the library is not a valid evidence file: every problem of the first such file.
    #[error("the evidence library at {library} ({how}) is invalid:\n{errors}")]
    Invalid {
        /// The library's folder.
        library: String,
        /// How the library was chosen.
        how: String,
        /// Every problem, each at `file:line:column`.
        errors: ScenarioErrors,
    },
}

impl EvidenceError {
    /// The error on one line (each located problem's first line), for a message that quotes it.
    pub fn one_line(&self) -> String {
        match self {
            EvidenceError::Unreadable { .. } => self.to_string(),
            EvidenceError::Invalid {
                library,
                how,
                errors,
            } => format!(
                "the evidence library at {library} ({how}) is invalid: {}",
                errors
                    .0
                    .iter()
                    .map(|e| e.headline())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }
}

impl EvidenceSearch {
    /// The default order (no flag, no environment variable): beside the scenario, then bundled.
    pub fn new() -> Self {
        Self::default()
    }

    /// The library this order chooses for the scenario file `scenario` (`None`: a command
    /// without one). Reads only folder listings, not the library's files.
    ///
    /// # Errors
    /// [`EvidenceError::Unreadable`] when the folder of `--evidence` (or, without it, of the
    /// environment variable) cannot be read as a folder.
    pub fn locate(&self, scenario: Option<&Path>) -> Result<Located, EvidenceError> {
        let mut searched = Vec::new();
        for (given, how, rest) in [
            (
                &self.flag,
                "--evidence",
                "without --evidence, sibsim searches SIBSIM_EVIDENCE, evidence/ beside the scenario, then its bundled copy",
            ),
            (
                &self.env,
                ENV_VAR,
                "with SIBSIM_EVIDENCE unset, sibsim searches evidence/ beside the scenario, then its bundled copy",
            ),
        ] {
            let Some(dir) = given else {
                searched.push(format!(
                    "{how} ({})",
                    if how == ENV_VAR { "not set" } else { "not given" }
                ));
                continue;
            };
            searched.push(format!("{} ({how})", dir.display()));
            if let Err(source) = std::fs::read_dir(dir) {
                return Err(EvidenceError::Unreadable {
                    path: dir.clone(),
                    how: format!("given by {how}"),
                    valid: format!(
                        "expected a folder of evidence *.toml files; a library named by {how} is never replaced by another ({rest})"
                    ),
                    io: source,
                });
            }
            let origin = if how == ENV_VAR {
                Origin::Env(dir.clone())
            } else {
                Origin::Flag(dir.clone())
            };
            return Ok(Located { origin, searched });
        }
        let candidates: Vec<(PathBuf, bool)> = match scenario {
            Some(file) => beside(file).into_iter().map(|d| (d, true)).collect(),
            None => vec![(PathBuf::from("evidence"), false)],
        };
        for (dir, is_beside) in candidates {
            if dir.is_dir() {
                searched.push(format!("{} (found)", dir.display()));
                let origin = if is_beside {
                    Origin::BesideScenario(dir)
                } else {
                    Origin::WorkingFolder(dir)
                };
                return Ok(Located { origin, searched });
            }
            searched.push(format!("{} (no folder)", dir.display()));
        }
        searched.push("the bundled copy".into());
        Ok(Located {
            origin: Origin::Bundled,
            searched,
        })
    }

    /// [`Self::locate`], then read the library it chooses.
    ///
    /// # Errors
    /// As [`Self::locate`] and [`Located::load`].
    pub fn load(&self, scenario: Option<&Path>) -> Result<(Library, Located), EvidenceError> {
        let located = self.locate(scenario)?;
        Ok((located.load()?, located))
    }
}

/// The `evidence/` folders beside the scenario file `file`, in the order searched: in its own
/// folder, then in its parent's.
fn beside(file: &Path) -> Vec<PathBuf> {
    let own = file.parent();
    own.into_iter()
        .chain(own.and_then(Path::parent))
        .map(|d| d.join("evidence"))
        .collect()
}

impl Located {
    /// The library's folder, or `None` for the bundled copy.
    pub fn dir(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Flag(d)
            | Origin::Env(d)
            | Origin::BesideScenario(d)
            | Origin::WorkingFolder(d) => Some(d),
            Origin::Bundled => None,
        }
    }

    /// How it was chosen, e.g. "given by --evidence", "found beside the scenario".
    pub fn how(&self) -> String {
        match &self.origin {
            Origin::Flag(_) => "given by --evidence".into(),
            Origin::Env(_) => format!("given by {ENV_VAR}"),
            Origin::BesideScenario(_) => "found beside the scenario".into(),
            Origin::WorkingFolder(_) => "found in the working folder".into(),
            Origin::Bundled => {
                let folders: Vec<&str> = self
                    .searched
                    .iter()
                    .filter_map(|s| s.strip_suffix(" (no folder)"))
                    .collect();
                format!(
                    "none named by --evidence or {ENV_VAR}, no folder at {}",
                    folders.join(" or ")
                )
            }
        }
    }

    /// The library and how it was chosen, for messages: `evidence (found in the working
    /// folder)`, or `the library bundled with sibsim X.Y.Z (none named …)`.
    pub fn describe(&self) -> String {
        match self.dir() {
            Some(d) => format!("{} ({})", d.display(), self.how()),
            None => format!("the library {} ({})", self.label(), self.how()),
        }
    }

    /// What outputs record: the folder as given, or `bundled with sibsim X.Y.Z`.
    pub fn label(&self) -> String {
        match self.dir() {
            Some(d) => d.display().to_string(),
            None => format!("bundled with sibsim {}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// As [`Self::label`], with a folder as an absolute path where it can be resolved (what
    /// `summary.json`'s `meta.evidence` records).
    pub fn absolute_label(&self) -> String {
        match self.dir() {
            Some(d) => std::fs::canonicalize(d)
                .unwrap_or_else(|_| d.to_path_buf())
                .display()
                .to_string(),
            None => self.label(),
        }
    }

    /// The library's files, (file name, text), in name order: its folder's `*.toml`, or
    /// [`BUNDLED`].
    ///
    /// # Errors
    /// [`EvidenceError::Unreadable`] when the folder or one of its files cannot be read, or the
    /// folder holds no `*.toml` file.
    pub fn files(&self) -> Result<Vec<(String, String)>, EvidenceError> {
        let Some(dir) = self.dir() else {
            return Ok(BUNDLED
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
                .collect());
        };
        let unreadable = |path: &Path, source| EvidenceError::Unreadable {
            path: path.to_path_buf(),
            how: self.how(),
            valid: "expected a folder of readable evidence *.toml files".into(),
            io: source,
        };
        let paths = toml_files(dir).map_err(|e| unreadable(dir, e))?;
        // A folder with no evidence file is not a library (a wrong or empty folder): used, it
        // would answer every key with "not in the evidence library".
        if paths.is_empty() {
            return Err(EvidenceError::Unreadable {
                path: dir.to_path_buf(),
                how: self.how(),
                valid: "expected a folder of evidence *.toml files like the repository's \
                        evidence/ (docs/calibration-evidence.md)"
                    .into(),
                io: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "the folder holds no evidence file (*.toml)",
                ),
            });
        }
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
                Ok((path.display().to_string(), text))
            })
            .collect()
    }

    /// Read and check the library.
    ///
    /// # Errors
    /// [`EvidenceError::Unreadable`] as [`Self::files`]; [`EvidenceError::Invalid`] with every
    /// problem of the first bad file, saying which library and how it was chosen.
    pub fn load(&self) -> Result<Library, EvidenceError> {
        let files = self.files()?;
        Library::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))).map_err(|errors| {
            EvidenceError::Invalid {
                library: self.label(),
                how: self.how(),
                errors,
            }
        })
    }
}

/// The `*.toml` files of `dir`, in name order.
pub(super) fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

impl Library {
    /// A library from its files held in memory: (name, text) pairs, each read as
    /// [`Library::load`] reads a file of that name (its stem prefixes its keys; the name labels
    /// its errors), in the order given.
    ///
    /// # Errors
    /// Every problem of the first bad file, located in it.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Library, ScenarioErrors> {
        let mut figures = Vec::new();
        for (name, text) in files {
            let stem = Path::new(name)
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            figures.extend(super::parse_file(name, &stem, text)?);
        }
        Ok(Library { figures })
    }

    /// The copy of `evidence/` compiled into sibsim ([`BUNDLED`]).
    pub fn bundled() -> Library {
        // Checked by the tests below: the bundled files are valid.
        Library::from_files(BUNDLED.iter().copied()).unwrap_or_default()
    }
}

/// For `Error`: a chosen library that cannot be used is the user's input problem.
impl From<EvidenceError> for Error {
    fn from(e: EvidenceError) -> Self {
        Error::Evidence(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled copy is the repository's evidence/ folder, file for file and figure for figure:
    /// a file added to the folder but not to [`BUNDLED`] fails here.
    #[test]
    fn the_bundled_copy_is_the_evidence_folder() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("evidence");
        let names: Vec<String> = toml_files(&dir)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let bundled: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, bundled);
        for (name, text) in BUNDLED {
            assert_eq!(
                std::fs::read_to_string(dir.join(name)).unwrap(),
                *text,
                "{name}"
            );
        }
        let from_folder = Library::load(&dir).unwrap();
        assert_eq!(
            Library::from_files(BUNDLED.iter().copied()).unwrap(),
            from_folder
        );
        assert_eq!(Library::bundled(), from_folder);
        assert!(
            from_folder.figures.len() > 50,
            "{}",
            from_folder.figures.len()
        );
    }

    fn temp(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("sibsim-search-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    /// Each step of the order wins over every later one.
    #[test]
    fn each_step_wins_over_the_later_ones() {
        let root = temp("order");
        for d in ["flag", "env", "a/b/evidence", "a/evidence"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let file = root.join("a/b/x.toml");
        let all = EvidenceSearch {
            flag: Some(root.join("flag")),
            env: Some(root.join("env")),
        };
        let origin = |s: &EvidenceSearch| s.locate(Some(&file)).unwrap().origin;
        assert_eq!(origin(&all), Origin::Flag(root.join("flag")));
        let no_flag = EvidenceSearch {
            flag: None,
            ..all.clone()
        };
        assert_eq!(origin(&no_flag), Origin::Env(root.join("env")));
        assert_eq!(
            origin(&EvidenceSearch::new()),
            Origin::BesideScenario(root.join("a/b/evidence"))
        );
        std::fs::remove_dir(root.join("a/b/evidence")).unwrap();
        let parents = EvidenceSearch::new().locate(Some(&file)).unwrap();
        assert_eq!(
            parents.origin,
            Origin::BesideScenario(root.join("a/evidence"))
        );
        assert_eq!(parents.how(), "found beside the scenario");
        std::fs::remove_dir(root.join("a/evidence")).unwrap();
        let bundled = EvidenceSearch::new().locate(Some(&file)).unwrap();
        assert_eq!(bundled.origin, Origin::Bundled);
        assert_eq!(
            bundled.searched,
            [
                "--evidence (not given)".to_string(),
                "SIBSIM_EVIDENCE (not set)".into(),
                format!("{} (no folder)", root.join("a/b/evidence").display()),
                format!("{} (no folder)", root.join("a/evidence").display()),
                "the bundled copy".into(),
            ]
        );
        assert_eq!(
            bundled.label(),
            format!("bundled with sibsim {}", env!("CARGO_PKG_VERSION"))
        );
        // Without a scenario, the working folder's evidence/ (a relative path).
        let none = EvidenceSearch::new().locate(None).unwrap();
        let cwd_has = Path::new("evidence").is_dir();
        assert_eq!(
            none.origin,
            if cwd_has {
                Origin::WorkingFolder(PathBuf::from("evidence"))
            } else {
                Origin::Bundled
            }
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A library named explicitly that cannot be read is an error naming how it was named, not
    /// a reason to use the next one.
    #[test]
    fn an_unreadable_explicit_library_is_an_error() {
        let root = temp("explicit");
        let missing = root.join("missing");
        let flag = EvidenceSearch {
            flag: Some(missing.clone()),
            env: Some(root.clone()),
        };
        let e = flag.locate(None).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "cannot read the evidence library at {} (given by --evidence): ",
                missing.display()
            )),
            "{e}"
        );
        assert!(e.to_string().ends_with("; expected a folder of evidence *.toml files; a library named by --evidence is never replaced by another (without --evidence, sibsim searches SIBSIM_EVIDENCE, evidence/ beside the scenario, then its bundled copy)"), "{e}");
        let env = EvidenceSearch {
            flag: None,
            env: Some(missing.clone()),
        };
        let e = env.locate(None).unwrap_err().to_string();
        assert!(e.contains("(given by SIBSIM_EVIDENCE)"), "{e}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A broken library says which it is and how it was chosen.
    #[test]
    fn an_invalid_library_says_which_and_how() {
        let root = temp("invalid");
        std::fs::write(root.join("bad.toml"), "[figures.x]\nvalue = 1\n").unwrap();
        let search = EvidenceSearch {
            flag: None,
            env: Some(root.clone()),
        };
        let e = search.load(None).unwrap_err();
        let bad = root.join("bad.toml");
        assert_eq!(
            e.one_line(),
            format!(
                "the evidence library at {} (given by SIBSIM_EVIDENCE) is invalid: {}:1:1: figures.x: missing field `unit`; expected it in this table (docs/scenario-format.md lists every field)",
                root.display(),
                bad.display()
            )
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
