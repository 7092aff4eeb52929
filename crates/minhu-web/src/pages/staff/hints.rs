//! Hints while a request is typed in or screened: the classifier's suggested categories,
//! the catalogue's unit for the top one, and open requests of the same community that read
//! alike (possible duplicates, which the request page offers to merge). A similar request
//! is shown only if the person may read it, and never a confidential one
//! (`minhu_domain::access::may_list_as_similar`): a grid worker typing an intake must not
//! see a whistle-blower's text, nor another grid's requests of the same community.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minhu_app::text::suggest::catalogue_unit;
use minhu_domain::org::Actor;
use minhu_domain::request::State as ReqState;

use super::unit_label;
use crate::pages::public::public_text;
use crate::pages::session::forbidden;
use crate::pages::{Lang, Page, PageError, Staff, code_label, render};
use crate::{ApiError, AppState};

pub struct Suggestion {
    pub category: String,
    pub confidence: u32,
}

pub struct Duplicate {
    pub id: i64,
    pub code: String,
    pub text: String,
    pub similarity: u32,
    pub state: String,
}

#[derive(Template)]
#[template(path = "staff/hints.html")]
struct HintsFragment {
    p: Page,
    categories: Vec<Suggestion>,
    unit: String,
    duplicates: Vec<Duplicate>,
    merge_from: Option<i64>,
    csrf: String,
}

/// Suggested categories (with confidences) from the deployment's classifier.
pub fn suggest_categories(app: &AppState, subject: Option<&str>, text: &str) -> Vec<Suggestion> {
    minhu_app::text::suggest::suggest_categories(app, subject, text)
        .into_iter()
        .map(|s| Suggestion {
            category: s.category,
            confidence: s.confidence,
        })
        .collect()
}

/// Open requests of the same community whose text is close to `text`, as the hints show
/// them: only those `actor` may read, never a confidential one.
pub async fn find_duplicates(
    app: &AppState,
    actor: &Actor,
    jurisdiction: &str,
    text: &str,
    except: Option<i64>,
    l: Lang,
) -> Result<Vec<Duplicate>, ApiError> {
    let found =
        minhu_app::text::duplicates::find_duplicates(app, actor, jurisdiction, text, except)
            .await?;
    let mut shown = Vec::with_capacity(found.len());
    for c in found {
        shown.push(Duplicate {
            id: c.id,
            code: c.code,
            text: public_text(&c.content, None, 60),
            similarity: c.similarity,
            state: ReqState::parse(&c.state)
                .map(|s| code_label(l, "state", s.as_str()))
                .unwrap_or(c.state),
        });
    }
    Ok(shown)
}

pub(super) async fn hints(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let text = q.get("content").map(|s| s.trim()).unwrap_or("");
    let place = q
        .get("jurisdiction")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .unwrap_or(&me.actor.scope)
        .to_string();
    let org = app.org();
    // Not `access::covers`: a unit handler scoped to a community's or street's own office
    // (same code as the jurisdiction) gets the hints of that place, as before.
    if org.jurisdiction(&place).is_none() || !org.within(&place, &me.actor.scope) {
        return Err(forbidden("staff.error.outside_scope"));
    }
    let (categories, duplicates) = if text.chars().count() >= 4 {
        (
            suggest_categories(&app, None, text),
            find_duplicates(&app, &me.actor, &place, text, None, p.lang).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let unit = catalogue_unit(
        &app,
        categories.first().map(|c| c.category.as_str()),
        &place,
    )
    .map(|u| unit_label(&u))
    .unwrap_or_default();
    let csrf = p.csrf.clone();
    Ok(render(&HintsFragment {
        p,
        categories,
        unit,
        duplicates,
        merge_from: None,
        csrf,
    })?
    .into_response())
}
