//! The command line (the binary's own module): arguments in [`args`], one short function per
//! command in [`commands`] — load, call the library, export, write — and what they share here.

mod args;
mod commands;
mod compare;
mod init;
mod sensitivity;
mod window;

use anyhow::Context;
use sibsim::error::Error;
use sibsim::report::json::Json;
use sibsim::report::terminal::Terminal;
use sibsim::report::{Exporter, Report};

pub use args::Cli;
use args::Command;

/// Run the command line `cli`.
///
/// # Errors
/// Library errors (an invalid scenario or option: [`Error`]) and I/O errors with context.
pub fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Init(args) => init::init(&args),
        Command::Validate { file, evidence } => commands::validate(&file, &evidence.search()),
        Command::Run(args) => commands::run(args),
        Command::Report(args) => commands::report(&args),
        Command::Compare(args) => compare::compare(args),
        Command::Seek(args) => compare::seek(args),
        Command::Sensitivity(args) => sensitivity::sensitivity(args),
        Command::Pay(args) => commands::pay(args),
        Command::Evidence { evidence, output } => {
            commands::evidence(&evidence.search(), output.json)
        }
        Command::Schema => {
            print!("{}", sibsim::scenario::schema::scenario_schema_json());
            Ok(())
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "sibsim", &mut std::io::stdout());
            Ok(())
        }
        Command::Calibrate {
            scenario: Some(file),
            window: w,
            json,
            evidence,
        } => window::calibrate_scenario(&file, &evidence.search(), &w, json),
        Command::Calibrate { evidence, json, .. } => commands::calibrate(&evidence.search(), json),
        Command::OutsideView {
            file,
            sampling,
            evidence,
            class,
            output,
            charts,
            png,
        } => commands::outside_view(
            &file,
            &sampling,
            (&evidence.search(), &class),
            &output,
            charts.as_deref(),
            png,
        ),
        Command::Backtest {
            file,
            sampling,
            evidence,
            output,
            charts,
            png,
        } => commands::backtest(
            &file,
            &evidence.search(),
            &sampling,
            &output,
            charts.as_deref(),
            png,
        ),
    }
}

/// Print a result on stdout: as JSON (with a final newline) when `json`, else as the terminal's
/// text.
fn print(report: Report<'_>, json: bool) -> anyhow::Result<()> {
    if json {
        let mut bytes = Json.export(report)?;
        bytes.push(b'\n');
        write_stdout(&bytes)
    } else {
        write_stdout(&Terminal.export(report)?)
    }
}

/// Print to stdout. A reader that has gone away (`sibsim run … | head`) ends the output quietly
/// instead of failing: the results are complete in the output files either way.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}

/// Exit code for an error: 130 after an interrupt (SIGINT, SIGTERM or SIGHUP), 2 for a bad
/// scenario or option (the user's input), 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    // Whatever error an interrupt ended the command with, the shell's convention: 128 + SIGINT.
    if sibsim::interrupt::requested() {
        return 130;
    }
    match err.downcast_ref::<Error>() {
        Some(
            Error::InvalidScenario(_)
            | Error::InvalidOption { .. }
            | Error::ContractCheck(_)
            | Error::Evidence(_),
        ) => 2,
        // An --out folder holding another scenario's results: the user's choice of folder.
        Some(Error::Report(sibsim::report::ReportError::OtherScenario { .. })) => 2,
        _ if matches!(
            err.downcast_ref::<sibsim::report::ReportError>(),
            Some(sibsim::report::ReportError::OtherScenario { .. })
        ) =>
        {
            2
        }
        _ if err
            .downcast_ref::<sibsim::analysis::precision::PrecisionError>()
            .is_some() =>
        {
            2
        }
        _ if matches!(
            err.downcast_ref::<sibsim::sensitivity::analysis::SensitivityError>(),
            Some(
                sibsim::sensitivity::analysis::SensitivityError::Option { .. }
                    | sibsim::sensitivity::analysis::SensitivityError::Event(_)
                    | sibsim::sensitivity::analysis::SensitivityError::Run(
                        Error::InvalidScenario(_) | Error::InvalidOption { .. }
                    )
            )
        ) =>
        {
            2
        }
        _ => match err.downcast_ref::<sibsim::compare::CompareError>() {
            Some(sibsim::compare::CompareError::Run(
                Error::InvalidScenario(_) | Error::InvalidOption { .. },
            )) => 2,
            Some(
                sibsim::compare::CompareError::Invalid(_)
                | sibsim::compare::CompareError::Option { .. }
                | sibsim::compare::CompareError::Seek(_),
            ) => 2,
            _ => 1,
        },
    }
}
