//! `GET /services` and `GET /services/{code}`: the catalogue's active services (entries
//! under a class) and their attribute definitions; and the catalogue index the request
//! resources use to name a request's service.

use std::collections::HashMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use minhu_store::open311::Category;
use serde::Serialize;
use serde_json::Value;

use super::error::{O311Error, O311Result, finish, said, unknown_format};
use super::format::{Fmt, reply, split_fmt};
use super::params::{JurisdictionQuery, Params, jurisdiction, query};
use minhu_app::App;

/// The catalogue, indexed by code and by label path.
pub(super) struct Catalogue {
    items: Vec<Category>,
    by_code: HashMap<String, usize>,
    by_path: HashMap<String, usize>,
}

impl Catalogue {
    pub(super) async fn load(app: &App) -> Result<Catalogue, O311Error> {
        let items = app.store.categories().await?;
        let by_code = items
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.clone(), i))
            .collect();
        let by_path = items
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.path.clone().map(|p| (p, i)))
            .collect();
        Ok(Catalogue {
            items,
            by_code,
            by_path,
        })
    }
    /// Services are the active entries under a class.
    fn services(&self) -> impl Iterator<Item = &Category> {
        self.items.iter().filter(|c| c.active && c.parent.is_some())
    }
    pub(super) fn service(&self, code: &str) -> Option<&Category> {
        self.by_code
            .get(code)
            .map(|i| &self.items[*i])
            .filter(|c| c.active && c.parent.is_some())
    }
    /// The service `code` names, or the spec's 404.
    pub(super) fn known_service(&self, code: &str) -> Result<&Category, O311Error> {
        self.service(code)
            .ok_or_else(|| O311Error::not_found(said("open311.unknown_service", &[("code", code)])))
    }
    /// The entry a request's category names (by code, or by its label path).
    pub(super) fn of_category(&self, category: &str) -> Option<&Category> {
        self.by_code
            .get(category)
            .or_else(|| self.by_path.get(category))
            .map(|i| &self.items[*i])
    }
}

/// One service of the list.
#[derive(Serialize)]
struct ServiceDoc<'a> {
    service_code: &'a str,
    service_name: &'a str,
    description: &'a str,
    metadata: bool,
    #[serde(rename = "type")]
    kind: &'a str,
    keywords: &'a str,
    group: &'a str,
}

impl<'a> ServiceDoc<'a> {
    fn of(c: &'a Category) -> Self {
        ServiceDoc {
            service_code: &c.code,
            service_name: &c.name,
            description: &c.description,
            metadata: c.attributes.as_array().is_some_and(|a| !a.is_empty()),
            kind: &c.service_type,
            keywords: &c.keywords,
            group: &c.group,
        }
    }
}

#[derive(Serialize)]
struct DefinitionDoc<'a> {
    service_code: &'a str,
    attributes: Vec<AttributeDoc<'a>>,
}

/// An attribute with its fields in the spec's order (PostgreSQL's JSONB keeps no key order).
/// The fields are the stored definition's, passed through as they are.
#[derive(Serialize)]
struct AttributeDoc<'a> {
    variable: bool,
    code: &'a Value,
    datatype: &'a Value,
    required: bool,
    datatype_description: &'a Value,
    order: &'a Value,
    description: &'a Value,
    values: Vec<OptionDoc<'a>>,
}

#[derive(Serialize)]
struct OptionDoc<'a> {
    key: &'a Value,
    name: &'a Value,
}

impl<'a> AttributeDoc<'a> {
    fn of(a: &'a Value) -> Self {
        let values = a["values"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .map(|v| OptionDoc {
                        key: &v["key"],
                        name: &v["name"],
                    })
                    .collect()
            })
            .unwrap_or_default();
        AttributeDoc {
            variable: a["variable"].as_bool().unwrap_or(true),
            code: &a["code"],
            datatype: &a["datatype"],
            required: a["required"].as_bool().unwrap_or(false),
            datatype_description: &a["datatype_description"],
            order: &a["order"],
            description: &a["description"],
            values,
        }
    }
}

/// `GET /services.{fmt}`.
pub(super) async fn services(app: &App, fmt: Fmt, p: &Params) -> O311Result {
    let q: JurisdictionQuery = p.typed()?;
    jurisdiction(q.jurisdiction_id.as_deref(), &app.org())?;
    let cat = Catalogue::load(app).await?;
    let list: Vec<ServiceDoc> = cat.services().map(ServiceDoc::of).collect();
    Ok(reply(fmt, StatusCode::OK, "services", &list))
}

/// `GET /services/{code}.{fmt}`: the service definition.
pub(super) async fn service_definition(
    State(app): State<App>,
    Path(seg): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let (code, fmt) = split_fmt(&seg);
    let Some(fmt) = fmt else {
        return unknown_format(&seg);
    };
    let r = async {
        let q: JurisdictionQuery = query(q).typed()?;
        jurisdiction(q.jurisdiction_id.as_deref(), &app.org())?;
        let cat = Catalogue::load(&app).await?;
        let c = cat.known_service(&code)?;
        let doc = DefinitionDoc {
            service_code: &c.code,
            attributes: c
                .attributes
                .as_array()
                .map(|a| a.iter().map(AttributeDoc::of).collect())
                .unwrap_or_default(),
        };
        Ok(reply(fmt, StatusCode::OK, "service_definition", &doc))
    }
    .await;
    finish(fmt, r)
}
