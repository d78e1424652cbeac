//! The results contract of a comparison (`compare.json`, schema `sibsim.compare/1`; README,
//! "compare.json"), its CSV form and its terminal table.
//!
//! Nothing here is a silent `null`: a figure undefined in some trials says in how many and why; a
//! value or error that cannot be given is `null` with a `note` beside it saying why.

use serde::Serialize;

use super::figures::{self, Figure, Source, Stat};
use super::paired::{self, Diff};
use super::{delivery_diverged, Base, Evaluated, Setup, Solve};
use crate::error::ReportError;
use crate::report::table::Table;
use crate::report::terminal::number;
use crate::scenario::units::Unit;
use crate::scenario::Model;

/// The schema name and version of `compare.json`.
pub const SCHEMA: &str = "sibsim.compare/1";

/// A comparison's results.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The schema name, [`SCHEMA`] (`sibsim.compare/1`).
    pub schema: &'static str,
    /// The comparison's name.
    pub name: String,
    /// The base scenario's name.
    pub base_scenario: String,
    /// Trials of every run.
    pub trials: u64,
    /// Master seed of every run.
    pub seed: u64,
    /// Always `mc`: variants share trial indices and streams.
    pub sampling: &'static str,
    /// Whether money fed back into delivery (distress, termination) in the runs.
    pub feedback: bool,
    /// What the common random numbers guarantee in this comparison.
    pub common_random_numbers: String,
    /// For a comparison with block-share variants: how their structures were found, and what
    /// their standard errors leave out (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structures: Option<String>,
    /// Base first.
    pub variants: Vec<VariantReport>,
    /// Every figure across the variants, in report order.
    pub figures: Vec<FigureReport>,
    /// The risk-transfer frontier.
    pub frontier: Frontier,
}

/// One variant: what it set and how its delivery relates to the base's.
#[derive(Debug, Clone, Serialize)]
pub struct VariantReport {
    /// The variant's name (`base` for the base).
    pub name: String,
    /// What the variant models.
    pub description: String,
    /// What was set, as `path = value` lines.
    pub settings: Vec<String>,
    /// For block-share variants only: the equal-spend solve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solve: Option<Solve>,
    /// Trials whose delivery (any count at any site) differs from the base's.
    pub delivery_diverged_trials: usize,
    /// Median over this variant's figures of the variance-reduction factor (unpaired ÷ paired
    /// variance of the difference from the base); `null` for the base or when no figure has one.
    pub variance_reduction_median: Option<f64>,
}

/// One figure across the variants.
#[derive(Debug, Clone, Serialize)]
pub struct FigureReport {
    /// A unique key, e.g. `site.haringey.provider.margin.p10`.
    pub key: String,
    /// A human label.
    pub label: String,
    /// The statistic: `mean`, `probability`, `pNN` or `ratio_of_means`.
    pub stat: String,
    /// One per variant, in the order of [`Comparison::variants`].
    pub cells: Vec<Cell>,
}

/// A figure of one variant.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// The variant's name.
    pub variant: String,
    /// `null` when no trial defines it (see `undefined`).
    pub value: Option<f64>,
    /// Trials in which the figure's per-trial value is defined.
    pub defined_trials: usize,
    /// Trials where the figure's per-trial value is undefined, and why (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined: Option<Undefined>,
    /// The paired difference from the base (absent for the base).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<Difference>,
}

/// Trials with no value for a figure.
#[derive(Debug, Clone, Serialize)]
pub struct Undefined {
    /// How many trials.
    pub trials: usize,
    /// Why the figure has no value in them (e.g. no IRR).
    pub why: String,
}

/// A paired difference from the base.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// The variant's figure minus the base's, in the figure's unit (`null`: not defined, see `note`).
    pub value: Option<f64>,
    /// SE from the per-trial (quantiles: per-batch) differences.
    pub se_paired: Option<f64>,
    /// SE two independent runs of this size would give.
    pub se_unpaired: Option<f64>,
    /// (se_unpaired / se_paired)².
    pub variance_reduction: Option<f64>,
    /// Trials both values are defined in.
    pub pairs: usize,
    /// Why any of the above is `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The risk-transfer frontier: each variant's commissioner cost per sustained job against
/// provider and investor risk, with the dominated variants marked: another is better on at least
/// one axis by more than [`DOMINANCE_SES`] paired SEs, and worse on none by more than that.
#[derive(Debug, Clone, Serialize)]
pub struct Frontier {
    /// The dominance rule, in words.
    pub rule: String,
    /// One point per variant, in variant order.
    pub points: Vec<FrontierPoint>,
}

/// One variant on the frontier.
#[derive(Debug, Clone, Serialize)]
pub struct FrontierPoint {
    /// The variant's name.
    pub variant: String,
    /// Commissioners' expected net spend ÷ expected sustained jobs, £.
    pub cost_per_sustained_job: Option<f64>,
    /// P(provider loss), averaged over the sites.
    pub provider_loss: Option<f64>,
    /// P(investor capital loss); `null` without finance.
    pub investor_capital_loss: Option<f64>,
    /// Variants that dominate this one (empty: on the frontier).
    pub dominated_by: Vec<String>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Per-trial values of every figure's source (and denominator) for one run.
struct Columns {
    values: Vec<Result<Vec<f64>, String>>,
    dens: Vec<Option<Result<Vec<f64>, String>>>,
}

fn columns(model: &Model, table: &crate::analysis::TrialTable, figs: &[Figure]) -> Columns {
    Columns {
        values: figs
            .iter()
            .map(|f| figures::column(table, &f.source, model))
            .collect(),
        dens: figs
            .iter()
            .map(|f| f.den.as_ref().map(|d| figures::column(table, d, model)))
            .collect(),
    }
}

/// What a quantile of a whole-number figure's paired SE cannot be trusted for.
const COUNT_QUANTILE_NOTE: &str = "a quantile of a whole-number figure moves in steps, and its batch-means SE can understate the error (on MHEP 1: 1.3–2.8 × for sustained jobs, about 1 × for engagements; docs/compare.md)";

/// Whether every defined value is a whole number.
fn whole(x: &[f64]) -> bool {
    x.iter().filter(|v| !v.is_nan()).all(|v| v.fract() == 0.0)
}

/// Why a ratio of means has no value.
const RATIO_UNDEFINED: &str =
    "its denominator is 0 in every trial (e.g. no sustained jobs), so the ratio of means is undefined";

fn value_of(f: &Figure, x: &[f64], den: Option<&[f64]>) -> f64 {
    match f.stat {
        Stat::Mean | Stat::Probability => paired::mean_var(x.iter().copied()).0,
        Stat::Quantile(p) => paired::quantile(x, p),
        Stat::IrrQuantile(p) => paired::irr_quantile(x, p),
        Stat::RatioOfMeans => den.map_or(f64::NAN, |d| paired::ratio_of_means(x, d)),
    }
}

fn diff_of(f: &Figure, x: &[f64], y: &[f64], dx: Option<&[f64]>, dy: Option<&[f64]>) -> Diff {
    match f.stat {
        Stat::Mean | Stat::Probability => paired::mean_diff(x, y),
        Stat::Quantile(p) => paired::quantile_diff(x, y, p),
        Stat::IrrQuantile(p) => paired::irr_quantile_diff(x, y, p),
        Stat::RatioOfMeans => match (dx, dy) {
            (Some(dx), Some(dy)) => paired::ratio_diff(x, dx, y, dy),
            _ => paired::mean_diff(&[], &[]),
        },
    }
}

fn difference(d: Diff, stat: Stat, trials: usize) -> Difference {
    let mut notes = Vec::new();
    if d.pairs > 0 && !d.se_paired.is_finite() {
        notes.push(match stat {
            Stat::IrrQuantile(_) if trials >= paired::BATCHES * paired::MIN_BATCH_TRIALS => {
                "no standard error: in some batches of trials the quantile falls among trials with no IRR"
                    .into()
            }
            Stat::Quantile(_) | Stat::IrrQuantile(_) => format!(
                "no standard error: a quantile's needs at least {} trials ({} batches of {})",
                paired::BATCHES * paired::MIN_BATCH_TRIALS,
                paired::BATCHES,
                paired::MIN_BATCH_TRIALS
            ),
            _ => "no standard error: it needs at least 2 trials defining both values".into(),
        });
    }
    let vr = d.variance_reduction();
    if !d.value.is_finite() && d.pairs > 0 {
        notes.push("no difference: the figure is undefined in one of the two runs".into());
    }
    if vr.is_none() && d.se_paired == 0.0 {
        notes.push(
            "no variance reduction factor: the difference is the same in every trial (paired SE 0)"
                .into(),
        );
    } else if vr.is_none() && d.se_unpaired == 0.0 {
        notes.push("no variance reduction factor: the figure does not vary".into());
    }
    if d.pairs == 0 {
        notes.push(format!("no trial of {trials} defines both values"));
    }
    Difference {
        value: finite(d.value),
        se_paired: finite(d.se_paired),
        se_unpaired: finite(d.se_unpaired),
        variance_reduction: vr,
        pairs: d.pairs,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

impl Comparison {
    /// The comparison of `variants` with `base`.
    pub fn new(name: &str, setup: &Setup, base: &Base, variants: &[Evaluated]) -> Comparison {
        let figs = figures::figures(&base.plain);
        let runs: Vec<&Evaluated> = std::iter::once(&base.run).chain(variants).collect();
        let cols: Vec<Columns> = runs
            .iter()
            .map(|r| columns(&r.model, &r.table, &figs))
            .collect();
        let trials = base.run.table.trials;
        let mut figures_out = Vec::new();
        let mut vrs: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
        for (i, f) in figs.iter().enumerate() {
            let mut cells = Vec::new();
            let mut base_ratio_undefined = false;
            for (v, run) in runs.iter().enumerate() {
                let Ok(x) = &cols[v].values[i] else {
                    let missing = cols[v].values[i]
                        .as_ref()
                        .err()
                        .cloned()
                        .unwrap_or_default();
                    cells.push(Cell {
                        variant: run.name.clone(),
                        value: None,
                        defined_trials: 0,
                        undefined: Some(Undefined {
                            trials,
                            why: format!("this variant's run has no column {missing}"),
                        }),
                        difference: None,
                    });
                    continue;
                };
                let den = cols[v].dens[i].as_ref().and_then(|d| d.as_ref().ok());
                let defined = if matches!(f.stat, Stat::IrrQuantile(_)) {
                    x.iter()
                        .filter(|&&k| paired::irr_of_key(k).is_some())
                        .count()
                } else {
                    x.iter().filter(|x| !x.is_nan()).count()
                };
                let value = value_of(f, x, den.map(Vec::as_slice));
                // A ratio of means whose denominator averages 0 is undefined as a whole, though
                // every trial has both of its parts.
                let ratio_undefined = f.stat == Stat::RatioOfMeans && !value.is_finite();
                let undefined = if ratio_undefined {
                    Some(Undefined {
                        trials: x.len(),
                        why: RATIO_UNDEFINED.to_string(),
                    })
                } else {
                    (defined < x.len()).then(|| Undefined {
                        trials: x.len() - defined,
                        why: f
                            .undefined_when
                            .unwrap_or("the metric is undefined in these trials")
                            .to_string(),
                    })
                };
                if v == 0 {
                    base_ratio_undefined = ratio_undefined;
                }
                let difference = match (v, &cols[0].values[i]) {
                    (0, _) | (_, Err(_)) => None,
                    (_, Ok(y)) => {
                        let dy = cols[0].dens[i].as_ref().and_then(|d| d.as_ref().ok());
                        let d = diff_of(f, x, y, den.map(Vec::as_slice), dy.map(Vec::as_slice));
                        if let Some(r) = d.variance_reduction() {
                            vrs[v].push(r);
                        }
                        let mut diff = difference(d, f.stat, trials);
                        if matches!(f.stat, Stat::Quantile(_))
                            && diff.se_paired.is_some()
                            && whole(x)
                            && whole(y)
                        {
                            let n = COUNT_QUANTILE_NOTE.to_string();
                            diff.note = Some(match diff.note.take() {
                                Some(o) => format!("{o}; {n}"),
                                None => n,
                            });
                        }
                        if ratio_undefined || base_ratio_undefined {
                            let which = match (base_ratio_undefined, ratio_undefined) {
                                (true, true) => "in both runs",
                                (true, false) => "in the base",
                                _ => "in this variant",
                            };
                            diff.note = Some(format!(
                                "no difference: the ratio is undefined {which} ({RATIO_UNDEFINED})"
                            ));
                        }
                        Some(diff)
                    }
                };
                cells.push(Cell {
                    variant: run.name.clone(),
                    value: finite(value),
                    defined_trials: if ratio_undefined { 0 } else { defined },
                    undefined,
                    difference,
                });
            }
            figures_out.push(FigureReport {
                key: f.key.clone(),
                label: f.label.clone(),
                stat: f.stat.name(),
                cells,
            });
        }
        let variants_out = runs
            .iter()
            .enumerate()
            .map(|(v, r)| VariantReport {
                name: r.name.clone(),
                description: r.description.clone(),
                settings: r.settings.clone(),
                solve: r.solve.clone(),
                delivery_diverged_trials: if v == 0 {
                    0
                } else {
                    delivery_diverged(&base.plain, &base.run.table, &r.table)
                },
                variance_reduction_median: median(&mut vrs[v]),
            })
            .collect();
        let frontier = frontier(&base.plain, &runs);
        Comparison {
            schema: SCHEMA,
            name: name.to_string(),
            base_scenario: base.plain.name.clone(),
            trials: setup.trials,
            seed: setup.seed,
            sampling: "mc",
            feedback: setup.feedback,
            common_random_numbers: if setup.feedback {
                "every variant runs the same trials on the same seed, and delivery draws are shared; distress and termination feed money back into delivery, so a variant's delivery can differ from the base's only through that feedback (delivery_diverged_trials counts the trials where it does)".into()
            } else {
                "every variant runs the same trials on the same seed with distress and termination off, so delivery is identical in every trial of every variant and only payments differ".into()
            },
            structures: variants
                .iter()
                .find_map(|v| v.solve.as_ref())
                .map(|s| format!(
                    "block-share structures are solved on pilot trials (seed {}) and frozen: the standard errors are those of these structures on these trials; the pilot's own error (another pilot seed gives slightly different blocks and scales) is not in them, and can make a figure differ by about as much again (docs/compare.md)",
                    s.pilot_seed
                )),
            variants: variants_out,
            figures: figures_out,
            frontier,
        }
    }

    /// The figure `key`'s cell for `variant`.
    pub fn cell(&self, key: &str, variant: &str) -> Option<&Cell> {
        self.figures
            .iter()
            .find(|f| f.key == key)?
            .cells
            .iter()
            .find(|c| c.variant == variant)
    }
}

fn median(xs: &mut [f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_unstable_by(f64::total_cmp);
    Some(crate::analysis::summary::quantile_sorted(xs, 0.5))
}

/// Margin in paired SEs by which one variant must beat another on an axis to count as better; also
/// the most by which a dominating variant may be worse on any other axis (within it, the two are
/// not told apart).
pub const DOMINANCE_SES: f64 = 2.0;

fn frontier(model: &Model, runs: &[&Evaluated]) -> Frontier {
    let has_finance = model.finance.is_some();
    let spend = Source::CommissionersSpend;
    let sustained = Source::Column("sustain_26w".into());
    let loss = Source::SitesAtLoss;
    let cap = Source::Column("investor.capital_loss".into());
    let col = |r: &Evaluated, s: &Source| figures::column(&r.table, s, &r.model).ok();
    let data: Vec<_> = runs
        .iter()
        .map(|r| {
            (
                col(r, &spend),
                col(r, &sustained),
                col(r, &loss),
                col(r, &cap),
            )
        })
        .collect();
    // For each axis: the paired difference w − v (negative: w better).
    let axis_diffs = |w: usize, v: usize| -> Vec<Option<Diff>> {
        let (a, b) = (&data[w], &data[v]);
        let mut out = vec![match (&a.0, &a.1, &b.0, &b.1) {
            (Some(sa), Some(na), Some(sb), Some(nb)) => Some(paired::ratio_diff(sa, na, sb, nb)),
            _ => None,
        }];
        out.push(match (&a.2, &b.2) {
            (Some(x), Some(y)) => Some(paired::mean_diff(x, y)),
            _ => None,
        });
        if has_finance {
            out.push(match (&a.3, &b.3) {
                (Some(x), Some(y)) => Some(paired::mean_diff(x, y)),
                _ => None,
            });
        }
        out
    };
    let points = (0..runs.len())
        .map(|v| {
            let (s, n, l, c) = &data[v];
            let dominated_by = (0..runs.len())
                .filter(|&w| w != v)
                .filter(|&w| {
                    let ds = axis_diffs(w, v);
                    // An axis whose difference or error is undefined cannot decide dominance.
                    let known = ds
                        .iter()
                        .all(|d| d.is_some_and(|d| d.value.is_finite() && d.se_paired.is_finite()));
                    let margin = |d: &Diff| DOMINANCE_SES * d.se_paired.max(0.0);
                    known
                        && ds.iter().flatten().all(|d| d.value <= margin(d))
                        && ds.iter().flatten().any(|d| d.value < -margin(d))
                })
                .map(|w| runs[w].name.clone())
                .collect();
            FrontierPoint {
                variant: runs[v].name.clone(),
                cost_per_sustained_job: match (s, n) {
                    (Some(s), Some(n)) => finite(paired::ratio_of_means(s, n)),
                    _ => None,
                },
                provider_loss: l
                    .as_ref()
                    .and_then(|x| finite(paired::mean_var(x.iter().copied()).0)),
                investor_capital_loss: if has_finance {
                    c.as_ref()
                        .and_then(|x| finite(paired::mean_var(x.iter().copied()).0))
                } else {
                    None
                },
                dominated_by,
            }
        })
        .collect();
    Frontier {
        rule: format!(
            "a variant is dominated by another that is better (lower) on at least one axis by more than {DOMINANCE_SES} paired standard errors of the difference, and worse on none by more than {DOMINANCE_SES} (it may be worse by up to {DOMINANCE_SES} SEs); the axes: commissioners' cost per sustained job, P(provider loss) averaged over the sites{}; an axis whose difference or SE is undefined lets neither dominate",
            if has_finance { ", P(investor capital loss)" } else { "" }
        ),
        points,
    }
}

fn fmt_value(stat: &str, x: Option<f64>) -> String {
    match x {
        None => "—".into(),
        Some(v) if stat == "probability" => format!("{:.1}%", v * 100.0),
        Some(v) => number(v),
    }
}

/// `v` rounded to the decimal place of the second significant figure of `se` (so that noise
/// below the error does not print as digits).
fn round_to_error(v: f64, se: Option<f64>) -> f64 {
    match se {
        Some(se) if se > 0.0 && se.is_finite() => {
            let step = 10f64.powf((se.log10().floor() - 1.0).min(300.0));
            (v / step).round() * step
        }
        _ => v,
    }
}

fn fmt_diff(stat: &str, d: &Difference) -> String {
    let Some(v) = d.value else {
        return "—".into();
    };
    let v = round_to_error(v, d.se_paired.filter(|&s| s > 0.0).or(d.se_unpaired));
    let v = if v == 0.0 { 0.0 } else { v };
    let (val, se) = if stat == "probability" {
        (
            format!("{:+.1}pp", v * 100.0),
            d.se_paired.map(|s| format!("{:.1}pp", s * 100.0)),
        )
    } else {
        let sign = if v > 0.0 { "+" } else { "" };
        (format!("{sign}{}", number(v)), d.se_paired.map(number))
    };
    match se {
        Some(se) => format!("{val} ±{se}"),
        None => format!("{val} (no SE)"),
    }
}

/// The terminal form: the figures with variants as columns, then the paired differences from the
/// base (± paired SE), then the frontier.
pub fn render(c: &Comparison) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Comparison {}: base {}, {} variant{}, {} trials, seed {}, sampling mc\n",
        c.name,
        c.base_scenario,
        c.variants.len() - 1,
        if c.variants.len() == 2 { "" } else { "s" },
        number(c.trials as f64),
        c.seed
    ));
    out.push_str(&format!(
        "Common random numbers: {}\n",
        c.common_random_numbers
    ));
    if let Some(st) = &c.structures {
        out.push_str(&format!("Structures: {st}\n"));
    }
    for v in &c.variants[1..] {
        out.push_str(&format!("  {}: {}", v.name, v.settings.join(", ")));
        if let Some(s) = &v.solve {
            let blocks = s.block_share >= 1.0;
            let scales: Vec<String> = s
                .commissioners
                .iter()
                .map(|x| {
                    let k = if blocks {
                        x.block_scale
                    } else {
                        x.tariff_scale
                    };
                    format!("{} ×{k:.4}", x.commissioner)
                })
                .collect();
            let check: Vec<String> = s
                .commissioners
                .iter()
                .map(|x| match x.check_se {
                    Some(se) => {
                        format!("{} {:+.0} ± {:.0}", x.commissioner, x.check_difference, se)
                    }
                    None => format!("{} {:+.0}", x.commissioner, x.check_difference),
                })
                .collect();
            out.push_str(&format!(
                "; {} scale for equal spend {} (solved in {} runs on pilot trials); net spend vs base on these trials: {}",
                if blocks { "block" } else { "tariff" },
                scales.join(", "),
                s.evaluations,
                check.join(", ")
            ));
        }
        if c.feedback {
            out.push_str(&format!(
                "; delivery differs from the base in {} of {} trials",
                v.delivery_diverged_trials,
                number(c.trials as f64)
            ));
        }
        out.push('\n');
    }
    out.push('\n');
    let n = c.variants.len();
    let mut t = Table::names_then_figures(n + 1, 1);
    let mut head = vec!["figure".to_string()];
    head.extend(c.variants.iter().map(|v| v.name.clone()));
    t.row(head);
    t.rule();
    for f in &c.figures {
        let mut row = vec![f.label.clone()];
        row.extend(f.cells.iter().map(|cell| fmt_value(&f.stat, cell.value)));
        t.row(row);
    }
    out.push_str(&t.render());
    // Once per metric and variant (its P10, P50 and P90 leave out the same trials).
    let mut undefined: Vec<String> = Vec::new();
    for f in &c.figures {
        let metric = f.key.rsplit_once('.').map_or(f.key.as_str(), |(m, _)| m);
        for cell in &f.cells {
            if let Some(u) = &cell.undefined {
                let line = format!(
                    "  {metric} ({}): undefined in {} of {} trials: {}",
                    cell.variant,
                    u.trials,
                    u.trials + cell.defined_trials,
                    u.why
                );
                if !undefined.contains(&line) {
                    undefined.push(line);
                }
            }
        }
    }
    if !undefined.is_empty() {
        out.push_str("Figures left out of some trials (their statistics are over the others):\n");
        for u in undefined {
            out.push_str(&u);
            out.push('\n');
        }
    }
    if n > 1 {
        out.push_str("\nDifference from the base (paired, ± standard error)\n\n");
        let mut t = Table::names_then_figures(n, 1);
        let mut head = vec!["figure".to_string()];
        head.extend(c.variants[1..].iter().map(|v| v.name.clone()));
        t.row(head);
        t.rule();
        for f in &c.figures {
            let mut row = vec![f.label.clone()];
            row.extend(f.cells[1..].iter().map(|cell| {
                cell.difference
                    .as_ref()
                    .map_or("—".into(), |d| fmt_diff(&f.stat, d))
            }));
            t.row(row);
        }
        let mut row = vec!["variance reduction (median over figures)".to_string()];
        row.extend(c.variants[1..].iter().map(|v| {
            v.variance_reduction_median
                .map_or("—".into(), |r| format!("×{r:.1}"))
        }));
        t.rule();
        t.row(row);
        out.push_str(&t.render());
    }
    out.push_str("\nRisk-transfer frontier\n\n");
    let mut t = Table::names_then_figures(5, 1);
    t.row([
        "variant",
        "£ per sustained job",
        "P(provider loss), site average",
        "P(capital loss)",
        "dominated by",
    ]);
    t.rule();
    for p in &c.frontier.points {
        t.row([
            p.variant.clone(),
            fmt_value("", p.cost_per_sustained_job),
            fmt_value("probability", p.provider_loss),
            fmt_value("probability", p.investor_capital_loss),
            if p.dominated_by.is_empty() {
                "— (on the frontier)".into()
            } else {
                p.dominated_by.join(", ")
            },
        ]);
    }
    out.push_str(&t.render());
    out.push_str(&format!("Dominance: {}.\n", c.frontier.rule));
    out
}

/// `compare.csv`: one row per figure and variant. Numbers are rounded by the figure's unit
/// ([`crate::scenario::units`]: money to pence, counts to 0.1, probabilities, shares, rates and
/// multiples to 4 significant figures; standard errors to at least 4, the variance reduction to
/// 4); `compare.json` keeps the exact values.
///
/// # Errors
/// A CSV formatting failure.
pub fn to_csv(c: &Comparison) -> Result<Vec<u8>, ReportError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let csv_err = |source| ReportError::Csv {
        what: "comparison",
        source,
    };
    w.write_record([
        "figure",
        "stat",
        "unit",
        "variant",
        "value",
        "defined_trials",
        "undefined_trials",
        "difference",
        "se_paired",
        "se_unpaired",
        "variance_reduction",
        "note",
    ])
    .map_err(csv_err)?;
    for f in &c.figures {
        let unit = figure_unit(&f.key, &f.stat);
        let num = |x: Option<f64>| x.map_or(String::new(), |v| unit.cell(v));
        let err = |x: Option<f64>| x.map_or(String::new(), |v| unit.error_cell(v));
        let ratio = |x: Option<f64>| x.map_or(String::new(), |v| Unit::Number.cell(v));
        for cell in &f.cells {
            let d = cell.difference.as_ref();
            let mut note = cell
                .undefined
                .as_ref()
                .map(|u| format!("undefined in {} trials: {}", u.trials, u.why))
                .unwrap_or_default();
            if let Some(n) = d.and_then(|d| d.note.as_ref()) {
                if !note.is_empty() {
                    note.push_str("; ");
                }
                note.push_str(n);
            }
            w.write_record([
                f.key.clone(),
                f.stat.clone(),
                unit.name().to_string(),
                cell.variant.clone(),
                num(cell.value),
                cell.defined_trials.to_string(),
                cell.undefined.as_ref().map_or(0, |u| u.trials).to_string(),
                num(d.and_then(|d| d.value)),
                err(d.and_then(|d| d.se_paired)),
                err(d.and_then(|d| d.se_unpaired)),
                ratio(d.and_then(|d| d.variance_reduction)),
                note,
            ])
            .map_err(csv_err)?;
        }
    }
    w.into_inner().map_err(|e| ReportError::Csv {
        what: "comparison",
        source: e.into_error().into(),
    })
}

/// The unit of a comparison figure, from its key (`<metric>.<stat>`) and statistic: a
/// probability for a share of trials, else the metric's.
fn figure_unit(key: &str, stat: &str) -> Unit {
    if stat == "probability" {
        return Unit::Probability;
    }
    let metric = key.strip_suffix(&format!(".{stat}")).unwrap_or(key);
    Unit::of_metric(metric)
}

/// `compare.json`.
///
/// # Errors
/// A serialisation failure.
pub fn to_json(c: &Comparison) -> Result<Vec<u8>, ReportError> {
    let mut v = serde_json::to_vec_pretty(c).map_err(|source| ReportError::Json {
        what: "comparison",
        source,
    })?;
    v.push(b'\n');
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_figure_is_rounded_in_its_metrics_unit() {
        for (key, stat, unit) in [
            ("site.a.provider.margin.p10", "p10", Unit::Money),
            ("site.a.provider_loss", "probability", Unit::Probability),
            ("sites_at_loss.mean", "probability", Unit::Probability),
            ("investor.irr.p50", "p50", Unit::AnnualRate),
            ("investor.multiple.p90", "p90", Unit::Multiple),
            ("commissioning.x.net_spend.mean", "mean", Unit::Money),
            (
                "commissioners.cost_per_sustained_job.ratio_of_means",
                "ratio_of_means",
                Unit::Money,
            ),
            ("site.a.provider.block_share.mean", "mean", Unit::Share),
            ("engagements.p10", "p10", Unit::Count),
        ] {
            assert_eq!(figure_unit(key, stat), unit, "{key}");
        }
    }
}
