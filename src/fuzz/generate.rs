//! A structure-aware generator of scenarios: valid-shaped TOML with extreme values, so that a
//! fuzzer gets past the parser into validation, the engine and the exporters.
//!
//! Each case starts from one of the bundled scenarios or test fixtures ([`SEEDS`], all valid) and
//! applies a few typed edits chosen by the input bytes (an [`Unstructured`]): a number replaced
//! by an extreme one (0, −0, subnormals, 1e308, NaN, ±inf, 2^53 + 1, 2^63 − 1, …), any input
//! replaced by a distribution of any kind with degenerate or extreme parameters, a string
//! replaced by an odd one (empty, 70,000 characters, unicode, `"nan"`, `"2030-+1"`), a party or
//! site renamed everywhere it is named (to an empty, very long or unicode identifier), a value
//! wrapped in deep nesting, or an entry removed. The edits are recorded in [`Generated::edits`],
//! so that a failing case says what was done to which file.

use arbitrary::{Result, Unstructured};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// The valid scenarios every case starts from: `(name, text)`, the bundled scenarios and the
/// test fixtures.
pub const SEEDS: &[(&str, &str)] = &[
    (
        "scenarios/box1.toml",
        include_str!("../../scenarios/box1.toml"),
    ),
    (
        "scenarios/ips_new_service.toml",
        include_str!("../../scenarios/ips_new_service.toml"),
    ),
    (
        "scenarios/lcf_tower_hamlets_mh.toml",
        include_str!("../../scenarios/lcf_tower_hamlets_mh.toml"),
    ),
    (
        "scenarios/mhep1.toml",
        include_str!("../../scenarios/mhep1.toml"),
    ),
    (
        "scenarios/mhep1_reset.toml",
        include_str!("../../scenarios/mhep1_reset.toml"),
    ),
    (
        "tests/fixtures/analytic.toml",
        include_str!("../../tests/fixtures/analytic.toml"),
    ),
    (
        "tests/fixtures/analytic_drawn.toml",
        include_str!("../../tests/fixtures/analytic_drawn.toml"),
    ),
    (
        "tests/fixtures/demand.toml",
        include_str!("../../tests/fixtures/demand.toml"),
    ),
    (
        "tests/fixtures/distress.toml",
        include_str!("../../tests/fixtures/distress.toml"),
    ),
    (
        "tests/fixtures/mhep1_ranges.toml",
        include_str!("../../tests/fixtures/mhep1_ranges.toml"),
    ),
    (
        "tests/fixtures/rules.toml",
        include_str!("../../tests/fixtures/rules.toml"),
    ),
    (
        "tests/fixtures/seek_block.toml",
        include_str!("../../tests/fixtures/seek_block.toml"),
    ),
    (
        "tests/fixtures/sensitivity_stress.toml",
        include_str!("../../tests/fixtures/sensitivity_stress.toml"),
    ),
    (
        "tests/fixtures/sobol_engine.toml",
        include_str!("../../tests/fixtures/sobol_engine.toml"),
    ),
    (
        "tests/fixtures/sustain13.toml",
        include_str!("../../tests/fixtures/sustain13.toml"),
    ),
    (
        "tests/fixtures/window.toml",
        include_str!("../../tests/fixtures/window.toml"),
    ),
];

/// One generated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// The seed it started from ([`SEEDS`]).
    pub seed: &'static str,
    /// The edits, in order, one line each.
    pub edits: Vec<String>,
    /// The scenario text.
    pub text: String,
}

/// Extreme and ordinary floating-point values.
const FLOATS: &[f64] = &[
    0.0,
    -0.0,
    5e-324,
    1e-320,
    2.225_073_858_507_201e-308,
    2.225_073_858_507_201_4e-308,
    1e-300,
    1e-30,
    1e-12,
    1e-6,
    0.001,
    0.5,
    0.999_999_999_999,
    1.0,
    1.000_000_000_000_000_2,
    2.0,
    12.0,
    1e6,
    1e9,
    1e15,
    9_007_199_254_740_993.0,
    1e100,
    1e300,
    1e308,
    f64::MAX,
    -1.0,
    -1e-300,
    -5e-324,
    -1e308,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

/// Extreme and ordinary integers (counts, months, amounts).
const INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    12,
    1_200,
    1_201,
    65_535,
    65_536,
    4_294_967_295,
    4_294_967_296,
    9_007_199_254_740_993,
    i64::MAX,
    i64::MIN,
];

/// Parameters most often plausible, so that most drawn distributions validate and run.
const PLAUSIBLE: &[f64] = &[0.05, 0.2, 0.5, 0.8, 1.0, 2.0, 3.0, 10.0, 100.0, 1000.0];

const STRINGS: &[&str] = &[
    "",
    " ",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "2030-+1",
    "2030-1",
    "2030-13",
    "2030-00",
    "0000-01",
    "9999-12",
    "2030-01-01",
    "+2030-01",
    "2030 - 01",
    "ａｂｃ",
    "é",
    "🚀",
    "\u{202e}rtl",
    "a\u{0}b",
    "line\nbreak",
    "site.commissioner",
    "site.provider",
    "spv",
    "investor",
    "lost",
    "queued",
];

const DISTRIBUTIONS: &[&str] = &[
    "fixed",
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "gamma",
    "beta",
    "beta_mean",
    "beta_counts",
    "discrete",
    "evidence",
    "weibull",
];

/// A scenario built from `u`'s bytes: a seed and up to six edits.
///
/// # Errors
/// Only [`arbitrary::Error`]s of `u` itself (it never runs out: missing bytes read as zero).
pub fn scenario(u: &mut Unstructured<'_>) -> Result<Generated> {
    scenario_in(u, Mode::Any)
}

/// What a generated case aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Any edit ([`scenario`]): about one case in ten passes validation, the rest test the errors.
    #[default]
    Any,
    /// The engine and the exporters: one edit, a number scaled by a factor from 10⁻⁴ to 10⁴ (a
    /// whole number kept whole) or an input replaced by a distribution — far from the scenario's
    /// values but mostly valid, so that many more cases run (the long fuzz's runs that reach the
    /// engine).
    Reach,
}

/// [`scenario`] aimed as `mode` says.
///
/// # Errors
/// Only [`arbitrary::Error`]s of `u` itself.
pub fn scenario_in(u: &mut Unstructured<'_>, mode: Mode) -> Result<Generated> {
    let (seed, text) = *u.choose(SEEDS)?;
    let mut doc: DocumentMut = text.parse().expect("the seeds are valid TOML");
    let mut edits = Vec::new();
    // Mostly one or two edits: each may make the file invalid, and most cases should run.
    let n = match mode {
        Mode::Any => *u.choose(&[1, 1, 1, 2, 2, 3, 4, 6])?,
        Mode::Reach => 1,
    };
    for _ in 0..n {
        if let Some(edit) = edit(u, &mut doc, mode)? {
            edits.push(edit);
        }
    }
    Ok(Generated {
        seed,
        edits,
        text: doc.to_string(),
    })
}

/// [`scenario`] from raw bytes (a fuzzer's input, or a seeded RNG's).
pub fn from_bytes(data: &[u8]) -> Generated {
    from_bytes_in(data, Mode::Any)
}

/// [`scenario_in`] from raw bytes.
pub fn from_bytes_in(data: &[u8], mode: Mode) -> Generated {
    let mut u = Unstructured::new(data);
    scenario_in(&mut u, mode).expect("Unstructured reads missing bytes as zero")
}

fn edit(u: &mut Unstructured<'_>, doc: &mut DocumentMut, mode: Mode) -> Result<Option<String>> {
    // Type-preserving edits mostly (a number for a number, an input for an input, a string for a
    // string), so that most cases pass the parser; now and then any value anywhere.
    let anywhere = mode == Mode::Any && u.ratio(1, 10)?;
    let numbers = |_: &str, v: &Value| anywhere || matches!(v, Value::Float(_) | Value::Integer(_));
    // Inputs (which take a distribution): the sites' delivery, staffing and costs, the finance
    // costs, and wherever the seed already has one.
    let inputs = |path: &str, v: &Value| {
        anywhere
            || matches!(v, Value::InlineTable(t) if t.contains_key("dist"))
            || (matches!(v, Value::Float(_) | Value::Integer(_))
                && [".delivery.", ".staffing.", ".costs."]
                    .iter()
                    .any(|p| path.contains(p)))
    };
    let strings = |_: &str, v: &Value| anywhere || matches!(v, Value::String(_));
    let kind = match mode {
        Mode::Any => u.int_in_range(0..=19)?,
        Mode::Reach => u.int_in_range(0..=9)?,
    };
    Ok(match kind {
        0..=6 if mode == Mode::Reach => {
            // The value scaled by 10^(k/4), k from −16 to 16 (a ten-thousandth to ten thousand
            // times), a whole number kept whole.
            let factor = 10f64.powf(f64::from(u.int_in_range(-16..=16)?) / 4.0);
            at_leaf(u, doc, &numbers, |path, x| {
                let v = match &*x {
                    Value::Integer(i) => Value::from((*i.value() as f64 * factor).round() as i64),
                    Value::Float(f) => Value::from(*f.value() * factor),
                    other => other.clone(),
                };
                let shown = v.to_string();
                *x = v;
                format!("{path} = {shown} (× {factor:.4})")
            })?
        }
        0..=6 => {
            let v = number(u)?;
            let shown = v.to_string();
            at_leaf(u, doc, &numbers, |path, x| {
                *x = v;
                format!("{path} = {shown}")
            })?
        }
        7..=13 => {
            let v = distribution(u)?;
            let shown = v.to_string();
            at_leaf(u, doc, &inputs, |path, x| {
                *x = v;
                format!("{path} = {shown}")
            })?
        }
        14 | 15 => {
            let s = string(u)?;
            let shown = abbreviated(&format!("{s:?}"));
            at_leaf(u, doc, &strings, |path, x| {
                *x = Value::from(s);
                format!("{path} = {shown}")
            })?
        }
        16 | 17 => rename(u, doc)?,
        18 => {
            let depth = u.int_in_range(2..=300)?;
            let as_table = u.arbitrary::<bool>()?;
            at_leaf(u, doc, &|_, _| true, |path, x| {
                let mut v = x.clone();
                for _ in 0..depth {
                    v = if as_table {
                        let mut t = InlineTable::new();
                        t.insert("x", v);
                        Value::InlineTable(t)
                    } else {
                        let mut a = Array::new();
                        a.push(v);
                        Value::Array(a)
                    };
                }
                *x = v;
                format!(
                    "{path} nested {depth} deep in {}",
                    if as_table { "tables" } else { "arrays" }
                )
            })?
        }
        _ => remove(u, doc)?,
    })
}

fn number(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=5)? {
        0..=2 => Value::from(*u.choose(FLOATS)?),
        3 => Value::from(*u.choose(INTEGERS)?),
        4 => Value::from(f64::from_bits(u.arbitrary::<u64>()?)),
        _ => {
            // An ordinary value scaled by a power of ten.
            let x = *u.choose(PLAUSIBLE)? * 10f64.powi(u.int_in_range(-320..=308)?);
            Value::from(x)
        }
    })
}

fn parameter(u: &mut Unstructured<'_>) -> Result<Value> {
    if u.ratio(3, 4)? {
        Ok(Value::from(*u.choose(PLAUSIBLE)?))
    } else {
        number(u)
    }
}

fn distribution(u: &mut Unstructured<'_>) -> Result<Value> {
    let kind = *u.choose(DISTRIBUTIONS)?;
    let mut t = InlineTable::new();
    t.insert("dist", Value::from(kind));
    let names: &[&str] = match kind {
        "fixed" => &["value"],
        "uniform" => &["min", "max"],
        "triangular" => &["min", "mode", "max"],
        "pert" => &["min", "mode", "max", "lambda"],
        "normal" => &["mean", "sd", "min", "max"],
        "lognormal" | "beta_mean" => &["mean", "sd"],
        "gamma" => &["shape", "scale"],
        "beta" => &["alpha", "beta"],
        "beta_counts" => &["successes", "trials", "exposure"],
        "weibull" => &["shape", "scale"],
        _ => &[],
    };
    match kind {
        "discrete" => {
            let n = u.int_in_range(0..=5)?;
            let mut values = Array::new();
            let mut weights = Array::new();
            for _ in 0..n {
                values.push(parameter(u)?);
                weights.push(parameter(u)?);
            }
            t.insert("values", Value::Array(values));
            if u.arbitrary::<bool>()? {
                t.insert("weights", Value::Array(weights));
            }
        }
        "evidence" => {
            let key = *u.choose(&[
                "bit2020.job_start_rate",
                "bit2020.sustain_6w_rate",
                "bit2020.engagements_per_es_year",
                "bit2020.time_to_job_months",
                "no.such.key",
                "",
            ])?;
            t.insert("key", Value::from(key));
            if u.arbitrary::<bool>()? {
                let level = *u.choose(&["pooled", "new_site", "", "other"])?;
                t.insert("level", Value::from(level));
            }
        }
        _ => {
            // Ordered plausible parameters for the ranged kinds, so that many validate.
            let mut ordered = [0.0; 3];
            for (i, o) in ordered.iter_mut().enumerate() {
                *o = i as f64 * *u.choose(PLAUSIBLE)?;
            }
            for (i, name) in names.iter().enumerate() {
                // Optional parameters (pert's lambda, normal's bounds, exposure) now and then.
                if i >= 2
                    && matches!(*name, "lambda" | "min" | "max" | "exposure")
                    && kind != "uniform"
                    && kind != "triangular"
                    && !(kind == "pert" && *name != "lambda")
                    && u.ratio(1, 2)?
                {
                    continue;
                }
                let v = if u.ratio(1, 2)? && i < 3 && names.len() >= 2 && kind != "normal" {
                    Value::from(ordered[i.min(2)])
                } else {
                    parameter(u)?
                };
                t.insert(*name, v);
            }
        }
    }
    Ok(Value::InlineTable(t))
}

fn string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 | 1 => (*u.choose(STRINGS)?).to_string(),
        2 => identifier(u)?,
        _ => u.arbitrary::<String>()?,
    })
}

/// An identifier that may break a table's layout or a lookup: empty, very long, unicode.
fn identifier(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0 => String::new(),
        1 => "s".repeat(*u.choose(&[255, 4_096, 65_535, 65_536, 70_000])?),
        2 => "é".repeat(u.int_in_range(1..=40_000)?),
        3 => "名前".to_string(),
        4 => "🚀 launch".to_string(),
        5 => "a.b".to_string(),
        6 => "site".to_string(),
        _ => format!("x{}", u.int_in_range(0..=999)?),
    })
}

fn abbreviated(s: &str) -> String {
    let n = s.chars().count();
    if n <= 60 {
        s.to_string()
    } else {
        let head: String = s.chars().take(40).collect();
        format!("{head}… ({n} characters)")
    }
}

/// Applies `f` to the `k`-th value of the document that `which` accepts (every value counts, an
/// inline table or array and each value inside it), `k` chosen by `u`; `f` says what it did.
fn at_leaf(
    u: &mut Unstructured<'_>,
    doc: &mut DocumentMut,
    which: &dyn Fn(&str, &Value) -> bool,
    f: impl FnOnce(&str, &mut Value) -> String,
) -> Result<Option<String>> {
    let mut count = 0usize;
    walk_table(doc.as_table_mut(), "", &mut |path, v| {
        count += usize::from(which(path, v));
        false
    });
    if count == 0 {
        return Ok(None);
    }
    let k = u.choose_index(count)?;
    let mut seen = 0usize;
    let mut f = Some(f);
    let mut done = None;
    walk_table(doc.as_table_mut(), "", &mut |path, v| {
        if !which(path, v) {
            return false;
        }
        if seen == k {
            if let Some(f) = f.take() {
                done = Some(f(path, v));
            }
            return true;
        }
        seen += 1;
        false
    });
    Ok(done)
}

/// Calls `f(path, value)` on every value, depth first; stops when `f` answers true.
fn walk_table(t: &mut Table, path: &str, f: &mut dyn FnMut(&str, &mut Value) -> bool) -> bool {
    for (key, item) in t.iter_mut() {
        let p = join(path, key.get());
        if walk_item(item, &p, f) {
            return true;
        }
    }
    false
}

fn walk_item(item: &mut Item, path: &str, f: &mut dyn FnMut(&str, &mut Value) -> bool) -> bool {
    match item {
        Item::Value(v) => walk_value(v, path, f),
        Item::Table(t) => walk_table(t, path, f),
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter_mut().enumerate() {
                if walk_table(t, &format!("{path}[{i}]"), f) {
                    return true;
                }
            }
            false
        }
        Item::None => false,
    }
}

fn walk_value(v: &mut Value, path: &str, f: &mut dyn FnMut(&str, &mut Value) -> bool) -> bool {
    if f(path, v) {
        return true;
    }
    match v {
        Value::InlineTable(t) => {
            for (key, x) in t.iter_mut() {
                if walk_value(x, &join(path, key.get()), f) {
                    return true;
                }
            }
            false
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                if walk_value(x, &format!("{path}[{i}]"), f) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{}", abbreviated(key))
    }
}

/// Renames a party or a site everywhere it is named: its table, strings equal to it, and keys and
/// strings that name it inside a dotted path (`site.<id>.engagements`).
fn rename(u: &mut Unstructured<'_>, doc: &mut DocumentMut) -> Result<Option<String>> {
    let section = *u.choose(&["parties", "sites"])?;
    let Some(table) = doc.get_mut(section).and_then(Item::as_table_mut) else {
        return Ok(None);
    };
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
    if keys.is_empty() {
        return Ok(None);
    }
    let old = u.choose(&keys)?.clone();
    let new = identifier(u)?;
    if new == old || table.contains_key(&new) {
        return Ok(None);
    }
    let item = table.remove(&old).expect("listed above");
    table.insert(&new, item);
    let dotted_old = format!(".{old}.");
    let dotted_new = format!(".{new}.");
    rename_in_table(doc.as_table_mut(), &old, &new, &dotted_old, &dotted_new);
    Ok(Some(format!(
        "{section}.{old} renamed {}",
        abbreviated(&format!("{new:?}"))
    )))
}

fn rename_in_table(t: &mut Table, old: &str, new: &str, dotted_old: &str, dotted_new: &str) {
    let renamed: Vec<String> = t
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| k.contains(dotted_old))
        .collect();
    for k in renamed {
        if let Some(item) = t.remove(&k) {
            t.insert(&k.replace(dotted_old, dotted_new), item);
        }
    }
    for (_, item) in t.iter_mut() {
        match item {
            Item::Value(v) => rename_in_value(v, old, new, dotted_old, dotted_new),
            Item::Table(t) => rename_in_table(t, old, new, dotted_old, dotted_new),
            Item::ArrayOfTables(a) => {
                for t in a.iter_mut() {
                    rename_in_table(t, old, new, dotted_old, dotted_new);
                }
            }
            Item::None => {}
        }
    }
}

fn rename_in_value(v: &mut Value, old: &str, new: &str, dotted_old: &str, dotted_new: &str) {
    match v {
        Value::String(s) if s.value() == old => *v = Value::from(new),
        Value::String(s) if s.value().contains(dotted_old) => {
            *v = Value::from(s.value().replace(dotted_old, dotted_new));
        }
        Value::InlineTable(t) => {
            for (_, x) in t.iter_mut() {
                rename_in_value(x, old, new, dotted_old, dotted_new);
            }
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                rename_in_value(x, old, new, dotted_old, dotted_new);
            }
        }
        _ => {}
    }
}

/// Removes the `k`-th entry of any table, `k` chosen by `u`.
fn remove(u: &mut Unstructured<'_>, doc: &mut DocumentMut) -> Result<Option<String>> {
    fn entries(t: &Table, path: &str, out: &mut Vec<String>) {
        for (k, item) in t.iter() {
            let p = join(path, k);
            out.push(p.clone());
            if let Item::Table(sub) = item {
                entries(sub, &p, out);
            }
        }
    }
    let mut all = Vec::new();
    entries(doc.as_table(), "", &mut all);
    if all.is_empty() {
        return Ok(None);
    }
    let k = u.choose_index(all.len())?;
    let mut i = 0usize;
    let removed = remove_kth(doc.as_table_mut(), k, &mut i);
    Ok(removed.map(|p| format!("{} removed", all.get(k).cloned().unwrap_or(p))))
}

fn remove_kth(t: &mut Table, k: usize, i: &mut usize) -> Option<String> {
    let keys: Vec<String> = t.iter().map(|(k, _)| k.to_string()).collect();
    for key in keys {
        if *i == k {
            t.remove(&key);
            return Some(key);
        }
        *i += 1;
        if let Some(Item::Table(sub)) = t.get_mut(&key) {
            if let Some(r) = remove_kth(sub, k, i) {
                return Some(r);
            }
        }
    }
    None
}
