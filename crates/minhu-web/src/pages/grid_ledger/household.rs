//! A household's page and its forms: the household's and each resident's edit (audited as
//! the API's), and, for a reader holding the `sensitive` grant only, each resident's care
//! tags with an add and an end form. Staff fields are masked unless revealed, so their
//! inputs start empty with the mask as placeholder: left empty, a field stays as it is;
//! a form changes only the fields that differ from the record, so the audit names those.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minhu_app::grid_ledger::{self as use_case, HouseholdRecord, ResidentEntry};
use minhu_domain::grid_ledger::{
    self as ledger, CareKind, CareTag, CareTagDraft, HouseholdDraft, Occupancy, Residence,
    ResidentDraft, ResidentState, Standing, Tenure,
};
use minhu_domain::ids::{HouseholdId, ResidentId};
use minhu_domain::text::Lang;
use minhu_domain::{DomainError, access::register};
use serde::Deserialize;

use super::forms::{Builder, FormView, Refusal, code, codes};
use super::{household_id, path_id};
use crate::AppState;
use crate::pages::form::CheckedForm;
use crate::pages::{FormData, Page, PageError, Staff, render, see_other};

#[derive(Template)]
#[template(path = "grid_ledger/household.html")]
struct HouseholdView {
    p: Page,
    me: Staff,
    r: HouseholdRecord,
    saved: bool,
    edit: Option<FormView>,
    residents: Vec<ResidentBlock>,
    access_log: bool,
}

/// A resident's part of the page below the table: the edit form and, with the grant, the
/// care tags.
struct ResidentBlock {
    id: i64,
    name: String,
    edit: Option<FormView>,
    tags: Vec<TagLine>,
    add_tag: Option<FormView>,
}

struct TagLine {
    id: i64,
    kind: String,
    basis: String,
    cadence_days: u32,
    since: String,
    state: String,
    active: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Saved {
    saved: Option<String>,
}

pub(super) async fn page(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Response, PageError> {
    let r = use_case::household(&app, &me.actor, household_id(&id)?).await?;
    let view = view(&app, p, me, r, None, q.saved.is_some());
    Ok(render(&view)?.into_response())
}

/// Shows the staff fields for the purpose given (logged); the page is rendered, not
/// redirected to, so the revealed fields live only in this answer.
pub(super) async fn reveal(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let purpose = form.get("purpose").unwrap_or("");
    let r = use_case::reveal_household(&app, &me.actor, household_id(&id)?, purpose).await?;
    Ok(render(&view(&app, p, me, r, None, false))?.into_response())
}

fn view(
    app: &AppState,
    p: Page,
    me: Staff,
    r: HouseholdRecord,
    refusal: Option<&Refusal>,
    saved: bool,
) -> HouseholdView {
    let lang = p.lang;
    let grid = r.household.listing.household.grid.clone();
    let edit = r.editable.then(|| household_form(lang, &r, refusal));
    let residents = r
        .residents
        .iter()
        .map(|e| ResidentBlock {
            id: e.resident.id.0,
            name: e.view.name.clone(),
            edit: r
                .editable
                .then(|| resident_form(lang, e, r.sensitive, refusal)),
            tags: tag_lines(lang, e),
            add_tag: (r.editable && r.sensitive).then(|| tag_form(lang, e.resident.id, refusal)),
        })
        .collect();
    HouseholdView {
        access_log: register::may_read_access_log(&me.actor, &app.org(), &grid),
        p,
        me,
        r,
        saved,
        edit,
        residents,
    }
}

/// The value of a staff field for its input: the value when revealed, else empty (the
/// mask is the placeholder).
fn staff_value(revealed: bool, shown: &str) -> String {
    if revealed {
        shown.to_string()
    } else {
        String::new()
    }
}

fn household_form(lang: Lang, r: &HouseholdRecord, refusal: Option<&Refusal>) -> FormView {
    let h = &r.household.listing.household;
    let v = &r.household.view;
    let t = |k| minhu_domain::text::get(k, lang);
    Builder::new(lang, "household", refusal)
        .input(
            "head_name",
            "text",
            staff_value(v.revealed, &v.head_name),
            v.head_name.clone(),
        )
        .input(
            "head_phone",
            "text",
            staff_value(v.revealed, &v.head_phone),
            v.head_phone.clone(),
        )
        .input(
            "size",
            "number",
            h.size.map(|s| s.to_string()).unwrap_or_default(),
            String::new(),
        )
        .select(
            "tenure",
            "tenure",
            &codes(Tenure::ALL, Tenure::as_str),
            h.tenure.as_str(),
            false,
        )
        .select(
            "state",
            "occupancy",
            &codes(Occupancy::ALL, Occupancy::as_str),
            h.state.as_str(),
            false,
        )
        .finish(
            format!("/staff/households/{}/edit", h.id),
            t("grid_ledger.page.edit_household"),
            t("grid_ledger.page.masked_edit"),
            t("grid_ledger.page.save"),
        )
}

fn resident_form(
    lang: Lang,
    e: &ResidentEntry,
    sensitive: bool,
    refusal: Option<&Refusal>,
) -> FormView {
    let (r, v) = (&e.resident, &e.view);
    let t = |k| minhu_domain::text::get(k, lang);
    let mut b = Builder::new(lang, format!("resident-{}", r.id), refusal)
        .input(
            "name",
            "text",
            staff_value(v.revealed, &v.name),
            v.name.clone(),
        )
        .input(
            "phone",
            "text",
            staff_value(v.revealed, &v.phone),
            v.phone.clone(),
        )
        .input(
            "birth_year",
            "number",
            v.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            String::new(),
        )
        // 户籍/流动 and the occupation are staff fields: shown only once revealed.
        .select(
            "residence",
            "residence",
            &codes(Residence::ALL, Residence::as_str),
            if v.revealed { r.residence.as_str() } else { "" },
            !v.revealed,
        )
        .input(
            "occupation",
            "text",
            staff_value(v.revealed, &r.occupation),
            String::new(),
        )
        .select(
            "state",
            "resident_state",
            &codes(ResidentState::ALL, ResidentState::as_str),
            r.state.as_str(),
            false,
        );
    if sensitive {
        b = b.input(
            "id_number",
            "text",
            v.id_number.clone().unwrap_or_default(),
            String::new(),
        );
    }
    b.finish(
        format!("/staff/residents/{}/edit", r.id),
        t("grid_ledger.page.edit_resident"),
        "",
        t("grid_ledger.page.save"),
    )
}

/// The care tags of a resident as the page lists them: none unless the reader holds the
/// grant (the view carries them only then).
fn tag_lines(lang: Lang, e: &ResidentEntry) -> Vec<TagLine> {
    let tags: &[CareTag] = e.view.care_tags.as_deref().unwrap_or(&[]);
    tags.iter()
        .map(|t| TagLine {
            id: t.id,
            kind: code(lang, "care_kind", t.kind.as_str()),
            basis: t.basis.clone(),
            cadence_days: t.cadence_days,
            since: t.since.map(|d| d.to_string()).unwrap_or_default(),
            state: code(lang, "standing", t.state.as_str()),
            active: t.state == Standing::Active,
        })
        .collect()
}

/// The cadence the add form starts with: the first kind's default. Sent back unchanged,
/// it means "the chosen kind's default" (see [`add_tag`]), so the form is right without
/// JavaScript whatever kind is chosen.
fn prefilled_cadence() -> u32 {
    CareKind::ALL[0].default_cadence_days()
}

fn tag_form(lang: Lang, resident: ResidentId, refusal: Option<&Refusal>) -> FormView {
    let t = |k| minhu_domain::text::get(k, lang);
    let prefill = prefilled_cadence().to_string();
    Builder::new(lang, format!("tag-{resident}"), refusal)
        .select(
            "kind",
            "care_kind",
            &codes(CareKind::ALL, CareKind::as_str),
            CareKind::ALL[0].as_str(),
            false,
        )
        .relabel(|value, label| {
            let days = CareKind::parse(value).map_or(0, CareKind::default_cadence_days);
            format!(
                "{label}（{} {days} {}）",
                t("grid_ledger.page.default_cadence"),
                t("grid_ledger.page.days")
            )
        })
        .input("basis", "text", String::new(), String::new())
        .input("cadence_days", "number", prefill.clone(), String::new())
        .hidden("cadence_prefill", prefill)
        .finish(
            format!("/staff/residents/{resident}/care-tags"),
            t("grid_ledger.page.add_tag"),
            t("grid_ledger.page.key_person_hint"),
            t("grid_ledger.page.add"),
        )
}

/// Shows the household's page again with the refusal in its form (its status: 422, 409).
async fn refused(
    app: &AppState,
    p: Page,
    me: Staff,
    id: HouseholdId,
    refusal: Refusal,
) -> Result<Response, PageError> {
    let r = use_case::household(app, &me.actor, id).await?;
    let status = refusal.status;
    let view = view(app, p, me, r, Some(&refusal), false);
    Ok((status, render(&view)?).into_response())
}

fn saved(id: HouseholdId, anchor: &str) -> Response {
    see_other(&format!("/staff/households/{id}?saved=1#{anchor}"))
}

/// A form field as the drafts take it: `None` when left empty (unchanged).
fn given(form: &FormData, key: &str) -> Option<String> {
    form.get(key).map(str::to_string)
}

fn number(form: &FormData, key: &str) -> Result<Option<i64>, DomainError> {
    ledger::whole_number(key, form.get(key).unwrap_or(""))
}

pub(super) async fn edit_household(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let id = household_id(&id)?;
    let current = use_case::household_to_edit(&app, &me.actor, id).await?;
    let lang = p.lang;
    let draft = number(&form, "size").map(|size| HouseholdDraft {
        head_name: given(&form, "head_name"),
        head_phone: given(&form, "head_phone"),
        size,
        tenure: given(&form, "tenure"),
        state: given(&form, "state"),
        ..Default::default()
    });
    let checked = draft.and_then(|d| {
        let d = d.changes_from(&current);
        d.check().map(|_| d)
    });
    let draft = match checked {
        Ok(d) => d,
        Err(e) => {
            return refused(
                &app,
                p,
                me,
                id,
                Refusal::domain("household", lang, &e, &form),
            )
            .await;
        }
    };
    match use_case::edit_household(&app, &me.actor, id, &draft).await {
        Ok(_) => Ok(saved(id, "household")),
        Err(e) => {
            let refusal = Refusal::app("household", lang, e, &form)?;
            refused(&app, p, me, id, refusal).await
        }
    }
}

fn resident_draft(form: &FormData, sensitive: bool) -> Result<ResidentDraft, DomainError> {
    Ok(ResidentDraft {
        name: given(form, "name"),
        phone: given(form, "phone"),
        // Only a reader holding the grant has the field; from anyone else it is ignored.
        id_number: given(form, "id_number").filter(|_| sensitive),
        birth_year: number(form, "birth_year")?,
        residence: given(form, "residence"),
        occupation: given(form, "occupation"),
        state: given(form, "state"),
        ..Default::default()
    })
}

pub(super) async fn edit_resident(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let rid = ResidentId(path_id(&id)?);
    let (current, grid) = use_case::resident_to_edit(&app, &me.actor, rid).await?;
    let hid = current.household_id;
    let sensitive = use_case::require_sensitive(&app, &me.actor, &grid)
        .await
        .is_ok();
    let name = format!("resident-{rid}");
    let lang = p.lang;
    let checked = resident_draft(&form, sensitive).and_then(|d| {
        let d = d.changes_from(&current);
        d.check().map(|_| d)
    });
    let draft = match checked {
        Ok(d) => d,
        Err(e) => return refused(&app, p, me, hid, Refusal::domain(&name, lang, &e, &form)).await,
    };
    match use_case::edit_resident(&app, &me.actor, rid, &draft).await {
        Ok(_) => Ok(saved(hid, &name)),
        Err(e) => {
            let refusal = Refusal::app(&name, lang, e, &form)?;
            refused(&app, p, me, hid, refusal).await
        }
    }
}

fn tag_draft(form: &FormData) -> Result<CareTagDraft, DomainError> {
    let cadence = number(form, "cadence_days")?;
    let prefill = form
        .get("cadence_prefill")
        .and_then(|v| v.parse::<i64>().ok());
    Ok(CareTagDraft {
        kind: form.get("kind").unwrap_or("").to_string(),
        basis: form.get("basis").unwrap_or("").to_string(),
        // The prefilled cadence left as it was: the chosen kind's own default.
        cadence_days: cadence.filter(|c| Some(*c) != prefill),
        helper: String::new(),
        since: String::new(),
    })
}

/// Adds a care tag: 404 for a reader without the grant, as if the form did not exist.
pub(super) async fn add_tag(
    State(app): State<AppState>,
    p: Page,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, PageError> {
    let rid = ResidentId(path_id(&id)?);
    let (current, grid) = use_case::resident_to_edit(&app, &me.actor, rid).await?;
    use_case::require_sensitive(&app, &me.actor, &grid).await?;
    let hid = current.household_id;
    let name = format!("tag-{rid}");
    let lang = p.lang;
    let checked = tag_draft(&form).and_then(|d| d.check().map(|_| d));
    let draft = match checked {
        Ok(d) => d,
        Err(e) => return refused(&app, p, me, hid, Refusal::domain(&name, lang, &e, &form)).await,
    };
    match use_case::add_care_tag(&app, &me.actor, rid, &draft).await {
        Ok(_) => Ok(saved(hid, &format!("resident-{rid}"))),
        Err(e) => {
            let refusal = Refusal::app(&name, lang, e, &form)?;
            refused(&app, p, me, hid, refusal).await
        }
    }
}

/// Ends a care tag today: 404 for a reader without the grant.
pub(super) async fn end_tag(
    State(app): State<AppState>,
    me: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let id = path_id(&id)?;
    let hid = use_case::care_tag_household(&app, &me.actor, id).await?;
    use_case::end_care_tag(&app, &me.actor, id).await?;
    Ok(saved(hid, "residents"))
}
