//! `minhu user add` and `minhu token issue|revoke`: the people who log in or call the API,
//! and their bearer tokens (shown once, stored hashed: `minhu_app::credentials`).

use std::io::Read;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use minhu_app::credentials;
use minhu_domain::org::Role;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a person. Roles: district_admin, street_staff, community_staff, grid_worker,
    /// unit_handler, auditor. Scope: a jurisdiction code (a unit code for unit_handler).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        scope: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read a password for web login from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Print a new bearer token for a person (shown once; stored hashed).
    Issue {
        #[arg(long)]
        username: String,
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke every token of a person.
    Revoke {
        #[arg(long)]
        username: String,
    },
}

pub async fn user(url: &str, command: UserCommand) -> Result<()> {
    let UserCommand::Add {
        username,
        role,
        scope,
        display_name,
        password_stdin,
    } = command;
    let store = super::open(url).await?;
    let role = Role::parse(&role).with_context(|| format!("unknown role '{role}'; one of: district_admin, street_staff, community_staff, grid_worker, unit_handler, auditor"))?;
    let org = store.load_org().await?;
    org.check_scope(role, &scope)
        .map_err(|e| anyhow::anyhow!("{}", e.en))?;
    let hash = if password_stdin {
        Some(credentials::hash_password(&password_from_stdin()?))
    } else {
        None
    };
    let id = store
        .add_user(
            &username,
            display_name.as_deref(),
            role,
            &scope,
            hash.as_deref(),
        )
        .await?;
    println!(
        "added user {username} (id {id}, role {}, scope {scope})",
        role.as_str()
    );
    store.close().await;
    Ok(())
}

/// The password on standard input, without its line ending; at least 8 characters.
fn password_from_stdin() -> Result<String> {
    let mut pw = String::new();
    std::io::stdin().read_to_string(&mut pw)?;
    let pw = pw.trim_end_matches(['\r', '\n']);
    if pw.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    Ok(pw.to_string())
}

pub async fn token(url: &str, command: TokenCommand) -> Result<()> {
    let store = super::open(url).await?;
    match command {
        TokenCommand::Issue { username, label } => {
            let token = credentials::issue_token(&store, &username, label.as_deref()).await?;
            println!("{token}");
        }
        TokenCommand::Revoke { username } => {
            let user = store
                .user_by_username(&username)
                .await?
                .with_context(|| format!("no such user: {username}"))?;
            let n = store.revoke_tokens(user.id).await?;
            println!("revoked {n} token(s) of {username}");
        }
    }
    store.close().await;
    Ok(())
}
