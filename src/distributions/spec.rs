//! The distribution specs as written in a scenario file: [`Input`] and [`DistSpec`].
//!
//! These types are file format only; [`super::Dist::new`] checks the parameters.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// A numeric scenario input: a plain number, or a distribution to draw it from in each trial.
///
/// In TOML, `x = 0.35` is [`Input::Fixed`] and `x = { dist = "pert", min = 0.2, mode = 0.35, max =
/// 0.5 }` is [`Input::Dist`]. Integers are accepted wherever a number is.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The same value in every trial.
    Fixed(f64),
    /// A value drawn in each trial from this distribution.
    Dist(DistSpec),
}

impl From<f64> for Input {
    fn from(x: f64) -> Self {
        Input::Fixed(x)
    }
}

/// A distribution, as written in a scenario: an inline table tagged by `dist`.
///
/// The variant names (the `dist` value) and field names are the file format. Unknown fields and
/// unknown distribution names are refused by deserialisation, listing the valid ones.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    /// A fixed value: `{ dist = "fixed", value = 3 }` (the same as writing `3`).
    Fixed {
        /// The value.
        value: f64,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound (greater than `min`).
        max: f64,
    },
    /// Triangular on `[min, max]` with its peak at `mode`.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// (Modified) PERT: `min + (max − min)·Beta(1 + λ(mode − min)/(max − min), 1 + λ(max − mode)/(max − min))`.
    ///
    /// Its mean is `(min + λ·mode + max)/(λ + 2)`; the classic `λ = 4` gives `(min + 4·mode + max)/6`
    /// (Vose, *Risk Analysis: A Quantitative Guide*, 3rd ed., 2008, which also gives the modified λ form).
    Pert {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
        /// Weight of the mode, λ > 0 (default 4, the classic PERT); larger is more peaked.
        #[serde(default = "default_pert_lambda")]
        lambda: f64,
    },
    /// Normal with this mean and standard deviation, optionally truncated to `[min, max]`.
    Normal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal.
        sd: f64,
        /// Truncate below here (optional).
        #[serde(default)]
        min: Option<f64>,
        /// Truncate above here (optional).
        #[serde(default)]
        max: Option<f64>,
    },
    /// Lognormal with this mean and standard deviation *of the variable itself* (not of its log).
    Lognormal {
        /// Mean of the variable (> 0).
        mean: f64,
        /// Standard deviation of the variable (> 0).
        sd: f64,
    },
    /// Gamma with shape k and scale θ (mean kθ).
    Gamma {
        /// Shape k > 0.
        shape: f64,
        /// Scale θ > 0.
        scale: f64,
    },
    /// Beta(α, β) on `[0, 1]`.
    Beta {
        /// α > 0.
        alpha: f64,
        /// β > 0.
        beta: f64,
    },
    /// Beta on `[0, 1]` with this mean and standard deviation (method of moments).
    BetaMean {
        /// Mean, strictly between 0 and 1.
        mean: f64,
        /// Standard deviation, `0 < sd² < mean·(1 − mean)`.
        sd: f64,
    },
    /// Uncertainty about a proportion observed as `successes` out of `trials`: the Jeffreys
    /// posterior Beta(successes + ½, trials − successes + ½).
    ///
    /// With `exposure` `e` in (0, 1], the counts were seen within a window in which only the share
    /// `e` of eventual successes could be observed, and the value drawn is the *eventual* rate
    /// `min(q / e, 1)`, `q` ~ the Jeffreys posterior (docs/calibration.md). Refused when
    /// `P(q > e)` exceeds [`MAX_EXPOSURE_EXCESS`](crate::distributions::MAX_EXPOSURE_EXCESS).
    BetaCounts {
        /// Observed successes, a whole number `0 ≤ successes ≤ trials`.
        successes: f64,
        /// Observed trials, a whole number > 0.
        trials: f64,
        /// Share of eventual successes the observation window let in, `0 < exposure ≤ 1`
        /// (default: none, the counts are eventual).
        #[serde(default)]
        exposure: Option<f64>,
    },
    /// Discrete empirical: one of `values`, with probability proportional to `weights`.
    Discrete {
        /// The possible values (at least one).
        values: Vec<f64>,
        /// Non-negative weights, one per value, not all zero (default: equal weights).
        #[serde(default)]
        weights: Option<Vec<f64>>,
    },
    /// A figure or calibrated rate of the evidence library, by key (`bit2020.job_start_rate`), at
    /// `level` `"pooled"` or `"new_site"` for a rate. Resolved when the scenario is validated.
    Evidence {
        /// Key of a figure or rate in the evidence library, e.g. `bit2020.job_start_rate`.
        key: String,
        /// For a rate: `"pooled"` or `"new_site"` (`sibsim calibrate` shows both).
        #[serde(default)]
        #[schemars(schema_with = "crate::scenario::raw::choice::evidence_level")]
        level: Option<String>,
    },
}

/// The classic PERT weight of the mode.
pub const DEFAULT_PERT_LAMBDA: f64 = 4.0;

impl From<DistSpec> for Input {
    fn from(d: DistSpec) -> Self {
        Input::Dist(d)
    }
}

/// Short constructors for scenarios built in code. Parameters are checked, as a file's are, when
/// the scenario is validated.
impl DistSpec {
    /// Classic PERT (λ = 4) on `[min, max]` with its peak at `mode`.
    pub fn pert(min: f64, mode: f64, max: f64) -> DistSpec {
        DistSpec::Pert {
            min,
            mode,
            max,
            lambda: DEFAULT_PERT_LAMBDA,
        }
    }

    /// Beta on [0, 1] with this mean and standard deviation.
    pub fn beta_mean(mean: f64, sd: f64) -> DistSpec {
        DistSpec::BetaMean { mean, sd }
    }

    /// A proportion observed as `successes` of `trials` (Jeffreys posterior).
    pub fn beta_counts(successes: f64, trials: f64) -> DistSpec {
        DistSpec::BetaCounts {
            successes,
            trials,
            exposure: None,
        }
    }
}

fn default_pert_lambda() -> f64 {
    DEFAULT_PERT_LAMBDA
}

// Deserialised by hand (any TOML value, then by its shape), so described by hand: a number, or one
// of the `dist` tables.
impl JsonSchema for Input {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Input".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number, or a distribution to draw it from in each trial: an inline table tagged by `dist`, e.g. `{ dist = \"pert\", min = 0.2, mode = 0.35, max = 0.5 }`.",
            "anyOf": [
                { "type": "number" },
                generator.subschema_for::<DistSpec>()
            ]
        })
    }
}

impl<'de> Deserialize<'de> for Input {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(InputVisitor)
    }
}

struct InputVisitor;

impl<'de> Visitor<'de> for InputVisitor {
    type Value = Input;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a number or a distribution table such as \
             { dist = \"pert\", min = 1, mode = 2, max = 3 }",
        )
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Input, E> {
        Ok(Input::Fixed(x))
    }

    // Integers are converted to f64: scenario inputs are at most counts in the thousands, exactly
    // representable.
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<Input, E> {
        Ok(Input::Fixed(x as f64))
    }

    fn visit_u64<E: de::Error>(self, x: u64) -> Result<Input, E> {
        Ok(Input::Fixed(x as f64))
    }

    // Delegating the whole map keeps serde's own messages for unknown fields, missing fields and
    // unknown `dist` names, which list the valid alternatives.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Input, A::Error> {
        DistSpec::deserialize(MapAccessDeserializer::new(map)).map(Input::Dist)
    }
}
