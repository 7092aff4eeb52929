//! The one place the running configuration ([`minhu_app::Config`]) is built: from the
//! flags of `minhu serve` and their environment variables.

use minhu_app::config::{ClassifierSource, Config, Secret, SmtpConfig, seconds_or};

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
    /// A proxy (CIDR or address) whose X-Forwarded-For names the client; repeat, or
    /// comma-separated in the variable. Other senders' X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", env = "MINHU_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = minhu_app::login_limit::parse_trusted_proxy)]
    trusted_proxies: Vec<minhu_app::login_limit::IpNet>,
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
            trusted_proxies: self.trusted_proxies,
        }
    }
}
