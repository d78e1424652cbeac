//! The failure event of a reverse stress test: `investor.capital_loss` (a flag: failing where it
//! is set), `plan.engagements.met = 0` (a flag equal to 0 or 1), or `investor.multiple < 1` (a
//! metric against a threshold with `<`, `<=`, `>` or `>=`).

use crate::analysis::TrialTable;

/// How a trial's value is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Op {
    /// `<`: the metric is below the value.
    #[serde(rename = "<")]
    Lt,
    /// `<=`: the metric is at most the value.
    #[serde(rename = "<=")]
    Le,
    /// `>`: the metric is above the value.
    #[serde(rename = ">")]
    Gt,
    /// `>=`: the metric is at least the value.
    #[serde(rename = ">=")]
    Ge,
    /// `=`: a flag equals 0 or 1.
    #[serde(rename = "=")]
    Eq,
}

impl Op {
    fn holds(self, x: f64, v: f64) -> bool {
        match self {
            Op::Lt => x < v,
            Op::Le => x <= v,
            Op::Gt => x > v,
            Op::Ge => x >= v,
            Op::Eq => x == v,
        }
    }
    fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
        }
    }
}

/// A failure event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    /// As written, normalised (`investor.multiple < 1`).
    pub text: String,
    /// The metric or flag judged.
    pub name: String,
    /// How the metric is compared.
    pub op: Op,
    /// The value it is compared with, in the metric's unit (0 or 1 for a flag).
    pub value: f64,
}

/// A failure event that cannot be read, or names nothing the run records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --event {text:?}: {problem}; {valid}")]
pub struct EventError {
    /// The `--event` value as given.
    pub text: String,
    /// What is wrong with it.
    pub problem: String,
    /// What would be valid.
    pub valid: String,
}

const GRAMMAR: &str = "expected a flag (`investor.capital_loss`), a flag = 0 or 1 \
(`plan.engagements.met = 0`), or a metric compared with a number (`investor.multiple < 1`; \
<, <=, >, >=)";

/// Read `text` against the metric and flag names of `table`.
///
/// # Errors
/// Text that does not parse, a name the run does not record (with the nearest names), a flag
/// compared with anything but `= 0`/`= 1`, or a metric without a comparison.
pub fn parse(text: &str, table: &TrialTable) -> Result<Event, EventError> {
    let err = |problem: String, valid: String| EventError {
        text: text.to_string(),
        problem,
        valid,
    };
    let t = text.trim();
    // Longest operators first, so `<=` is not read as `<`.
    let ops = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("=", Op::Eq),
    ];
    let split = ops
        .iter()
        .filter_map(|&(s, op)| t.find(s).map(|i| (i, s, op)))
        .min_by_key(|&(i, s, _)| (i, std::cmp::Reverse(s.len())));
    let (name, op, value) = match split {
        None => (t, None, None),
        Some((i, s, op)) => {
            let v = t[i + s.len()..].trim();
            let value: f64 = v
                .parse()
                .ok()
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| {
                    err(
                        format!("{v:?} after {s:?} is not a finite number"),
                        GRAMMAR.into(),
                    )
                })?;
            (t[..i].trim(), Some(op), Some(value))
        }
    };
    if name.is_empty() {
        return Err(err("no metric or flag is named".into(), GRAMMAR.into()));
    }
    let is_flag = table.flag_index(name).is_some();
    let is_metric = table.metric_index(name).is_some();
    if !is_flag && !is_metric {
        let names: Vec<String> = table
            .flag_names
            .iter()
            .chain(&table.metric_names)
            .cloned()
            .collect();
        let unknown = crate::lookup::UnknownName::new("metric or flag", name, &names);
        return Err(err(format!("this run records {unknown}"), GRAMMAR.into()));
    }
    let (op, value) = match (is_flag, op, value) {
        (true, None, _) => (Op::Eq, 1.0),
        (true, Some(Op::Eq), Some(v)) if v == 0.0 || v == 1.0 => (Op::Eq, v),
        (true, _, _) => {
            return Err(err(
                format!("{name} is a flag (0 or 1 in each trial)"),
                "expected the flag alone (failing where it is 1) or `= 0` / `= 1`".into(),
            ))
        }
        (false, Some(Op::Eq), Some(_)) => {
            return Err(err(
                format!("{name} is a metric: `=` would hold in almost no trial"),
                format!("expected <, <=, > or >=, e.g. `{name} < 0`"),
            ))
        }
        (false, Some(op), Some(v)) => (op, v),
        (false, _, _) => {
            return Err(err(
                format!("{name} is a metric, so it needs a comparison"),
                format!("expected e.g. `{name} < 0`"),
            ))
        }
    };
    Ok(Event {
        text: format!("{name} {} {}", op.text(), value),
        name: name.to_string(),
        op,
        value,
    })
}

impl Event {
    /// Per trial: `Some(true)` where the event happens, `Some(false)` where not, `None` where the
    /// metric is undefined (e.g. an IRR no rate solves).
    pub fn outcomes(&self, table: &TrialTable) -> Vec<Option<bool>> {
        let col = crate::compare::figures::named(table, &self.name).unwrap_or_default();
        col.iter()
            .map(|&x| (!x.is_nan()).then(|| self.op.holds(x, self.value)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TrialTable {
        let mut t = TrialTable::new(
            vec!["investor.multiple".into(), "engagements".into()],
            vec!["investor.capital_loss".into()],
        );
        // Three trials: multiple, engagements, then the flag.
        for row in [[0.8, 10.0, 1.0], [1.2, 20.0, 0.0], [f64::NAN, 30.0, 1.0]] {
            t.push_row(&row);
        }
        t
    }

    #[test]
    fn events_parse_and_judge_each_trial() {
        let t = table();
        let e = parse("investor.multiple < 1", &t).unwrap();
        assert_eq!((e.op, e.value), (Op::Lt, 1.0));
        assert_eq!(e.outcomes(&t), vec![Some(true), Some(false), None]);
        let e = parse("investor.multiple>=1.2", &t).unwrap();
        assert_eq!(e.text, "investor.multiple >= 1.2");
        assert_eq!(e.outcomes(&t), vec![Some(false), Some(true), None]);
        let e = parse("investor.capital_loss", &t).unwrap();
        assert_eq!(e.outcomes(&t), vec![Some(true), Some(false), Some(true)]);
        let e = parse("investor.capital_loss = 0", &t).unwrap();
        assert_eq!(e.outcomes(&t), vec![Some(false), Some(true), Some(false)]);
    }

    #[test]
    fn bad_events_say_what_is_wrong_and_what_is_valid() {
        let t = table();
        let msg = |s: &str| parse(s, &t).unwrap_err().to_string();
        assert!(msg("investor.multiple").contains("is a metric, so it needs a comparison"));
        assert!(msg("investor.capital_loss = 0.5").contains("is a flag"));
        assert!(msg("investor.capital_loss < 1").contains("is a flag"));
        assert!(msg("investor.multiple < one").contains("is not a finite number"));
        assert!(msg("investor.multiple < inf").contains("is not a finite number"));
        assert!(msg("< 1").contains("no metric or flag is named"));
        assert!(msg("investor.multiple = 0.5").contains("expected <, <=, > or >="));
        let m = msg("investor.multple < 1");
        assert!(m.contains("did you mean investor.multiple"), "{m}");
    }
}
