//! The error a distribution spec gets when its parameters cannot define a distribution.

/// A distribution spec whose parameters are invalid: which parameter, what is wrong, what would do.
///
/// Displayed as `"{problem}; {valid}"`, e.g. `min 5 is greater than max 3; expected min ≤ mode ≤ max
/// with min < max`. The scenario validator adds the file position and the field path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{problem}; {valid}")]
pub struct DistError {
    /// The spec field at fault (`"min"`, `"sd"`, `"weights"`, …), or `"dist"` when it concerns the
    /// distribution as a whole.
    pub param: &'static str,
    /// What is wrong, quoting the offending value.
    pub problem: String,
    /// What would be valid.
    pub valid: String,
}

impl DistError {
    pub(crate) fn new(
        param: &'static str,
        problem: impl Into<String>,
        valid: impl Into<String>,
    ) -> Self {
        DistError {
            param,
            problem: problem.into(),
            valid: valid.into(),
        }
    }
}
