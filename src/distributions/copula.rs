//! The Gaussian copula that correlates a trial's input draws (a scenario's `[correlation]` table).
//!
//! Every (site, input) draw is a variable; the copula holds the lower-triangular Cholesky factor L
//! of their correlation matrix. In a trial, standard normals ε become correlated normals z = L·ε
//! and then uniforms u = Φ(z), which replace the inputs' own uniforms — each input keeps its
//! distribution, only the ranks move together. The model, the factorisation and the uniforms live
//! here together so that what validation accepts is exactly what a trial draws from.

use rand_distr::{Distribution, StandardNormal};

/// A correlation matrix the copula cannot use: it is not positive definite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the correlation matrix is not positive definite")]
pub struct NotPositiveDefinite;

/// A Gaussian copula over every (site, input) draw: correlated standard normals z = L·ε, turned into
/// uniforms Φ(z) that replace the inputs' own uniforms.
#[derive(Debug, Clone)]
pub struct Copula {
    /// Number of variables: sites × inputs, site-major (site s, input i at s × inputs + i).
    pub dim: usize,
    /// The lower-triangular Cholesky factor of the correlation matrix, row-major.
    lower: Vec<f64>,
    /// What was asked, for reports: description, correlation of the normals, and the rank
    /// (Spearman) correlation it gives the inputs, (6/π)·asin(ρ/2).
    pub pairs: Vec<(String, f64, f64)>,
}

impl Copula {
    /// The copula of the `dim` × `dim` row-major correlation matrix `corr`; `pairs` describes what
    /// was asked, for reports.
    ///
    /// # Errors
    /// [`NotPositiveDefinite`] if `corr` has no Cholesky factor (correlations that cannot hold
    /// together).
    pub fn new(
        corr: &[f64],
        dim: usize,
        pairs: Vec<(String, f64, f64)>,
    ) -> Result<Copula, NotPositiveDefinite> {
        let lower = cholesky(corr, dim).ok_or(NotPositiveDefinite)?;
        Ok(Copula { dim, lower, pairs })
    }

    /// The lower-triangular Cholesky factor of the correlation matrix, row-major.
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }

    /// One trial's correlated uniforms, one per variable: z = L·ε with ε standard normal (drawn
    /// in variable order), u = Φ(z), kept inside (0, 1) so every quantile is finite.
    pub fn uniforms<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        let eps: Vec<f64> = (0..self.dim).map(|_| StandardNormal.sample(rng)).collect();
        self.correlate(&eps)
    }

    /// One trial's correlated uniforms from given independent uniforms `u` (one per variable, in
    /// (0, 1)), as a stratified or quasi-random point set supplies them: ε = Φ⁻¹(u), then as
    /// [`Copula::uniforms`]. Each ε is standard normal when its u is uniform, so the result has
    /// the same distribution as [`Copula::uniforms`]'s.
    ///
    /// # Panics
    /// If `u` has fewer than [`Copula::dim`] values.
    pub fn uniforms_from(&self, u: &[f64]) -> Vec<f64> {
        let eps: Vec<f64> = u[..self.dim]
            .iter()
            .map(|&u| -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u))
            .collect();
        self.correlate(&eps)
    }

    /// z = L·ε and u = Φ(z), kept inside (0, 1) so every quantile is finite.
    fn correlate(&self, eps: &[f64]) -> Vec<f64> {
        (0..self.dim)
            .map(|i| {
                let z: f64 = (0..=i).map(|k| self.lower[i * self.dim + k] * eps[k]).sum();
                let u = 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
                u.clamp(1e-15, 1.0 - 1e-15)
            })
            .collect()
    }
}

/// The lower-triangular Cholesky factor of the `n` × `n` row-major matrix `a`, or `None` if `a` is
/// not positive definite (Cholesky–Banachiewicz).
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = a[i * n + i] - sum;
                if d <= 1e-12 {
                    return None;
                }
                l[i * n + j] = d.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - sum) / l[j * n + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn factor_reproduces_the_matrix_and_refuses_an_impossible_one() {
        let corr = [1.0, 0.6, 0.0, 0.6, 1.0, 0.3, 0.0, 0.3, 1.0];
        let c = Copula::new(&corr, 3, Vec::new()).unwrap();
        let l = c.lower();
        for i in 0..3 {
            for j in 0..3 {
                let llt: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((llt - corr[i * 3 + j]).abs() < 1e-12, "({i}, {j})");
            }
        }
        // Three variables each correlated -0.9 with the others cannot hold together.
        let bad = [1.0, -0.9, -0.9, -0.9, 1.0, -0.9, -0.9, -0.9, 1.0];
        assert_eq!(
            Copula::new(&bad, 3, Vec::new()).unwrap_err(),
            NotPositiveDefinite
        );
    }

    #[test]
    fn uniforms_are_inside_the_unit_interval_and_correlated() {
        let c = Copula::new(&[1.0, 0.8, 0.8, 1.0], 2, Vec::new()).unwrap();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
        let draws: Vec<Vec<f64>> = (0..4000).map(|_| c.uniforms(&mut rng)).collect();
        assert!(draws.iter().flatten().all(|&u| u > 0.0 && u < 1.0));
        let agree = draws
            .iter()
            .filter(|u| (u[0] < 0.5) == (u[1] < 0.5))
            .count() as f64
            / 4000.0;
        // P(same side of the median) = 1/2 + asin(ρ)/π ≈ 0.795 for ρ = 0.8.
        assert!((agree - 0.795).abs() < 0.03, "{agree}");
    }

    #[test]
    fn given_uniforms_map_through_the_normal_quantile() {
        // Uncorrelated: u' = Φ(Φ⁻¹(u)) = u, to the accuracy of statrs' erfc_inv (about 1e-10
        // relative: far below anything a sample of uniforms can resolve).
        let id = Copula::new(&[1.0, 0.0, 0.0, 1.0], 2, Vec::new()).unwrap();
        for u in [1e-9, 0.025, 0.3, 0.5, 0.8, 0.975, 1.0 - 1e-9] {
            let out = id.uniforms_from(&[u, 1.0 - u]);
            assert!((out[0] - u).abs() < 1e-10 * u, "{u}: {out:?}");
            assert!(
                (out[1] - (1.0 - u)).abs() < 1e-10 * (1.0 - u),
                "{u}: {out:?}"
            );
        }
        // Φ⁻¹(0.975) = 1.959964: with ρ = 0.6 the second normal is 0.6·1.959964 + 0.8·0 = 1.175978
        // and Φ of it 0.880198 (Python's statistics.NormalDist).
        let c = Copula::new(&[1.0, 0.6, 0.6, 1.0], 2, Vec::new()).unwrap();
        let out = c.uniforms_from(&[0.975, 0.5]);
        assert!((out[0] - 0.975).abs() < 1e-10);
        assert!((out[1] - 0.880_198_244).abs() < 1e-8, "{out:?}");
    }
}
