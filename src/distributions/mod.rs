//! Distribution specs (as written in a scenario) → validated samplers.
//!
//! Every numeric input of a scenario is an [`Input`]: a plain number or an inline table
//! `{ dist = "...", ... }`. [`Dist::new`] refuses invalid parameters with a [`DistError`] naming the
//! parameter, what is wrong and what would be valid. Sampling is by inversion: a draw consumes exactly
//! one uniform from the stream and returns [`Dist::quantile`] of it, so the position of every input
//! in a trial's parameter stream is fixed whatever its distribution (and a copula can later supply
//! correlated uniforms instead).
//!
//! Supported distributions (the `dist` tag and its fields; see [`DistSpec`]): `fixed`, `uniform`,
//! `triangular`, `pert`, `normal` (optionally truncated), `lognormal` (mean and sd of the variable),
//! `gamma`, `beta`, `beta_mean` (method of moments), `beta_counts` (Jeffreys posterior of an
//! observed proportion) and `discrete`. Quantiles come from statrs' inverse CDFs where it has
//! them; the truncated normal and the discrete distribution are inverted here.
//!
//! [`Copula`] correlates the draws of several inputs (a Gaussian copula on their uniforms).

mod copula;
mod error;
mod sampler;
mod spec;

pub use copula::{Copula, NotPositiveDefinite};
pub use error::DistError;
pub use sampler::Dist;
pub use spec::{DistSpec, Input, DEFAULT_PERT_LAMBDA};

#[cfg(test)]
mod tests;
