//! `minhu open311 key`: the API keys of Open311 client applications (POSTs need one; GETs
//! are public), issued and revoked through `minhu_open311`.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use minhu_store::{Store, StoreOptions};

#[derive(Args)]
pub struct Open311Args {
    #[command(subcommand)]
    command: Open311Command,
}

#[derive(Subcommand)]
enum Open311Command {
    /// API keys of Open311 clients (POSTs need one; GETs are public).
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Issue a key for a client and print it (only its hash is stored; shown once).
    Issue {
        /// The client's name (e.g. fixmystreet); appears as the actor of its requests.
        #[arg(long)]
        name: String,
    },
    /// Revoke every live key of a client (effective at once).
    Revoke {
        #[arg(long)]
        name: String,
    },
}

pub async fn open311(database: &str, args: Open311Args) -> Result<()> {
    let store = Store::open(database, StoreOptions::default()).await?;
    match args.command {
        Open311Command::Key {
            command: KeyCommand::Issue { name },
        } => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                bail!("--name must be 1 to 100 characters");
            }
            let key = minhu_open311::issue_key(&store, name).await?;
            println!("{key}");
        }
        Open311Command::Key {
            command: KeyCommand::Revoke { name },
        } => {
            let n = minhu_open311::revoke_keys(&store, &name).await?;
            store.close().await;
            if n == 0 {
                bail!("no live Open311 key named '{name}'");
            }
            println!("revoked {n} key(s) of {name}");
            return Ok(());
        }
    }
    store.close().await;
    Ok(())
}
