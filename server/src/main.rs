//! The `toubeelib` binary: parse the command line, then hand over to the `server` library.

use clap::Parser as _;
use server::cli::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    server::telemetry::init()?;
    cli.run().await
}
