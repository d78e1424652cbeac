//! The front door to a scenario for library users: [`Scenario`] names the validated [`Model`],
//! with constructors from a file, from text and from a [`ScenarioBuilder`], and the one kind of
//! edit a comparison needs after loading — rescaling or replacing a tariff by name.
//!
//! The edits re-check what validation checks of a tariff's amounts (from £0 to [`MAX_MONEY`]), so
//! an edited model is still one validation would accept.

use std::path::Path;

use crate::error::Error;
use crate::scenario::builder::ScenarioBuilder;
use crate::scenario::{parse_scenario, Limit, Model, Pricing, YearMonth, MAX_MONEY};

/// A validated scenario, ready to simulate: the same type as [`Model`], under the name a user
/// looks for.
pub type Scenario = Model;

impl Model {
    /// Read and validate a scenario file (the same as [`crate::scenario::load`]).
    ///
    /// # Errors
    /// [`Error::ReadScenario`] if the file cannot be read; [`Error::InvalidScenario`] with every
    /// problem found, each at `file:line:column`.
    ///
    /// # Example
    /// ```
    /// let model = sibsim::Scenario::load("scenarios/box1.toml")?;
    /// assert!(!model.sites.is_empty());
    /// # Ok::<(), sibsim::error::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Model, Error> {
        crate::scenario::load(path.as_ref())
    }

    /// Validate a scenario held in a string; `label` names it in error messages (a file name, or
    /// `<memory>`). An `{ dist = "evidence" }` input is read from the library the default search
    /// order finds for `label` ([`crate::evidence::search`]), as for a file.
    ///
    /// # Errors
    /// [`Error::InvalidScenario`] with every problem found, each at `label:line:column`.
    pub fn from_str(label: &str, text: &str) -> Result<Model, Error> {
        Ok(parse_scenario(label, text)?)
    }

    /// Start building a scenario in code: its name, the calendar month of simulation month 1 and
    /// the horizon in months. See [`crate::scenario::builder`].
    pub fn builder(
        name: impl Into<String>,
        start: YearMonth,
        horizon_months: u32,
    ) -> ScenarioBuilder {
        ScenarioBuilder::new(name, start, horizon_months)
    }

    /// Names of the model's tariffs, in file order (without their pass-through rules).
    pub fn tariff_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for t in &self.tariffs {
            let n = self.rules[t.rule].as_str();
            if !names.contains(&n) {
                names.push(n);
            }
        }
        names
    }

    /// Multiply every amount of tariff `name` (each tier of a tiered one) by `factor`, at every
    /// site it applies to.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for an unknown tariff (listing the known ones), or a factor that
    /// is negative, not finite, or takes an amount beyond £[`MAX_MONEY`]; the model is then
    /// unchanged.
    ///
    /// # Example
    /// ```
    /// let mut model = sibsim::Scenario::load("scenarios/box1.toml")?;
    /// let name = model.tariff_names()[0].to_string();
    /// model.scale_tariff(&name, 1.1)?;
    /// assert!(model.scale_tariff("no_such_tariff", 1.1).is_err());
    /// # Ok::<(), sibsim::error::Error>(())
    /// ```
    pub fn scale_tariff(&mut self, name: &str, factor: f64) -> Result<(), Error> {
        if !(factor.is_finite() && factor >= 0.0) {
            return Err(Error::InvalidOption {
                option: format!("scale of tariff {name}"),
                problem: format!("{factor} is not a scale factor"),
                valid: "expected a finite number ≥ 0".into(),
            });
        }
        let scaled = |p: &Pricing| match p {
            Pricing::Flat(a) => Pricing::Flat(a * factor),
            Pricing::Tiers(t) => Pricing::Tiers(t.iter().map(|&(u, a)| (u, a * factor)).collect()),
        };
        self.edit_tariff(name, scaled)
    }

    /// Replace the pricing of tariff `name` at every site it applies to, e.g. with
    /// `Pricing::Flat(2_000.0)` or `Pricing::Tiers(vec![(Some(20), 3_850.0), (None, 1_600.0)])`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for an unknown tariff, an amount outside £0 to £[`MAX_MONEY`], or
    /// tiers whose `up_to` do not strictly increase with only the last open; the model is then
    /// unchanged.
    pub fn set_tariff(&mut self, name: &str, pricing: Pricing) -> Result<(), Error> {
        if let Pricing::Tiers(t) = &pricing {
            let ups: Vec<Option<u64>> = t.iter().map(|&(u, _)| u).collect();
            let open_last = ups.split_last().is_some_and(|(last, rest)| {
                last.is_none()
                    && rest.iter().all(Option::is_some)
                    && rest.windows(2).all(|w| w[0] < w[1])
            });
            if !open_last {
                return Err(Error::InvalidOption {
                    option: format!("tiers of tariff {name}"),
                    problem: format!("{ups:?} are not tiers"),
                    valid: "expected up_to strictly increasing, on every tier but the last".into(),
                });
            }
        }
        self.edit_tariff(name, |_| pricing.clone())
    }

    fn edit_tariff(&mut self, name: &str, f: impl Fn(&Pricing) -> Pricing) -> Result<(), Error> {
        let lines: Vec<usize> = (0..self.tariffs.len())
            .filter(|&i| self.rules[self.tariffs[i].rule] == name)
            .collect();
        if lines.is_empty() {
            return Err(Error::InvalidOption {
                option: "tariff".into(),
                problem: format!("there is no tariff named \"{name}\""),
                valid: format!("expected one of: {}", self.tariff_names().join(", ")),
            });
        }
        // Validation lets a count cap span several tariffs only when they pay the same: an edit
        // of one of them would break that.
        let shared_count_cap = lines
            .iter()
            .flat_map(|&i| &self.tariffs[i].caps)
            .find(|&&c| {
                matches!(self.caps[c].limit, Limit::Events(_))
                    && self
                        .tariffs
                        .iter()
                        .any(|t| t.caps.contains(&c) && self.rules[t.rule] != name)
            });
        if let Some(&c) = shared_count_cap {
            return Err(Error::InvalidOption {
                option: format!("tariff {name}"),
                problem: format!(
                    "count cap {} covers it and other tariffs, which must pay the same",
                    self.caps[c].name
                ),
                valid: "expected a tariff under no shared count cap; edit the scenario file".into(),
            });
        }
        let new: Vec<Pricing> = lines.iter().map(|&i| f(&self.tariffs[i].pricing)).collect();
        let amounts = |p: &Pricing| match p {
            Pricing::Flat(a) => vec![*a],
            Pricing::Tiers(t) => t.iter().map(|&(_, a)| a).collect(),
        };
        if let Some(bad) = new
            .iter()
            .flat_map(amounts)
            .find(|a| !(a.is_finite() && (0.0..=MAX_MONEY).contains(a)))
        {
            return Err(Error::InvalidOption {
                option: format!("tariff {name}"),
                problem: format!("amount {bad} is not a payment"),
                valid: format!("expected an amount in £ from 0 to {MAX_MONEY}"),
            });
        }
        for (i, p) in lines.into_iter().zip(new) {
            self.tariffs[i].pricing = p;
        }
        Ok(())
    }
}
