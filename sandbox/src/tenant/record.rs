//! A mailbox record: an ordered list of typed properties, and its two JSON forms
//! (annotated, as InvokeCommand returns it; plain, as the truth endpoint returns it).

use std::io::Write;

#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Str(String),
    Static(&'static str),
    Bool(bool),
    Int(i64),
    /// A GUID (annotated `System.Guid` / `#Guid`).
    Guid(String),
    /// A date: unix seconds; `true` writes `...Z`, `false` writes `...+00:00`.
    Date(i64, bool),
    /// A multi-valued property (annotated `#Collection(String)`).
    Multi(Vec<String>),
    /// A multi-valued property whose values are constants (saves allocations).
    StaticMulti(&'static [&'static str]),
}

impl Val {
    pub fn s(v: impl Into<String>) -> Val {
        Val::Str(v.into())
    }
    pub fn opt(v: Option<String>) -> Val {
        v.map(Val::Str).unwrap_or(Val::Null)
    }
    /// The value as text, for comparisons (None for null).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Val::Null => None,
            Val::Str(s) | Val::Guid(s) => Some(s.clone()),
            Val::Static(s) => Some(s.to_string()),
            Val::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
            Val::Int(i) => Some(i.to_string()),
            Val::Date(t, z) => Some(format_date(*t, *z)),
            Val::Multi(v) => Some(v.join(" ")),
            Val::StaticMulti(v) => Some(v.join(" ")),
        }
    }
    /// The items of a multi-valued property.
    pub fn items(&self) -> Option<Vec<&str>> {
        match self {
            Val::Multi(v) => Some(v.iter().map(String::as_str).collect()),
            Val::StaticMulti(v) => Some(v.to_vec()),
            _ => None,
        }
    }
    pub fn str_ref(&self) -> Option<&str> {
        match self {
            Val::Str(s) | Val::Guid(s) => Some(s),
            Val::Static(s) => Some(s),
            _ => None,
        }
    }
}

pub type Record = Vec<(&'static str, Val)>;

pub fn get<'a>(rec: &'a Record, name: &str) -> Option<&'a Val> {
    rec.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// `2022-09-21T08:07:47.0000000+00:00` (or `...Z`), without a date library in the hot path.
pub fn format_date(t: i64, z: bool) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.0000000{}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        if z { "Z" } else { "+00:00" }
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("write to Vec");
    }
}

fn write_value(out: &mut Vec<u8>, v: &Val) {
    match v {
        Val::Null => out.extend_from_slice(b"null"),
        Val::Str(s) | Val::Guid(s) => write_json_str(out, s),
        Val::Static(s) => write_json_str(out, s),
        Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Date(t, z) => write_json_str(out, &format_date(*t, *z)),
        Val::Multi(items) => write_list(out, items.iter().map(String::as_str)),
        Val::StaticMulti(items) => write_list(out, items.iter().copied()),
    }
}

fn write_list<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (k, s) in items.enumerate() {
        if k > 0 {
            out.push(b',');
        }
        write_json_str(out, s);
    }
    out.push(b']');
}

/// The record as InvokeCommand returns it, with OData annotations before multi-valued,
/// GUID and date values. `select` keeps only the named positions (in record order).
pub fn write_annotated(out: &mut Vec<u8>, rec: &Record, select: Option<&[usize]>) {
    out.push(b'{');
    let mut first = true;
    let mut emit = |out: &mut Vec<u8>, name: &str, v: &Val| {
        let mut field = |out: &mut Vec<u8>, key: &str, suffix: &str| {
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'"');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(suffix.as_bytes());
            out.extend_from_slice(b"\":");
        };
        match v {
            Val::Multi(_) | Val::StaticMulti(_) => {
                field(out, name, "@odata.type");
                out.extend_from_slice(b"\"#Collection(String)\"");
            }
            Val::Guid(_) => {
                field(out, name, "@data.type");
                out.extend_from_slice(b"\"System.Guid\"");
                field(out, name, "@odata.type");
                out.extend_from_slice(b"\"#Guid\"");
            }
            Val::Date(..) => {
                field(out, name, "@data.type");
                out.extend_from_slice(b"\"System.DateTime\"");
            }
            _ => {}
        }
        field(out, name, "");
        write_value(out, v);
    };
    match select {
        None => rec.iter().for_each(|(n, v)| emit(out, n, v)),
        Some(idx) => idx.iter().for_each(|&i| emit(out, rec[i].0, &rec[i].1)),
    }
    out.push(b'}');
}

/// The record without annotations (the truth endpoint's NDJSON line, without the newline).
pub fn write_plain(out: &mut Vec<u8>, rec: &Record) {
    out.push(b'{');
    for (k, (n, v)) in rec.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(n.as_bytes());
        out.extend_from_slice(b"\":");
        write_value(out, v);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_like_the_service() {
        assert_eq!(format_date(0, true), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(format_date(1_663_747_667, false), "2022-09-21T08:07:47.0000000+00:00");
        assert_eq!(format_date(951_782_400, true), "2000-02-29T00:00:00.0000000Z");
    }

    #[test]
    fn annotations_precede_values() {
        let rec: Record = vec![
            ("Name", Val::s("a")),
            ("Guid", Val::Guid("g".into())),
            ("EmailAddresses", Val::Multi(vec!["SMTP:a@b".into()])),
            ("WhenCreated", Val::Date(0, false)),
        ];
        let mut out = Vec::new();
        write_annotated(&mut out, &rec, None);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r##"{"Name":"a","Guid@data.type":"System.Guid","Guid@odata.type":"#Guid","Guid":"g","EmailAddresses@odata.type":"#Collection(String)","EmailAddresses":["SMTP:a@b"],"WhenCreated@data.type":"System.DateTime","WhenCreated":"1970-01-01T00:00:00.0000000+00:00"}"##
        );
    }
}
