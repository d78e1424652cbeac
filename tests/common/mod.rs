//! Edits that put the bundled MHEP 1 files back as they were before issue 12 changed the scenario
//! (not the sampling): tests whose premise or recorded figures predate those changes run on them.
#![allow(dead_code)] // each test crate uses some of these

pub mod meta;
pub mod svg;

/// `text` with every on-account base's `until = "YYYY-MM"` taken out: the contract as it was when
/// `before.csv` was recorded (bases lapsed only at the next block; issue 12 added `until`, a change
/// of the contract, not of the sampling this test guards).
pub fn without_lapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut removed = 0;
    while let Some(at) = rest.find(", until = \"") {
        let len = ", until = \"YYYY-MM\"".len();
        out.push_str(&rest[..at]);
        rest = &rest[at + len..];
        removed += 1;
    }
    out.push_str(rest);
    assert!(removed > 0, "no until to take out");
    out
}

/// `text` with every `p_evidence = 1.0` put back to the pert 0.85 / 0.95 / 1.0 the MHEP 1 files
/// had when `before.csv` was recorded (issue 12 set it to 1, one evidence haircut: a change of the
/// scenario, not of the sampling this test guards).
pub fn with_old_evidence_haircut(text: &str) -> String {
    let out = text.replace(
        "p_evidence = 1.0",
        r#"p_evidence = { dist = "pert", min = 0.85, mode = 0.95, max = 1.0 }"#,
    );
    assert_ne!(out, text, "no p_evidence = 1.0 to put back");
    out
}

/// `text` with every `beta_counts`' `exposure` taken out: when `before.csv` was recorded the
/// window-observed ratios were drawn as if eventual (issue 12 added the exposure, a change of the
/// calibration, not of the sampling this test guards; the draws are the same, only scaled).
pub fn without_exposure(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut removed = 0;
    while let Some(at) = rest.find(", exposure = ") {
        out.push_str(&rest[..at]);
        rest = &rest[at + ", exposure = ".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .expect("a number ends before the file does");
        rest = &rest[end..];
        removed += 1;
    }
    out.push_str(rest);
    assert!(removed > 0, "no exposure to take out");
    out
}

/// MHEP 1's text as before issue 12's evidence haircut and exposures (bases still lapse).
pub fn before_haircut_and_exposure(text: &str) -> String {
    with_old_evidence_haircut(&without_exposure(text))
}
