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
use crate::span::{FieldPath, Target};

/// Where a scenario's `{ dist = "evidence" }` inputs are resolved from.
#[derive(Debug, Clone, Copy)]
pub enum Evidence<'l> {
    /// No library: every evidence input is refused.
    None,
    /// Resolve evidence inputs against this library.
    Library(&'l Library),
    /// The library could not be loaded: every evidence input is refused with this reason (e.g.
    /// "the evidence library at evidence (found beside the scenario) is invalid: …").
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
            || site.demand.iter().any(|d| is_evidence(&d.multiplier))
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
            Evidence::Unavailable(why) => Err((why, "expected a valid library there, or another named by --evidence or SIBSIM_EVIDENCE (docs/calibration-evidence.md, \"Which library\")")),
            Evidence::None => Err(("no evidence library was given", "expected an evidence/ folder beside the scenarios (see `sibsim evidence`)")),
        };
        let lib = match why {
            Ok(lib) => lib,
            Err((why, valid)) => {
                self.err(&path.key("key"), Target::Value, why, valid);
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
                if calibrated.is_empty() {
                    "expected a key listed by `sibsim evidence` with the same library".to_string()
                } else {
                    format!(
                        "expected a key listed by `sibsim evidence`, or a calibrated rate: {}",
                        calibrated.join(", ")
                    )
                },
            );
            return None;
        };
        match (level, f.of) {
            (None, _) => Some(DistSpec::Fixed { value: f.value }),
            (Some("pooled"), Some(of)) => Some(DistSpec::beta_counts(f.value, of)),
            (Some(other), _) => {
                self.err(&path.key("level"), Target::Value, format!("level \"{other}\" for a single figure"), "expected no level (the figure's value), or \"pooled\" for a count out of trials (its `of`)");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    use crate::distributions::Dist;
    use crate::evidence::{Figure, Library};
    use crate::scenario::{parse_scenario_with, Evidence, Param};

    fn library() -> Library {
        let figure = |key: &str, value: f64, of: Option<f64>| Figure {
            key: key.into(),
            value,
            unit: "share".into(),
            source: "000_a181213f7b897744.txt Table 4.1".into(),
            of,
            note: None,
            class: None,
            case: None,
        };
        Library {
            figures: vec![
                figure("unit.engage", 0.55, None),
                figure("unit.job_starts", 30.0, Some(100.0)),
            ],
        }
    }

    const ENGAGE: &str = r#"p_engage = { dist = "evidence", key = "unit.engage" }"#;

    fn problems(text: &str, evidence: Evidence<'_>) -> Vec<String> {
        match parse_scenario_with("unit.toml", text, evidence) {
            Ok(_) => panic!("accepted a scenario that should be refused"),
            Err(e) => headlines(&e),
        }
    }

    #[test]
    fn evidence_inputs_resolve_from_the_library_given() {
        let lib = library();
        let text = edit("p_engage = 0.6", ENGAGE);
        let text = text.replace(
            "p_job_start = 0.3",
            r#"p_job_start = { dist = "evidence", key = "unit.job_starts", level = "pooled" }"#,
        );
        let model = parse_scenario_with("unit.toml", &text, Evidence::from(&lib)).unwrap();
        let site = &model.sites[0];
        assert_eq!(site.input(Param::PEngage).mean(), 0.55);
        let counts = Dist::new(&DistSpec::beta_counts(30.0, 100.0)).unwrap();
        assert_eq!(site.input(Param::PJobStart).mean(), counts.mean());
    }

    #[test]
    fn only_scenarios_with_evidence_inputs_need_a_library() {
        let parse = |text: &str| -> RawScenario {
            crate::span::parse_toml(&Source::new("unit.toml", text)).unwrap()
        };
        assert!(!uses_evidence(&parse(BASE)));
        assert!(uses_evidence(&parse(&edit("p_engage = 0.6", ENGAGE))));
        let finance_cost = with(
            "[parties.spv]\nrole = \"spv\"\n\n[parties.bank]\nrole = \"investor\"\n\n\
             [finance]\nspv = \"spv\"\ninvestor = \"bank\"\nequity = 1000\n\n\
             [finance.costs]\nevaluation = { dist = \"evidence\", key = \"unit.engage\" }\n",
        );
        assert!(uses_evidence(&parse(&finance_cost)));
    }

    #[test]
    fn evidence_inputs_are_refused_without_a_library_or_a_known_figure() {
        let lib = library();
        let text = edit("p_engage = 0.6", ENGAGE);
        assert_eq!(problems(&text, Evidence::None), ["unit.toml:22:39: sites.only.delivery.p_engage.key: no evidence library was given; expected an evidence/ folder beside the scenarios (see `sibsim evidence`)"]);
        assert_eq!(
            problems(&text, Evidence::Unavailable("the evidence library at evidence (found beside the scenario) is invalid: gone")),
            ["unit.toml:22:39: sites.only.delivery.p_engage.key: the evidence library at evidence (found beside the scenario) is invalid: gone; expected a valid library there, or another named by --evidence or SIBSIM_EVIDENCE (docs/calibration-evidence.md, \"Which library\")"]
        );
        let unknown = text.replace("unit.engage", "unit.engaged");
        assert_eq!(problems(&unknown, Evidence::from(&lib)), ["unit.toml:22:39: sites.only.delivery.p_engage.key: \"unit.engaged\" is not in the evidence library; expected a key listed by `sibsim evidence` with the same library"]);
        let level = text.replace(
            r#"key = "unit.engage""#,
            r#"key = "unit.engage", level = "new_site""#,
        );
        assert_eq!(problems(&level, Evidence::from(&lib)), ["unit.toml:22:62: sites.only.delivery.p_engage.level: level \"new_site\" for a single figure; expected no level (the figure's value), or \"pooled\" for a count out of trials (its `of`)"]);
    }
}
