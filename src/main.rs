//! The `sibsim` binary: parse arguments, call the library, print `Error: …` and exit non-zero.

use std::process::ExitCode;

use clap::Parser;
mod cli;

use cli::{execute, exit_code, Cli};

fn main() -> ExitCode {
    // The handler runs on ctrlc's own thread and only sets the library's stop flag; the command
    // sees it, removes its temporaries on the main thread and ends with exit code 130. If the
    // handler cannot be installed, an interrupt kills the process as by default: the output
    // folders are still as they were (docs/outputs.md), only the temporaries stay until the next
    // run removes them.
    let _ = ctrlc::set_handler(sibsim::interrupt::request);
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
