//! 文号: the number printed on a paper the community issues, so that a resident, a court or
//! the street office can cite it. A mediation agreement reads `（2026）德馨苑人调字第12号`, the
//! minutes of a joint meeting `纪要第3期`, a supervision notice `（2026）德馨苑督字第5号`. Each
//! kind counts on its own, per issuing unit and per year (Asia/Shanghai: a paper signed on
//! New Year's Eve at 23:30 belongs to the old year), starting again at 1 each January.
//!
//! This module only formats and reads numbers back; the store keeps the counters, one per
//! [`SequenceKey`], and hands out the next `seq`.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::code_enum;
use crate::error::{Arg, DomainError};
use crate::ids::UnitCode;
use crate::time::local_date;

code_enum!(
    /// The kinds of numbered paper.
    DocumentKind {
        /// 人民调解协议书.
        MediationAgreement = "mediation_agreement" / "人民调解协议书",
        /// 会议纪要 of a joint meeting, a grid-worker meeting or a council sitting.
        MeetingMinutes = "meeting_minutes" / "会议纪要",
        /// 督办通知单, sent once an action item is overdue.
        SupervisionNotice = "supervision_notice" / "督办通知",
    }
);

/// How a kind's number is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// Starts with the year in brackets: `（2026）`.
    pub year: bool,
    /// The issuing unit's short name comes before the word: `德馨苑`.
    pub issuer: bool,
    /// The kind's word (字号): `人调字`, `纪要`.
    pub word: &'static str,
    /// What follows the number: `号` or `期`.
    pub suffix: char,
}

impl DocumentKind {
    pub fn format(self) -> Format {
        match self {
            DocumentKind::MediationAgreement => Format {
                year: true,
                issuer: true,
                word: "人调字",
                suffix: '号',
            },
            DocumentKind::MeetingMinutes => Format {
                year: false,
                issuer: false,
                word: "纪要",
                suffix: '期',
            },
            DocumentKind::SupervisionNotice => Format {
                year: true,
                issuer: true,
                word: "督字",
                suffix: '号',
            },
        }
    }
}

/// Which counter a number comes from: one per kind, issuing unit and year.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SequenceKey {
    pub kind: DocumentKind,
    pub unit: UnitCode,
    pub year: i32,
}

impl SequenceKey {
    /// The counter for a paper of `kind` issued by `unit` at `at` (the year in Shanghai).
    pub fn new(kind: DocumentKind, unit: UnitCode, at: DateTime<Utc>) -> Self {
        SequenceKey {
            kind,
            unit,
            year: local_date(at).year(),
        }
    }
}

/// A document number: the parts the printed text is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentNumber {
    pub kind: DocumentKind,
    pub year: i32,
    /// The issuing unit's short name as printed (德馨苑), when the kind shows it.
    pub issuer: String,
    /// The number from the counter, from 1.
    pub seq: u32,
}

impl DocumentNumber {
    /// The number the store gave for `key`, with the issuer's short name to print.
    pub fn new(key: &SequenceKey, issuer: &str, seq: u32) -> Self {
        DocumentNumber {
            kind: key.kind,
            year: key.year,
            issuer: issuer.trim().to_string(),
            seq,
        }
    }

    /// The printed text, with full-width brackets.
    pub fn text(&self) -> String {
        let f = self.kind.format();
        let year = if f.year {
            format!("（{}）", self.year)
        } else {
            String::new()
        };
        let issuer = if f.issuer { self.issuer.as_str() } else { "" };
        format!("{year}{issuer}{}第{}{}", f.word, self.seq, f.suffix)
    }
}

impl std::fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}

/// What a written number says. The year is `None` for kinds that do not print it (the
/// caller knows it from the paper's date); the issuer is empty where the kind omits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedNumber {
    pub kind: DocumentKind,
    pub year: Option<i32>,
    pub issuer: String,
    pub seq: u32,
}

/// Reads a number of `kind` as people type it: spaces ignored, full-width digits and
/// half-width or 〔〕 brackets accepted. A 422 on `field` showing the expected form otherwise.
pub fn parse(kind: DocumentKind, text: &str, field: &str) -> Result<ParsedNumber, DomainError> {
    read(kind, &normalise(text)).ok_or_else(|| {
        let example = DocumentNumber {
            kind,
            year: 2026,
            issuer: "德馨苑".into(),
            seq: 12,
        };
        DomainError::invalid_keyed(
            field,
            "invalid_document_number",
            "governance.document_number.invalid",
            vec![
                Arg::by_lang("kind", kind.zh(), kind.as_str()),
                Arg::new("example", example.text()),
            ],
        )
    })
}

/// Reads a number of whichever kind it is (a search box), or `None`.
pub fn parse_any(text: &str) -> Option<ParsedNumber> {
    let text = normalise(text);
    DocumentKind::ALL.iter().find_map(|&kind| read(kind, &text))
}

/// One spelling: ASCII digits, full-width round brackets, no spaces.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '(' | '〔' | '[' | '［' | '【' => '（',
            ')' | '〕' | ']' | '］' | '】' => '）',
            c => c,
        })
        .collect()
}

fn read(kind: DocumentKind, text: &str) -> Option<ParsedNumber> {
    let f = kind.format();
    let (year, rest) = if f.year {
        let inner = text.strip_prefix('（')?;
        let (digits, rest) = inner.split_once('）')?;
        // A year is written in full: （26） is a typing slip, not the year 26.
        if digits.len() != 4 {
            return None;
        }
        (Some(number(digits, 4)?), rest)
    } else {
        (None, text)
    };
    let rest = rest.strip_suffix(f.suffix)?;
    let (head, seq) = rest.rsplit_once('第')?;
    let seq = number(seq, 9)?;
    let issuer = head.strip_suffix(f.word)?;
    if f.issuer == issuer.is_empty() || seq == 0 {
        return None;
    }
    Some(ParsedNumber {
        kind,
        year: year.and_then(|y| i32::try_from(y).ok()),
        issuer: issuer.to_string(),
        seq: u32::try_from(seq).ok()?,
    })
}

/// ASCII digits only, at most `max` of them.
fn number(digits: &str, max: usize) -> Option<u64> {
    let ok =
        !digits.is_empty() && digits.len() <= max && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key(kind: DocumentKind, at: DateTime<Utc>) -> SequenceKey {
        SequenceKey::new(kind, UnitCode::new("dxy_office"), at)
    }

    fn new_year_2027_in_shanghai() -> DateTime<Utc> {
        // 31 December 2026 17:30 UTC is 01:30 on 1 January 2027 in Shanghai.
        Utc.with_ymd_and_hms(2026, 12, 31, 17, 30, 0).unwrap()
    }

    #[test]
    fn each_kind_prints_its_form() {
        let at = Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).unwrap();
        let n = |kind, seq| DocumentNumber::new(&key(kind, at), " 德馨苑 ", seq).text();
        assert_eq!(
            n(DocumentKind::MediationAgreement, 12),
            "（2026）德馨苑人调字第12号"
        );
        assert_eq!(n(DocumentKind::MeetingMinutes, 3), "纪要第3期");
        assert_eq!(
            n(DocumentKind::SupervisionNotice, 5),
            "（2026）德馨苑督字第5号"
        );
    }

    #[test]
    fn the_year_is_the_year_in_shanghai() {
        let k = key(
            DocumentKind::MediationAgreement,
            new_year_2027_in_shanghai(),
        );
        assert_eq!(k.year, 2027);
        assert_eq!(
            DocumentNumber::new(&k, "德馨苑", 1).to_string(),
            "（2027）德馨苑人调字第1号"
        );
    }

    #[test]
    fn numbers_read_back_as_printed() {
        for &kind in DocumentKind::ALL {
            for seq in [1, 9, 10, 123, 40_000] {
                let k = key(kind, new_year_2027_in_shanghai());
                let printed = DocumentNumber::new(&k, "德馨苑", seq);
                let parsed = parse(kind, &printed.text(), "number").unwrap();
                assert_eq!(parsed.seq, seq);
                assert_eq!(parsed.kind, kind);
                let f = kind.format();
                assert_eq!(parsed.year, f.year.then_some(2027));
                assert_eq!(parsed.issuer, if f.issuer { "德馨苑" } else { "" });
                assert_eq!(parse_any(&printed.text()), Some(parsed));
            }
        }
    }

    #[test]
    fn numbers_are_read_as_people_type_them() {
        let want = ParsedNumber {
            kind: DocumentKind::MediationAgreement,
            year: Some(2026),
            issuer: "德馨苑".into(),
            seq: 12,
        };
        let read = |s| parse(DocumentKind::MediationAgreement, s, "number").ok();
        assert_eq!(read("（2026）德馨苑人调字第12号"), Some(want.clone()));
        assert_eq!(read("(2026)德馨苑人调字第12号"), Some(want.clone()));
        assert_eq!(read("〔2026〕德馨苑人调字第12号"), Some(want.clone()));
        assert_eq!(read(" （２０２６） 德馨苑 人调字 第１２号 "), Some(want));
    }

    #[test]
    fn malformed_numbers_are_refused_naming_the_field() {
        let bad = [
            "德馨苑人调字第12号",
            "（26）德馨苑人调字第12号",
            "（2026）人调字第12号",
            "（2026）德馨苑人调字第号",
            "（2026）德馨苑人调字第0号",
            "（2026）德馨苑人调字第12期",
            "（2026）德馨苑民调字第12号",
            "（2026）德馨苑人调字第十二号",
            "（2026德馨苑人调字第12号",
        ];
        for text in bad {
            let e = parse(DocumentKind::MediationAgreement, text, "agreement_no").unwrap_err();
            assert_eq!(e.field.as_deref(), Some("agreement_no"), "{text}");
            assert!(e.zh.contains("（2026）德馨苑人调字第12号"), "{}", e.zh);
        }
        let minutes = |s| parse(DocumentKind::MeetingMinutes, s, "number").is_ok();
        assert!(minutes("纪要第3期"));
        assert!(!minutes("德馨苑纪要第3期"), "minutes print no issuer");
        assert!(!minutes("（2026）纪要第3期"));
        assert_eq!(parse_any("第3号"), None);
    }
}
