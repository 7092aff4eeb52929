//! Identities as types. A request id, a unit code and a jurisdiction code are all "a number"
//! or "a string" to the database, but mixing them up is a bug the compiler can catch. The
//! governance records (households, sittings, mediation cases, joint meetings, action items)
//! get their ids here too, so every layer names them the same way.

use std::fmt;

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

/// A numeric id assigned by the store (`BIGINT` / `INTEGER PRIMARY KEY`).
macro_rules! numeric_id {
    ($($(#[$m:meta])* $name:ident;)+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
        impl From<i64> for $name {
            fn from(v: i64) -> Self { $name(v) }
        }
        impl From<$name> for i64 {
            fn from(v: $name) -> i64 { v.0 }
        }
    )+};
}

/// A code chosen by people (`D01`, `S01-C01`, `dxy_office`): case kept, surrounding space trimmed.
macro_rules! code_id {
    ($($(#[$m:meta])* $name:ident;)+) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);
        impl $name {
            pub fn new(code: impl AsRef<str>) -> Self { $name(code.as_ref().trim().to_string()) }
            pub fn as_str(&self) -> &str { &self.0 }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str { &self.0 }
        }
        impl From<&str> for $name {
            fn from(v: &str) -> Self { $name::new(v) }
        }
        impl From<String> for $name {
            fn from(v: String) -> Self { $name::new(v) }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool { self.0 == other }
        }
    )+};
}

numeric_id! {
    /// A request (工单) in the store.
    RequestId;
    /// A building (楼栋) of the grid's base ledger.
    BuildingId;
    /// A household (户) of the base ledger.
    HouseholdId;
    /// A resident (居民) of the base ledger.
    ResidentId;
    /// A grid worker's patrol (巡查).
    PatrolId;
    /// A visit (走访) made on a patrol.
    VisitId;
    /// A follow-up (督办事项) owned by a unit: council and joint-meeting decisions, mediation terms, grid duties.
    ActionItemId;
    /// A suggestion from the box, the web, a grid worker or the counter (议事征集).
    SuggestionId;
    /// A council topic (议题).
    TopicId;
    /// A sitting (会议) of the residents' council.
    SittingId;
    /// A joint meeting (联席会议) of departments.
    MeetingId;
    /// A mediation case (调解案件) of the lawyers' studio.
    CaseId;
    /// A volunteer (志愿者) of the community's team.
    VolunteerId;
}

code_id! {
    /// A unit (单位): a department, a street or community office, a property company.
    UnitCode;
    /// A jurisdiction (辖区): district, street, community or grid.
    JurisdictionCode;
    /// A grid (网格) of about 300 households.
    GridCode;
    /// A category of the dispatch catalogue (派单目录), dotted by level.
    CategoryCode;
}

/// The public tracking code of a request (查询码): `YYDDD` (year and day of the year the
/// request arrived, Asia/Shanghai) then 7 random digits. It is printed on the wall and read
/// out on the phone, so it is public: it identifies a request, it never authorises anything.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrackingCode(String);

impl TrackingCode {
    /// Length of every code.
    pub const LEN: usize = 12;
    /// How many random numbers a day has: `random` must be below this.
    pub const PER_DAY: u32 = 10_000_000;

    /// The code of a request received at `received_at`, with `random` (below [`Self::PER_DAY`])
    /// drawn by the caller: the domain draws no random numbers of its own.
    pub fn generate(received_at: DateTime<Utc>, random: u32) -> TrackingCode {
        let local = received_at.with_timezone(&crate::time::ZONE);
        TrackingCode(format!(
            "{:02}{:03}{:07}",
            local.year().rem_euclid(100),
            local.ordinal(),
            random % Self::PER_DAY
        ))
    }

    /// A code as written by a person: spaces and dashes ignored, full-width digits read.
    /// `None` unless it is 12 digits.
    pub fn parse(text: &str) -> Option<TrackingCode> {
        let digits: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                c => c,
            })
            .collect();
        (digits.len() == Self::LEN && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(TrackingCode(digits))
    }

    /// A code read back from the store, trusted as written.
    pub fn from_stored(code: String) -> TrackingCode {
        TrackingCode(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TrackingCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_code_names_the_local_day_it_arrived() {
        // 31 Dec 2026 20:00 UTC is already 1 Jan 2027 in Shanghai.
        let at = Utc.with_ymd_and_hms(2026, 12, 31, 20, 0, 0).unwrap();
        let code = TrackingCode::generate(at, 42);
        assert_eq!(code.as_str(), "270010000042");
        assert_eq!(code.as_str().len(), TrackingCode::LEN);
    }

    #[test]
    fn codes_are_read_as_people_write_them() {
        let want = Some(TrackingCode::from_stored("263350001234".into()));
        assert_eq!(TrackingCode::parse("263350001234"), want);
        assert_eq!(TrackingCode::parse(" 26335-000 1234 "), want);
        assert_eq!(TrackingCode::parse("２６３３５０００１２３４"), want);
        assert_eq!(TrackingCode::parse("26335000123"), None);
        assert_eq!(TrackingCode::parse("26335000123x"), None);
        assert_eq!(TrackingCode::parse("电话2633500012"), None);
    }

    #[test]
    fn ids_print_and_compare_as_their_value() {
        assert_eq!(RequestId(7).to_string(), "7");
        assert_eq!(UnitCode::new(" dxy_office "), *"dxy_office");
        assert_eq!(serde_json::to_string(&HouseholdId(3)).unwrap(), "3");
        assert_eq!(
            serde_json::from_str::<JurisdictionCode>("\"S01\"").unwrap(),
            JurisdictionCode::new("S01")
        );
    }
}
