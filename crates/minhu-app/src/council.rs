//! The residents' council hall: the use cases the API and the pages share. Procedures
//! (presets and the community's own), council bodies, sittings with attendance, the quorum
//! computed from the people register, votes and decisions. Rules are
//! `minhu_domain::council`; this module reads what they need, asks, and writes through the
//! store's one version-checked append.
//!
//! Scope: the community's staff hold its sittings; staff above read them. A list asked for
//! outside one's scope is a 403 (field `jurisdiction`), a record outside it a 404.
//!
//! Entry points for the second round (公示, action items, evaluation): [`decision`] gives a
//! decision with its community (jurisdiction), text and the vote it came from.

use std::collections::BTreeSet;

use minhu_domain::access;
use minhu_domain::council::procedure::{self, Entitlement, NewProcedure, ProcedureTemplate, Stage};
use minhu_domain::council::quorum::{self, Quorum};
use minhu_domain::council::vote::{self, Count, Method, Vote, VoteState, Weight};
use minhu_domain::council::{
    self as domain, AttendanceLine, AttendeeKind, Council, Decision, Expected, NewAttendance,
    NewCouncil, NewSitting, Presence, Sitting, SittingEvent, SittingState,
};
use minhu_domain::document_number::{DocumentKind, SequenceKey};
use minhu_domain::ids::UnitCode;
use minhu_domain::org::{Actor, Level, Org};
use minhu_store::council::SittingWrite;
use minhu_store::{NumberDraw, StoreError};
use serde_json::json;

use crate::{App, AppError, Kind};

pub mod followup;
pub use followup::{
    Cleaner, Progress, ProgressItem, ProgressPublication, ProgressRequest, ProgressStep,
    public_progress,
};

/// A sitting with everything its page shows.
#[derive(Debug, Clone)]
pub struct SittingView {
    pub sitting: Sitting,
    pub stage: Stage,
    pub events: Vec<SittingEvent>,
    pub attendance: Vec<AttendanceLine>,
    pub quorum: Quorum,
    pub votes: Vec<Vote>,
    pub decisions: Vec<Decision>,
}

// ---- scope ------------------------------------------------------------------------------------

fn community(org: &Org, code: &str) -> Result<(), AppError> {
    match org.jurisdiction(code) {
        Some(j) if j.level == Level::Community => Ok(()),
        _ => Err(AppError::not_found()),
    }
}

/// A list of `code`: 404 unless a community, 403 outside the actor's scope.
fn list_scope(actor: &Actor, org: &Org, code: &str) -> Result<(), AppError> {
    community(org, code)?;
    if !access::covers(actor, org, code) {
        return Err(access::outside_scope(code).into());
    }
    Ok(())
}

/// A record of `community`: 404 outside the actor's scope.
fn record_scope(actor: &Actor, org: &Org, community: &str) -> Result<(), AppError> {
    if !access::covers(actor, org, community) {
        return Err(AppError::not_found());
    }
    Ok(())
}

fn changed() -> AppError {
    AppError::new(Kind::Conflict, "version_conflict").text("sitting.changed")
}

// ---- procedures -------------------------------------------------------------------------------

/// The presets and the community's own procedures.
pub async fn procedures(
    app: &App,
    actor: &Actor,
    code: &str,
) -> Result<Vec<ProcedureTemplate>, AppError> {
    list_scope(actor, &app.org(), code)?;
    let mut all = procedure::presets();
    all.extend(app.store.procedures(code).await?);
    Ok(all)
}

/// A procedure by code for a community: a preset or the community's own.
pub async fn find_procedure(
    app: &App,
    community: &str,
    code: &str,
) -> Result<Option<ProcedureTemplate>, AppError> {
    if let Some(p) = procedure::preset(code) {
        return Ok(Some(p));
    }
    Ok(app
        .store
        .procedures(community)
        .await?
        .into_iter()
        .find(|p| p.code == code))
}

/// Adds the community's own procedure (validated; its code unique in the community).
pub async fn add_procedure(
    app: &App,
    actor: &Actor,
    code: &str,
    new: &NewProcedure,
) -> Result<ProcedureTemplate, AppError> {
    list_scope(actor, &app.org(), code)?;
    domain::require_holder(actor, code)?;
    let p = new.validate()?;
    match app
        .store
        .add_procedure(code, &p, &actor.username, app.now())
        .await
    {
        Ok(_) => Ok(p),
        Err(StoreError::Duplicate(_)) => Err(AppError::new(Kind::Conflict, "duplicate")
            .text("sitting.procedure_exists")
            .arg("code", &p.code)
            .field("code")),
        Err(e) => Err(e.into()),
    }
}

// ---- councils ---------------------------------------------------------------------------------

pub async fn add_council(
    app: &App,
    actor: &Actor,
    code: &str,
    new: &NewCouncil,
) -> Result<Council, AppError> {
    list_scope(actor, &app.org(), code)?;
    domain::require_holder(actor, code)?;
    let fields = new.validate()?;
    let id = app
        .store
        .add_council(code, &fields, &actor.username, app.now())
        .await?;
    app.store
        .council(id)
        .await?
        .ok_or_else(|| AppError::internal("a council vanished"))
}

pub async fn councils(app: &App, actor: &Actor, code: &str) -> Result<Vec<Council>, AppError> {
    list_scope(actor, &app.org(), code)?;
    Ok(app.store.councils(code).await?)
}

pub async fn council(app: &App, actor: &Actor, id: i64) -> Result<Council, AppError> {
    let c = app
        .store
        .council(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    record_scope(actor, &app.org(), &c.community)?;
    Ok(c)
}

// ---- sittings ---------------------------------------------------------------------------------

/// Notices a sitting of a community, as its staff: the procedure and stage known, the
/// council (for a members' body) one of the community's active councils, the notice in time.
pub async fn create_sitting(
    app: &App,
    actor: &Actor,
    code: &str,
    new: &NewSitting,
) -> Result<SittingView, AppError> {
    list_scope(actor, &app.org(), code)?;
    domain::require_holder(actor, code)?;
    let p = find_procedure(app, code, new.procedure.trim())
        .await?
        .ok_or_else(|| AppError::from(domain::unknown_procedure(new.procedure.trim())))?;
    let fields = new.validate(&p, app.now())?;
    if let Some(cid) = fields.council_id {
        let ok = app
            .store
            .council(cid)
            .await?
            .is_some_and(|c| c.community == code && c.state == domain::CouncilState::Active);
        if !ok {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("sitting.council_elsewhere")
                .arg("id", cid)
                .field("council_id"));
        }
    }
    let schedule = followup::agenda_topics(app, code, &fields.agenda).await?;
    let id = app
        .store
        .create_sitting(code, &fields, &schedule, &actor.username, app.now())
        .await?
        .ok_or_else(|| {
            AppError::new(Kind::Conflict, "changed")
                .text("suggestion.topic.changed")
                .field("topic_id")
        })?;
    load(app, id).await
}

pub async fn sittings(app: &App, actor: &Actor, code: &str) -> Result<Vec<Sitting>, AppError> {
    list_scope(actor, &app.org(), code)?;
    Ok(app.store.sittings(code).await?)
}

/// A sitting with its log, attendance, quorum, votes and decisions (404 outside scope).
pub async fn sitting(app: &App, actor: &Actor, id: i64) -> Result<SittingView, AppError> {
    let view = load(app, id).await?;
    record_scope(actor, &app.org(), &view.sitting.community)?;
    Ok(view)
}

/// A sitting the actor holds: readable (else 404), theirs (else 403).
async fn held(app: &App, actor: &Actor, id: i64) -> Result<SittingView, AppError> {
    let view = sitting(app, actor, id).await?;
    domain::require_holder(actor, &view.sitting.community)?;
    Ok(view)
}

async fn load(app: &App, id: i64) -> Result<SittingView, AppError> {
    let sitting = app
        .store
        .sitting(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let stage = stage_of(app, &sitting).await?;
    let attendance = app.store.sitting_attendance(id).await?;
    let expected = expected(app, &sitting).await?;
    let quorum = quorum_of(&stage, &expected, &attendance);
    Ok(SittingView {
        events: app.store.sitting_events(id).await?,
        votes: app.store.sitting_votes(id).await?,
        decisions: app.store.council_decisions(id).await?,
        sitting,
        stage,
        attendance,
        quorum,
    })
}

async fn stage_of(app: &App, s: &Sitting) -> Result<Stage, AppError> {
    let p = find_procedure(app, &s.community, &s.procedure)
        .await?
        .ok_or_else(|| AppError::internal(format!("sitting {} lost its procedure", s.id)))?;
    Ok(p.stage(s.stage, "stage")?.clone())
}

/// Who is entitled to sit, from the register on the sitting's day: the adult residents or
/// the occupied households of the community (of the council's buildings for an estate or
/// building council), or the council's members whose term covers the day.
pub async fn expected(app: &App, s: &Sitting) -> Result<Vec<Expected>, AppError> {
    let council = match s.council_id {
        Some(id) => app.store.council(id).await?,
        None => None,
    };
    let buildings = council
        .as_ref()
        .map(|c| c.buildings.clone())
        .unwrap_or_default();
    Ok(match s.body.entitlement() {
        Entitlement::AdultResidents => domain::adults(
            app.store
                .council_residents(&s.community, &buildings)
                .await?,
            s.day,
        ),
        Entitlement::Households => {
            app.store
                .council_households(&s.community, &buildings)
                .await?
        }
        Entitlement::Members => council
            .map(|c| {
                c.members
                    .into_iter()
                    .filter(|m| m.sits_on(s.day))
                    .map(|m| Expected {
                        kind: AttendeeKind::Member,
                        subject_id: m.id,
                        name: m.name,
                        place: m.position,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The quorum: entitled from the register, present from the lines of entitled attendees.
fn quorum_of(stage: &Stage, expected: &[Expected], lines: &[AttendanceLine]) -> Quorum {
    let ids: BTreeSet<i64> = expected.iter().map(|e| e.subject_id).collect();
    let lines: Vec<AttendanceLine> = lines
        .iter()
        .filter(|l| ids.contains(&l.subject_id))
        .cloned()
        .collect();
    let counts = domain::tally(expected.len() as u64, &lines);
    quorum::quorum(counts, stage.quorum, stage.proxies_count)
}

/// Records (or corrects) one attendance line while the sitting is noticed or held. The
/// subject must be entitled (422 `subject_id`); a proxy's holder present (422 `proxy_to`).
pub async fn record_attendance(
    app: &App,
    actor: &Actor,
    id: i64,
    new: &NewAttendance,
) -> Result<SittingView, AppError> {
    let view = held(app, actor, id).await?;
    let s = &view.sitting;
    domain::check_state(
        s,
        &[
            SittingState::Noticed,
            SittingState::Held,
            SittingState::QuorumFailed,
        ],
    )?;
    let kind = s.body.entitlement().attendee_kind();
    let f = new.validate(kind, app.now())?;
    let expected = expected(app, s).await?;
    if !expected.iter().any(|e| e.subject_id == f.subject_id) {
        return Err(AppError::new(Kind::Invalid, "not_entitled")
            .text("sitting.not_entitled")
            .arg("id", f.subject_id)
            .field("subject_id"));
    }
    if let Some(holder) = f.proxy_to {
        let present = view
            .attendance
            .iter()
            .any(|l| l.subject_id == holder && l.presence == Presence::Present);
        if !present {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("sitting.proxy_holder_absent")
                .arg("id", holder)
                .field("proxy_to"));
        }
    }
    let detail = json!({"kind": f.kind.as_str(), "subject_id": f.subject_id, "presence": f.presence.as_str(), "proxy_to": f.proxy_to});
    append(app, actor, s, SittingWrite::Attendance(f), detail).await?;
    load(app, id).await
}

async fn append(
    app: &App,
    actor: &Actor,
    s: &Sitting,
    change: SittingWrite,
    detail: serde_json::Value,
) -> Result<i64, AppError> {
    app.store
        .append_sitting(
            s.id,
            s.version,
            &change,
            &detail,
            &actor.username,
            app.now(),
        )
        .await?
        .ok_or_else(changed)
}

fn quorum_detail(q: &Quorum) -> serde_json::Value {
    json!({"entitled": q.entitled, "present": q.present, "needed": q.needed, "met": q.met})
}

/// Opens the sitting once attendance is taken: held if the quorum is met, else
/// quorum_failed (a failed sitting may be tried again when more sign in).
pub async fn hold(app: &App, actor: &Actor, id: i64) -> Result<SittingView, AppError> {
    let view = held(app, actor, id).await?;
    domain::check_state(
        &view.sitting,
        &[SittingState::Noticed, SittingState::QuorumFailed],
    )?;
    let state = if view.quorum.met {
        SittingState::Held
    } else {
        SittingState::QuorumFailed
    };
    append(
        app,
        actor,
        &view.sitting,
        SittingWrite::State(state),
        quorum_detail(&view.quorum),
    )
    .await?;
    load(app, id).await
}

/// What a vote is opened with.
#[derive(Debug, Clone, Default)]
pub struct NewVote {
    pub agenda_seq: Option<i64>,
    pub method: String,
    pub options: Vec<String>,
}

/// Opens a vote on an agenda item of a held sitting with its quorum (409 with the numbers).
pub async fn open_vote(app: &App, actor: &Actor, id: i64, new: &NewVote) -> Result<Vote, AppError> {
    let view = held(app, actor, id).await?;
    let s = &view.sitting;
    domain::check_state(s, &[SittingState::Held, SittingState::QuorumFailed])?;
    view.quorum.require()?;
    domain::check_state(s, &[SittingState::Held])?;
    let seq = new
        .agenda_seq
        .ok_or_else(|| AppError::from(domain::required_field("agenda_seq")))?;
    if !s.agenda.iter().any(|a| a.seq == seq) {
        return Err(AppError::new(Kind::Invalid, "invalid_parameter")
            .text("sitting.no_such_item")
            .arg("seq", seq)
            .field("agenda_seq"));
    }
    let method = domain::code_of("method", &new.method, Method::parse, Method::codes)?;
    let options = vote::options(&new.options)?;
    let weight = match s.body.entitlement() {
        Entitlement::Households => Weight::PerHousehold,
        _ => Weight::PerPerson,
    };
    let detail = json!({"agenda_seq": seq, "method": method.as_str(), "options": options});
    let change = SittingWrite::OpenVote {
        agenda_seq: seq,
        method,
        weight,
        options,
    };
    let vote_id = append(app, actor, s, change, detail).await?;
    app.store
        .sitting_vote(vote_id)
        .await?
        .ok_or_else(|| AppError::internal("a vote vanished"))
}

/// A vote and its sitting, for the holder.
async fn vote_held(
    app: &App,
    actor: &Actor,
    vote_id: i64,
) -> Result<(Vote, SittingView), AppError> {
    let v = app
        .store
        .sitting_vote(vote_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = held(app, actor, v.sitting_id).await?;
    Ok((v, view))
}

/// A vote (404 outside scope).
pub async fn vote(app: &App, actor: &Actor, vote_id: i64) -> Result<(Vote, SittingView), AppError> {
    let v = app
        .store
        .sitting_vote(vote_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let view = sitting(app, actor, v.sitting_id).await?;
    Ok((v, view))
}

/// Records one online ballot of an entitled attendee signed in present: one per person.
pub async fn cast_ballot(
    app: &App,
    actor: &Actor,
    vote_id: i64,
    voter: Option<i64>,
    choice: &str,
) -> Result<Vote, AppError> {
    let (v, view) = vote_held(app, actor, vote_id).await?;
    vote::check_state(&v, VoteState::Open)?;
    if v.method != Method::Online {
        return Err(AppError::new(Kind::Conflict, "invalid_transition").text("sitting.not_online"));
    }
    let voter = voter.ok_or_else(|| AppError::from(domain::required_field("voter_id")))?;
    let present = view
        .attendance
        .iter()
        .any(|l| l.subject_id == voter && l.presence == Presence::Present);
    if !present {
        return Err(AppError::new(Kind::Invalid, "not_entitled")
            .text("sitting.not_entitled")
            .arg("id", voter)
            .field("voter_id"));
    }
    let choice = choice.trim();
    if !v.options.iter().any(|o| o == choice) {
        return Err(AppError::new(Kind::Invalid, "invalid_parameter")
            .text("sitting.unknown_option")
            .arg("option", choice)
            .arg("options", v.options.join("、"))
            .field("choice"));
    }
    let kind = view.sitting.body.entitlement().attendee_kind();
    if !app
        .store
        .cast_ballot(vote_id, kind, voter, choice, app.now())
        .await?
    {
        return Err(AppError::new(Kind::Conflict, "duplicate")
            .text("sitting.already_voted")
            .arg("id", voter)
            .field("voter_id"));
    }
    Ok(v)
}

/// Closes a vote with its count (hands and paper: as counted by the tellers; online: from
/// the ballots). The count is checked against those present; the pass is computed.
pub async fn close_vote(
    app: &App,
    actor: &Actor,
    vote_id: i64,
    given: Option<Count>,
) -> Result<Vote, AppError> {
    let (v, view) = vote_held(app, actor, vote_id).await?;
    vote::check_state(&v, VoteState::Open)?;
    let count = match (v.method, given) {
        (Method::Online, Some(_)) => {
            return Err(AppError::new(Kind::Invalid, "invalid_parameter")
                .text("sitting.counts_online")
                .field("counts"));
        }
        (Method::Online, None) => {
            let mut c = Count::default();
            for (choice, n) in app.store.ballot_counts(vote_id).await? {
                c.counts.insert(choice, u64::try_from(n).unwrap_or(0));
            }
            c
        }
        (_, Some(c)) => c,
        (_, None) => return Err(domain::required_field("counts").into()),
    };
    let q = view.quorum;
    vote::check_count(v.method, &v.options, &count, q.present)?;
    let rule = view
        .stage
        .pass
        .ok_or_else(|| AppError::internal("a meeting stage without a pass rule"))?;
    let out = vote::outcome(rule, &v.options, &count, q.present, q.entitled);
    let detail = json!({"vote_id": vote_id, "counts": count.counts, "invalid": count.invalid, "present": q.present, "entitled": q.entitled, "passed": out.passed, "agreeing": out.agreeing, "needed": out.needed});
    let change = SittingWrite::CloseVote {
        vote_id,
        count,
        present: q.present,
        entitled: q.entitled,
        passed: out.passed,
        carried: out.carried,
    };
    append(app, actor, &view.sitting, change, detail).await?;
    app.store
        .sitting_vote(vote_id)
        .await?
        .ok_or_else(|| AppError::internal("a vote vanished"))
}

/// Publishes a counted vote.
pub async fn publish_vote(app: &App, actor: &Actor, vote_id: i64) -> Result<Vote, AppError> {
    let (v, view) = vote_held(app, actor, vote_id).await?;
    vote::check_state(&v, VoteState::Closed)?;
    append(
        app,
        actor,
        &view.sitting,
        SittingWrite::PublishVote { vote_id },
        json!({"vote_id": vote_id}),
    )
    .await?;
    app.store
        .sitting_vote(vote_id)
        .await?
        .ok_or_else(|| AppError::internal("a vote vanished"))
}

/// Records a decision from a counted vote of the sitting. Refused (409, with the numbers)
/// when the sitting has no quorum now; `passed` comes from the vote, never from the caller.
pub async fn record_decision(
    app: &App,
    actor: &Actor,
    id: i64,
    vote_id: Option<i64>,
    text: &str,
) -> Result<Decision, AppError> {
    let view = held(app, actor, id).await?;
    let s = &view.sitting;
    domain::check_state(s, &[SittingState::Held, SittingState::QuorumFailed])?;
    view.quorum.require()?;
    domain::check_state(s, &[SittingState::Held])?;
    let vote_id = vote_id.ok_or_else(|| AppError::from(domain::required_field("vote_id")))?;
    let v = view
        .votes
        .iter()
        .find(|v| v.id == vote_id && v.state != VoteState::Open)
        .ok_or_else(|| {
            AppError::new(Kind::Invalid, "invalid_parameter")
                .text("sitting.vote_elsewhere")
                .arg("id", vote_id)
                .field("vote_id")
        })?;
    if view.decisions.iter().any(|d| d.vote_id == vote_id) {
        return Err(AppError::new(Kind::Conflict, "duplicate")
            .text("sitting.vote_decided")
            .arg("id", vote_id)
            .field("vote_id"));
    }
    let text = domain::required("text", text, domain::MAX_TEXT)?;
    let passed = v.passed.unwrap_or(false);
    let topic_id = s
        .agenda
        .iter()
        .find(|a| a.seq == v.agenda_seq)
        .and_then(|a| a.topic_id);
    let topic_step = match topic_id {
        Some(t) => Some(followup::decide_step(app, actor, t, passed, s.id).await?),
        None => None,
    };
    let detail = json!({"vote_id": vote_id, "passed": passed, "entitled": view.quorum.entitled, "present": view.quorum.present});
    let change = SittingWrite::Decision {
        vote_id,
        agenda_seq: v.agenda_seq,
        topic_id,
        text,
        passed,
        topic_step,
    };
    let did = append(app, actor, s, change, detail).await?;
    app.store
        .council_decision(did)
        .await?
        .ok_or_else(|| AppError::internal("a decision vanished"))
}

/// A decision (404 outside scope): the entry point for its publication and follow-up.
pub async fn decision(app: &App, actor: &Actor, id: i64) -> Result<Decision, AppError> {
    let d = app
        .store
        .council_decision(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    record_scope(actor, &app.org(), &d.community)?;
    Ok(d)
}

/// Approves the minutes (会议记录) and the summary (纪要) of a held sitting: the summary takes
/// the community office's next 纪要第N期.
pub async fn approve_minutes(
    app: &App,
    actor: &Actor,
    id: i64,
    minutes: &str,
    summary: &str,
) -> Result<SittingView, AppError> {
    let view = held(app, actor, id).await?;
    let s = &view.sitting;
    domain::check_state(s, &[SittingState::Held])?;
    let minutes = domain::required("minutes", minutes, domain::MAX_MINUTES)?;
    let summary = domain::required("summary", summary, domain::MAX_TEXT)?;
    let org = app.org();
    let unit = org
        .own_unit(&s.community)
        .map(|u| u.code.clone())
        .unwrap_or_else(|| s.community.clone());
    let number = NumberDraw {
        key: SequenceKey::new(
            DocumentKind::MeetingMinutes,
            UnitCode::new(&unit),
            app.now(),
        ),
        issuer: crate::action_item::oversight::short_name(&org, &unit),
    };
    append(
        app,
        actor,
        s,
        SittingWrite::Minutes {
            minutes,
            summary,
            number,
        },
        json!({}),
    )
    .await?;
    load(app, id).await
}

/// The sign-in sheet (签到表) of a sitting, pre-filled from the register, for its holder.
/// The names are staff-tier: the read is logged (one line per sheet printed).
pub async fn sign_in_sheet(
    app: &App,
    actor: &Actor,
    id: i64,
) -> Result<(SittingView, Vec<Expected>), AppError> {
    let view = held(app, actor, id).await?;
    let expected = expected(app, &view.sitting).await?;
    if view.sitting.body.entitlement() != Entitlement::Members {
        let role = actor.role.map(|r| r.as_str()).unwrap_or_default();
        let purpose = format!("sitting {id} sign-in sheet");
        app.store
            .log_access(&actor.username, role, None, "resident_names", &purpose)
            .await?;
    }
    Ok((view, expected))
}
