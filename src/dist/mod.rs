//! Distribution specs (as written in a scenario) → validated samplers.
//!
//! Every numeric input of a scenario is an [`Input`]: a plain number or an inline table
//! `{ dist = "...", ... }`. [`Dist::new`] refuses invalid parameters with a [`DistError`] naming the
//! parameter, what is wrong and what would be valid. Sampling is by inversion: a draw consumes exactly
//! one uniform from the stream and returns [`Dist::quantile`] of it, so the position of every input
//! in a trial's parameter stream is fixed whatever its distribution (and a copula can later supply
//! correlated uniforms instead).

// TEMPORARY STUB (replaced by the dist branch).
use serde::Deserialize;
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Input {
    Fixed(f64),
    Dist(DistSpec),
}
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    Uniform { min: f64, max: f64 },
}
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{problem}; {valid}")]
pub struct DistError {
    pub param: &'static str,
    pub problem: String,
    pub valid: String,
}
#[derive(Debug, Clone)]
pub struct Dist(f64, f64);
impl Dist {
    pub fn fixed(x: f64) -> Dist {
        Dist(x, x)
    }
    pub fn from_input(i: &Input) -> Result<Dist, DistError> {
        match i {
            Input::Fixed(x) => Ok(Dist(*x, *x)),
            Input::Dist(DistSpec::Uniform { min, max }) => {
                if min >= max {
                    return Err(DistError { param: "min", problem: "bad".into(), valid: "x".into() });
                }
                Ok(Dist(*min, *max))
            }
        }
    }
    pub fn quantile(&self, u: f64) -> f64 {
        self.0 + u * (self.1 - self.0)
    }
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        use rand::RngExt;
        let u: f64 = rng.random();
        self.quantile(u)
    }
    pub fn support(&self) -> (f64, f64) {
        (self.0, self.1)
    }
    pub fn mean(&self) -> f64 {
        (self.0 + self.1) / 2.0
    }
    pub fn describe(&self) -> String {
        format!("U({}, {})", self.0, self.1)
    }
}
