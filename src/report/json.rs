//! The JSON exporter: each result's serde form, pretty-printed — `summary.json` for a run and the
//! `--json` output of the other commands. The shapes are public contracts, documented on the result
//! types ([`analysis::run`](crate::analysis::run) for `summary.json`).
//!
//! The bytes carry no trailing newline (`summary.json` is written so); a caller printing them to a
//! terminal adds one.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use super::{Exporter, Report, ReportError};
use crate::analysis::run::Meta;
use crate::engine::pay::{Payment, Settlement};

/// Pretty-printed JSON, keys in the result's own order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Exporter for Json {
    fn format(&self) -> &'static str {
        "JSON"
    }

    fn export(&self, report: Report<'_>) -> Result<Vec<u8>, ReportError> {
        /// The plan checks alone: the `plan` object of `summary.json`.
        struct Plan<'a>(&'a [crate::analysis::plan::PlanCheck]);
        impl Serialize for Plan<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                crate::analysis::run::plan_map(self.0, s)
            }
        }
        let bytes = match report {
            Report::Run(r) => serde_json::to_vec_pretty(r),
            Report::Plan(p) => serde_json::to_vec_pretty(&Plan(p)),
            // Millions of cells: CSV is the form for those.
            Report::Trials(_) | Report::Monthly(_) => return Err(self.unsupported(report)),
            Report::Validation(v) => serde_json::to_vec_pretty(v),
            Report::Settlement(s) => serde_json::to_vec_pretty(s),
            Report::Backtest(b) => serde_json::to_vec_pretty(b),
            Report::OutsideView(o) => serde_json::to_vec_pretty(o),
            Report::Calibration(c) => serde_json::to_vec_pretty(c),
            Report::Evidence(l) => serde_json::to_vec_pretty(l),
        };
        bytes.map_err(|source| ReportError::Json {
            what: report.kind(),
            source,
        })
    }
}

/// `result`'s JSON, pretty-printed as [`Json`] writes it, with a `meta` object as its first key
/// (sibsim's version, the scenario file's path and SHA-256, seed, trials, sampling, command line,
/// UTC time and evidence library: [`Meta`]), then the result's own keys in their order: the form
/// of every results file a command writes beside `summary.json` (`backtest.json`,
/// `outside_view.json`, `compare.json`, `seek.json`, `sensitivity.json`). No trailing newline.
///
/// # Errors
/// [`ReportError::Json`] (naming `what`) if `result` cannot be written as a JSON object.
pub fn with_meta<T: Serialize>(
    what: &'static str,
    result: &T,
    meta: &Meta,
) -> Result<Vec<u8>, ReportError> {
    #[derive(Serialize)]
    struct WithMeta<'a, T> {
        meta: &'a Meta,
        #[serde(flatten)]
        result: &'a T,
    }
    serde_json::to_vec_pretty(&WithMeta { meta, result })
        .map_err(|source| ReportError::Json { what, source })
}

/// The documented JSON of `sibsim pay` (README, "sibsim pay"): `{"site", "month", "rule_set",
/// "payments": [{"payer", "payee", "rule", "amount"}], "totals": {"by_payer": {party: £},
/// "by_payee": {party: £}}}`. Written here, beside the other JSON, because the totals are ordered
/// pairs in memory and objects in the JSON.
impl Serialize for Settlement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Totals<'a>(&'a [(String, f64)]);
        impl Serialize for Totals<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (party, x) in self.0 {
                    map.serialize_entry(party, x)?;
                }
                map.end()
            }
        }
        struct Both<'a>(&'a Settlement);
        impl Serialize for Both<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Totals", 2)?;
                st.serialize_field("by_payer", &Totals(&self.0.by_payer))?;
                st.serialize_field("by_payee", &Totals(&self.0.by_payee))?;
                st.end()
            }
        }
        let mut st = s.serialize_struct("Settlement", 5)?;
        st.serialize_field("site", &self.site)?;
        st.serialize_field("month", &self.month)?;
        st.serialize_field("rule_set", &self.rule_set)?;
        st.serialize_field("payments", &self.payments)?;
        st.serialize_field("totals", &Both(self))?;
        st.end()
    }
}

/// `{"payer", "payee", "rule", "amount"}`.
impl Serialize for Payment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Payment", 4)?;
        st.serialize_field("payer", &self.payer)?;
        st.serialize_field("payee", &self.payee)?;
        st.serialize_field("rule", &self.rule)?;
        st.serialize_field("amount", &self.amount)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::TrialTable;

    #[test]
    fn settlement_shape() {
        let s = Settlement {
            site: "th".into(),
            month: "2016-06".into(),
            rule_set: "original".into(),
            payments: vec![Payment {
                payer: "ccg".into(),
                payee: "spv".into(),
                rule: "engage".into(),
                amount: 28_000.0,
            }],
            by_payer: vec![("ccg".into(), 28_000.0)],
            by_payee: vec![("spv".into(), 28_000.0)],
        };
        let text =
            String::from_utf8(Json.export(Report::Settlement(&s)).expect("json")).expect("utf8");
        let compact: serde_json::Value = serde_json::from_str(&text).expect("valid");
        assert_eq!(
            compact.to_string(),
            concat!(
                r#"{"site":"th","month":"2016-06","rule_set":"original","#,
                r#""payments":[{"payer":"ccg","payee":"spv","rule":"engage","amount":28000.0}],"#,
                r#""totals":{"by_payer":{"ccg":28000.0},"by_payee":{"spv":28000.0}}}"#
            )
        );
        assert!(!text.ends_with('\n'));
    }

    #[test]
    fn with_meta_puts_meta_first_then_the_results_keys_in_order() {
        let s = Settlement {
            site: "th".into(),
            month: "2016-06".into(),
            rule_set: "original".into(),
            payments: Vec::new(),
            by_payer: Vec::new(),
            by_payee: Vec::new(),
        };
        let meta = Meta::new(
            std::path::Path::new("no/such/file.toml"),
            b"abc",
            7,
            &crate::engine::sampling::Plan::mc(10),
            vec!["sibsim".into()],
            std::time::UNIX_EPOCH,
        );
        let text = String::from_utf8(with_meta("payments", &s, &meta).expect("json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid");
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["meta", "site", "month", "rule_set", "payments", "totals"]
        );
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            v["meta"]["scenario_sha256"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(v["meta"]["created_utc"], "1970-01-01T00:00:00Z");
        assert_eq!(v["meta"]["trials"], 10);
        // The result's part is byte for byte what the exporter writes without meta.
        let mut without = v.clone();
        without.as_object_mut().unwrap().shift_remove("meta");
        let plain: serde_json::Value =
            serde_json::from_slice(&Json.export(Report::Settlement(&s)).unwrap()).unwrap();
        assert_eq!(without, plain);
        assert!(!text.ends_with('\n'));
    }

    #[test]
    fn backtest_keys_in_todays_order() {
        let b = crate::analysis::backtest::Backtest {
            scenario: "s".into(),
            trials: 4,
            seed: 7,
            actuals: vec![crate::analysis::backtest::BacktestRow {
                metric: "engagements".into(),
                label: None,
                actual: 20.0,
                percentile: 0.5,
                median: 25.0,
                plan: None,
                plan_percentile: None,
                source: "000 Table 4.1".into(),
                note: Some("scope: all sites".into()),
                readings: None,
            }],
        };
        let v: serde_json::Value =
            serde_json::from_slice(&Json.export(Report::Backtest(&b)).expect("json"))
                .expect("valid");
        assert_eq!(
            v.to_string(),
            concat!(
                r#"{"scenario":"s","trials":4,"seed":7,"actuals":[{"metric":"engagements","#,
                r#""label":null,"actual":20.0,"percentile":0.5,"median":25.0,"plan":null,"#,
                r#""plan_percentile":null,"source":"000 Table 4.1","note":"scope: all sites","#,
                r#""readings":null}]}"#
            )
        );
    }

    #[test]
    fn trials_are_not_json() {
        let t = TrialTable::new(vec![], vec![]);
        let err = Json.export(Report::Trials(&t)).expect_err("unsupported");
        assert_eq!(
            err.to_string(),
            "the JSON format has no form for a per-trial table"
        );
    }
}
