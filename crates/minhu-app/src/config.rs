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

/// Where to send e-mail: an SMTP relay the deployment runs. Plain SMTP; no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
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
