//! The grid's side of the register: the index of the grids a clerk reads, the grid's posts
//! (网格长, 专职网格员 … with armband numbers and board phones, as the public board shows
//! them) and its places, each listed with an add and an end form; and a household's access
//! log, so a clerk can answer "who looked at my data" (PIPL art. 45).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use minhu_app::grid_ledger::{self as use_case};
use minhu_domain::grid_ledger::{
    GridPost, Place, PlaceDraft, PlaceKind, PostDraft, PostKind, RiskLevel, Standing,
};
use minhu_domain::org::Jurisdiction;
use minhu_domain::text::Lang;

use super::forms::{Builder, FormView, Refusal, code, codes, field_label};
use super::{editable, household_id, path_id};
use crate::AppState;
use crate::pages::form::CheckedForm;
use crate::pages::{FormData, Page, PageError, Staff, render, see_other, time};

#[derive(Template)]
#[template(path = "grid_ledger/grids.html")]
struct GridsPage {
    p: Page,
    me: Staff,
    grids: Vec<Jurisdiction>,
}

pub(super) async fn grids_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
) -> Result<Response, PageError> {
    let grids = use_case::grids(&app, &me.actor);
    Ok(render(&GridsPage { p, me, grids })?.into_response())
}

// ---- posts --------------------------------------------------------------------------------

struct PostLine {
    id: i64,
    post: String,
    person_name: String,
    armband_no: String,
    board_phone: String,
    since: String,
    until: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "grid_ledger/posts.html")]
struct PostsPage {
    p: Page,
    me: Staff,
    grid: String,
    posts: Vec<PostLine>,
    editable: bool,
    add: Option<FormView>,
}

fn post_line(lang: Lang, p: GridPost) -> PostLine {
    PostLine {
        id: p.id,
        post: code(lang, "post", p.post.as_str()),
        person_name: p.person_name,
        armband_no: p.armband_no,
        board_phone: p.board_phone,
        since: p.since.to_string(),
        until: p.until.map(|d| d.to_string()).unwrap_or_default(),
        active: p.state == Standing::Active,
    }
}

fn post_form(lang: Lang, grid: &str, refusal: Option<&Refusal>) -> FormView {
    let t = |k| minhu_domain::text::get(k, lang);
    Builder::new(lang, "post", refusal)
        .select(
            "post",
            "post",
            &codes(PostKind::ALL, PostKind::as_str),
            "",
            false,
        )
        .input("person_name", "text", String::new(), String::new())
        .input("armband_no", "text", String::new(), String::new())
        .input("board_phone", "text", String::new(), String::new())
        .input("since", "date", String::new(), "YYYY-MM-DD".into())
        .finish(
            format!("/staff/grids/{grid}/posts"),
            t("grid_ledger.page.add_post"),
            "",
            t("grid_ledger.page.add"),
        )
}

async fn show_posts(
    app: &AppState,
    p: Page,
    me: Staff,
    grid: String,
    refusal: Option<Refusal>,
) -> Result<Response, PageError> {
    let lang = p.lang;
    let posts = use_case::posts(app, &me.actor, &grid, true).await?;
    let editable = editable(app, &me, &grid);
    let status = refusal
        .as_ref()
        .map_or(axum::http::StatusCode::OK, |r| r.status);
    let page = PostsPage {
        posts: posts.into_iter().map(|x| post_line(lang, x)).collect(),
        add: editable.then(|| post_form(lang, &grid, refusal.as_ref())),
        editable,
        grid,
        p,
        me,
    };
    Ok((status, render(&page)?).into_response())
}

pub(super) async fn posts_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    show_posts(&app, p, me, code, None).await
}

fn text(form: &FormData, key: &str) -> String {
    form.get(key).unwrap_or("").to_string()
}

pub(super) async fn add_post(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(grid): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    use_case::require_editable(&app, &me.actor, &grid)?;
    let draft = PostDraft {
        post: text(&form, "post"),
        person_name: text(&form, "person_name"),
        username: None,
        building_id: None,
        armband_no: text(&form, "armband_no"),
        board_phone: text(&form, "board_phone"),
        since: text(&form, "since"),
    };
    let lang = p.lang;
    let today = minhu_domain::time::local_date(app.now());
    if let Err(e) = draft.check(today) {
        let refusal = Refusal::domain("post", lang, &e, &form);
        return show_posts(&app, p, me, grid, Some(refusal)).await;
    }
    match use_case::add_post(&app, &me.actor, &grid, &draft).await {
        Ok(_) => Ok(see_other(&format!("/staff/grids/{grid}/posts"))),
        Err(e) => {
            let refusal = Refusal::app("post", lang, e, &form)?;
            show_posts(&app, p, me, grid, Some(refusal)).await
        }
    }
}

pub(super) async fn end_post(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let grid = use_case::post_grid(&app, &me.actor, id).await?;
    use_case::end_post(&app, &me.actor, id, None).await?;
    Ok(see_other(&format!("/staff/grids/{grid}/posts")))
}

// ---- places -------------------------------------------------------------------------------

struct PlaceLine {
    id: i64,
    kind: String,
    name: String,
    address: String,
    contact: String,
    risk_level: String,
    state: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "grid_ledger/places.html")]
struct PlacesPage {
    p: Page,
    me: Staff,
    grid: String,
    places: Vec<PlaceLine>,
    editable: bool,
    add: Option<FormView>,
}

/// A place as listed; its contact is masked already by the use case.
fn place_line(lang: Lang, p: Place) -> PlaceLine {
    PlaceLine {
        id: p.id,
        kind: code(lang, "place_kind", p.kind.as_str()),
        contact: format!("{} {}", p.contact_name, p.contact_phone)
            .trim()
            .to_string(),
        name: p.name,
        address: p.address,
        risk_level: code(lang, "risk_level", p.risk_level.as_str()),
        state: code(lang, "place_state", p.state.as_str()),
        active: p.state.as_str() == "active",
    }
}

fn place_form(lang: Lang, grid: &str, refusal: Option<&Refusal>) -> FormView {
    let t = |k| minhu_domain::text::get(k, lang);
    Builder::new(lang, "place", refusal)
        .select(
            "kind",
            "place_kind",
            &codes(PlaceKind::ALL, PlaceKind::as_str),
            "",
            false,
        )
        .input("name", "text", String::new(), String::new())
        .input("address", "text", String::new(), String::new())
        .input("contact_name", "text", String::new(), String::new())
        .input("contact_phone", "text", String::new(), String::new())
        .select(
            "risk_level",
            "risk_level",
            &codes(RiskLevel::ALL, RiskLevel::as_str),
            "low",
            false,
        )
        .finish(
            format!("/staff/grids/{grid}/places"),
            t("grid_ledger.page.add_place"),
            "",
            t("grid_ledger.page.add"),
        )
}

async fn show_places(
    app: &AppState,
    p: Page,
    me: Staff,
    grid: String,
    refusal: Option<Refusal>,
) -> Result<Response, PageError> {
    let lang = p.lang;
    let places = use_case::places(app, &me.actor, &grid).await?;
    let editable = editable(app, &me, &grid);
    let status = refusal
        .as_ref()
        .map_or(axum::http::StatusCode::OK, |r| r.status);
    let page = PlacesPage {
        places: places.into_iter().map(|x| place_line(lang, x)).collect(),
        add: editable.then(|| place_form(lang, &grid, refusal.as_ref())),
        editable,
        grid,
        p,
        me,
    };
    Ok((status, render(&page)?).into_response())
}

pub(super) async fn places_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    show_places(&app, p, me, code, None).await
}

pub(super) async fn add_place(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(grid): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    use_case::require_editable(&app, &me.actor, &grid)?;
    let draft = PlaceDraft {
        kind: text(&form, "kind"),
        name: text(&form, "name"),
        address: text(&form, "address"),
        contact_name: text(&form, "contact_name"),
        contact_phone: text(&form, "contact_phone"),
        risk_level: text(&form, "risk_level"),
    };
    let lang = p.lang;
    if let Err(e) = draft.check() {
        let refusal = Refusal::domain("place", lang, &e, &form);
        return show_places(&app, p, me, grid, Some(refusal)).await;
    }
    match use_case::add_place(&app, &me.actor, &grid, &draft).await {
        Ok(_) => Ok(see_other(&format!("/staff/grids/{grid}/places"))),
        Err(e) => {
            let refusal = Refusal::app("place", lang, e, &form)?;
            show_places(&app, p, me, grid, Some(refusal)).await
        }
    }
}

pub(super) async fn close_place(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let grid = use_case::close_place(&app, &me.actor, path_id(&id)?).await?;
    Ok(see_other(&format!("/staff/grids/{grid}/places")))
}

// ---- the access log -----------------------------------------------------------------------

struct AccessLine {
    at: String,
    actor: String,
    role: String,
    subject: String,
    fields: String,
    purpose: String,
}

#[derive(Template)]
#[template(path = "grid_ledger/access_log.html")]
struct AccessLogPage {
    p: Page,
    me: Staff,
    household: i64,
    title: String,
    lines: Vec<AccessLine>,
}

/// The fields of a log line in words: `household.room,resident.name` → 门牌、姓名.
fn fields_in_words(lang: Lang, fields: &str) -> String {
    let sep = if lang.is_english() { ", " } else { "、" };
    let mut words: Vec<String> = Vec::new();
    for f in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let name = f.rsplit('.').next().unwrap_or(f);
        let w = field_label(lang, name);
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.join(sep)
}

pub(super) async fn access_log_page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let lang = p.lang;
    let log = use_case::access_log(&app, &me.actor, household_id(&id)?).await?;
    let household_word = minhu_domain::text::get("grid_ledger.page.subject_household", lang);
    let lines = log
        .entries
        .into_iter()
        .map(|l| AccessLine {
            at: time(&l.at),
            actor: l.actor,
            role: code(lang, "role", &l.role),
            subject: match l.subject_kind.as_str() {
                "household" => household_word.to_string(),
                _ => log
                    .residents
                    .iter()
                    .find(|(rid, _)| *rid == l.subject_id)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_default(),
            },
            fields: fields_in_words(lang, &l.fields),
            purpose: l.purpose,
        })
        .collect();
    let title = format!(
        "{} {}",
        log.listing.building_name,
        crate::pages::text::labelled(lang, "grid_ledger.page.access_log", "")
    );
    let page = AccessLogPage {
        p,
        me,
        household: log.listing.household.id.0,
        title,
        lines,
    };
    Ok(render(&page)?.into_response())
}
