//! Inputs written `{ dist = "evidence", key, level }`: resolved against the evidence library into
//! the distribution they stand for (a calibrated rate or value, a count as a Beta, or a figure's
//! value).
//!
//! Validation reads nothing from disk: the library comes in as an [`Evidence`], and the caller
//! (`scenario::load`, `scenario::parse_scenario`) decides where it comes from — and loads it only
//! when [`uses_evidence`] says the scenario needs one.

use super::sites::raw_input;
use super::*;
use crate::distributions::{DistSpec, Input};
use crate::evidence::Library;
use crate::scenario::span::{FieldPath, Target};

/// Where a scenario's `{ dist = "evidence" }` inputs are resolved from.
#[derive(Debug, Clone, Copy)]
pub enum Evidence<'l> {
    /// No library: every evidence input is refused.
    None,
    /// Resolve evidence inputs against this library.
    Library(&'l Library),
    /// The library could not be loaded: every evidence input is refused with this reason (e.g.
    /// "the evidence library at evidence cannot be used (…)").
    Unavailable(&'l str),
}

impl<'l> From<&'l Library> for Evidence<'l> {
    fn from(lib: &'l Library) -> Self {
        Evidence::Library(lib)
    }
}

impl<'l> From<Option<&'l Library>> for Evidence<'l> {
    fn from(lib: Option<&'l Library>) -> Self {
        lib.map_or(Evidence::None, Evidence::Library)
    }
}

/// Whether any input of `raw` is written `{ dist = "evidence" }`: only then does validating it need
/// a library.
pub fn uses_evidence(raw: &RawScenario) -> bool {
    let is_evidence = |i: &Input| matches!(i, Input::Dist(DistSpec::Evidence { .. }));
    let sites = raw.sites.values().any(|site| {
        Param::ALL
            .iter()
            .any(|&p| raw_input(site, p).is_some_and(is_evidence))
    });
    let finance = raw
        .finance
        .as_ref()
        .and_then(|f| f.costs.as_ref())
        .is_some_and(|c| {
            [&c.central_team, &c.administration, &c.evaluation]
                .into_iter()
                .any(|i| i.as_ref().is_some_and(is_evidence))
        });
    sites || finance
}

impl Validator<'_, '_> {
    /// `{ dist = "evidence", key, level }` → the distribution it stands for: a calibrated rate
    /// (`bit2020.job_start_rate` at level `pooled` or `new_site`), a figure with a denominator at
    /// level `pooled` (its counts as a Beta), or a figure's value.
    pub(super) fn resolve_evidence(
        &mut self,
        key: &str,
        level: Option<&str>,
        path: &FieldPath,
    ) -> Option<DistSpec> {
        let why = match self.evidence {
            Evidence::Library(lib) => Ok(lib),
            Evidence::Unavailable(why) => Err(why),
            Evidence::None => Err("no evidence library was given"),
        };
        let lib = match why {
            Ok(lib) => lib,
            Err(why) => {
                self.err(
                    &path.key("key"),
                    Target::Value,
                    why,
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
        let values = crate::evidence::calibrate::calibrate_values(lib);
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
        let rates = crate::evidence::calibrate::calibrate(lib);
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
