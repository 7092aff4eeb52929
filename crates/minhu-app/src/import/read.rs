//! Reading an export: CSV in its encoding, xlsx, or JSON, into one table of rows.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use super::*;

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" | "xls" => Some(Format::Xlsx),
            "json" | "jsonl" | "ndjson" => Some(Format::Json),
            _ => None,
        }
    }
    /// From a file name's extension.
    pub fn of_path(path: &str) -> Option<Format> {
        Format::parse(path.rsplit_once('.')?.1)
    }
}

/// A row of the export: its number as a person would find it (a CSV line or a sheet row,
/// the header being row 1; the 1-based index of a JSON item) and its cells by header.
pub(crate) struct Row {
    pub(crate) number: u64,
    pub(crate) cells: csv::StringRecord,
}

/// A table read from an export.
pub(crate) struct Table {
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Row>,
}

/// The text of an export (borrowed when it is UTF-8 already: no copy of a large file).
pub(crate) fn decode<'a>(bytes: &'a [u8], encoding: &str) -> Result<Cow<'a, str>, ImportError> {
    let enc = match encoding.to_ascii_lowercase().as_str() {
        "auto" | "" => {
            if let Ok(s) = std::str::from_utf8(bytes) {
                return Ok(Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)));
            }
            encoding_rs::GB18030
        }
        "utf-8" | "utf8" => {
            let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            return std::str::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|e| invalid(format!("文件不是有效的 UTF-8：{e}")));
        }
        other => encoding_rs::Encoding::for_label(other.as_bytes()).ok_or_else(|| {
            invalid(format!(
                "未知的编码“{other}”，可用 auto、utf-8、gbk、gb18030、windows-1252"
            ))
        })?,
    };
    let (text, _, had_errors) = enc.decode(bytes);
    if had_errors {
        return Err(invalid(format!(
            "文件按 {} 解码失败：请在映射文件中用 encoding 指定正确的编码",
            enc.name()
        )));
    }
    Ok(text)
}

pub(crate) fn read_csv(bytes: &[u8], m: &Mapping) -> Result<Table, ImportError> {
    let text = decode(bytes, &m.encoding)?;
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| invalid(format!("无法读取 CSV 表头：{e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    // Line numbers from the byte offsets where records start (1 + newlines before it).
    let (mut line, mut at) = (1u64, 0usize);
    let bytes = text.as_bytes();
    for rec in r.records() {
        let rec = rec.map_err(|e| invalid(format!("CSV 格式错误：{e}")))?;
        let mut start = rec
            .position()
            .map(|p| p.byte() as usize)
            .unwrap_or(at)
            .clamp(at, bytes.len());
        // The reported start may lie on the terminator of the line before (CRLF).
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[at..start].iter().filter(|b| **b == b'\n').count() as u64;
        at = start;
        let number = line;
        rows.push(Row { number, cells: rec });
    }
    Ok(Table { headers, rows })
}

/// The text of a file: UTF-8 (a BOM dropped), else GB18030 as old Excel writes it.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    decode(bytes, "auto")
}

/// A CSV file's header and its rows, each row with its line number.
pub type CsvRows = (Vec<String>, Vec<(u64, Vec<String>)>);

/// The one CSV reader: a CSV file as its header and its rows, each with its line number (the
/// header being line 1), decoded as an import would (`encoding` as in a mapping: `auto` takes
/// UTF-8, else GB18030). The imports, the catalogue loader and the training CSVs read with it.
pub fn read_csv_rows(bytes: &[u8], encoding: &str) -> Result<CsvRows, ImportError> {
    let m = Mapping {
        encoding: encoding.into(),
        ..Mapping::default()
    };
    let t = read_csv(bytes, &m)?;
    let rows = t
        .rows
        .into_iter()
        .map(|r| (r.number, r.cells.iter().map(str::to_string).collect()))
        .collect();
    Ok((t.headers, rows))
}

/// An Excel serial date (days since 1899-12-30) as local time.
pub(crate) fn excel_serial(v: f64) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    // A crafted sheet can hold any float: out of chrono's range is no date (not a panic).
    if !v.is_finite() {
        return None;
    }
    let ms = (v * 86_400_000.0).round() as i64;
    base.checked_add_signed(chrono::Duration::try_milliseconds(ms)?)
}

pub(crate) fn read_xlsx(bytes: &[u8], m: &Mapping) -> Result<Table, ImportError> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| invalid(format!("无法读取 Excel 文件：{e}")))?;
    let names = book.sheet_names();
    let sheet = match &m.sheet {
        Some(s) if names.contains(s) => s.clone(),
        Some(s) => return Err(invalid(format!("Excel 文件中没有工作表“{s}”"))),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| invalid("Excel 文件中没有工作表"))?,
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| invalid(format!("无法读取工作表“{sheet}”：{e}")))?;
    let first_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
    let cell = |d: &Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => excel_serial(dt.as_f64())
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#ERROR {e:?}"),
        }
    };
    let mut it = range.rows();
    let headers: Vec<String> = it
        .next()
        .map(|r| r.iter().map(|c| cell(c).trim().to_string()).collect())
        .unwrap_or_default();
    let rows = it
        .enumerate()
        .map(|(i, r)| Row {
            number: first_row + i as u64 + 2,
            cells: r.iter().map(cell).collect(),
        })
        .collect();
    Ok(Table { headers, rows })
}

pub(crate) fn read_json(bytes: &[u8], m: &Mapping) -> Result<Table, ImportError> {
    let text = decode(bytes, &m.encoding)?;
    let trimmed = text.trim_start();
    let whole = serde_json::from_str::<Value>(&text);
    let items: Vec<Value> = match whole {
        Ok(Value::Array(a)) => a,
        Ok(Value::Object(mut o)) => match ["rows", "data", "records", "items"]
            .iter()
            .find_map(|k| o.remove(*k))
        {
            Some(Value::Array(a)) => a,
            // A single object: a JSON Lines file of one line.
            _ => vec![Value::Object(o)],
        },
        Ok(_) => return Err(invalid("JSON 应为对象数组")),
        Err(e) if !trimmed.starts_with('{') => {
            return Err(invalid(format!(
                "JSON 格式错误：第{}行第{}列：{e}",
                e.line(),
                e.column()
            )));
        }
        Err(_) => {
            // JSON Lines: one object a line.
            let mut v = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    v.push(Value::Null);
                    continue;
                }
                v.push(
                    serde_json::from_str(line)
                        .map_err(|e| invalid(format!("JSON Lines 第{}行格式错误：{e}", i + 1)))?,
                );
            }
            v
        }
    };
    let mut headers: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let mut cells = vec![String::new(); headers.len()];
        if let Value::Object(o) = item {
            for (k, v) in o {
                let k = k.trim().to_string();
                let at = *index.entry(k.clone()).or_insert_with(|| {
                    headers.push(k);
                    headers.len() - 1
                });
                if cells.len() <= at {
                    cells.resize(at + 1, String::new());
                }
                cells[at] = match v {
                    Value::Null => String::new(),
                    Value::String(s) => s,
                    other => other.to_string(),
                };
            }
        } else if !item.is_null() {
            cells = vec!["\u{0}not-an-object".into()];
        }
        rows.push(Row {
            number: i as u64 + 1,
            cells: cells.into(),
        });
    }
    Ok(Table { headers, rows })
}
