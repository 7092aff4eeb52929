//! Time helpers. Everything is stored in UTC; the civic day is Asia/Shanghai.

use chrono::{
    DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc,
};
use chrono_tz::Asia::Shanghai;

pub use chrono_tz::Tz;

/// The zone in which working days, ledgers and displayed times are reckoned.
pub const ZONE: Tz = Shanghai;

/// Local calendar date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ZONE).date_naive()
}

/// Local midnight starting a date (00:00:00 Asia/Shanghai), as UTC: the first instant a
/// ledger or dashboard of that date covers.
pub fn start_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    local_to_utc(date.and_time(NaiveTime::MIN))
}

/// The last second of a local date (23:59:59 Asia/Shanghai), as UTC.
pub fn end_of_local_day(date: NaiveDate) -> DateTime<Utc> {
    local_to_utc(date.and_time(NaiveTime::MIN) + Duration::seconds(86_399))
}

/// A local wall-clock time as UTC. Shanghai has had no daylight saving since 1991, so every
/// local time exists once; were one ever missing, the offset-free reading stands in.
fn local_to_utc(naive: NaiveDateTime) -> DateTime<Utc> {
    match ZONE.from_local_datetime(&naive).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => Utc.from_utc_datetime(&naive),
    }
}

/// RFC 3339 with the +08:00 offset, as the API shows times.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Drops sub-millisecond precision so times survive both databases unchanged.
pub fn truncate_ms(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_local_day_runs_from_16_00_to_15_59_59_utc() {
        let day = d(2026, 10, 1);
        assert_eq!(
            rfc3339(start_of_local_day(day)),
            "2026-10-01T00:00:00+08:00"
        );
        assert_eq!(
            start_of_local_day(day).to_rfc3339(),
            "2026-09-30T16:00:00+00:00"
        );
        assert_eq!(rfc3339(end_of_local_day(day)), "2026-10-01T23:59:59+08:00");
    }

    proptest! {
        #[test]
        fn days_tile_the_timeline(offset in 0i64..40_000) {
            let day = d(2000, 1, 1) + Duration::days(offset);
            let (start, end) = (start_of_local_day(day), end_of_local_day(day));
            prop_assert_eq!(local_date(start), day);
            prop_assert_eq!(local_date(end), day);
            prop_assert_eq!(local_date(start - Duration::seconds(1)), day.pred_opt().unwrap());
            prop_assert_eq!(end - start, Duration::seconds(86_399));
            prop_assert_eq!(start_of_local_day(day.succ_opt().unwrap()), end + Duration::seconds(1));
        }
    }
}
