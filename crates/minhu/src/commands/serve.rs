//! `minhu serve`: the server on a listening address, with the running configuration built
//! from its flags (`crate::config`), optionally on the demo district.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context, Result};
use minhu_web::AppState;

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long, env = "MINHU_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Load the demo district into an empty database first.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    config: crate::config::ConfigArgs,
}

/// Serves until SIGINT or SIGTERM, loading the demo district first when asked.
pub async fn run(url: &str, args: ServeArgs) -> Result<()> {
    let store = super::open(url).await?;
    let app = minhu_app::App::with_config(store, args.config.config()?).await?;
    let app = AppState::new(app);
    if args.demo {
        load_demo(&app).await?;
    }
    let listen = args.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(%listen, database = app.store.backend_name(), "minhu serving");
    super::calendar::warn_if_running_out(&app.calendar(), app.now());
    println!("minhu listening on http://{listen}");
    minhu::server::serve(listener, app, shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// `serve --demo`: the demo district into an empty database, and its accounts' tokens.
async fn load_demo(app: &AppState) -> Result<()> {
    let started = Instant::now();
    if !minhu_fixtures::demo::load(app)
        .await
        .map_err(anyhow::Error::msg)?
    {
        tracing::info!("database already holds requests; demo not loaded again");
        return Ok(());
    }
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(elapsed_ms, "demo district loaded");
    let token = minhu_app::credentials::issue_token(&app.store, "admin", Some("demo")).await?;
    let staff = minhu_app::credentials::issue_token(&app.store, "dxy_staff", Some("demo")).await?;
    println!(
        "演示数据已载入 / demo district loaded. Accounts use the password '{}'.",
        minhu_fixtures::demo::DEMO_PASSWORD
    );
    println!("  admin (区综合办, district_admin) token: {token}");
    println!("  dxy_staff (德馨苑社区, community_staff) token: {staff}");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
