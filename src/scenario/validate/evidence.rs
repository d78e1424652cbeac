//! Inputs written `{ dist = "evidence", key, level }`: resolved against the evidence library into
//! the distribution they stand for (a calibrated rate or value, a count as a Beta, or a figure's
//! value).

use std::path::{Path, PathBuf};

use super::*;
use crate::distributions::DistSpec;
use crate::scenario::span::{FieldPath, Target};

impl Validator<'_, '_> {
    /// The evidence library for this scenario: `evidence/` beside the scenario's folder, else in
    /// the working folder.
    pub(super) fn library(&mut self) -> Result<&crate::evidence::Library, String> {
        if self.evidence.is_none() {
            let file = Path::new(&self.src.file);
            let beside = file
                .parent()
                .and_then(Path::parent)
                .map(|d| d.join("evidence"));
            let dir = beside
                .filter(|d| d.is_dir())
                .unwrap_or_else(|| PathBuf::from("evidence"));
            self.evidence = Some(crate::evidence::Library::load(&dir).map_err(|e| {
                format!(
                    "the evidence library at {} cannot be used ({e})",
                    dir.display()
                )
            }));
        }
        match self.evidence.as_ref().expect("set above") {
            Ok(lib) => Ok(lib),
            Err(e) => Err(e.clone()),
        }
    }

    /// `{ dist = "evidence", key, level }` → the distribution it stands for: a calibrated rate
    /// (`bit2020.job_start_rate` at level `pooled` or `new_site`), a figure with a denominator at
    /// level `pooled` (its counts as a Beta), or a figure's value.
    pub(super) fn resolve_evidence(
        &mut self,
        key: &str,
        level: Option<&str>,
        path: &FieldPath,
    ) -> Option<DistSpec> {
        let lib = match self.library() {
            Ok(lib) => lib.clone(),
            Err(e) => {
                self.err(
                    &path.key("key"),
                    Target::Value,
                    e,
                    "expected an evidence/ folder beside the scenarios (see `sibsim evidence`)",
                );
                return None;
            }
        };
        // A library figure named without a level is that figure, even where a calibrated
        // quantity shares its key.
        if level.is_none() {
            if let Some(f) = lib.get(key) {
                return Some(DistSpec::Fixed { value: f.value });
            }
        }
        let values = crate::evidence::calibrate::calibrate_values(&lib);
        if let Some(v) = values.iter().find(|v| format!("bit2020.{}", v.name) == key) {
            return match level {
                Some("pooled") => Some(v.pooled.clone()),
                Some("new_site") => Some(v.new_site.clone()),
                _ => {
                    self.err(&path.key("level"), Target::Value, format!("{key} is calibrated and needs level = \"pooled\" or \"new_site\""), "expected level = \"pooled\" (the typical provider) or \"new_site\" (with the spread between providers)");
                    None
                }
            };
        }
        let rates = crate::evidence::calibrate::calibrate(&lib);
        let levels = "expected level = \"pooled\" (all providers' counts) or \"new_site\" (with the spread between providers)";
        if let Some(r) = rates.iter().find(|r| format!("bit2020.{}", r.name) == key) {
            return match level {
                Some("pooled") => Some(r.pooled.clone()),
                Some("new_site") => Some(r.new_site.clone()),
                Some(other) => {
                    self.err(
                        &path.key("level"),
                        Target::Value,
                        format!("unknown level \"{other}\""),
                        levels,
                    );
                    None
                }
                None => {
                    self.err(
                        &path.key("key"),
                        Target::Value,
                        format!("{key} is a calibrated rate and needs a level"),
                        levels,
                    );
                    None
                }
            };
        }
        let Some(f) = lib.get(key) else {
            let calibrated: Vec<String> = rates
                .iter()
                .map(|r| r.name)
                .chain(values.iter().map(|v| v.name))
                .map(|n| format!("bit2020.{n}"))
                .collect();
            self.err(
                &path.key("key"),
                Target::Value,
                format!("\"{key}\" is not in the evidence library"),
                format!(
                    "expected a key listed by `sibsim evidence`, or a calibrated rate: {}",
                    calibrated.join(", ")
                ),
            );
            return None;
        };
        match (level, f.of) {
            (None, _) => Some(DistSpec::Fixed { value: f.value }),
            (Some("pooled"), Some(of)) => Some(DistSpec::BetaCounts {
                successes: f.value,
                trials: of,
            }),
            (Some(other), _) => {
                self.err(&path.key("level"), Target::Value, format!("level \"{other}\" for a single figure"), "expected no level (the figure's value), or \"pooled\" for a count out of trials (its `of`)");
                None
            }
        }
    }
}
