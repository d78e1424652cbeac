//! What each variant of a comparison reports (issue 10, "What each variant reports"), as a list
//! of figures built from the base model: a source column per trial and a statistic of it.

use super::paired;
use crate::analysis::TrialTable;
use crate::scenario::{Model, Role};

/// Where a figure's per-trial values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A metric or flag of the run, by name.
    Column(String),
    /// A party's net spend: `payments.by_payer.<id>` − `payments.by_payee.<id>`.
    NetSpend(String),
    /// Commissioners' net spend over all commissioners.
    CommissionersSpend,
    /// The share of the sites whose provider makes a loss in the trial (its mean: the site
    /// average of P(provider loss)).
    SitesAtLoss,
    /// The investor's IRR as a ranking key over all trials ([`paired::irr_rank_keys`]), for
    /// [`Stat::IrrQuantile`].
    RankedIrr,
}

/// The statistic of a figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stat {
    /// The mean over the trials where the value is defined.
    Mean,
    /// A share of trials with the flag set.
    Probability,
    /// A quantile at this level, 0–1 (type 7).
    Quantile(f64),
    /// A quantile of the investor's IRR over all trials, those with no IRR ranked where `run`'s
    /// summary ranks them ([`paired::irr_quantile`]); undefined when it falls among them.
    IrrQuantile(f64),
    /// E(this source) ÷ E(the figure's `den`).
    RatioOfMeans,
}

impl Stat {
    /// The statistic's name in reports: `mean`, `probability`, `pNN`, `ratio_of_means`.
    pub fn name(self) -> String {
        match self {
            Stat::Mean => "mean".into(),
            Stat::Probability => "probability".into(),
            Stat::Quantile(p) | Stat::IrrQuantile(p) => format!("p{}", (p * 100.0).round()),
            Stat::RatioOfMeans => "ratio_of_means".into(),
        }
    }
}

/// One figure of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// A unique key, e.g. `site.haringey.provider.margin.p10`.
    pub key: String,
    /// A human label.
    pub label: String,
    /// Where its per-trial values come from.
    pub source: Source,
    /// The statistic taken of them.
    pub stat: Stat,
    /// For [`Stat::RatioOfMeans`], the denominator.
    pub den: Option<Source>,
    /// Why a trial's value can be undefined, if it can.
    pub undefined_when: Option<&'static str>,
}

fn fig(key: String, label: String, source: Source, stat: Stat) -> Figure {
    Figure {
        key,
        label,
        source,
        stat,
        den: None,
        undefined_when: None,
    }
}

const QS: [(f64, &str); 3] = [(0.1, "P10"), (0.5, "P50"), (0.9, "P90")];

fn quantiles(out: &mut Vec<Figure>, metric: &str, label: &str) {
    for (p, l) in QS {
        out.push(fig(
            format!("{metric}.{}", Stat::Quantile(p).name()),
            format!("{label} {l}"),
            Source::Column(metric.into()),
            Stat::Quantile(p),
        ));
    }
}

fn prob(out: &mut Vec<Figure>, flag: &str, label: &str) {
    out.push(fig(
        flag.into(),
        label.into(),
        Source::Column(flag.into()),
        Stat::Probability,
    ));
}

/// The figures a comparison on `model` reports, in display order.
pub fn figures(model: &Model) -> Vec<Figure> {
    let mut f = Vec::new();
    quantiles(&mut f, "engagements", "Engagements");
    quantiles(&mut f, "job_starts", "Job starts");
    quantiles(&mut f, "sustain_26w", "Sustained jobs (26 weeks)");
    for s in &model.sites {
        let id = &s.id;
        quantiles(
            &mut f,
            &format!("site.{id}.provider.margin"),
            &format!("{id}: provider margin £"),
        );
        prob(
            &mut f,
            &format!("site.{id}.provider_loss"),
            &format!("{id}: P(provider loss)"),
        );
        prob(
            &mut f,
            &format!("site.{id}.provider_distress"),
            &format!("{id}: P(provider distress)"),
        );
        let lowest = format!("site.{id}.provider.lowest_cash");
        f.push(fig(
            format!("{lowest}.p10"),
            format!("{id}: provider lowest cash £ P10"),
            Source::Column(lowest),
            Stat::Quantile(0.1),
        ));
        prob(
            &mut f,
            &format!("site.{id}.terminated"),
            &format!("{id}: P(termination)"),
        );
        f.push(fig(
            format!("site.{id}.provider.block_share.mean"),
            format!("{id}: block share of provider income"),
            Source::Column(format!("site.{id}.provider.block_share")),
            Stat::Mean,
        ));
    }
    prob(&mut f, "provider_loss", "Any site: P(provider loss)");
    f.push(fig(
        "sites_at_loss.mean".into(),
        "Site average: P(provider loss)".into(),
        Source::SitesAtLoss,
        Stat::Probability,
    ));
    prob(&mut f, "terminated", "Any site: P(termination)");
    let commissioners: Vec<&str> = model
        .parties
        .iter()
        .filter(|p| p.role == Role::Commissioner)
        .map(|p| p.id.as_str())
        .collect();
    if !commissioners.is_empty() {
        f.push(Figure {
            key: "commissioners.cost_per_sustained_job.ratio_of_means".into(),
            label: "Commissioners: spend ÷ sustained jobs (ratio of means) £".into(),
            source: Source::CommissionersSpend,
            stat: Stat::RatioOfMeans,
            den: Some(Source::Column("sustain_26w".into())),
            undefined_when: None,
        });
    }
    for p in &model.parties {
        if !matches!(p.role, Role::Commissioner | Role::OutcomePayer) {
            continue;
        }
        let id = &p.id;
        f.push(fig(
            format!("commissioning.{id}.net_spend.mean"),
            format!("{id}: net spend £ mean"),
            Source::NetSpend(id.clone()),
            Stat::Mean,
        ));
        for (what, label, when) in [
            (
                "cost_per_job_start",
                "net cost per job start £",
                "no job starts",
            ),
            (
                "cost_per_sustained_job",
                "net cost per sustained job £",
                "no sustained jobs",
            ),
        ] {
            let metric = format!("commissioning.{id}.{what}");
            for stat in [Stat::Mean, Stat::Quantile(0.9)] {
                let l = if stat == Stat::Mean { "mean" } else { "P90" };
                f.push(Figure {
                    undefined_when: Some(when),
                    ..fig(
                        format!("{metric}.{}", stat.name()),
                        format!("{id}: {label} {l}"),
                        Source::Column(metric.clone()),
                        stat,
                    )
                });
            }
        }
        if p.budget.is_some() {
            let metric = format!("commissioning.{id}.spend_vs_budget");
            for stat in [Stat::Mean, Stat::Quantile(0.9)] {
                let l = if stat == Stat::Mean { "mean" } else { "P90" };
                f.push(fig(
                    format!("{metric}.{}", stat.name()),
                    format!("{id}: spend ÷ budget {l}"),
                    Source::Column(metric.clone()),
                    stat,
                ));
            }
        }
    }
    if model.finance.is_some() {
        quantiles(&mut f, "investor.multiple", "Investor multiple");
        for (p, l) in QS {
            f.push(Figure {
                undefined_when: Some(IRR_UNDEFINED),
                ..fig(
                    format!("investor.irr.{}", Stat::IrrQuantile(p).name()),
                    format!("Investor IRR {l}"),
                    Source::RankedIrr,
                    Stat::IrrQuantile(p),
                )
            });
        }
        prob(&mut f, "investor.capital_loss", "P(investor capital loss)");
        prob(&mut f, "spv.default", "P(SPV default)");
    }
    f
}

/// Why a trial has no investor IRR, and how the IRR quantiles treat it.
pub const IRR_UNDEFINED: &str = "no rate zeroes the investor's cash flows (investor.irr_undefined): capital losses, ranked below every IRR and among themselves by money multiple, so the quantile is over all trials, as in `run`'s summary, and undefined when it falls among them";

/// Column `name` (metric or flag) of `table`, per trial.
pub fn named(table: &TrialTable, name: &str) -> Option<Vec<f64>> {
    if let Some(j) = table.metric_index(name) {
        return Some(table.metric_column(j));
    }
    table.flag_index(name).map(|j| table.flag_column(j))
}

/// The exact mean of metric `name` over its defined trials (the store keeps exact moments).
pub fn exact_mean(table: &TrialTable, name: &str) -> Option<f64> {
    table
        .metric_index(name)
        .map(|j| table.store().moments(j).mean)
}

/// The per-trial values of `source` in `table` (NaN where undefined).
///
/// # Errors
/// The name of a column the run does not have.
pub fn column(table: &TrialTable, source: &Source, model: &Model) -> Result<Vec<f64>, String> {
    let col = |name: &str| named(table, name).ok_or_else(|| name.to_string());
    match source {
        Source::Column(name) => col(name),
        Source::NetSpend(id) => {
            let paid = col(&format!("payments.by_payer.{id}"))?;
            let got = col(&format!("payments.by_payee.{id}"))?;
            Ok(paid.iter().zip(&got).map(|(a, b)| a - b).collect())
        }
        Source::CommissionersSpend => {
            let mut total = vec![0.0; table.trials];
            for p in model
                .parties
                .iter()
                .filter(|p| p.role == Role::Commissioner)
            {
                let s = column(table, &Source::NetSpend(p.id.clone()), model)?;
                total.iter_mut().zip(&s).for_each(|(t, v)| *t += v);
            }
            Ok(total)
        }
        Source::RankedIrr => Ok(paired::irr_rank_keys(
            &col("investor.irr")?,
            &col("investor.multiple")?,
            &col("investor.returned")?,
        )),
        Source::SitesAtLoss => {
            let mut total = vec![0.0; table.trials];
            let n = model.sites.len().max(1) as f64;
            for s in &model.sites {
                let flag = col(&format!("site.{}.provider_loss", s.id))?;
                total.iter_mut().zip(&flag).for_each(|(t, v)| *t += v / n);
            }
            Ok(total)
        }
    }
}
