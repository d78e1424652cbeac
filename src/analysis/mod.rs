// TEMPORARY STUB (replaced by the report branch).
pub struct TrialTable {
    pub metric_names: Vec<String>,
    pub flag_names: Vec<String>,
    pub trials: usize,
    pub values: Vec<f64>,
}
impl TrialTable {
    pub fn new(metric_names: Vec<String>, flag_names: Vec<String>) -> Self {
        TrialTable { metric_names, flag_names, trials: 0, values: vec![] }
    }
}
