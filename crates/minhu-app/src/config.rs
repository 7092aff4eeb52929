//! The one configuration of a running Minhu, built once by the binary (from its command
//! line and the environment) and passed down. Library crates read no environment variables.

use std::fmt;
use std::time::Duration;

/// A value that must not reach a log: its `Debug` and `Display` print `***`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The secret itself, for the one place that signs or logs in with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Certificate authorities a deployment trusts for outgoing TLS (webhooks, the SMS gateway,
/// the SMTP relay) on top of the platform's own roots: typically its internal CA.
#[derive(Clone, PartialEq, Eq)]
pub struct CaBundle {
    /// Where the bundle was read from, for messages.
    pub source: String,
    /// The certificates, DER-encoded.
    certs: Vec<Vec<u8>>,
}

impl CaBundle {
    /// Reads a PEM file of one or more `CERTIFICATE` blocks.
    pub fn read(path: &str) -> Result<CaBundle, String> {
        let pem = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        CaBundle::from_pem(path, &pem)
    }

    /// Parses PEM text; `source` names it in messages. Refuses text with no certificate,
    /// so a wrong file is told at start-up and not at the first delivery.
    pub fn from_pem(source: &str, pem: &[u8]) -> Result<CaBundle, String> {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let certs = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(|c| c.to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{source} is not a PEM certificate bundle: {e}"))?;
        if certs.is_empty() {
            return Err(format!("{source} holds no PEM CERTIFICATE block"));
        }
        Ok(CaBundle {
            source: source.to_string(),
            certs,
        })
    }

    /// The certificates, DER-encoded.
    pub fn certificates(&self) -> &[Vec<u8>] {
        &self.certs
    }
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CaBundle({}, {} certificates)",
            self.source,
            self.certs.len()
        )
    }
}

/// How the connection to the SMTP relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same host or a trusted network; no AUTH.
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS, which the relay must offer (usually port 587).
    StartTls,
    /// TLS from the first byte, "implicit TLS" (usually port 465).
    Tls,
}

impl SmtpTls {
    /// From the `--smtp-tls` setting: `none`, `starttls` or `tls`.
    pub fn from_setting(setting: &str) -> Option<SmtpTls> {
        match setting.trim().to_ascii_lowercase().as_str() {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }

    /// The port such a relay usually listens on.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// Where to send e-mail: an SMTP relay the deployment runs, how the connection is protected
/// and the account Minhu logs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub tls: SmtpTls,
    /// User name and password for SMTP AUTH (PLAIN or LOGIN, as the relay offers).
    pub auth: Option<(String, Secret)>,
    /// Trusted for the relay's certificate besides the platform roots: the same bundle as
    /// [`Config::ca_bundle`].
    pub ca_bundle: Option<CaBundle>,
}

impl Default for SmtpConfig {
    fn default() -> SmtpConfig {
        SmtpConfig {
            host: "localhost".into(),
            port: 25,
            from: "minhu@localhost".into(),
            tls: SmtpTls::None,
            auth: None,
            ca_bundle: None,
        }
    }
}

/// Where the intake suggestions' classifier comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ClassifierSource {
    /// Train on the deployment's own categorised requests (at least 100 of them).
    #[default]
    Train,
    /// Load a saved model file.
    Load(String),
    /// No suggestions.
    Off,
}

impl ClassifierSource {
    /// From the `--classifier-model` setting: a path, `off`, or nothing (train).
    pub fn from_setting(setting: Option<&str>) -> ClassifierSource {
        match setting.map(str::trim) {
            None | Some("") => ClassifierSource::Train,
            Some("off") => ClassifierSource::Off,
            Some(path) => ClassifierSource::Load(path.to_string()),
        }
    }
}

/// Everything a running Minhu is told from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Cookies get the Secure flag (behind HTTPS).
    pub secure_cookies: bool,
    /// How often the server runs the deadline monitor.
    pub sweep_every: Duration,
    /// How often the ledger facts are brought up to date.
    pub ledger_every: Duration,
    /// How often the server looks whether another server changed the reference data.
    pub config_poll_every: Duration,
    /// How often the notification sender drains the outbox.
    pub send_every: Duration,
    pub classifier: ClassifierSource,
    /// SMS gateway URL and its signing secret.
    pub sms_gateway: Option<(String, Secret)>,
    /// SMTP relay for e-mail notifications.
    pub smtp: Option<SmtpConfig>,
    /// Certificate authorities trusted for HTTPS webhooks and the SMS gateway besides the
    /// platform's roots.
    pub ca_bundle: Option<CaBundle>,
    /// Proxies whose `X-Forwarded-For` names the client (for the login limiter).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: false,
            sweep_every: Duration::from_secs(60),
            ledger_every: Duration::from_secs(60),
            config_poll_every: Duration::from_secs(5),
            send_every: Duration::from_secs(1),
            classifier: ClassifierSource::Train,
            sms_gateway: None,
            smtp: None,
            ca_bundle: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// A period in whole seconds; zero or nothing means the default.
pub fn seconds_or(secs: Option<u64>, default: Duration) -> Duration {
    secs.filter(|s| *s > 0)
        .map(Duration::from_secs)
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let cfg = Config {
            sms_gateway: Some(("http://gw".into(), "s3cret".into())),
            ..Config::default()
        };
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert_eq!(Secret::from("s3cret").to_string(), "***");
    }

    #[test]
    fn the_classifier_setting_reads_off_and_paths() {
        assert_eq!(
            ClassifierSource::from_setting(None),
            ClassifierSource::Train
        );
        assert_eq!(
            ClassifierSource::from_setting(Some("off")),
            ClassifierSource::Off
        );
        assert_eq!(
            ClassifierSource::from_setting(Some("m.bin")),
            ClassifierSource::Load("m.bin".into())
        );
    }
}
