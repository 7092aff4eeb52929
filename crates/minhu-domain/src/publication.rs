//! 公示: what the community puts up for residents to see before it counts — a meeting's
//! notice and agenda, a council decision (决议公开), the result of carrying it out (实施结果
//! 公开). A publication says what is shown, where (the online wall, the board at the gate,
//! with a photo of the posted sheet as proof), from when and until when; each kind has a
//! minimum period, and a publication shorter than that is refused, naming the field.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};

/// Longest board name or photo reference (characters).
pub const MAX_REF: usize = 500;

code_enum!(
    /// What is published; each kind names the record its subject id points to.
    PublicationKind {
        /// 会议通知/议程公示: a sitting's notice (subject: the sitting).
        MeetingNotice = "meeting_notice" / "会议通知公示",
        /// 决议公示: a decision (subject: the decision).
        Decision = "decision" / "决议公示",
        /// 实施结果公示: how a decision was carried out (subject: the decision).
        ImplementationResult = "implementation_result" / "实施结果公示",
    }
);

impl PublicationKind {
    /// The shortest time it must stay up, in days. Defaults from common 四议两公开 rules
    /// (notice a few days ahead, results a week); to be confirmed per community.
    pub fn minimum_days(self) -> i64 {
        match self {
            PublicationKind::MeetingNotice => 3,
            PublicationKind::Decision | PublicationKind::ImplementationResult => 7,
        }
    }
}

/// Where a publication is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "place", rename_all = "snake_case")]
pub enum Venue {
    /// The public online wall.
    OnlineWall,
    /// A physical notice board, e.g. 德馨苑东门公示栏, with the photo of the posted sheet
    /// once someone has taken it (a file reference the store resolves).
    Board {
        board: String,
        photo: Option<String>,
    },
}

/// A 公示.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub kind: PublicationKind,
    /// The id of the sitting or decision shown (see [`PublicationKind`]).
    pub subject_id: i64,
    pub venues: Vec<Venue>,
    #[serde(with = "crate::time::serde_local")]
    pub from: DateTime<Utc>,
    #[serde(with = "crate::time::serde_local")]
    pub until: DateTime<Utc>,
}

impl Publication {
    /// Checks a publication as filled in: somewhere to show it, boards named, and a period
    /// of at least the kind's minimum. Gives it back with board names trimmed.
    pub fn validate(mut self) -> Result<Publication, DomainError> {
        if self.venues.is_empty() {
            return Err(DomainError::invalid_keyed(
                "venues",
                "required",
                "governance.publication.no_venue",
                vec![],
            ));
        }
        for venue in &mut self.venues {
            if let Venue::Board { board, photo } = venue {
                *board = reference("venues", board)?;
                if let Some(p) = photo {
                    *p = reference("venues", p)?;
                }
            }
        }
        let min = self.kind.minimum_days();
        if self.until - self.from < Duration::days(min) {
            return Err(DomainError::invalid_keyed(
                "until",
                "too_short",
                "governance.publication.too_short",
                vec![
                    Arg::by_lang("kind", self.kind.zh(), self.kind.as_str()),
                    Arg::new("days", min),
                ],
            ));
        }
        Ok(self)
    }

    /// The earliest `until` a publication of `kind` from `from` may have.
    pub fn earliest_until(kind: PublicationKind, from: DateTime<Utc>) -> DateTime<Utc> {
        from + Duration::days(kind.minimum_days())
    }

    /// Up at `now`: from `from` (inclusive) to `until` (exclusive).
    pub fn is_showing(&self, now: DateTime<Utc>) -> bool {
        self.from <= now && now < self.until
    }

    /// Boards still without the photo that proves the sheet was put up.
    pub fn boards_without_photo(&self) -> Vec<&str> {
        self.venues
            .iter()
            .filter_map(|v| match v {
                Venue::Board { board, photo: None } => Some(board.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A trimmed, non-empty reference of at most [`MAX_REF`] characters.
fn reference(field: &str, text: &str) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DomainError::invalid_keyed(
            field,
            "required",
            "governance.publication.board_required",
            vec![],
        ));
    }
    if text.chars().count() > MAX_REF {
        return Err(DomainError::invalid_keyed(
            field,
            "too_long",
            "domain.too_long.note",
            vec![Arg::new("field", field), Arg::new("max", MAX_REF)],
        ));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn decision(from: &str, until: &str) -> Publication {
        Publication {
            kind: PublicationKind::Decision,
            subject_id: 4,
            venues: vec![
                Venue::OnlineWall,
                Venue::Board {
                    board: " 德馨苑东门公示栏 ".into(),
                    photo: None,
                },
            ],
            from: at(from),
            until: at(until),
        }
    }

    #[test]
    fn a_week_long_decision_notice_is_accepted() {
        let p = decision("2026-10-08T09:00:00+08:00", "2026-10-15T09:00:00+08:00")
            .validate()
            .unwrap();
        assert_eq!(p.boards_without_photo(), vec!["德馨苑东门公示栏"]);
        assert_eq!(
            Publication::earliest_until(p.kind, p.from),
            at("2026-10-15T09:00:00+08:00")
        );
    }

    #[test]
    fn a_period_under_the_minimum_is_refused_on_until() {
        let short = decision("2026-10-08T09:00:00+08:00", "2026-10-15T08:59:59+08:00");
        let e = short.validate().unwrap_err();
        assert_eq!(e.field.as_deref(), Some("until"));
        assert_eq!(e.code, "too_short");
        assert!(e.zh.contains('7'), "{}", e.zh);
        let backwards = decision("2026-10-08T09:00:00+08:00", "2026-10-01T09:00:00+08:00");
        assert_eq!(
            backwards.validate().unwrap_err().field.as_deref(),
            Some("until")
        );
        // A meeting notice needs only three days.
        let notice = Publication {
            kind: PublicationKind::MeetingNotice,
            ..decision("2026-10-08T09:00:00+08:00", "2026-10-11T09:00:00+08:00")
        };
        assert!(notice.validate().is_ok());
    }

    #[test]
    fn somewhere_to_show_it_and_a_named_board_are_required() {
        let nowhere = Publication {
            venues: vec![],
            ..decision("2026-10-08T09:00:00+08:00", "2026-10-20T09:00:00+08:00")
        };
        assert_eq!(
            nowhere.validate().unwrap_err().field.as_deref(),
            Some("venues")
        );
        let unnamed = Publication {
            venues: vec![Venue::Board {
                board: " ".into(),
                photo: Some("file:board.jpg".into()),
            }],
            ..decision("2026-10-08T09:00:00+08:00", "2026-10-20T09:00:00+08:00")
        };
        assert_eq!(
            unnamed.validate().unwrap_err().field.as_deref(),
            Some("venues")
        );
    }

    #[test]
    fn showing_runs_from_from_up_to_until() {
        let p = decision("2026-10-08T09:00:00+08:00", "2026-10-15T09:00:00+08:00");
        assert!(!p.is_showing(at("2026-10-08T08:59:59+08:00")));
        assert!(p.is_showing(at("2026-10-08T09:00:00+08:00")));
        assert!(p.is_showing(at("2026-10-15T08:59:59+08:00")));
        assert!(!p.is_showing(at("2026-10-15T09:00:00+08:00")));
    }

    #[test]
    fn publications_round_trip_through_json() {
        let p = decision("2026-10-08T09:00:00+08:00", "2026-10-15T09:00:00+08:00");
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"place\":\"board\""), "{json}");
        assert_eq!(serde_json::from_str::<Publication>(&json).unwrap(), p);
    }

    /// Every `governance.` key the shared base's files name is in the catalogue.
    #[test]
    fn every_governance_key_used_is_in_the_catalogue() {
        let sources = [
            include_str!("action_item.rs"),
            include_str!("document_number.rs"),
            include_str!("publication.rs"),
        ];
        let mut seen = 0;
        for src in sources {
            for piece in src.split("\"governance.").skip(1) {
                let rest = piece.split('"').next().unwrap();
                if rest.is_empty()
                    || !rest
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || "._".contains(c))
                {
                    continue;
                }
                let key = format!("governance.{rest}");
                assert!(crate::text::lookup(&key).is_some(), "{key} missing");
                seen += 1;
            }
        }
        assert!(seen >= 12, "found only {seen} keys");
    }
}
