//! Distribution specs (as written in a scenario) → validated samplers.
//!
//! Every numeric input of a scenario is an [`Input`]: a plain number or an inline table
//! `{ dist = "...", ... }`. [`Dist::new`] refuses invalid parameters with a [`DistError`] naming the
//! parameter, what is wrong and what would be valid. Sampling is by inversion: a draw consumes exactly
//! one uniform from the stream and returns [`Dist::quantile`] of it, so the position of every input
//! in a trial's parameter stream is fixed whatever its distribution (and a copula can later supply
//! correlated uniforms instead).
