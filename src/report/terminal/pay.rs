//! `sibsim pay` on the terminal: the payments a month's events earn, and totals by payer and payee.

use super::group_thousands;
use crate::engine::pay::Settlement;
use crate::report::table::{truncate_cell, Table};

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

/// The payments and totals as readable tables.
pub(super) fn render(s: &Settlement) -> String {
    let mut out = format!(
        "Payments at site {} in {} (rule set {}):\n\n",
        truncate_cell(s.site.clone()),
        s.month,
        truncate_cell(s.rule_set.clone())
    );
    if s.payments.is_empty() {
        out.push_str("no payments\n");
        return out;
    }
    let mut table = Table::names_then_figures(4, 3);
    table.row(["payer", "payee", "rule", "amount"]);
    for p in &s.payments {
        table.row([
            p.payer.clone(),
            format!("→ {}", p.payee),
            p.rule.clone(),
            money(p.amount),
        ]);
    }
    table.render_into(&mut out);
    let total: f64 = s.payments.iter().map(|p| p.amount).sum();
    for (title, totals) in [("payer", &s.by_payer), ("payee", &s.by_payee)] {
        out.push_str(&format!("\nTotals by {title}:\n"));
        let mut table = Table::names_then_figures(2, 1);
        table.row([title.to_string(), "amount".into()]);
        for (party, x) in totals {
            table.row([party.clone(), money(*x)]);
        }
        table.row(["all".to_string(), money(total)]);
        table.render_into(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pay::Payment;

    #[test]
    fn money_has_pence_and_separators() {
        assert_eq!(money(28_000.0), "£28,000.00");
        assert_eq!(money(17_900.5), "£17,900.50");
        assert_eq!(money(-1234.5), "-£1,234.50");
        assert_eq!(money(0.0), "£0.00");
    }

    #[test]
    fn payments_and_totals_exact_text() {
        let s = Settlement {
            site: "th".into(),
            month: "2016-06".into(),
            rule_set: "original".into(),
            payments: vec![
                Payment {
                    payer: "ccg".into(),
                    payee: "spv".into(),
                    rule: "engage".into(),
                    amount: 28_000.0,
                },
                Payment {
                    payer: "sof".into(),
                    payee: "provider".into(),
                    rule: "job".into(),
                    amount: 500.0,
                },
            ],
            by_payer: vec![("ccg".into(), 28_000.0), ("sof".into(), 500.0)],
            by_payee: vec![("spv".into(), 28_000.0), ("provider".into(), 500.0)],
        };
        assert_eq!(
            render(&s),
            "Payments at site th in 2016-06 (rule set original):\n\n\
             payer  payee       rule        amount\n\
             ccg    → spv       engage  £28,000.00\n\
             sof    → provider  job        £500.00\n\
             \nTotals by payer:\n\
             payer      amount\n\
             ccg    £28,000.00\n\
             sof       £500.00\n\
             all    £28,500.00\n\
             \nTotals by payee:\n\
             payee         amount\n\
             spv       £28,000.00\n\
             provider     £500.00\n\
             all       £28,500.00\n"
        );
    }
}
