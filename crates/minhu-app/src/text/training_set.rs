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

/// Why a training CSV could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("reading {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}: {message}")]
    Unreadable { path: String, message: String },
    #[error("{path}: no column {column:?} (columns: {columns})")]
    NoColumn {
        path: String,
        column: String,
        columns: String,
    },
}

/// Texts and labels from CSV files (`minhu classify train --input`), read by the one CSV
/// reader the imports use (UTF-8 with or without a BOM, or GB18030; RFC 4180 quoting,
/// multi-line fields), skipping rows whose text or label is empty. Returns the texts, the
/// labels and the number of rows skipped.
pub fn from_csv_files(
    inputs: &[std::path::PathBuf],
    text_column: &str,
    label_column: &str,
) -> Result<(Vec<String>, Vec<String>, usize), CsvError> {
    let (mut texts, mut labels, mut skipped) = (Vec::new(), Vec::new(), 0usize);
    for input in inputs {
        let path = input.display().to_string();
        let bytes = std::fs::read(input).map_err(|error| CsvError::Read {
            path: path.clone(),
            error,
        })?;
        let (headers, rows) =
            crate::import::read_csv_rows(&bytes, "auto").map_err(|e| CsvError::Unreadable {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let find = |column: &str| {
            headers
                .iter()
                .position(|h| h == column)
                .ok_or_else(|| CsvError::NoColumn {
                    path: path.clone(),
                    column: column.into(),
                    columns: headers.join(", "),
                })
        };
        let (ti, li) = (find(text_column)?, find(label_column)?);
        for (_, cells) in rows {
            let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
            let (text, label) = (cell(ti), cell(li));
            if text.is_empty() || label.is_empty() {
                skipped += 1;
                continue;
            }
            texts.push(text.to_string());
            labels.push(label.to_string());
        }
    }
    Ok((texts, labels, skipped))
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

    #[test]
    fn a_training_csv_is_read_with_its_bom_quotes_and_empty_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let csv = "\u{feff}content,cat\n\"楼上\n漏水\",物业\n,物业\n夜里施工,\n噪音,环境\n";
        std::fs::write(&path, csv).unwrap();
        let (texts, labels, skipped) =
            from_csv_files(std::slice::from_ref(&path), "content", "cat").unwrap();
        assert_eq!(texts, vec!["楼上\n漏水", "噪音"]);
        assert_eq!(labels, vec!["物业", "环境"]);
        assert_eq!(skipped, 2);
        let err = from_csv_files(&[path], "text", "cat").unwrap_err();
        assert!(err.to_string().contains("no column \"text\""), "{err}");
    }
}
