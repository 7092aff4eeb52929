//! Possible duplicates at intake: open requests of the same community whose text is close.

use minhu_domain::access;
use minhu_domain::org::{Actor, Level};

use super::suggest::percent;
use crate::{App, AppError};

/// An open request that may be the same matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: i64,
    pub code: String,
    pub content: String,
    /// The request's state code.
    pub state: String,
    /// How alike the texts are, in percent.
    pub similarity: u32,
}

/// Up to five open requests of `jurisdiction`'s community at least half alike to `text`,
/// most alike first, of those `actor` may see listed (never a confidential one, never one
/// outside their read rights: [`access::may_list_as_similar`]); `except` is the request
/// itself. Filtered before the five are chosen, so a hidden request takes no place.
pub async fn find_duplicates(
    app: &App,
    actor: &Actor,
    jurisdiction: &str,
    text: &str,
    except: Option<i64>,
) -> Result<Vec<Candidate>, AppError> {
    let org = app.org();
    let area = org
        .ancestor_at(jurisdiction, Level::Community)
        .map(|j| j.code.clone())
        .unwrap_or_else(|| jurisdiction.to_string());
    let candidates = app.store.open_texts(&org.path(&area), 2000).await?;
    let mine = minhu_classify::shingles(text);
    let mut found: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| Some(c.0) != except)
        .filter_map(|(id, code, content, state)| {
            let sim = minhu_classify::likeness(&mine, &minhu_classify::shingles(&content));
            (sim >= 0.5).then(|| Candidate {
                id,
                code,
                content,
                state,
                similarity: percent(sim),
            })
        })
        .collect();
    found.sort_by_key(|d| std::cmp::Reverse(d.similarity));
    let mut shown = Vec::with_capacity(5);
    for c in found {
        if shown.len() == 5 {
            break;
        }
        let Some((req, _)) = app.store.load_request(c.id).await? else {
            continue;
        };
        if access::may_list_as_similar(actor, &req, &org) {
            shown.push(c);
        }
    }
    Ok(shown)
}
