//! The command line of the `toubeelib` binary.
//!
//! Flag and variable names are a contract (API.md, "Running the binary"): the black-box tests and the
//! Docker image start the binary with them. This module only turns them into a [`Config`]; it is, with
//! `main`, the one place where `anyhow` is used, because a start-up failure only needs to be printed.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Config, Secret, Seed};

/// `toubeelib`: the Toubeelib medical appointment server.
#[derive(Debug, Parser)]
#[command(name = "toubeelib", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `toubeelib`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API until SIGTERM or Ctrl-C.
    Serve(ServeArgs),
}

/// Flags of `toubeelib serve`; each one can also come from its `TOUBEELIB_*` variable.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first stdout line tells which).
    #[arg(long, env = "TOUBEELIB_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// Directory of the persistent data, created if missing.
    #[arg(long, env = "TOUBEELIB_DATA", default_value = "./toubeelib-data")]
    pub data: PathBuf,

    /// Dataset loaded into an empty store at start-up.
    #[arg(long, env = "TOUBEELIB_SEED", value_enum, default_value_t = Seed::Demo)]
    pub seed: Seed,

    /// Origins allowed by CORS, comma-separated; `*` allows any (development). None by default.
    #[arg(long, env = "TOUBEELIB_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Email of the admin account created at start if it does not exist (with the password below).
    #[arg(long, env = "TOUBEELIB_ADMIN_EMAIL")]
    pub admin_email: Option<String>,

    /// Password of that admin account (read from the environment; never logged).
    #[arg(long, env = "TOUBEELIB_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Key signing the access tokens (≥ 32 bytes); generated once into the data directory if unset.
    #[arg(long, env = "TOUBEELIB_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
}

impl ServeArgs {
    /// The resolved configuration these flags describe.
    pub fn into_config(self) -> Config {
        Config {
            addr: self.addr,
            data_dir: self.data,
            seed: self.seed,
            cors_origins: self
                .cors_origins
                .into_iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            admin: self
                .admin_email
                .zip(self.admin_password)
                .map(|(email, mdp)| (email, Secret(mdp))),
            jwt_secret: self.jwt_secret.map(Secret),
        }
    }
}

impl Cli {
    /// Runs the chosen subcommand to completion.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => crate::serve(args.into_config()).await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_defaults_match_the_contract() {
        let cli = Cli::try_parse_from(["toubeelib", "serve"]).unwrap();
        let Command::Serve(args) = cli.command;
        // Only meaningful when the developer's shell does not set the variables itself.
        if std::env::var_os("TOUBEELIB_ADDR").is_none() {
            assert_eq!(args.addr, "127.0.0.1:8080".parse::<SocketAddr>().unwrap());
        }
        if std::env::var_os("TOUBEELIB_SEED").is_none() {
            assert_eq!(args.seed, Seed::Demo);
        }
    }

    #[test]
    fn seed_none_is_accepted() {
        let cli = Cli::try_parse_from(["toubeelib", "serve", "--seed", "none"]).unwrap();
        let Command::Serve(args) = cli.command;
        assert_eq!(args.seed, Seed::Empty);
    }
}
