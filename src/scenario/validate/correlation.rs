//! `[correlation]`: the inputs named and their correlations, assembled into a correlation matrix
//! over every (site, input) draw and factorised into a [`Copula`].

use super::*;
use crate::distributions::NotPositiveDefinite;
use crate::limits::MAX_COPULA_DIM;
use crate::report::terminal::group_thousands;
use crate::span::{FieldPath, Target};

impl Validator<'_, '_> {
    /// `[correlation]` → a copula, checking the inputs named and that the matrix is a valid
    /// correlation matrix (positive definite).
    pub(super) fn copula(&mut self, c: &RawCorrelation, model: &Model) -> Option<Copula> {
        let cp = FieldPath::root().key("correlation");
        // Optional inputs (`p_13w`) are not in the copula: they are drawn independently, so
        // that a model without them keeps its copula's dimensions.
        let n_in = Param::N_CORE;
        let dim = model.sites.len() * n_in;
        // The factorisation grows as dim³ and the matrix as dim²: refused before either is made
        // (an empty table makes no copula).
        let asked = !c.across_sites.is_empty() || !c.within_site.is_empty();
        if asked && dim > MAX_COPULA_DIM {
            let n = |x: usize| group_thousands(&x.to_string());
            self.err(
                &cp,
                Target::Key,
                format!(
                    "a copula over {} sites × {n_in} inputs is {} correlated draws, beyond the limit of {} (its factorisation grows as the cube of that)",
                    n(model.sites.len()),
                    n(dim),
                    n(MAX_COPULA_DIM)
                ),
                format!(
                    "expected at most {} sites in a scenario with [correlation], or no [correlation] (docs/scenario-format.md: [correlation])",
                    MAX_COPULA_DIM / n_in
                ),
            );
            return None;
        }
        let index = |name: &str| {
            Param::ALL[..n_in]
                .iter()
                .position(|p| format!("{}.{}", p.table(), p.field()) == name)
        };
        let valid_inputs = "expected an input as \"<table>.<field>\", e.g. \"delivery.p_engage\" or \"staffing.turnover_per_month\"";
        // Optional inputs exist but are drawn outside the copula: say so rather than "not an input".
        let not_input = |name: &str| {
            if Param::ALL[n_in..]
                .iter()
                .any(|p| format!("{}.{}", p.table(), p.field()) == name)
            {
                format!(
                    "\"{name}\" is optional and drawn independently, so it cannot be correlated"
                )
            } else {
                format!("\"{name}\" is not an input")
            }
        };
        let rho_ok = |r: f64| r.is_finite() && r > -1.0 && r < 1.0;
        let mut corr = vec![0.0; dim * dim];
        for i in 0..dim {
            corr[i * dim + i] = 1.0;
        }
        let mut pairs = Vec::new();
        let spearman = |r: f64| 6.0 / std::f64::consts::PI * (r / 2.0).asin();
        let mut ok = true;
        for (name, &rho) in &c.across_sites {
            let at = cp.key("across_sites").key(name);
            let Some(i) = index(name) else {
                self.err(&at, Target::Key, not_input(name), valid_inputs);
                ok = false;
                continue;
            };
            if !rho_ok(rho) {
                self.err(
                    &at,
                    Target::Value,
                    format!("correlation {}", fmt_num(rho)),
                    "expected a number strictly between -1 and 1",
                );
                ok = false;
                continue;
            }
            for s in 0..model.sites.len() {
                for t in 0..model.sites.len() {
                    if s != t {
                        corr[(s * n_in + i) * dim + t * n_in + i] = rho;
                    }
                }
            }
            pairs.push((format!("{name} across sites"), rho, spearman(rho)));
        }
        for (k, pair) in c.within_site.iter().enumerate() {
            let at = cp.key("within_site").index(k);
            let a = index(&pair.a);
            let b = index(&pair.b);
            if a.is_none() {
                self.err(
                    &at.key("a"),
                    Target::Value,
                    not_input(&pair.a),
                    valid_inputs,
                );
            }
            if b.is_none() {
                self.err(
                    &at.key("b"),
                    Target::Value,
                    not_input(&pair.b),
                    valid_inputs,
                );
            }
            if !rho_ok(pair.rho) {
                self.err(
                    &at.key("rho"),
                    Target::Value,
                    format!("correlation {}", fmt_num(pair.rho)),
                    "expected a number strictly between -1 and 1",
                );
            }
            let (Some(a), Some(b), true) = (a, b, rho_ok(pair.rho)) else {
                ok = false;
                continue;
            };
            if a == b {
                self.err(
                    &at.key("b"),
                    Target::Value,
                    "an input paired with itself",
                    "expected two different inputs",
                );
                ok = false;
                continue;
            }
            let same = |q: &RawPair| {
                let (qa, qb) = (index(&q.a), index(&q.b));
                (qa, qb) == (Some(a), Some(b)) || (qa, qb) == (Some(b), Some(a))
            };
            if c.within_site[..k].iter().any(same) {
                self.err(
                    &at,
                    Target::Value,
                    format!("{} and {} are paired twice", pair.a, pair.b),
                    "expected each pair of inputs once",
                );
                ok = false;
                continue;
            }
            for s in 0..model.sites.len() {
                corr[(s * n_in + a) * dim + s * n_in + b] = pair.rho;
                corr[(s * n_in + b) * dim + s * n_in + a] = pair.rho;
            }
            pairs.push((
                format!("{} with {} within each site", pair.a, pair.b),
                pair.rho,
                spearman(pair.rho),
            ));
        }
        if !ok || pairs.is_empty() {
            return None;
        }
        match Copula::new(&corr, dim, pairs) {
            Ok(copula) => Some(copula),
            Err(NotPositiveDefinite) => {
                self.err(&cp, Target::Key, "these correlations do not form a valid correlation matrix (it is not positive definite)", "expected correlations that can hold together, e.g. smaller ones, or fewer pairs pulling in opposite directions");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn correlated_inputs_become_a_copula() {
        let model = accept(&with(
            "[correlation]\nwithin_site = [{ a = \"delivery.p_engage\", b = \"delivery.p_job_start\", rho = 0.5 }]\n",
        ));
        let c = model.copula.expect("a copula");
        assert_eq!(c.dim, Param::N_CORE);
        assert_eq!(c.pairs.len(), 1);
        assert_eq!(
            c.pairs[0].0,
            "delivery.p_engage with delivery.p_job_start within each site"
        );
    }

    #[test]
    fn unknown_inputs_and_impossible_correlations_are_refused() {
        assert_eq!(
            refuse(&with("[correlation]\nwithin_site = [{ a = \"delivery.p_engaged\", b = \"delivery.p_job_start\", rho = 1.0 }]\n")),
            ["unit.toml:50:22: correlation.within_site[0].a: \"delivery.p_engaged\" is not an input; expected an input as \"<table>.<field>\", e.g. \"delivery.p_engage\" or \"staffing.turnover_per_month\"", "unit.toml:50:78: correlation.within_site[0].rho: correlation 1; expected a number strictly between -1 and 1"]
        );
        assert_eq!(
            refuse(&with(
                "[correlation]\nwithin_site = [\n  { a = \"delivery.p_engage\", b = \"delivery.p_job_start\", rho = 0.9 },\n  \
                 { a = \"delivery.p_job_start\", b = \"delivery.p_6w\", rho = 0.9 },\n  \
                 { a = \"delivery.p_engage\", b = \"delivery.p_6w\", rho = -0.9 },\n]\n"
            )),
            ["unit.toml:49:2: correlation: these correlations do not form a valid correlation matrix (it is not positive definite); expected correlations that can hold together, e.g. smaller ones, or fewer pairs pulling in opposite directions"]
        );
    }
}
