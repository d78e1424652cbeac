//! Invariants every trial of the bundled scenarios must satisfy: money is conserved between
//! parties, totals are the sums of their parts, and the client funnel only narrows.

use std::ops::ControlFlow;

use sibsim::analysis::TrialTable;
use sibsim::engine::runner::run_observed;
use sibsim::engine::RunOptions;
use sibsim::scenario::{load, Model};

/// A run and its trials' exact rows, as the engine computed them (the table holds values that are
/// not whole numbers to f32 precision only, too coarse for these identities).
fn table(path: &str, trials: u64) -> (Model, TrialTable, Vec<Vec<f64>>) {
    let model = load(path.as_ref()).expect("bundled scenario is valid");
    let opts = RunOptions {
        trials: Some(trials),
        seed: Some(11),
        threads: None,
        ..RunOptions::default()
    };
    let mut rows = Vec::new();
    let table = run_observed(&model, &opts, &|_| {}, &mut |s| {
        rows.extend((0..s.len()).map(|i| s.row(i).to_vec()));
        ControlFlow::Continue(())
    })
    .expect("runs");
    (model, table, rows)
}

struct Row<'a> {
    names: &'a [String],
    values: &'a [f64],
}

impl Row<'_> {
    fn get(&self, name: &str) -> f64 {
        let j = self.names.iter().position(|n| n == name);
        self.values[j.unwrap_or_else(|| panic!("no metric {name}"))]
    }
    fn sum(&self, prefix: &str) -> f64 {
        self.names
            .iter()
            .zip(self.values)
            .filter(|(n, _)| n.starts_with(prefix))
            .map(|(_, v)| v)
            .sum()
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

fn check(path: &str) {
    let (model, table, rows) = table(path, 300);
    let names = &table.metric_names;
    for (t, row) in rows.iter().enumerate() {
        let r = Row {
            names,
            values: &row[..names.len()],
        };
        // Money leaves one party and reaches another: the books of all parties sum to zero.
        let total = r.get("payments.total");
        assert!(
            close(total, r.sum("payments.by_payer.")),
            "{path} trial {t}: payers"
        );
        assert!(
            close(total, r.sum("payments.by_payee.")),
            "{path} trial {t}: payees"
        );
        assert!(
            close(total, r.sum("payments.by_rule.")),
            "{path} trial {t}: rules"
        );
        let net: f64 = model
            .parties
            .iter()
            .map(|p| {
                r.get(&format!("payments.by_payee.{}", p.id))
                    - r.get(&format!("payments.by_payer.{}", p.id))
            })
            .sum();
        assert!(net.abs() < 1e-6, "{path} trial {t}: books sum to {net}");

        let mut income = 0.0;
        for site in &model.sites {
            let s = |m: &str| r.get(&format!("site.{}.{m}", site.id));
            assert!(close(
                s("provider.margin"),
                s("provider.income") - s("provider.cost")
            ));
            income += s("provider.income");
            // The funnel only narrows, and a claim needs a sustainment.
            // Every referral engages, declines, is lost to capacity or is still waiting.
            let accounted = s("engagements") + s("referrals_declined") + s("referrals_lost");
            assert!(accounted <= s("referrals"), "{path} trial {t}: referrals");
            assert!(s("job_starts") <= s("engagements"));
            assert!(s("sustain_6w") <= s("job_starts"));
            assert!(s("sustain_26w") <= s("sustain_6w"));
            assert!(s("claimable_6w") <= s("sustain_6w"));
            assert!(s("claimable_26w") <= s("sustain_26w"));
            for base in [
                "job_starts",
                "sustain_6w",
                "sustain_26w",
                "claimable_6w",
                "claimable_26w",
            ] {
                assert_eq!(
                    s(base),
                    s(&format!("{base}.lt16")) + s(&format!("{base}.ge16"))
                );
            }
            // One provider per site in the bundled scenarios: what it receives less what it
            // passes on is the site's income, block and per-event parts included.
            let provider = &model.parties[site.provider].id;
            let net = r.get(&format!("payments.by_payee.{provider}"))
                - r.get(&format!("payments.by_payer.{provider}"));
            assert!(
                close(s("provider.income"), net),
                "{path} trial {t}: {provider}"
            );
            assert!(close(
                s("provider.income"),
                s("provider.income_block") + s("provider.income_events")
            ));
        }
        assert!(
            close(income, r.get("provider.income")),
            "{path} trial {t}: provider income"
        );
        // With an SPV and an investor: what the SPV received under the contract, plus what the
        // investor put in, less what it paid, its costs and what it returned, leaves nothing (its
        // residual goes to equity at the horizon) or a deficit it never had the money for.
        if let Some(f) = &model.finance {
            let spv = &model.parties[f.spv].id;
            let contract = r.get(&format!("payments.by_payee.{spv}"))
                - r.get(&format!("payments.by_payer.{spv}"));
            // A deficit left at the end (a default not cleared) is money the SPV never had.
            let left = contract + r.get("investor.invested") + r.get("spv.unfunded_end")
                - r.get("spv.costs")
                - r.get("investor.returned");
            assert!(
                left.abs() < 1e-6 * r.get("investor.invested").max(1.0),
                "{path} trial {t}: SPV left with {left}"
            );
            assert!(r.get("investor.returned") >= r.get("investor.interest"));
            // The loan alone: drawn = repaid + outstanding; all the interest is the loan's; the
            // investor paid in its equity and the loan drawn, and got back at least the loan's
            // interest and principal. With nothing outstanding the two bases agree.
            let drawn = r.get("investor.loan.drawn");
            let repaid = r.get("investor.loan.principal_repaid");
            let outstanding = r.get("investor.loan.outstanding");
            let interest = r.get("investor.loan.interest_paid");
            assert!(close(drawn, repaid + outstanding), "{path} trial {t}: loan");
            assert!(outstanding >= 0.0 && repaid >= 0.0 && drawn <= f.facility + 1e-6);
            assert_eq!(interest, r.get("investor.interest"));
            assert!(close(r.get("investor.invested"), f.equity + drawn));
            assert!(r.get("investor.returned") >= interest + repaid - 1e-6);
            let (owed, lost) = (
                r.get("investor.loan.irr_owed"),
                r.get("investor.loan.irr_written_off"),
            );
            // Owed, the IRR is undefined only with no loan, or one drawn at the horizon itself
            // (drawn and owed at the same moment): never once anything was paid back.
            if drawn == 0.0 {
                assert!(owed.is_nan() && lost.is_nan());
            } else if owed.is_nan() {
                assert!(
                    repaid == 0.0 && interest == 0.0,
                    "{path} trial {t}: owed IRR"
                );
            }
            if outstanding == 0.0 {
                assert!(owed == lost || owed.is_nan() && lost.is_nan());
            }
        }
        // No cap is ever exceeded, in any of its instances.
        for cap in &model.caps {
            let u = r.get(&format!("caps.{}.utilisation", cap.name));
            assert!(u <= 1.0 + 1e-9, "{path} trial {t}: cap {} at {u}", cap.name);
        }
        for m in [
            "referrals",
            "engagements",
            "job_starts",
            "sustain_26w",
            "hires",
        ] {
            let by_site: f64 = model
                .sites
                .iter()
                .map(|s| r.get(&format!("site.{}.{m}", s.id)))
                .sum();
            assert_eq!(r.get(m), by_site, "{path} trial {t}: {m}");
        }
    }
}

#[test]
fn mhep1_conserves_money_and_adds_up() {
    check("scenarios/mhep1.toml");
}

#[test]
fn ips_new_service_conserves_money_and_adds_up() {
    check("scenarios/ips_new_service.toml");
}

#[test]
fn lcf_tower_hamlets_conserves_money_and_adds_up() {
    check("scenarios/lcf_tower_hamlets_mh.toml");
}

#[test]
fn mhep1_reset_conserves_money_and_adds_up() {
    check("scenarios/mhep1_reset.toml");
}

#[test]
fn rules_fixture_with_spv_and_investor_conserves_money() {
    check("tests/fixtures/rules.toml");
}

/// Money conserved as the parties' own accounts see it, not as the ledger sums it: what the
/// payers (commissioners, outcome payers, and any party without an account of its own) spent plus what the investor put in equals what the
/// providers' books hold (closing less opening cash) and spent, plus what the SPV's account holds
/// and spent, plus what it returned to the investor. Provider cash comes from each site's
/// `ProviderBooks`, the SPV's from its own account (`spv.cash` series), the investor's from the SPV's
/// drawdown and repayment accumulators: independent of `payments.by_payer/by_payee`, which give
/// only the payers' side.
fn conserved_by_own_balances(path: &str) {
    use sibsim::engine::replay::replay;
    use sibsim::scenario::Role;
    let model = load(path.as_ref()).expect("bundled scenario is valid");
    for t in 0..40 {
        let r = replay(&model, 11, t);
        let get = |name: &str| r.value(name).unwrap_or_else(|| panic!("no metric {name}"));
        let last = |name: &str| {
            *r.series(name)
                .unwrap_or_else(|| panic!("no series {name}"))
                .last()
                .expect("a month")
        };
        // Parties with no account of their own in the engine (commissioners, outcome payers, an
        // SPV or investor without `[finance]`) count by what they paid less what they received.
        let own_account = |i: usize| match model.parties[i].role {
            Role::Provider => true,
            Role::Spv => model.finance.as_ref().is_some_and(|f| f.spv == i),
            _ => false,
        };
        let mut sources = 0.0;
        for (i, p) in model.parties.iter().enumerate() {
            if !own_account(i) {
                sources += get(&format!("payments.by_payer.{}", p.id))
                    - get(&format!("payments.by_payee.{}", p.id));
            }
        }
        let mut held_or_spent = 0.0;
        for site in &model.sites {
            let opening = r
                .input(&format!("input.{}.opening_cash", site.id))
                .expect("opening cash recorded");
            held_or_spent += last(&format!("site.{}.provider.cash", site.id)) - opening
                + get(&format!("site.{}.provider.cost", site.id));
        }
        if model.finance.is_some() {
            sources += get("investor.invested");
            held_or_spent += last("spv.cash") + get("spv.costs") + get("investor.returned");
        }
        let scale = sources.abs().max(1.0);
        assert!(
            (sources - held_or_spent).abs() <= 1e-9 * scale,
            "{path} trial {t}: payers and investor put in {sources}, the parties' own accounts \
             show {held_or_spent}"
        );
    }
}

#[test]
fn money_is_conserved_in_the_parties_own_accounts() {
    for path in [
        "scenarios/mhep1.toml",
        "scenarios/mhep1_reset.toml",
        "scenarios/ips_new_service.toml",
        "scenarios/lcf_tower_hamlets_mh.toml",
        "scenarios/box1.toml",
        "tests/fixtures/rules.toml",
        "tests/fixtures/distress.toml",
    ] {
        conserved_by_own_balances(path);
    }
}
