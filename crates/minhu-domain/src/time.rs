//! Time helpers. Everything is stored in UTC; the civic day is Asia/Shanghai.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

pub use chrono_tz::Tz;

/// The zone in which working days, ledgers and displayed times are reckoned.
pub const ZONE: Tz = Shanghai;

/// Local calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ZONE).date_naive()
}

/// The last second of a local date (23:59:59 Asia/Shanghai), as UTC.
pub fn end_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(23, 59, 59).expect("valid time");
    ZONE.from_local_datetime(&naive)
        .single()
        .expect("Shanghai has no DST")
        .with_timezone(&Utc)
}

/// RFC 3339 with the +08:00 offset, as the API shows times.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Drops sub-millisecond precision so times survive both databases unchanged.
pub fn truncate_ms(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).expect("in range")
}

/// Serde for instants as RFC 3339 in Asia/Shanghai (+08:00); accepts any offset when reading.
pub mod serde_local {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339_ms(*at))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// Like [`serde_local`] for optional instants.
pub mod serde_local_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(t) => s.serialize_str(&super::rfc3339_ms(*t)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| {
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

/// RFC 3339 in +08:00 keeping milliseconds when there are any (event log precision).
pub fn rfc3339_ms(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}
