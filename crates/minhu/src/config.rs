//! The one place the running configuration ([`minhu_app::Config`]) is built: from the
//! flags of `minhu serve` and their environment variables.

use anyhow::{Context, Result, bail};
use minhu_app::config::{
    CaBundle, ClassifierSource, Config, Secret, SmtpConfig, SmtpTls, seconds_or,
};

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
    /// Its port; by default 25 (none), 587 (starttls) or 465 (tls).
    #[arg(long, env = "MINHU_SMTP_PORT")]
    smtp_port: Option<u16>,
    #[arg(long, env = "MINHU_SMTP_FROM", default_value = "minhu@localhost")]
    smtp_from: String,
    /// How the relay connection is protected: none, starttls or tls (implicit TLS);
    /// starttls by default when --smtp-user is set, else none.
    #[arg(long, env = "MINHU_SMTP_TLS")]
    smtp_tls: Option<String>,
    /// The account Minhu logs in with (SMTP AUTH PLAIN or LOGIN); needs TLS.
    #[arg(long, env = "MINHU_SMTP_USER")]
    smtp_user: Option<String>,
    /// Its password (prefer the variable or --smtp-password-file to the command line).
    #[arg(long, env = "MINHU_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<String>,
    /// A file holding the password (a mounted secret); trailing newlines are dropped.
    #[arg(long, env = "MINHU_SMTP_PASSWORD_FILE")]
    smtp_password_file: Option<String>,
    /// A PEM file of certificate authorities trusted besides the platform's roots, for
    /// HTTPS webhooks, the SMS gateway and the SMTP relay.
    #[arg(long, env = "MINHU_CA_BUNDLE")]
    ca_bundle: Option<String>,
    /// A proxy (CIDR or address) whose X-Forwarded-For names the client; repeat, or
    /// comma-separated in the variable. Other senders' X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", env = "MINHU_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = minhu_app::login_limit::parse_trusted_proxy)]
    trusted_proxies: Vec<minhu_app::login_limit::IpNet>,
}

impl ConfigArgs {
    /// The running configuration these flags describe; a setting that cannot work (a bad
    /// CA bundle, AUTH without TLS, no usable TLS roots) stops the start with its name.
    pub fn config(self) -> Result<Config> {
        let d = Config::default();
        let sms_gateway = self
            .sms_gateway
            .clone()
            .filter(|u| !u.is_empty())
            .map(|url| {
                let secret = Secret::new(self.sms_secret.clone().unwrap_or_default());
                (url, secret)
            });
        let ca_bundle = match self.ca_bundle.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(path) => Some(
                CaBundle::read(path)
                    .map_err(anyhow::Error::msg)
                    .context("--ca-bundle / MINHU_CA_BUNDLE")?,
            ),
        };
        let smtp = self.smtp(ca_bundle.clone())?;
        let config = Config {
            secure_cookies: self.secure_cookies,
            sweep_every: seconds_or(self.sweep_seconds, d.sweep_every),
            ledger_every: seconds_or(self.ledger_seconds, d.ledger_every),
            config_poll_every: seconds_or(self.config_poll_seconds, d.config_poll_every),
            send_every: d.send_every,
            classifier: ClassifierSource::from_setting(self.classifier_model.as_deref()),
            sms_gateway,
            smtp,
            trusted_proxies: self.trusted_proxies.clone(),
            ca_bundle,
        };
        // The client the sender will use, built once here so that a bundle rustls refuses
        // or a machine without any CA certificate stops the start instead of every delivery.
        minhu_app::notify_sender::http_client(&config)
            .map_err(anyhow::Error::msg)
            .context("--ca-bundle / MINHU_CA_BUNDLE")?;
        Ok(config)
    }

    /// The SMTP relay, if one is set: its protection, port and account.
    fn smtp(&self, ca_bundle: Option<CaBundle>) -> Result<Option<SmtpConfig>> {
        let Some(host) = self.smtp_host.clone().filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let user = self.smtp_user.clone().filter(|u| !u.is_empty());
        let tls = match self.smtp_tls.as_deref() {
            Some(s) => SmtpTls::from_setting(s).with_context(|| {
                format!("--smtp-tls / MINHU_SMTP_TLS: {s:?} is not none, starttls or tls")
            })?,
            None if user.is_some() => SmtpTls::StartTls,
            None => SmtpTls::None,
        };
        let auth = match user {
            None => None,
            Some(_) if tls == SmtpTls::None => bail!(
                "--smtp-user / MINHU_SMTP_USER needs --smtp-tls starttls or tls: the password \
                 would travel in clear"
            ),
            Some(user) => Some((user, self.smtp_password()?)),
        };
        Ok(Some(SmtpConfig {
            host,
            port: self.smtp_port.unwrap_or(tls.default_port()),
            from: self.smtp_from.clone(),
            tls,
            auth,
            ca_bundle,
        }))
    }

    /// The SMTP password, from its variable or its file.
    fn smtp_password(&self) -> Result<Secret> {
        if let Some(p) = self.smtp_password.as_deref().filter(|p| !p.is_empty()) {
            return Ok(Secret::new(p));
        }
        let Some(path) = self.smtp_password_file.as_deref().filter(|p| !p.is_empty()) else {
            bail!(
                "--smtp-user is set but no password: give MINHU_SMTP_PASSWORD or \
                 --smtp-password-file / MINHU_SMTP_PASSWORD_FILE"
            );
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--smtp-password-file / MINHU_SMTP_PASSWORD_FILE: {path}"))?;
        Ok(Secret::new(text.trim_end_matches(['\r', '\n'])))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: ConfigArgs,
    }

    fn config(args: &[&str]) -> Result<Config> {
        let argv = std::iter::once("minhu").chain(args.iter().copied());
        Cli::try_parse_from(argv).unwrap().config.config()
    }

    fn error(args: &[&str]) -> String {
        format!("{:#}", config(args).unwrap_err())
    }

    #[test]
    fn a_bad_ca_bundle_stops_the_start_naming_the_setting() {
        let e = error(&["--ca-bundle", "/nonexistent/ca.pem"]);
        assert!(
            e.contains("--ca-bundle") && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = error(&["--ca-bundle", path.to_str().unwrap()]);
        assert!(
            e.contains("MINHU_CA_BUNDLE") && e.contains("no PEM CERTIFICATE"),
            "{e}"
        );
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        std::fs::write(&path, garbage).unwrap();
        let e = error(&["--ca-bundle", path.to_str().unwrap()]);
        assert!(e.contains("--ca-bundle"), "{e}");
    }

    #[test]
    fn smtp_auth_needs_tls_and_defaults_to_starttls() {
        let e = error(&[
            "--smtp-host",
            "relay",
            "--smtp-user",
            "u",
            "--smtp-tls",
            "none",
        ]);
        assert!(e.contains("--smtp-user") && e.contains("clear"), "{e}");
        let e = error(&["--smtp-host", "relay", "--smtp-tls", "ssl"]);
        assert!(e.contains("--smtp-tls"), "{e}");
        let e = error(&["--smtp-host", "relay", "--smtp-user", "u"]);
        assert!(e.contains("password"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\n").unwrap();
        let pw = file.to_str().unwrap();
        let cfg = config(&[
            "--smtp-host",
            "relay",
            "--smtp-user",
            "u",
            "--smtp-password-file",
            pw,
        ]);
        let smtp = cfg.unwrap().smtp.unwrap();
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::StartTls, 587));
        assert_eq!(smtp.auth.unwrap().1.expose(), "s3cret");
        let plain = config(&["--smtp-host", "relay"]).unwrap().smtp.unwrap();
        assert_eq!(
            (plain.tls, plain.port, plain.auth),
            (SmtpTls::None, 25, None)
        );
    }
}
