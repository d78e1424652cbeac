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
//! observed proportion) and `discrete`.
//!
//! **Quantiles.** Uniform, triangular, normal and lognormal by statrs' closed forms or rational
//! approximations (10–20 ns). The beta family (`beta`, `beta_mean`, `beta_counts`, `pert`) and the
//! gamma have no closed form and statrs inverts them iteratively (0.4–1.2 µs a draw, most of a
//! trial's parameter cost), so each such distribution gets a quantile table when it is built
//! (`table`): quintic Hermite interpolation of the inverse CDF, exact to 1e-10 in CDF (Kolmogorov)
//! distance, monotone, inside the support, about 20–30 ns a draw, with exact inversion in the
//! outer 1e-9 tails; the beta's CDF and exact inverse are here too (`beta`). Building a table
//! takes 70–110 µs for the PERT and `beta_mean` shapes of the bundled scenarios, 0.3–0.6 ms for
//! `beta_counts` of hundreds to 1e4; betas of the same shape parameters share one table within
//! a process. A beta with a shape parameter of 1 (a PERT whose mode is an end) has a closed form
//! and no table; a gamma of shape above 1e5 is inverted exactly on every draw (`gamma`). The
//! truncated normal and the discrete distribution are inverted here.
//!
//! `counts` holds the exact samplers of counts that delivery uses (binomial, successes up to a
//! cap).
//!
//! [`Copula`] correlates the draws of several inputs (a Gaussian copula on their uniforms).

mod beta;
mod copula;
pub(crate) mod counts;
mod error;
mod gamma;
mod sampler;
mod spec;
mod table;

pub use copula::{Copula, NotPositiveDefinite};
pub use error::DistError;
pub use sampler::{Dist, MAX_EXPOSURE_EXCESS, MIN_PARAMETER};
pub use spec::{DistSpec, Input, DEFAULT_PERT_LAMBDA};

#[cfg(test)]
mod tests;
