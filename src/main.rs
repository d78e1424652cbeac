//! The `sibsim` binary: parse arguments, call the library, print `Error: …` and exit non-zero.

use std::process::ExitCode;

use clap::Parser;
mod cli;

use cli::{execute, exit_code, Cli};

fn main() -> ExitCode {
    match execute(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(exit_code(&err))
        }
    }
}
