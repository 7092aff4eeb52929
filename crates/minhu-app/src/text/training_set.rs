//! The classifier's one training set and the one text it reads of a request: the server's
//! start-up training, `minhu classify train --from-db` and every prediction use these, so
//! the model is asked about the same kind of text it learnt from.

/// The most recent handled requests the server trains on at start.
pub const SERVER_ROWS: usize = 50_000;
/// Fewer labelled requests than this and the server trains no classifier.
pub const MIN_ROWS: usize = 100;

/// The text a request is classified by: its subject (when the content does not already
/// hold it) and its content.
pub fn request_text(subject: Option<&str>, content: &str) -> String {
    match subject.map(str::trim) {
        Some(s) if !s.is_empty() && !content.contains(s) => format!("{s}。{content}"),
        _ => content.to_string(),
    }
}

/// A category cut to its first `levels` levels (all of it when `None`).
pub fn truncate_levels(category: &str, levels: Option<usize>) -> String {
    match levels {
        None => category.to_string(),
        Some(n) => category
            .split('/')
            .filter(|p| !p.is_empty())
            .take(n.max(1))
            .collect::<Vec<_>>()
            .join("/"),
    }
}

/// Texts and labels from the store's handled, categorised requests (`subject, content,
/// category`), skipping rows with no text or label.
pub fn from_rows(
    rows: Vec<(Option<String>, String, String)>,
    levels: Option<usize>,
) -> (Vec<String>, Vec<String>) {
    let (mut texts, mut labels) = (
        Vec::with_capacity(rows.len()),
        Vec::with_capacity(rows.len()),
    );
    for (subject, content, category) in rows {
        let text = request_text(subject.as_deref(), &content);
        let label = truncate_levels(&category, levels);
        if text.trim().is_empty() || label.is_empty() {
            continue;
        }
        texts.push(text);
        labels.push(label);
    }
    (texts, labels)
}

/// The training set of a deployment: its handled requests, the most recent `limit`.
pub async fn from_store(
    store: &minhu_store::Store,
    levels: Option<usize>,
    limit: usize,
) -> Result<(Vec<String>, Vec<String>), minhu_store::StoreError> {
    let mut rows = store.classifier_training_rows().await?;
    // Rows come oldest first: keep the newest.
    let skip = rows.len().saturating_sub(limit);
    rows.drain(..skip);
    Ok(from_rows(rows, levels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_leads_unless_the_content_holds_it() {
        assert_eq!(request_text(Some("漏水"), "楼上漏水"), "楼上漏水");
        assert_eq!(request_text(Some("噪音"), "夜里施工"), "噪音。夜里施工");
        assert_eq!(request_text(None, "夜里施工"), "夜里施工");
        assert_eq!(truncate_levels("a/b/c", Some(2)), "a/b");
    }
}
