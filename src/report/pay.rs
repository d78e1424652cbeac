//! `sibsim pay` output: the payments a month's events earn, as a table or as JSON.
//!
//! The JSON shape is a documented contract (README, "sibsim pay"):
//! `{"site", "month", "rule_set", "payments": [{"payer", "payee", "rule", "amount"}],
//! "totals": {"by_payer": {party: £}, "by_payee": {party: £}}}`.

use serde_json::{json, Map, Value};

use crate::engine::pay::Settlement;
use crate::report::terminal::{group_thousands, push_row};

/// £ with pence and thousands separators: "£28,000.00", "-£1,234.50".
pub fn money(x: f64) -> String {
    let pence = (x * 100.0).round() as i64;
    let sign = if pence < 0 { "-" } else { "" };
    let pence = pence.unsigned_abs();
    format!(
        "{sign}£{}.{:02}",
        group_thousands(&(pence / 100).to_string()),
        pence % 100
    )
}

/// The payments and totals as a readable table.
pub fn render(s: &Settlement) -> String {
    let mut out = format!(
        "Payments at site {} in {} (rule set {}):\n\n",
        s.site, s.month, s.rule_set
    );
    if s.payments.is_empty() {
        out.push_str("no payments\n");
        return out;
    }
    let mut rows: Vec<Vec<String>> = vec![vec![
        "payer".into(),
        "payee".into(),
        "rule".into(),
        "amount".into(),
    ]];
    for p in &s.payments {
        rows.push(vec![
            p.payer.clone(),
            format!("→ {}", p.payee),
            p.rule.clone(),
            money(p.amount),
        ]);
    }
    table(&mut out, &rows, 3);
    let total: f64 = s.payments.iter().map(|p| p.amount).sum();
    for (title, totals) in [("payer", &s.by_payer), ("payee", &s.by_payee)] {
        out.push_str(&format!("\nTotals by {title}:\n"));
        let mut rows = vec![vec![title.to_string(), "amount".into()]];
        rows.extend(totals.iter().map(|(p, x)| vec![p.clone(), money(*x)]));
        rows.push(vec!["all".into(), money(total)]);
        table(&mut out, &rows, 1);
    }
    out
}

/// Rows with the first `left` columns left-aligned (the rest right-aligned).
fn table(out: &mut String, rows: &[Vec<String>], left: usize) {
    let n = rows[0].len();
    let widths: Vec<usize> = (0..n)
        .map(|j| rows.iter().map(|r| r[j].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        // push_row left-aligns the first cell only: pad the other left-aligned cells here.
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(j, c)| {
                if j > 0 && j < left {
                    format!("{c:<w$}", w = widths[j])
                } else {
                    c.clone()
                }
            })
            .collect();
        push_row(out, &cells, &widths);
    }
}

/// The documented JSON.
pub fn to_json(s: &Settlement) -> Value {
    let totals = |t: &[(String, f64)]| {
        Value::Object(
            t.iter()
                .map(|(p, x)| (p.clone(), json!(x)))
                .collect::<Map<_, _>>(),
        )
    };
    json!({
        "site": s.site,
        "month": s.month,
        "rule_set": s.rule_set,
        "payments": s.payments.iter().map(|p| json!({
            "payer": p.payer, "payee": p.payee, "rule": p.rule, "amount": p.amount,
        })).collect::<Vec<_>>(),
        "totals": { "by_payer": totals(&s.by_payer), "by_payee": totals(&s.by_payee) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_pence_and_separators() {
        assert_eq!(money(28_000.0), "£28,000.00");
        assert_eq!(money(17_900.5), "£17,900.50");
        assert_eq!(money(-1234.5), "-£1,234.50");
        assert_eq!(money(0.0), "£0.00");
    }
}
