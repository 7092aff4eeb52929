//! Suggestions at intake: the classifier's likely categories, and the dispatch catalogue's
//! unit for a category at a place.

use minhu_domain::org::Unit;

use super::training_set::request_text;
use crate::App;

/// A likely category, with the classifier's confidence in percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub category: String,
    pub confidence: u32,
}

/// Up to three likely categories (at least 5 % confident); none without a classifier.
pub fn suggest_categories(app: &App, subject: Option<&str>, content: &str) -> Vec<Suggestion> {
    let Some(model) = app.classifier() else {
        return Vec::new();
    };
    let prediction = model.predict(&request_text(subject, content));
    prediction
        .top
        .iter()
        .take(3)
        .filter(|s| s.confidence >= 0.05)
        .map(|s| Suggestion {
            category: s.label.clone(),
            confidence: percent(s.confidence),
        })
        .collect()
}

/// The dispatch catalogue's unit for a category at a place.
pub fn catalogue_unit(app: &App, category: Option<&str>, place: &str) -> Option<Unit> {
    let rules = app.dispatch_rules();
    let org = app.org();
    minhu_store::DispatchRule::suggest(&rules, &org, category, place)
        .and_then(|r| org.unit(&r.lead_unit).cloned())
}

/// A share in 0..=1 as a whole percent.
pub(crate) fn percent(share: f32) -> u32 {
    // Clamped to 0..=100 first, so the cast cannot wrap.
    (share.clamp(0.0, 1.0) * 100.0).round() as u32
}
