//! Throughput of the simulation core: MHEP 1 at 10,000 trials (the benchmark), and the
//! growth of cost with trials, horizon and number of sites on a synthetic scenario.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sibsim::engine::{run, RunOptions};
use sibsim::scenario::{load, parse_scenario};

fn mhep1(c: &mut Criterion) {
    let model = load("scenarios/mhep1.toml".as_ref()).expect("bundled scenario is valid");
    let mut group = c.benchmark_group("mhep1");
    group.sample_size(10);
    let trials = 10_000u64;
    group.throughput(Throughput::Elements(trials));
    group.bench_function(BenchmarkId::new("trials", trials), |b| {
        let opts = RunOptions {
            trials: Some(trials),
            ..RunOptions::default()
        };
        b.iter(|| black_box(run(&model, &opts, &|_| {}).expect("runs")))
    });
    group.finish();
}

/// The analytic fixture with `sites` copies of its site and a horizon of `months`.
fn synthetic(sites: usize, months: u32) -> sibsim::scenario::Model {
    let base = std::fs::read_to_string("tests/fixtures/analytic.toml").expect("fixture");
    let (head, rest) = base.split_once("[sites.only]").expect("fixture layout");
    let (site, tail) = rest.split_once("[[tariffs]]").expect("fixture layout");
    let mut text = head.replace("horizon_months = 24", &format!("horizon_months = {months}"));
    for i in 0..sites {
        let end = format!("end = \"{}-12\"", 2030 + months / 12 - 1);
        text.push_str(&format!("[sites.s{i}]"));
        text.push_str(
            &site
                .replace("[sites.only", &format!("[sites.s{i}"))
                .replace("end = \"2031-12\"", &end),
        );
    }
    text.push_str("[[tariffs]]");
    text.push_str(&tail.replace("site = \"only\"", "site = \"s0\""));
    parse_scenario("synthetic", &text).expect("synthetic scenario is valid")
}

fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling");
    group.sample_size(10);
    for (trials, sites, months) in [
        (1_000, 1, 24),
        (4_000, 1, 24),
        (1_000, 4, 24),
        (1_000, 1, 96),
    ] {
        let model = synthetic(sites, months);
        group.throughput(Throughput::Elements(trials));
        let id = format!("trials={trials}/sites={sites}/months={months}");
        group.bench_function(BenchmarkId::from_parameter(id), |b| {
            let opts = RunOptions {
                trials: Some(trials),
                ..RunOptions::default()
            };
            b.iter(|| black_box(run(&model, &opts, &|_| {}).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, mhep1, scaling);
criterion_main!(benches);
