// TEMPORARY STUB (replaced by the report branch).
#[derive(Debug, thiserror::Error)]
#[error("report")]
pub struct ReportError;
