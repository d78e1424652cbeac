//! What a sensitivity analysis varies: the catalogue of a scenario's recorded inputs, and the
//! groups a variance-based analysis reports together.

use crate::distributions::Dist;
use crate::engine::record::RecordLayout;
use crate::scenario::{Model, Param};

/// What an input is about, for the "delivery" vs "money" groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Referrals, engagement, jobs, sustainment, evidence (`[sites.<id>.delivery]`).
    Delivery,
    /// Posts, turnover, vacancies (`[sites.<id>.staffing]`).
    Staffing,
    /// The provider's costs and opening cash (`[sites.<id>.costs]`).
    Costs,
    /// The SPV's monthly costs (`[finance.costs]`).
    Spv,
}

impl Kind {
    /// Whether the input is money (a cost or cash) rather than delivery.
    pub fn is_money(self) -> bool {
        matches!(self, Kind::Costs | Kind::Spv)
    }
}

/// One recorded input.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Input {
    /// As recorded: `input.<site>.<field>` or `input.spv.<cost>`.
    pub name: String,
    /// The site, or `None` for the SPV's costs.
    pub site: Option<String>,
    /// The field (`p_engage`) or SPV cost (`central_team`).
    pub param: String,
    /// Which table the input comes from: delivery, staffing, costs or the SPV's costs.
    pub kind: Kind,
    /// Whether its distribution is a single value (it cannot drive anything).
    pub fixed: bool,
    /// The index of the copula block it is correlated within, if any ([`copula_blocks`]).
    pub correlated: Option<usize>,
}

/// Whether `d` puts all its mass on one value (its quantiles at 10⁻⁹ and 1 − 10⁻⁹ agree).
fn is_fixed(d: &Dist) -> bool {
    d.quantile(1e-9) == d.quantile(1.0 - 1e-9)
}

/// Every recorded input of `model`, in the trial record's order (`TrialTable::inputs`).
pub fn catalogue(model: &Model) -> Vec<Input> {
    let names = RecordLayout::new(model).input_names;
    let blocks = copula_blocks(model);
    let block_of = |s: usize, p: usize| -> Option<usize> {
        let d = s * Param::N_CORE + p;
        blocks.iter().position(|b| b.contains(&d))
    };
    let mut out = Vec::with_capacity(names.len());
    let mut names = names.into_iter();
    for (s, site) in model.sites.iter().enumerate() {
        for &p in Param::ALL
            .iter()
            .filter(|p| !p.optional() || site.sustain_13w)
        {
            let name = names.next().expect("the record names every site input");
            out.push(Input {
                name,
                site: Some(site.id.clone()),
                param: p.field().to_string(),
                kind: match p.table() {
                    "delivery" => Kind::Delivery,
                    "staffing" => Kind::Staffing,
                    _ => Kind::Costs,
                },
                fixed: is_fixed(site.input(p)),
                correlated: (!p.optional()).then(|| block_of(s, p as usize)).flatten(),
            });
        }
        for (k, d) in site.demand.iter().enumerate() {
            out.push(Input {
                name: names.next().expect("the record names every demand shock"),
                site: Some(site.id.clone()),
                param: format!("demand[{k}]"),
                kind: Kind::Delivery,
                fixed: is_fixed(&d.multiplier),
                correlated: None,
            });
        }
    }
    if let Some(f) = &model.finance {
        for (d, name) in f.costs.iter().zip(names.by_ref()) {
            out.push(Input {
                param: name.trim_start_matches("input.spv.").to_string(),
                name,
                site: None,
                kind: Kind::Spv,
                fixed: is_fixed(d),
                correlated: None,
            });
        }
    }
    out
}

/// The sets of copula dimensions (site-major: site s's input i is s × [`Param::N_CORE`] + i) that
/// the copula correlates with each other: the connected components of the non-zero off-diagonal
/// entries of its Cholesky factor, with more than one member. Empty without a copula.
pub fn copula_blocks(model: &Model) -> Vec<Vec<usize>> {
    let Some(c) = &model.copula else {
        return Vec::new();
    };
    let n = c.dim;
    let lower = c.lower();
    // Union–find over the dimensions.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..n {
        for j in 0..i {
            if lower[i * n + j] != 0.0 {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut seen: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let r = root(&mut parent, i);
        match seen[r] {
            Some(b) => blocks[b].push(i),
            None => {
                seen[r] = Some(blocks.len());
                blocks.push(vec![i]);
            }
        }
    }
    blocks.retain(|b| b.len() > 1);
    blocks
}

/// A named set of inputs reported together (indices into the [`catalogue`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Group {
    /// E.g. `site.tower_hamlets`, `param.p_engage`, `delivery`, `money`, `copula.0`.
    pub name: String,
    /// What it holds, in words.
    pub what: String,
    /// Indices into the analysis' inputs of the inputs in the group.
    pub members: Vec<usize>,
}

/// The groups of `inputs`: each site's inputs; each parameter across the sites that draw it
/// (where more than one does); every delivery and staffing input ("delivery") and every cost and
/// cash input ("money"); and each block of inputs a copula correlates (the Sobol estimator assumes
/// independent inputs, so correlated inputs are only reported together). Groups whose members
/// are all fixed are left out.
pub fn groups(inputs: &[Input]) -> Vec<Group> {
    let mut out = Vec::new();
    let mut push = |name: String, what: String, members: Vec<usize>| {
        if !members.is_empty() && members.iter().any(|&i| !inputs[i].fixed) {
            out.push(Group {
                name,
                what,
                members,
            });
        }
    };
    let mut sites: Vec<&str> = Vec::new();
    for i in inputs {
        if let Some(s) = &i.site {
            if !sites.contains(&s.as_str()) {
                sites.push(s);
            }
        }
    }
    for s in &sites {
        let members = (0..inputs.len())
            .filter(|&i| inputs[i].site.as_deref() == Some(*s))
            .collect();
        push(
            format!("site.{s}"),
            format!("every input of site {s}"),
            members,
        );
    }
    let mut params: Vec<&str> = Vec::new();
    for i in inputs.iter().filter(|i| i.site.is_some()) {
        if !params.contains(&i.param.as_str()) {
            params.push(&i.param);
        }
    }
    for p in &params {
        let members: Vec<usize> = (0..inputs.len())
            .filter(|&i| inputs[i].site.is_some() && inputs[i].param == *p)
            .collect();
        if members.len() > 1 {
            push(
                format!("param.{p}"),
                format!("{p} at every site that draws it"),
                members,
            );
        }
    }
    push(
        "delivery".into(),
        "every delivery and staffing input".into(),
        (0..inputs.len())
            .filter(|&i| !inputs[i].kind.is_money())
            .collect(),
    );
    push(
        "money".into(),
        "every cost and cash input (providers' and the SPV's)".into(),
        (0..inputs.len())
            .filter(|&i| inputs[i].kind.is_money())
            .collect(),
    );
    let n_blocks = inputs
        .iter()
        .filter_map(|i| i.correlated)
        .max()
        .map_or(0, |m| m + 1);
    for b in 0..n_blocks {
        push(
            format!("copula.{b}"),
            "inputs the scenario's correlation table correlates with each other".into(),
            (0..inputs.len())
                .filter(|&i| inputs[i].correlated == Some(b))
                .collect(),
        );
    }
    out
}
