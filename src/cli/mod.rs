//! The command-line interface: parse flags, run the command, map the outcome
//! to an exit code (0 ok, 1 a model or test failed, 2 usage or configuration).

pub mod args;
mod cmd_clean;
mod cmd_compile;
mod cmd_debug;
mod cmd_docs;
mod cmd_generate;
mod cmd_init;
mod cmd_load;
mod cmd_run;
mod cmd_show;
mod cmd_source;
mod cmd_unit;
mod journey_summary;
pub mod output;
pub mod report;
pub mod workspace;

use args::{Cli, Command};
use clap::Parser;

/// Entry point used by `main`: returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let outcome = match &cli.command {
        Command::Init(a) => cmd_init::run(a),
        Command::Debug(a) => cmd_debug::run(a),
        Command::Compile(a) => cmd_compile::compile(a),
        Command::Ls(a) => cmd_compile::ls(a),
        Command::Run(a) => cmd_run::run(a, cmd_run::Mode::Run),
        Command::Build(a) => cmd_run::run(a, cmd_run::Mode::Build),
        Command::Test(a) => cmd_run::test(a),
        Command::Source(a) => match &a.command {
            args::SourceCommand::Freshness(f) => cmd_source::freshness(f),
        },
        Command::Load(a) => cmd_load::run(a),
        Command::Show(a) => cmd_show::run(a),
        Command::Clean(a) => cmd_clean::run(a),
        Command::Generate(a) => cmd_generate::run(a),
        Command::Docs(a) => cmd_docs::run(a),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            report::Reporter::new(cli.command.log_format()).error(&err);
            err.exit_code()
        }
    }
}

impl Command {
    /// The output format asked for, for reporting errors the same way.
    fn log_format(&self) -> args::LogFormat {
        let project = match self {
            Command::Debug(a) => Some(a),
            Command::Compile(a) => Some(&a.project),
            Command::Ls(a) => Some(&a.project),
            Command::Run(a) | Command::Build(a) => Some(&a.project),
            Command::Test(a) => Some(&a.project),
            Command::Load(a) => Some(&a.project),
            Command::Show(a) => Some(&a.project),
            Command::Clean(a) => Some(&a.project),
            Command::Docs(a) => Some(&a.project),
            Command::Source(s) => match &s.command {
                args::SourceCommand::Freshness(f) => Some(&f.project),
            },
            _ => None,
        };
        project.map_or(args::LogFormat::Text, |p| p.log_format)
    }
}
