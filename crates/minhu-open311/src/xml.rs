//! Open311's XML: the mechanical mapping of the JSON documents (the "Spark convention"), with
//! the declaration quick-xml does not write. Lists become repeated child elements named by
//! the singular of the list; `null` becomes an empty element; no namespaces.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::Value;

/// The element name of each item of a list field.
fn singular(list: &str) -> &str {
    match list {
        "services" => "service",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "notes" => "note",
        "errors" => "error",
        "groups" => "group",
        "service_requests" => "request",
        "service_request_updates" => "request_update",
        "media_urls" => "media_url",
        other => other.strip_suffix('s').unwrap_or("item"),
    }
}

fn write_value(w: &mut Writer<Vec<u8>>, name: &str, v: &Value) -> std::io::Result<()> {
    let start = BytesStart::new(name);
    match v {
        Value::Null => {
            w.write_event(Event::Empty(start))?;
        }
        Value::Object(map) => {
            w.write_event(Event::Start(start))?;
            for (k, child) in map {
                write_value(w, k, child)?;
            }
            w.write_event(Event::End(BytesEnd::new(name)))?;
        }
        Value::Array(items) => {
            w.write_event(Event::Start(start))?;
            let item = singular(name);
            for child in items {
                write_value(w, item, child)?;
            }
            w.write_event(Event::End(BytesEnd::new(name)))?;
        }
        scalar => {
            let text = match scalar {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            w.write_event(Event::Start(start))?;
            w.write_event(Event::Text(BytesText::new(&text)))?;
            w.write_event(Event::End(BytesEnd::new(name)))?;
        }
    }
    Ok(())
}

/// A whole document: `root` holding `value` (a list gives one `singular(root)` element per item).
pub fn document(root: &str, value: &Value) -> String {
    let mut w = Writer::new(Vec::new());
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| write_value(&mut w, root, value));
    // Writing to memory does not fail; were it to, the document would only end early.
    if let Err(e) = written {
        tracing::error!(error = %e, "open311: writing XML");
    }
    // UTF-8 in (JSON strings), UTF-8 out.
    String::from_utf8(w.into_inner())
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_nulls_and_escaping() {
        let doc = document(
            "service_requests",
            &json!([{"service_request_id": "1", "status_notes": null, "description": "a < b & \"c\"", "lat": 31.2}]),
        );
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><service_requests><request><service_request_id>1</service_request_id><status_notes/><description>a &lt; b &amp; &quot;c&quot;</description><lat>31.2</lat></request></service_requests>"
        );
        let d = document(
            "service_definition",
            &json!({"service_code": "X", "attributes": [{"values": [{"key": "a", "name": "甲"}]}]}),
        );
        assert!(d.contains("<attributes><attribute><values><value><key>a</key><name>甲</name></value></values></attribute></attributes>"));
    }
}
