//! Who is knocking, and how often: the client address behind trusted proxies, and the staff
//! login limiter.
//!
//! The client address is the connection's peer unless that peer is a trusted proxy (the
//! deployment's `--trusted-proxy` CIDRs); then `X-Forwarded-For` is read from the right,
//! skipping trusted hops, and the first untrusted address is the client. A header from anyone
//! else is ignored, so a stranger cannot pick the address they are counted under.
//!
//! The limiter counts attempts, not failures: each login reserves an attempt in the store
//! (one atomic upsert, shared by every server) *before* the password hash is checked, so 50
//! parallel guesses check at most the limit. Two counters, both must allow:
//!
//! - account × client address: [`PER_ACCOUNT_AND_CLIENT`] attempts per window. A stranger's
//!   guesses at `admin` lock that stranger's address out of `admin`, never `admin` out for
//!   everyone: the account itself is never locked, so the real admin (another address) still
//!   logs in. Brute force from one address is bounded by this counter.
//! - client address: [`PER_CLIENT`] attempts per window across all accounts (a password
//!   sprayed over many usernames). A success gives its attempt back, so an office behind one
//!   NAT address is counted only for its failures. IPv6 clients are counted per /64, the
//!   block one subscriber is usually given.
//!
//! What stays open by design: an attacker with many addresses gets the limit per address; the
//! argon2 cost of each check and the log are the answer to that, not a lock that would let
//! the same attacker shut every member of staff out.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use minhu_store::Store;

use crate::AppError;

pub use ipnet::IpNet;

/// Attempts allowed per account and client address in a window.
pub const PER_ACCOUNT_AND_CLIENT: i64 = 5;
/// Attempts allowed per client address in a window, all accounts together.
pub const PER_CLIENT: i64 = 20;
/// The window the counters run over.
pub fn window() -> Duration {
    Duration::minutes(15)
}

/// A proxy the deployment trusts: a CIDR (`10.0.0.0/8`) or a single address.
pub fn parse_trusted_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("not an IP address or CIDR: {s:?}"))
}

/// The client's address: `peer`, or, when `peer` is a trusted proxy, the first untrusted
/// address of `X-Forwarded-For` read from the right (`forwarded` is every value of it).
pub fn client_address(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded.iter().flat_map(|v| v.split(',')).rev();
    let mut client = peer;
    for hop in hops {
        let Some(ip) = parse_hop(hop) else {
            // A hop we cannot read: the last address we can vouch for is the client.
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// The key a client address is counted under (IPv6 per /64).
fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// An attempt reserved for one login; give it to [`succeeded`] when the password was right.
#[derive(Debug, Clone)]
pub struct Reserved {
    pair: String,
    client: String,
}

/// Reserves an attempt of `username` from `client`; None when either counter is spent (the
/// password must then not be checked).
pub async fn reserve(
    store: &Store,
    username: &str,
    client: IpAddr,
    now: DateTime<Utc>,
) -> Result<Option<Reserved>, AppError> {
    let account: String = username.trim().chars().take(100).collect();
    let client = format!("client:{}", client_key(client));
    let pair = format!("account:{account}|{client}");
    let by_pair = store.reserve_login_attempt(&pair, now, window()).await?;
    let by_client = store.reserve_login_attempt(&client, now, window()).await?;
    if by_pair > PER_ACCOUNT_AND_CLIENT || by_client > PER_CLIENT {
        tracing::warn!(%client, account = %account, "login attempts over the limit");
        return Ok(None);
    }
    Ok(Some(Reserved { pair, client }))
}

/// A login succeeded: the account's counter for that address starts again, and the address
/// gets its attempt back.
pub async fn succeeded(store: &Store, r: &Reserved, now: DateTime<Utc>) -> Result<(), AppError> {
    store.clear_login_attempts(&r.pair, now - window()).await?;
    store.release_login_attempt(&r.client).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|s| parse_trusted_proxy(s).unwrap())
            .collect()
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies() {
        let trusted = nets(&["10.0.0.0/8", "192.168.1.1"]);
        // A stranger's header is ignored.
        assert_eq!(
            client_address(ip("203.0.113.9"), &["1.1.1.1"], &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the first untrusted hop from the right.
        assert_eq!(
            client_address(ip("10.0.0.2"), &["6.6.6.6, 198.51.100.7"], &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["198.51.100.7", "192.168.1.1"], &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["[2001:db8::1]:443"], &trusted),
            ip("2001:db8::1")
        );
        // No header, or garbage: the proxy itself (or the last trusted hop).
        assert_eq!(
            client_address(ip("10.0.0.2"), &[], &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &["nonsense"], &trusted),
            ip("10.0.0.2")
        );
        assert!(parse_trusted_proxy("10.0.0.0/33").is_err());
        assert!(parse_trusted_proxy("::1").is_ok());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            client_key(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_eq!(client_key(ip("::ffff:1.2.3.4")), "1.2.3.4");
    }
}
