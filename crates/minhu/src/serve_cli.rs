//! `minhu serve`: the server's command line, and the one place the running configuration
//! ([`minhu_app::Config`]) is built, from flags and their environment variables.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context, Result};
use minhu_app::config::{ClassifierSource, Config, Secret, SmtpConfig, seconds_or};
use minhu_web::AppState;

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long, env = "MINHU_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Load the demo district into an empty database first.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    config: ConfigArgs,
}

/// What a deployment tells the server (each flag also read from its variable).
#[derive(clap::Args)]
pub struct ConfigArgs {
    /// Give cookies the Secure flag (behind HTTPS).
    #[arg(long, env = "MINHU_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Seconds between runs of the deadline monitor.
    #[arg(long, env = "MINHU_SWEEP_SECONDS")]
    sweep_seconds: Option<u64>,
    /// Seconds between refreshes of the ledger facts.
    #[arg(long, env = "MINHU_LEDGER_SECONDS")]
    ledger_seconds: Option<u64>,
    /// Seconds between looks at whether another server changed the reference data.
    #[arg(long, env = "MINHU_CONFIG_POLL_SECONDS")]
    config_poll_seconds: Option<u64>,
    /// A saved classifier model for intake suggestions, or `off`; else trained on start.
    #[arg(long, env = "MINHU_CLASSIFIER_MODEL")]
    classifier_model: Option<String>,
    /// SMS gateway URL (the requester hears of steps by SMS).
    #[arg(long, env = "MINHU_SMS_GATEWAY")]
    sms_gateway: Option<String>,
    /// Secret that signs the POSTs to the SMS gateway.
    #[arg(long, env = "MINHU_SMS_SECRET", hide_env_values = true)]
    sms_secret: Option<String>,
    /// SMTP relay for e-mail notifications.
    #[arg(long, env = "MINHU_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "MINHU_SMTP_PORT", default_value_t = 25)]
    smtp_port: u16,
    #[arg(long, env = "MINHU_SMTP_FROM", default_value = "minhu@localhost")]
    smtp_from: String,
}

impl ConfigArgs {
    /// The running configuration these flags describe.
    pub fn config(self) -> Config {
        let d = Config::default();
        let sms_gateway = self.sms_gateway.filter(|u| !u.is_empty()).map(|url| {
            let secret = Secret::new(self.sms_secret.unwrap_or_default());
            (url, secret)
        });
        let smtp = self
            .smtp_host
            .filter(|h| !h.is_empty())
            .map(|host| SmtpConfig {
                host,
                port: self.smtp_port,
                from: self.smtp_from,
            });
        Config {
            secure_cookies: self.secure_cookies,
            sweep_every: seconds_or(self.sweep_seconds, d.sweep_every),
            ledger_every: seconds_or(self.ledger_seconds, d.ledger_every),
            config_poll_every: seconds_or(self.config_poll_seconds, d.config_poll_every),
            send_every: d.send_every,
            classifier: ClassifierSource::from_setting(self.classifier_model.as_deref()),
            sms_gateway,
            smtp,
        }
    }
}

/// Serves until SIGINT or SIGTERM, loading the demo district first when asked.
pub async fn run(url: &str, args: ServeArgs) -> Result<()> {
    let store = crate::open(url).await?;
    let app = minhu_app::App::with_config(store, args.config.config()).await?;
    let app = AppState::new(app);
    if args.demo {
        load_demo(&app).await?;
    }
    let listen = args.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    tracing::info!(%listen, database = app.store.backend_name(), "minhu serving");
    println!("minhu listening on http://{listen}");
    minhu_web::serve(listener, app, shutdown_signal()).await?;
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
    let token = minhu_web::auth::issue_token(&app.store, "admin", Some("demo")).await?;
    let staff = minhu_web::auth::issue_token(&app.store, "dxy_staff", Some("demo")).await?;
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
