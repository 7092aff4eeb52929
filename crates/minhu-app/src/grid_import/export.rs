//! The 网格基础台账 as an xlsx workbook in the shape the import reads (sheets 楼栋, 户, 人,
//! 场所; Chinese headers in row 1), so an export imports back. Staff fields (names, phones,
//! rooms and the rest of a person's row) are masked unless the export is unmasked; the
//! sensitive columns (ID numbers, care tags) are never written.

use minhu_domain::grid_import::{
    self as g, Column, GENDERS, RESIDENCES, RISKS, Sheet, TENURES, Tier,
};
use minhu_domain::privacy::{mask_name, mask_phone};
use minhu_store::grid_import::CommunityLedger;
use rust_xlsxwriter::{Format, Workbook};

use crate::AppError;

/// What the export shows of staff fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportMode {
    /// The default: staff fields masked.
    Masked,
    /// Staff fields as stored (the caller logs the export with its purpose).
    Unmasked,
}

/// One cell to write.
enum Out {
    Text(String),
    Int(Option<i64>),
}

/// The register as an xlsx workbook.
pub fn export_xlsx(l: &CommunityLedger, mode: ExportMode) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in Sheet::ALL {
        let cols: Vec<&Column> = sheet
            .columns()
            .iter()
            .filter(|c| c.tier != Tier::Sensitive)
            .collect();
        let ws = wb.add_worksheet();
        ws.set_name(sheet.zh()).map_err(AppError::internal)?;
        for (i, c) in cols.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, c.header, &bold)
                .map_err(AppError::internal)?;
            ws.set_column_width(i as u16, 14)
                .map_err(AppError::internal)?;
        }
        for (r, row) in rows(l, sheet).into_iter().enumerate() {
            for (i, c) in cols.iter().enumerate() {
                let v = row(c.header);
                let v = match (mode, c.tier, v) {
                    (ExportMode::Masked, Tier::Staff, Out::Text(s)) => {
                        Out::Text(mask(c.header, &s))
                    }
                    (ExportMode::Masked, Tier::Staff, Out::Int(Some(_))) => Out::Text("*".into()),
                    (_, _, v) => v,
                };
                let (r, i) = (r as u32 + 1, i as u16);
                match v {
                    Out::Text(s) if s.is_empty() => {}
                    Out::Text(s) => {
                        ws.write_string(r, i, s).map_err(AppError::internal)?;
                    }
                    Out::Int(Some(n)) => {
                        ws.write_number(r, i, n as f64)
                            .map_err(AppError::internal)?;
                    }
                    Out::Int(None) => {}
                }
            }
        }
    }
    wb.save_to_buffer().map_err(AppError::internal)
}

/// A staff field's mask: a name keeps its surname, a phone its ends, a room its first
/// character; anything else is a star.
fn mask(header: &str, s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    match header {
        g::H_HEAD | g::H_PERSON | g::H_CONTACT => mask_name(s),
        g::H_PHONE => mask_phone(s),
        g::H_ROOM => {
            let first: String = s.chars().take(1).collect();
            format!("{first}**")
        }
        _ => "*".into(),
    }
}

type Row<'a> = Box<dyn Fn(&str) -> Out + 'a>;

/// Each record of `sheet` as a cell by header.
fn rows(l: &CommunityLedger, sheet: Sheet) -> Vec<Row<'_>> {
    let t = |s: &str| Out::Text(s.to_string());
    match sheet {
        Sheet::Buildings => l
            .buildings
            .iter()
            .map(|b| -> Row<'_> {
                Box::new(move |h| match h {
                    g::H_BUILDING => t(&b.number),
                    g::H_NAME => t(&b.name),
                    g::H_GRID => t(&b.grid),
                    g::H_ADDRESS => t(&b.address),
                    g::H_FLOORS => Out::Int(b.floors),
                    g::H_BUILT => Out::Int(b.built),
                    _ => t(""),
                })
            })
            .collect(),
        Sheet::Households => l
            .households
            .iter()
            .map(|x| -> Row<'_> {
                Box::new(move |h| match h {
                    g::H_BUILDING => t(&x.building),
                    g::H_UNIT => t(&x.unit),
                    g::H_ROOM => t(&x.room),
                    g::H_HEAD => t(&x.head_name),
                    g::H_PHONE => t(&x.head_phone),
                    g::H_SIZE => Out::Int(x.size),
                    g::H_TENURE => t(g::label_of(TENURES, &x.tenure)),
                    _ => t(""),
                })
            })
            .collect(),
        Sheet::Residents => residents(l, t),
        Sheet::Places => l
            .places
            .iter()
            .map(|p| -> Row<'_> {
                Box::new(move |h| match h {
                    g::H_NAME => t(&p.name),
                    g::H_KIND => t(&p.kind),
                    g::H_GRID => t(&p.grid),
                    g::H_ADDRESS => t(&p.address),
                    g::H_CONTACT => t(&p.contact_name),
                    g::H_PHONE => t(&p.contact_phone),
                    g::H_RISK => t(g::label_of(RISKS, &p.risk_level)),
                    _ => t(""),
                })
            })
            .collect(),
    }
}

/// The 人 rows, each with its household's address.
fn residents(l: &CommunityLedger, t: fn(&str) -> Out) -> Vec<Row<'_>> {
    let by_id: std::collections::HashMap<i64, &minhu_store::grid_import::LedgerHousehold> =
        l.households.iter().map(|h| (h.id, h)).collect();
    l.residents
        .iter()
        .filter_map(|r| by_id.get(&r.household_id).map(|hh| (r, *hh)))
        .map(|(r, hh)| -> Row<'_> {
            Box::new(move |h| match h {
                g::H_BUILDING => t(&hh.building),
                g::H_UNIT => t(&hh.unit),
                g::H_ROOM => t(&hh.room),
                g::H_PERSON => t(&r.name),
                g::H_RELATION => t(&r.relation),
                g::H_GENDER => t(g::label_of(GENDERS, r.gender.as_deref().unwrap_or(""))),
                g::H_BIRTH => Out::Int(r.birth_year),
                g::H_PHONE => t(&r.phone),
                g::H_RESIDENCE => t(g::label_of(RESIDENCES, &r.residence)),
                g::H_OCCUPATION => t(&r.occupation),
                _ => t(""),
            })
        })
        .collect()
}
