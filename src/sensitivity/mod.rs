pub mod sobol;
