//! The council hall as residents see it (no login), de-identified: a community's noticed
//! sittings still to come, its decisions with their vote and quorum numbers and the 公示
//! showing for each, and one decision's progress — its publications and the action items
//! issued from it (source `council_decision`), with their steps in the public words of
//! `minhu_domain::action_item::steps`. Built only from what the council, publication and
//! action-item slices already store; nobody's name, phone or room is shown: free text goes
//! through `minhu_domain::privacy::redact_text`, and only units are named.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::action_item::steps::{StepKind, item_steps};
use minhu_domain::action_item::{ItemState, SourceKind};
use minhu_domain::council::vote::{ABSTAIN, NO, YES};
use minhu_domain::council::{Decision, Sitting, SittingState};
use minhu_domain::ids::ActionItemId;
use minhu_domain::privacy;
use minhu_domain::publication::PublicationKind;
use minhu_store::{ItemFilter, PublicationRow};

use crate::{App, AppError};

/// The subject kind a decision's publications and action items are filed under.
pub const SUBJECT: &str = "council_decision";
/// How many decisions the hall page lists.
pub const RECENT: usize = 20;

/// A noticed sitting as posted: date, place and the motions on its agenda.
#[derive(Debug, Clone)]
pub struct PublicSitting {
    pub id: i64,
    pub title: String,
    pub stage_name: String,
    pub day: NaiveDate,
    pub place: String,
    /// (title, motion, topic id) of each agenda item.
    pub agenda: Vec<(String, String, Option<i64>)>,
}

/// A 公示 as the wall and the board show it.
#[derive(Debug, Clone)]
pub struct PublicNotice {
    pub id: i64,
    pub kind: Option<PublicationKind>,
    pub title: String,
    pub body: String,
    pub board: Option<String>,
    pub has_photo: bool,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub showing: bool,
}

/// A decision with the numbers it was taken by.
#[derive(Debug, Clone)]
pub struct PublicDecision {
    pub id: i64,
    pub sitting_id: i64,
    pub sitting_title: String,
    pub day: NaiveDate,
    pub topic_id: Option<i64>,
    pub text: String,
    pub passed: bool,
    pub yes: u64,
    pub no: u64,
    pub abstain: u64,
    pub invalid: u64,
    pub entitled: u64,
    pub present: u64,
    pub notices: Vec<PublicNotice>,
}

/// The hall page: sittings to come and recent decisions.
#[derive(Debug, Clone)]
pub struct Hall {
    pub upcoming: Vec<PublicSitting>,
    pub decisions: Vec<PublicDecision>,
}

/// One action item of a decision, as the public sees it.
#[derive(Debug, Clone)]
pub struct PublicItem {
    pub id: i64,
    pub title: String,
    pub owner_name: String,
    pub due: Option<NaiveDate>,
    pub state: ItemState,
}

/// One line of a decision's progress timeline.
#[derive(Debug, Clone)]
pub enum Entry {
    Published(PublicNotice),
    /// An item's step: the catalogue key of its public words, and its `{unit}`/`{due}`.
    Step {
        item_title: String,
        key: &'static str,
        unit: String,
        due: Option<NaiveDate>,
    },
}

/// A decision's page: its items, how many are done, the timeline and the result 公示.
#[derive(Debug, Clone)]
pub struct Progress {
    pub decision: PublicDecision,
    pub items: Vec<PublicItem>,
    pub verified: usize,
    pub timeline: Vec<(DateTime<Utc>, Entry)>,
    pub result: Option<PublicNotice>,
}

/// What public text is cleaned of: numbers (phones, ID numbers) in every spelling, and
/// the names and rooms of the community's residents as the register has them.
pub struct Cleaner {
    /// (name, masked) longest first, so 欧阳娜娜 goes before 欧阳.
    names: Vec<(String, String)>,
    /// (building and room, building) of each household.
    places: Vec<(String, String)>,
}

impl Cleaner {
    /// The cleaner for `community`, from its register.
    pub async fn of(app: &App, community: &str) -> Result<Cleaner, AppError> {
        let residents = app.store.council_residents(community, &[]).await?;
        let heads = app.store.council_households(community, &[]).await?;
        let mut names: Vec<(String, String)> = residents
            .iter()
            .map(|r| r.name.trim().to_string())
            .chain(heads.iter().map(|h| h.name.trim().to_string()))
            .filter(|n| n.chars().count() >= 2)
            .map(|n| {
                let masked = privacy::mask_name(&n);
                (n, masked)
            })
            .collect();
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.chars().count()));
        names.dedup();
        let mut places: Vec<(String, String)> = residents
            .iter()
            .map(|r| r.place.clone())
            .chain(heads.iter().map(|h| h.place.clone()))
            .filter_map(|p| {
                let (building, room) = p.split_once("号楼")?;
                (!room.is_empty()).then(|| (p.clone(), format!("{building}号楼")))
            })
            .collect();
        places.sort_by_key(|(p, _)| std::cmp::Reverse(p.chars().count()));
        places.dedup();
        Ok(Cleaner { names, places })
    }

    pub fn clean(&self, text: &str) -> String {
        let mut t = privacy::redact_text(text);
        for (place, building) in &self.places {
            t = t.replace(place, building);
        }
        for (name, masked) in &self.names {
            t = t.replace(name, masked);
        }
        t
    }
}

/// A sitting is public once its notice is posted (a notice may be set to go up later).
fn noticed(s: &Sitting, now: DateTime<Utc>) -> bool {
    s.notice_posted_at <= now
}

fn public_sitting(c: &Cleaner, s: &Sitting) -> PublicSitting {
    PublicSitting {
        id: s.id,
        title: c.clean(&s.title),
        stage_name: s.stage_name.clone(),
        day: s.day,
        place: c.clean(&s.place),
        agenda: s
            .agenda
            .iter()
            .map(|a| (c.clean(&a.title), c.clean(&a.motion), a.topic_id))
            .collect(),
    }
}

fn notice(c: &Cleaner, p: &PublicationRow, now: DateTime<Utc>) -> PublicNotice {
    PublicNotice {
        id: p.id,
        kind: PublicationKind::parse(&p.kind),
        title: c.clean(&p.title),
        body: c.clean(&p.body),
        board: p.board.as_deref().map(|b| c.clean(b)),
        has_photo: p.board_photo.is_some(),
        from: p.from_at,
        until: p.until_at,
        showing: p.withdrawn_at.is_none() && p.from_at <= now && now < p.until_at,
    }
}

/// The publications of decisions not withdrawn, oldest first.
async fn decision_notices(app: &App) -> Result<Vec<PublicationRow>, AppError> {
    let mut all: Vec<PublicationRow> = app
        .store
        .publications(None)
        .await?
        .into_iter()
        .filter(|p| p.subject_kind == SUBJECT && p.withdrawn_at.is_none())
        .collect();
    all.reverse();
    Ok(all)
}

async fn public_decision(
    app: &App,
    c: &Cleaner,
    s: &Sitting,
    d: &Decision,
    notices: &[PublicationRow],
) -> Result<PublicDecision, AppError> {
    let vote = app.store.sitting_vote(d.vote_id).await?;
    let count = vote
        .as_ref()
        .and_then(|v| v.count.clone())
        .unwrap_or_default();
    let n = |o: &str| count.counts.get(o).copied().unwrap_or(0);
    let now = app.now();
    Ok(PublicDecision {
        id: d.id,
        sitting_id: s.id,
        sitting_title: c.clean(&s.title),
        day: s.day,
        topic_id: d.topic_id,
        text: c.clean(&d.text),
        passed: d.passed,
        yes: n(YES),
        no: n(NO),
        abstain: n(ABSTAIN),
        invalid: count.invalid,
        entitled: vote.as_ref().and_then(|v| v.entitled).unwrap_or(0),
        present: vote.as_ref().and_then(|v| v.present).unwrap_or(0),
        notices: notices
            .iter()
            .filter(|p| p.subject_id == d.id)
            .map(|p| notice(c, p, now))
            .collect(),
    })
}

/// A community's hall: its noticed sittings from today on (soonest first) and its recent
/// decisions (newest first). 404 for a code that is not a community.
pub async fn hall(app: &App, code: &str) -> Result<Hall, AppError> {
    crate::suggestion::community(&app.org(), code)?;
    let c = Cleaner::of(app, code).await?;
    let now = app.now();
    let today = minhu_domain::time::local_date(now);
    let sittings: Vec<Sitting> = app
        .store
        .sittings(code)
        .await?
        .into_iter()
        .filter(|s| noticed(s, now))
        .collect();
    let mut upcoming: Vec<PublicSitting> = sittings
        .iter()
        .filter(|s| s.state == SittingState::Noticed && s.day >= today)
        .map(|s| public_sitting(&c, s))
        .collect();
    upcoming.sort_by_key(|s| (s.day, s.id));
    let notices = decision_notices(app).await?;
    let mut decisions = Vec::new();
    for s in &sittings {
        for d in app.store.council_decisions(s.id).await? {
            decisions.push(public_decision(app, &c, s, &d, &notices).await?);
        }
    }
    decisions.sort_by_key(|d| std::cmp::Reverse((d.day, d.id)));
    decisions.truncate(RECENT);
    Ok(Hall {
        upcoming,
        decisions,
    })
}

/// The sitting and decision that took each topic, for the topic pages: (topic, sitting,
/// decision).
pub async fn topic_links(app: &App, code: &str) -> Result<Vec<(i64, i64, Option<i64>)>, AppError> {
    let now = app.now();
    let mut links = Vec::new();
    for s in app.store.sittings(code).await? {
        if !noticed(&s, now) {
            continue;
        }
        let decisions = app.store.council_decisions(s.id).await?;
        for a in &s.agenda {
            let Some(topic) = a.topic_id else { continue };
            let d = decisions
                .iter()
                .find(|d| d.agenda_seq == a.seq)
                .map(|d| d.id);
            links.push((topic, s.id, d));
        }
    }
    Ok(links)
}

/// A decision of the community `code` (404 for another community's decision).
async fn decision_of(app: &App, code: &str, id: i64) -> Result<(Sitting, Decision), AppError> {
    crate::suggestion::community(&app.org(), code)?;
    let d = app
        .store
        .council_decision(id)
        .await?
        .filter(|d| d.community == code)
        .ok_or_else(AppError::not_found)?;
    let s = app
        .store
        .sitting(d.sitting_id)
        .await?
        .filter(|s| noticed(s, app.now()))
        .ok_or_else(AppError::not_found)?;
    Ok((s, d))
}

fn unit_name(app: &App, code: &str) -> String {
    app.org()
        .unit(code)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| code.to_string())
}

fn day_of(at: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    at.map(minhu_domain::time::local_date)
}

/// A decision's progress: its items (verified out of all), the timeline of its
/// publications and its items' steps, and the 实施结果公示 if one was posted.
pub async fn progress(app: &App, code: &str, id: i64) -> Result<Progress, AppError> {
    let (s, d) = decision_of(app, code, id).await?;
    let c = Cleaner::of(app, code).await?;
    let notices = decision_notices(app).await?;
    let decision = public_decision(app, &c, &s, &d, &notices).await?;
    let filter = ItemFilter {
        source: Some((SourceKind::CouncilDecision.as_str().to_string(), id)),
        ..Default::default()
    };
    let mut items = Vec::new();
    let mut timeline: Vec<(DateTime<Utc>, Entry)> = decision
        .notices
        .iter()
        .map(|n| (n.from, Entry::Published(n.clone())))
        .collect();
    for row in app.store.action_items(&filter).await? {
        let Some((item, events)) = app.store.load_action_item(ActionItemId(row.id)).await? else {
            continue;
        };
        let title = c.clean(&item.title);
        for step in item_steps(&item, &events) {
            let (unit, due) = match &step.kind {
                StepKind::Issued { owner, due, .. } => (unit_name(app, &owner.0), Some(*due)),
                StepKind::Reopened { due } => (unit_name(app, &item.owner.0), *due),
                _ => (unit_name(app, &item.owner.0), None),
            };
            let entry = Entry::Step {
                item_title: title.clone(),
                key: step.public_key(),
                unit,
                due: day_of(due),
            };
            timeline.push((step.at, entry));
        }
        items.push(PublicItem {
            id: row.id,
            title,
            owner_name: unit_name(app, &item.owner.0),
            due: day_of(item.due),
            state: item.state,
        });
    }
    timeline.sort_by_key(|(at, _)| *at);
    let verified = items
        .iter()
        .filter(|i| i.state == ItemState::Verified)
        .count();
    let result = decision
        .notices
        .iter()
        .rev()
        .find(|n| n.kind == Some(PublicationKind::ImplementationResult))
        .cloned();
    Ok(Progress {
        decision,
        items,
        verified,
        timeline,
        result,
    })
}

/// The photo of a decision 公示's posted board sheet, if it is one of this community's.
pub async fn board_photo(
    app: &App,
    code: &str,
    publication_id: i64,
) -> Result<(String, Vec<u8>), AppError> {
    let p = app
        .store
        .publication(publication_id)
        .await?
        .filter(|p| p.subject_kind == SUBJECT && p.withdrawn_at.is_none())
        .ok_or_else(AppError::not_found)?;
    decision_of(app, code, p.subject_id).await?;
    let hash = p.board_photo.ok_or_else(AppError::not_found)?;
    app.store
        .photo_bytes(&hash)
        .await?
        .ok_or_else(AppError::not_found)
}
