//! Personal fields: validation and the masks used on every public page and export
//! (PIPL art. 25: nothing personal is public without separate consent).

/// The digit a character stands for: ASCII or full-width (０–９, as Chinese input methods
/// type them).
pub fn digit_of(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => Some((c as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// Characters people put between the digits of a phone or ID number: spaces (also the
/// ideographic and no-break ones), dashes, dots and brackets, in both widths.
pub fn is_number_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}'
            | '\u{3000}'
            | '-'
            | '－'
            | '—'
            | '–'
            | '.'
            | '．'
            | '·'
            | '('
            | ')'
            | '（'
            | '）'
    )
}

/// Normalises and validates a Chinese phone number: a mobile number (11 digits starting
/// with 1[3-9], optional +86) or a landline with area code (0xx-xxxxxxx[x], optional
/// extension). Full-width digits, spaces, dots and brackets are read as people write them.
/// Returns the normalised form, or None when it is not a phone number.
pub fn normalize_phone(raw: &str) -> Option<String> {
    // Full-width digits and '＋' as ASCII; spaces, dots and brackets dropped; dashes and '#'
    // kept, since they may mark the area code or an extension.
    let s: String = raw
        .chars()
        .filter_map(|c| match c {
            c if digit_of(c).is_some() => digit_of(c).map(|d| char::from(b'0' + d)),
            '＋' => Some('+'),
            '-' | '－' | '—' | '–' => Some('-'),
            '＃' => Some('#'),
            c if is_number_separator(c) => None,
            c if c.is_whitespace() => None,
            c => Some(c),
        })
        .collect();
    let s = s
        .strip_prefix("+86")
        .or_else(|| s.strip_prefix("0086"))
        .unwrap_or(&s)
        .trim_start_matches('-');
    // Every slice below is of ASCII digits and dashes only.
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'#')
    {
        return None;
    }
    // A mobile may be written in dashed groups (138-1234-5678).
    let compact: String = s.chars().filter(|c| *c != '-').collect();
    if is_mobile(&compact) {
        return Some(compact);
    }
    landline(s)
}

/// 11 ASCII digits starting 13–19.
fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

/// A landline (`s` holds only ASCII digits, '-' and '#'): 0 + 2–3 digit area code +
/// 7–8 digit number, optional extension after '#' or a second '-'.
fn landline(s: &str) -> Option<String> {
    let digits_only = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (main, ext) = match s.split_once('#').or_else(|| {
        (s.matches('-').count() >= 2)
            .then(|| s.rfind('-').map(|i| (&s[..i], &s[i + 1..])))
            .flatten()
    }) {
        Some((m, e)) if digits_only(e) && e.len() <= 6 => (m, Some(e)),
        _ => (s, None),
    };
    let (area, number) = match main.split_once('-') {
        Some((a, n)) => (a, n),
        None if main.starts_with('0') && (10..=12).contains(&main.len()) => {
            // Without a dash: 3-digit area codes start 01/02, others use 4 digits.
            let cut = if main.starts_with("01") || main.starts_with("02") {
                3
            } else {
                4
            };
            main.split_at(cut)
        }
        None => return None,
    };
    let area_ok = area.starts_with('0') && (3..=4).contains(&area.len()) && digits_only(area);
    let number_ok =
        (7..=8).contains(&number.len()) && digits_only(number) && !number.starts_with('0');
    if !(area_ok && number_ok) {
        return None;
    }
    let mut out = format!("{area}-{number}");
    if let Some(e) = ext {
        out.push('-');
        out.push_str(e);
    }
    Some(out)
}

/// 13812345678 → 138****5678; 010-12345678 → 010-****5678; a shorter local number keeps
/// only its last two digits (6688123 → ****23), so that no mask shows every digit.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if let Some(dash) = phone.find('-') {
        let area = &phone[..dash];
        let rest: Vec<char> = phone[dash + 1..]
            .chars()
            .take_while(|c| *c != '-')
            .collect();
        let tail: String = rest[rest.len().saturating_sub(4)..].iter().collect();
        return format!("{area}-****{tail}");
    }
    match chars.len() {
        n if n >= 11 => {
            let head: String = chars[..3].iter().collect();
            let tail: String = chars[n - 4..].iter().collect();
            format!("{head}****{tail}")
        }
        n if n >= 4 => {
            let tail: String = chars[n - 2..].iter().collect();
            format!("****{tail}")
        }
        _ => "****".to_string(),
    }
}

/// 贺桂莲 → 贺**; keeps only the surname (two-character compound surnames kept whole).
pub fn mask_name(name: &str) -> String {
    const COMPOUND: [&str; 12] = [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
        "令狐",
    ];
    let name = name.trim();
    if name.is_empty() {
        return String::new();
    }
    let surname: String = match COMPOUND.iter().find(|c| name.starts_with(*c)) {
        Some(c) => c.to_string(),
        None => name.chars().next().map(String::from).unwrap_or_default(),
    };
    let rest = name
        .chars()
        .count()
        .saturating_sub(surname.chars().count())
        .max(1);
    format!("{surname}{}", "*".repeat(rest.min(2)))
}

/// Cuts an address after the building: "德馨苑3号楼2单元501" → "德馨苑3号楼".
pub fn mask_address(address: &str) -> String {
    for marker in ["号楼", "栋", "幢", "座"] {
        if let Some(i) = address.find(marker) {
            return address[..i + marker.len()].to_string();
        }
    }
    // No building marker: keep the text before the first digit run that looks like a house number.
    match address.find(|c: char| c.is_ascii_digit()) {
        Some(i) => format!("{}…", &address[..i]),
        None => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(
            normalize_phone("138 1234 5678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            normalize_phone("+8613812345678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            normalize_phone("010-12345678").as_deref(),
            Some("010-12345678")
        );
        assert_eq!(
            normalize_phone("0371-6688123").as_deref(),
            Some("0371-6688123")
        );
        assert_eq!(
            normalize_phone("03716688123").as_deref(),
            Some("0371-6688123")
        );
        assert_eq!(
            normalize_phone("0371-66881234-802").as_deref(),
            Some("0371-66881234-802")
        );
        assert_eq!(
            normalize_phone("12345678901"),
            None,
            "12x is no mobile prefix"
        );
        assert_eq!(normalize_phone("1381234567"), None, "10 digits");
        assert_eq!(normalize_phone("abc"), None);
        assert_eq!(normalize_phone("110"), None);
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0371-66881234"), "0371-****1234");
        assert_eq!(mask_name("贺桂莲"), "贺**");
        assert_eq!(mask_name("欧阳娜娜"), "欧阳**");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_address("德馨苑3号楼2单元501"), "德馨苑3号楼");
    }
}

/// Text fit for the public (walls, tracking pages, Open311): numbers masked by
/// [`redact_text`], and the requester's own name, where they wrote it into the text,
/// reduced to the surname.
pub fn public_text(text: &str, requester_name: Option<&str>) -> String {
    let mut t = redact_text(text);
    if let Some(name) = requester_name
        .map(str::trim)
        .filter(|n| n.chars().count() >= 2)
    {
        t = t.replace(name, &mask_name(name));
    }
    t
}

/// Masks the phone numbers and ID-card numbers residents wrote into free text, in every
/// spelling seen: digits in groups with spaces, dashes, dots or brackets between them,
/// full-width digits, a +86 or 0086 prefix. Groups joined by separators are masked when
/// together they spell a mobile, a landline with area code or an ID number; a single run of
/// 7 or more digits is masked as a local number. Dates and amounts written in groups
/// (2026-12-01, 3.5) stay as they are.
pub fn redact_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        match number_at(&chars, i) {
            Some((end, masked)) => {
                out.push_str(&masked);
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// A run of digit groups starting at `i`: the groups' end (exclusive) after each group, and
/// the digits read so far. A group is digits (an ID's final X included); groups are joined
/// by one or two separator characters. A leading '+' or '＋' is part of the run.
fn digit_groups(chars: &[char], i: usize) -> Vec<(usize, String)> {
    let mut groups = Vec::new();
    let mut digits = String::new();
    let mut j = i;
    if matches!(chars.get(j), Some('+' | '＋')) {
        j += 1;
    }
    loop {
        let group_start = j;
        while let Some(d) = chars.get(j).and_then(|c| digit_of(*c)) {
            digits.push(char::from(b'0' + d));
            j += 1;
        }
        if j > group_start
            && digits.len() == 17
            && matches!(chars.get(j), Some('X' | 'x' | 'Ｘ' | 'ｘ'))
        {
            digits.push('X');
            j += 1;
        }
        if j == group_start {
            break;
        }
        groups.push((j, digits.clone()));
        let mut k = j;
        while k < chars.len() && k - j < 2 && is_number_separator(chars[k]) {
            k += 1;
        }
        if k == j || chars.get(k).is_none_or(|c| digit_of(*c).is_none()) {
            break;
        }
        j = k;
    }
    groups
}

/// The number that starts at `i`, if one does: where it ends and its masked form.
fn number_at(chars: &[char], i: usize) -> Option<(usize, String)> {
    let c = chars[i];
    let starts = digit_of(c).is_some()
        || (matches!(c, '+' | '＋') && chars.get(i + 1).is_some_and(|d| digit_of(*d).is_some()));
    if !starts || (i > 0 && digit_of(chars[i - 1]).is_some()) {
        return None;
    }
    let groups = digit_groups(chars, i);
    // The longest run of groups that spells a phone or ID number.
    if let Some((end, masked)) = groups
        .iter()
        .rev()
        .find_map(|(end, digits)| masked_number(digits).map(|m| (*end, m)))
    {
        return Some((end, masked));
    }
    // Otherwise the first group alone, masked when it is 7 digits or more.
    let (end, digits) = groups.first()?;
    let first = &chars[i..*end];
    let text: String = first.iter().collect();
    (digits.len() >= 7)
        .then(|| (*end, mask_run(digits)))
        .or(Some((*end, text)))
}

/// The masked form of a digit string that is a mobile, a landline with its area code or a
/// resident ID number (18 digits, the last may be X; or the old 15).
fn masked_number(digits: &str) -> Option<String> {
    let national = digits
        .strip_prefix("0086")
        .or_else(|| digits.strip_prefix("86"))
        .filter(|rest| is_mobile(rest))
        .unwrap_or(digits);
    if is_mobile(national) {
        return Some(mask_phone(national));
    }
    if digits.len() == 18 || digits.len() == 15 {
        return Some(mask_id(digits));
    }
    landline(digits).map(|l| mask_phone(&l))
}

/// A run of 7 or more digits that is no known number: masked as a local phone number, or as
/// an ID number by its length.
fn mask_run(digits: &str) -> String {
    match digits.len() {
        15 | 18 => mask_id(digits),
        _ => mask_phone(digits),
    }
}

/// 410102199001011234 → 410*************34.
fn mask_id(digits: &str) -> String {
    let n = digits.len();
    format!("{}{}{}", &digits[..3], "*".repeat(n - 5), &digits[n - 2..])
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn free_text_phones_and_ids_masked() {
        assert_eq!(
            redact_text("请联系我13812345678，谢谢"),
            "请联系我138****5678，谢谢"
        );
        assert_eq!(
            redact_text("身份证410102199001011234"),
            "身份证410*************34"
        );
        assert_eq!(redact_text("3号楼201室"), "3号楼201室");
    }

    /// The ways residents write the same mobile, landline and ID numbers.
    const SPELLINGS: &[(&str, &str)] = &[
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("138.1234.5678", "138****5678"),
        ("138　1234　5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("１３８ １２３４ ５６７８", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("＋８６ １３８１２３４５６７８", "138****5678"),
        ("008613812345678", "138****5678"),
        ("86-138-1234-5678", "138****5678"),
        ("(138)1234-5678", "(138****5678"),
        ("010-12345678", "010-****5678"),
        ("010 1234 5678", "010-****5678"),
        ("0371-66881234", "0371-****1234"),
        ("０３７１－６６８８１２３４", "0371-****1234"),
        ("6688123", "****23"),
        ("410102199001011234", "410*************34"),
        ("41010219900101123X", "410*************3X"),
        ("410102 19900101 1234", "410*************34"),
        ("410102-1990-0101-1234", "410*************34"),
        ("４１０１０２１９９００１０１１２３４", "410*************34"),
        ("410102900101123", "410**********23"),
    ];

    #[test]
    fn every_spelling_of_a_number_is_masked() {
        for (written, masked) in SPELLINGS {
            let text = format!("联系人王先生，电话{written}，谢谢");
            assert_eq!(
                redact_text(&text),
                format!("联系人王先生，电话{masked}，谢谢"),
                "{written}"
            );
        }
    }

    #[test]
    fn dates_amounts_and_addresses_stay() {
        for text in [
            "2026-12-01 上午10:30",
            "2026.12.01",
            "3号楼2单元501室",
            "金额1 380元",
            "共 3 5 7 户",
            "12345热线",
            "工单 2026 年第 12 期",
        ] {
            assert_eq!(redact_text(text), text);
        }
    }

    #[test]
    fn a_number_beside_other_digits_is_cut_at_its_end() {
        assert_eq!(
            redact_text("电话 138 1234 5678 3号楼"),
            "电话 138****5678 3号楼"
        );
    }

    #[test]
    fn phones_are_read_in_every_spelling() {
        for written in [
            "138 1234 5678",
            "１３８１２３４５６７８",
            "+86 138-1234-5678",
            "(138)1234.5678",
        ] {
            assert_eq!(
                normalize_phone(written).as_deref(),
                Some("13812345678"),
                "{written}"
            );
        }
        assert_eq!(
            normalize_phone("(010) 1234 5678").as_deref(),
            Some("010-12345678")
        );
        assert_eq!(normalize_phone("电话一三八"), None);
        assert_eq!(normalize_phone("０１２３４５６７８９é"), None);
    }

    proptest::proptest! {
        #[test]
        fn nothing_written_makes_a_panic(text in "\\PC{0,60}") {
            let _ = normalize_phone(&text);
            let _ = redact_text(&text);
            let _ = public_text(&text, Some("王小明"));
            let _ = mask_phone(&text);
            let _ = mask_address(&text);
        }

        #[test]
        fn no_mobile_survives_redaction(
            prefix in "[一-龥a-z ]{0,8}",
            digits in "1[3-9][0-9]{9}",
            seps in proptest::collection::vec(proptest::sample::select(vec!["", " ", "-", ".", "　"]), 2),
            wide in proptest::bool::ANY,
        ) {
            let mut written = format!("{}{}{}{}{}", &digits[..3], seps[0], &digits[3..7], seps[1], &digits[7..]);
            if wide {
                written = written.chars().map(|c| match c.to_digit(10) {
                    Some(d) => char::from_u32('０' as u32 + d).unwrap_or(c),
                    None => c,
                }).collect();
            }
            let out = redact_text(&format!("{prefix}{written}"));
            let kept: String = out.chars().filter_map(|c| digit_of(c).map(|d| char::from(b'0' + d))).collect();
            // Only the first three and the last four digits are left, whatever the spelling.
            proptest::prop_assert_eq!(kept, format!("{}{}", &digits[..3], &digits[7..]), "{}", out);
        }
    }
}
