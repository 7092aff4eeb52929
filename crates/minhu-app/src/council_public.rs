//! The council hall as residents see it (no login), de-identified: a community's noticed
//! sittings still to come, its decisions with their vote and quorum numbers and the 公示
//! showing for each, and one decision's page: its vote, and its progress as
//! [`crate::council::public_progress`] gives it (publications, action items with their
//! steps in the public words of `minhu_domain::action_item::steps`, verified/total) laid
//! out as a timeline. Nobody's name, phone or room is shown: free text goes through the
//! register's [`Cleaner`], and only units are named.

use chrono::{DateTime, NaiveDate, Utc};
use minhu_domain::council::vote::{ABSTAIN, NO, YES};
use minhu_domain::council::{Decision, Sitting, SittingState};
use minhu_domain::publication::PublicationKind;
use minhu_store::PublicationRow;

pub use crate::council::Cleaner;
use crate::council::{Progress, ProgressPublication};
use crate::{App, AppError, Kind};

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
    /// Whether it carries its sitting's anchor (`#sitting-{id}`) on the hall: the first
    /// shown of its sitting, so a decided topic's link to its sitting lands here.
    pub sitting_anchor: bool,
}

/// The hall page: sittings to come and recent decisions.
#[derive(Debug, Clone)]
pub struct Hall {
    pub upcoming: Vec<PublicSitting>,
    pub decisions: Vec<PublicDecision>,
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

/// A decision's page: the decision with its vote, and — once it passed and its 公示
/// started — its progress from [`crate::council::public_progress`], the timeline of its
/// publications and its items' steps, and the 实施结果公示 if one is up.
#[derive(Debug, Clone)]
pub struct DecisionPage {
    pub decision: PublicDecision,
    pub progress: Option<Progress>,
    pub timeline: Vec<(DateTime<Utc>, Entry)>,
    pub result: Option<PublicNotice>,
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

fn notice(p: &ProgressPublication, now: DateTime<Utc>) -> PublicNotice {
    PublicNotice {
        id: p.id,
        kind: PublicationKind::parse(&p.kind),
        title: p.title.clone(),
        body: p.body.clone(),
        board: p.board.clone(),
        has_photo: p.board_photo.is_some(),
        from: p.from,
        until: p.until,
        showing: !p.withdrawn && p.from <= now && now < p.until,
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

/// A decision with its vote's numbers; its notices are the caller's to fill in.
async fn public_decision(
    app: &App,
    c: &Cleaner,
    s: &Sitting,
    d: &Decision,
) -> Result<PublicDecision, AppError> {
    let vote = app.store.sitting_vote(d.vote_id).await?;
    let count = vote
        .as_ref()
        .and_then(|v| v.count.clone())
        .unwrap_or_default();
    let n = |o: &str| count.counts.get(o).copied().unwrap_or(0);
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
        notices: Vec::new(),
        sitting_anchor: false,
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
            let mut decision = public_decision(app, &c, s, &d).await?;
            decision.notices = notices
                .iter()
                .filter(|p| p.subject_id == d.id)
                .map(|p| notice(&ProgressPublication::of(p.clone(), Some(&c)), now))
                .collect();
            decisions.push(decision);
        }
    }
    decisions.sort_by_key(|d| std::cmp::Reverse((d.day, d.id)));
    decisions.truncate(RECENT);
    let mut anchored = std::collections::HashSet::new();
    for d in &mut decisions {
        d.sitting_anchor = anchored.insert(d.sitting_id);
    }
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

/// A decision's page (404 for another community's, or before its sitting was noticed);
/// its progress only once the public may follow it ([`crate::council::public_progress`]).
pub async fn decision_page(app: &App, code: &str, id: i64) -> Result<DecisionPage, AppError> {
    let (s, d) = decision_of(app, code, id).await?;
    let c = Cleaner::of(app, code).await?;
    let mut decision = public_decision(app, &c, &s, &d).await?;
    let progress = match crate::council::followup::public_progress_with(app, id, &c).await {
        Ok(p) => Some(p),
        Err(e) if e.kind == Kind::NotFound => None,
        Err(e) => return Err(e),
    };
    let now = app.now();
    decision.notices = progress
        .iter()
        .flat_map(|p| &p.publications)
        .filter(|p| !p.withdrawn && p.from <= now)
        .map(|p| notice(p, now))
        .collect();
    let timeline = progress
        .as_ref()
        .map(|p| timeline(&decision.notices, p))
        .unwrap_or_default();
    let result = decision
        .notices
        .iter()
        .rev()
        .find(|n| n.kind == Some(PublicationKind::ImplementationResult))
        .cloned();
    Ok(DecisionPage {
        decision,
        progress,
        timeline,
        result,
    })
}

/// The decision's notices and its items' steps, by time.
fn timeline(notices: &[PublicNotice], p: &Progress) -> Vec<(DateTime<Utc>, Entry)> {
    let mut timeline: Vec<(DateTime<Utc>, Entry)> = notices
        .iter()
        .map(|n| (n.from, Entry::Published(n.clone())))
        .collect();
    for item in &p.items {
        for step in &item.steps {
            let entry = Entry::Step {
                item_title: item.title.clone(),
                key: step.public_key,
                unit: step.unit.clone(),
                due: step.due.map(minhu_domain::time::local_date),
            };
            timeline.push((step.at, entry));
        }
    }
    timeline.sort_by_key(|(at, _)| *at);
    timeline
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
