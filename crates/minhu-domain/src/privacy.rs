//! Personal fields: validation and the masks used on every public page and export
//! (PIPL art. 25: nothing personal is public without separate consent).

/// Normalises and validates a Chinese phone number: a mobile number (11 digits starting
/// with 1[3-9], optional +86) or a landline with area code (0xx-xxxxxxx[x], optional
/// extension). Returns the normalised form, or None when it is not a phone number.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s
        .strip_prefix("+86")
        .or_else(|| s.strip_prefix("0086"))
        .unwrap_or(&s)
        .trim_start_matches('-');
    let digits_only = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    // Mobile.
    if s.len() == 11
        && digits_only(s)
        && s.starts_with('1')
        && matches!(s.as_bytes()[1], b'3'..=b'9')
    {
        return Some(s.to_string());
    }
    // Landline: 0 + 2–3 digit area code + 7–8 digit number, optional -extension.
    let (main, ext) = match s.split_once('#').or_else(|| {
        let parts: Vec<&str> = s.splitn(3, '-').collect();
        if parts.len() == 3 {
            s.rfind('-').map(|i| (&s[..i], &s[i + 1..]))
        } else {
            None
        }
    }) {
        Some((m, e)) if digits_only(e) && e.len() <= 6 => (m, Some(e)),
        _ => (s, None),
    };
    let (area, number) = match main.split_once('-') {
        Some((a, n)) => (a.to_string(), n.to_string()),
        None if main.starts_with('0')
            && (main.len() == 10 || main.len() == 11 || main.len() == 12) =>
        {
            // Without a dash: 3-digit area codes start 01/02, others use 4 digits.
            let cut = if main.starts_with("01") || main.starts_with("02") {
                3
            } else {
                4
            };
            (main[..cut].to_string(), main[cut..].to_string())
        }
        None => return None,
    };
    let area_ok = area.starts_with('0') && (3..=4).contains(&area.len()) && digits_only(&area);
    let number_ok =
        (7..=8).contains(&number.len()) && digits_only(&number) && !number.starts_with('0');
    if area_ok && number_ok {
        let mut out = format!("{area}-{number}");
        if let Some(e) = ext {
            out.push('-');
            out.push_str(e);
        }
        return Some(out);
    }
    None
}

/// 13812345678 → 138****5678; 010-12345678 → 010-****5678.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if let Some(dash) = phone.find('-') {
        let area = &phone[..dash];
        let rest: Vec<char> = phone[dash + 1..]
            .chars()
            .take_while(|c| *c != '-')
            .collect();
        let tail: String = rest
            .iter()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return format!("{area}-****{tail}");
    }
    if chars.len() >= 7 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else {
        "****".to_string()
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

/// Masks phone numbers and ID-card numbers that residents wrote into free text, for the
/// public views of a request's content.
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

pub fn redact_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || ((chars[i] == 'X' || chars[i] == 'x') && i - start == 17))
            {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let n = run.chars().count();
            if n == 18 || (n == 15 && run.chars().all(|c| c.is_ascii_digit())) {
                // Resident ID numbers: keep the first 3 and last 2 digits.
                out.push_str(&run[..3]);
                out.push_str(&"*".repeat(n - 5));
                out.push_str(&run[n - 2..]);
            } else if n >= 7 {
                out.push_str(&mask_phone(&run));
            } else {
                out.push_str(&run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod redact_tests {
    use super::redact_text;

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
}
