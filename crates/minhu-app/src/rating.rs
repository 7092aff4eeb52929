//! The requester's own rating, and the proof it needs. The tracking code is public, so a
//! rating from the tracking page must carry the request's rating key (评价码,
//! [`RatingKey`]): issued once at intake and given only to the requester, stored as a hash,
//! compared in constant time, and guarded by a limiter kept in the store (so it holds across
//! servers): after [`WRONG_KEYS_PER_HOUR`] unproven attempts in an hour the request takes no
//! rating from the page until the hour has passed; staff callbacks are unaffected.
//!
//! [`rate`] is the one way to perform `Command::Rate` as [`Actor::requester`].

use chrono::Duration;
use minhu_domain::lifecycle::Command;
use minhu_domain::notify::OutboxItem;
use minhu_domain::org::Actor;
use minhu_domain::rating_key::RatingKey;
use minhu_domain::request::{Event, Intake, Request, Satisfaction};
use minhu_domain::text::{self, Lang};
use rand::Rng;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{App, AppError, Kind};

/// Attempts with a key allowed per request and hour (a right key does not count).
pub const WRONG_KEYS_PER_HOUR: i64 = 5;

/// The field every refusal names.
const FIELD: &str = "rating_key";

/// A fresh key from the operating system's random numbers.
fn draw() -> RatingKey {
    let mut random = [0u8; RatingKey::LEN];
    rand::rng().fill(&mut random);
    RatingKey::generate(random)
}

/// What is stored of a key: hex SHA-256, bound to its request so equal keys of two
/// requests never share a hash.
fn digest(request_id: i64, key: &RatingKey) -> String {
    let mut h = Sha256::new();
    h.update(b"minhu rating key v1\0");
    h.update(request_id.to_string().as_bytes());
    h.update(b"\0");
    h.update(key.as_str().as_bytes());
    hex::encode(h.finalize())
}

/// The SMS that gives the requester the key (`None`: the text once the key is used).
fn sms_payload(phone: &str, code: &str, key: Option<&RatingKey>) -> Value {
    let shown = key.map_or_else(|| "****-****".to_string(), RatingKey::grouped);
    let text = text::fill(
        "app.rating_key_sms",
        Lang::Zh,
        &[("code", code), ("key", &shown)],
    );
    json!({"phone": phone, "text": text})
}

/// A key for a request about to be registered, and what the store keeps of it once the
/// request has its id and final code ([`minhu_store::RatingIssue`]): the hash and, when the
/// request has a phone and an SMS gateway is configured, the SMS giving the requester the
/// key. Both commit with the request. The key is returned for the registering channel to
/// show or pass on; it is kept nowhere else.
pub fn issue(app: &App, intake: &Intake) -> (RatingKey, minhu_store::RatingIssue) {
    let key = draw();
    let phone = intake
        .requester
        .phone
        .clone()
        .filter(|_| app.config.sms_gateway.is_some());
    let kept = key.clone();
    let save = move |id: i64, code: &str| {
        let sms = phone.as_ref().map(|phone| OutboxItem {
            channel: "sms".into(),
            target: phone.clone(),
            secret: None,
            payload: sms_payload(phone, code, Some(&kept)),
        });
        (digest(id, &kept), sms)
    };
    (key, Box::new(save))
}

/// Checks the key typed for a request: missing or malformed is 422, too many attempts 429,
/// wrong (or a request without a live key) 403, each naming the field `rating_key`.
pub async fn check(app: &App, request_id: i64, typed: Option<&str>) -> Result<(), AppError> {
    let typed = typed
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::new(Kind::Invalid, "rating_key_missing").field(FIELD))?;
    let key = RatingKey::parse(typed)
        .ok_or_else(|| AppError::new(Kind::Invalid, "rating_key_malformed").field(FIELD))?;
    let now = app.now();
    // Counted before the comparison, so parallel guesses cannot slip past the limit.
    let (attempt, made) = app
        .store
        .count_rating_attempt(request_id, now, now - Duration::hours(1))
        .await?;
    if made > WRONG_KEYS_PER_HOUR {
        return Err(AppError::new(Kind::TooMany, "rating_key_locked").field(FIELD));
    }
    let live = app
        .store
        .rating_key(request_id)
        .await?
        .filter(|k| k.used_at.is_none());
    let given = digest(request_id, &key);
    let right = live.is_some_and(|k| bool::from(k.key_hash.as_bytes().ct_eq(given.as_bytes())));
    if !right {
        tracing::warn!(id = request_id, "rating refused: wrong rating key");
        return Err(AppError::new(Kind::Forbidden, "rating_key_wrong").field(FIELD));
    }
    app.store.forget_rating_attempt(attempt).await?;
    Ok(())
}

/// Whether the tracking page may offer the rating form: the request has a key not yet used.
pub async fn offered(app: &App, request_id: i64) -> Result<bool, AppError> {
    let key = app.store.rating_key(request_id).await?;
    Ok(key.is_some_and(|k| k.used_at.is_none()))
}

/// The requester rates the reply with their key: checked, performed as the requester, and
/// the key is used up (one rating per key) and blanked in the SMS that carried it.
pub async fn rate(
    app: &App,
    request: &Request,
    typed_key: Option<&str>,
    satisfaction: Satisfaction,
    comment: Option<String>,
) -> Result<(Request, Vec<Event>), AppError> {
    check(app, request.id, typed_key).await?;
    let command = Command::Rate {
        satisfaction,
        comment,
    };
    let done = crate::act::perform(app, request.id, &command, &Actor::requester()).await?;
    let phone = request.intake.requester.phone.as_deref().unwrap_or("");
    let blank = sms_payload(phone, &request.intake.code, None);
    app.store
        .use_rating_key(request.id, app.now(), &blank)
        .await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_bound_to_its_request_and_hides_the_key() {
        let key = RatingKey::generate([3; 8]);
        assert_eq!(digest(1, &key), digest(1, &key));
        assert_ne!(digest(1, &key), digest(2, &key));
        assert_eq!(digest(1, &key).len(), 64);
        assert!(!digest(1, &key).contains(key.as_str()));
    }

    #[test]
    fn the_sms_names_the_code_and_the_key_until_it_is_used() {
        let key = RatingKey::generate([9; 8]);
        let sent = sms_payload("13800000000", "263350001234", Some(&key));
        let text = sent["text"].as_str().unwrap_or("");
        assert!(text.contains("263350001234") && text.contains(&key.grouped()));
        let blank = sms_payload("13800000000", "263350001234", None);
        assert!(
            !blank["text"]
                .as_str()
                .unwrap_or("")
                .contains(&key.grouped())
        );
    }
}
