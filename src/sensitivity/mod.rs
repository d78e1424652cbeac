pub mod rank;
pub mod stress;
