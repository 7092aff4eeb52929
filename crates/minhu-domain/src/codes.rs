//! One way to map the domain's coded enums to their stable string codes (as stored, sent
//! over the API and read from files) and their Chinese labels: [`code_enum!`].

/// Declares a coded enum: each variant with its code and Chinese label. It derives the
/// serde form (the code) and gives `ALL`, `as_str`, `zh`, `parse` and `codes`. Extra
/// attributes (docs, more derives such as `PartialOrd, Ord`) go before the name.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable code.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// The Chinese label.
            pub fn zh(self) -> &'static str { match self { $($name::$variant => $zh),+ } }
            /// The value of a code, if it is one.
            pub fn parse(s: &str) -> Option<Self> { match s { $($code => Some($name::$variant),)+ _ => None } }
            /// The accepted codes, for error messages.
            pub fn codes() -> String { [$($code),+].join(", ") }
        }
    };
}

pub(crate) use code_enum;

#[cfg(test)]
mod tests {
    use crate::calendar::DayKind;
    use crate::org::{Level, Role, Tier, UnitLevel};
    use crate::request::{Channel, State};
    use crate::sla::LimitUnit;

    /// Every code parses back to its value and is what serde writes.
    fn round_trips<T>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize,
    {
        for &v in all {
            assert_eq!(parse(as_str(v)), Some(v));
            assert_eq!(
                serde_json::to_value(v).unwrap(),
                serde_json::Value::String(as_str(v).to_string())
            );
        }
        assert_eq!(parse("no_such_code"), None);
    }

    #[test]
    fn codes_round_trip_through_parse_and_serde() {
        round_trips(Level::ALL, Level::as_str, Level::parse);
        round_trips(Tier::ALL, Tier::as_str, Tier::parse);
        round_trips(UnitLevel::ALL, UnitLevel::as_str, UnitLevel::parse);
        round_trips(Role::ALL, Role::as_str, Role::parse);
        round_trips(DayKind::ALL, DayKind::as_str, DayKind::parse);
        round_trips(LimitUnit::ALL, LimitUnit::as_str, LimitUnit::parse);
        round_trips(Channel::ALL, Channel::as_str, Channel::parse);
        round_trips(State::ALL, State::as_str, State::parse);
    }

    #[test]
    fn the_codes_stay_what_storage_holds() {
        assert_eq!(Level::Grid.as_str(), "grid");
        assert_eq!(Tier::District.as_str(), "district");
        assert_eq!(UnitLevel::City.as_str(), "city");
        assert_eq!(Role::UnitHandler.as_str(), "unit_handler");
        assert_eq!(Role::DistrictAdmin.zh(), "区综合办管理员");
        assert_eq!(DayKind::Workday.as_str(), "workday");
        assert_eq!(LimitUnit::WorkingDays.as_str(), "working_days");
        assert!(Tier::Community < Tier::Street && Level::Grid < Level::Community);
    }
}
