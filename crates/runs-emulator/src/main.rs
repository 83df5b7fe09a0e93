//! `runs-emulator`: serve a local Runs API until Ctrl-C.

use clap::Parser;
use runs_emulator::ServeArgs;

/// A local Runs API server for trying the SDK, and for tests.
#[derive(Debug, Parser)]
#[command(name = "runs-emulator", version, about)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.serve.run(&mut std::io::stdout()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let mut message = format!("runs-emulator: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message.push_str(&format!(": {s}"));
                source = s.source();
            }
            eprintln!("{message}");
            std::process::ExitCode::FAILURE
        }
    }
}
