//! OPATH filters (`-Filter "Property -eq 'Value' -and (...)"`): tokenizer, recursive-descent
//! parser and evaluator over a generated record.
//!
//! Grammar: `or := and (-or and)*`, `and := not (-and not)*`, `not := -not not | '(' or ')'
//! | Property op Value`, with op one of `-eq -ne -lt -gt -le -ge -like -notlike` (case-
//! insensitive), Value a quoted string ('..' or "..", a doubled quote escapes itself),
//! `$true`, `$false`, `$null`, or a bare word/number. Comparisons ignore case; `-like` knows
//! `*`; multi-valued properties match when any element matches (with or without its
//! `smtp:`-style prefix); `""` counts as `$null`; numbers, dates and byte sizes compare by value.

use crate::tenant::record::{Record, Val};
use crate::tenant::Tenant;

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Bool(bool),
    Null,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Like,
    NotLike,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp { prop: usize, op: Op, value: Lit },
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Dash(String),
    Str(String),
    Var(String),
    Word(String),
}

#[derive(Debug, PartialEq)]
pub enum FilterError {
    Syntax(usize),
    UnknownProperty(String, usize),
}

impl FilterError {
    pub fn message(&self, filter: &str) -> String {
        match self {
            FilterError::Syntax(pos) => format!(
                "Invalid filter syntax. For a description of the filter parameter syntax see the command help.\n\"{filter}\" at position {}.",
                pos + 1
            ),
            FilterError::UnknownProperty(p, pos) => format!(
                "Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"\"{p}\" is not a recognized filterable property. For a list of filterable properties, see the command help.\n\"{filter}\" at position {}.\"",
                pos + 1
            ),
        }
    }
}

fn tokenize(s: &str) -> Result<Vec<(Tok, usize)>, FilterError> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let is_word = |ch: char| !ch.is_whitespace() && ch != '(' && ch != ')' && ch != '\'' && ch != '"';
    while i < c.len() {
        let start = i;
        match c[i] {
            ch if ch.is_whitespace() => i += 1,
            '(' => {
                out.push((Tok::LParen, start));
                i += 1;
            }
            ')' => {
                out.push((Tok::RParen, start));
                i += 1;
            }
            q @ ('\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}') => {
                let double = matches!(q, '"' | '\u{201C}' | '\u{201D}');
                let closes = |ch: char| if double { matches!(ch, '"' | '\u{201C}' | '\u{201D}') } else { matches!(ch, '\'' | '\u{2018}' | '\u{2019}') };
                i += 1;
                let mut v = String::new();
                loop {
                    if i >= c.len() {
                        return Err(FilterError::Syntax(start));
                    }
                    if closes(c[i]) {
                        if i + 1 < c.len() && closes(c[i + 1]) {
                            v.push(c[i]);
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    v.push(c[i]);
                    i += 1;
                }
                out.push((Tok::Str(v), start));
            }
            '$' => {
                i += 1;
                while i < c.len() && is_word(c[i]) {
                    i += 1;
                }
                out.push((Tok::Var(c[start + 1..i].iter().collect::<String>().to_ascii_lowercase()), start));
            }
            '-' if i + 1 < c.len() && c[i + 1].is_ascii_alphabetic() => {
                i += 1;
                while i < c.len() && c[i].is_ascii_alphabetic() {
                    i += 1;
                }
                out.push((Tok::Dash(c[start + 1..i].iter().collect::<String>().to_ascii_lowercase()), start));
            }
            _ => {
                while i < c.len() && is_word(c[i]) {
                    i += 1;
                }
                out.push((Tok::Word(c[start..i].iter().collect()), start));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    tenant: &'a Tenant,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.1).unwrap_or(self.end)
    }
    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut l = self.and()?;
        while self.peek() == Some(&Tok::Dash("or".into())) {
            self.pos += 1;
            l = Expr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut l = self.not()?;
        while self.peek() == Some(&Tok::Dash("and".into())) {
            self.pos += 1;
            l = Expr::And(Box::new(l), Box::new(self.not()?));
        }
        Ok(l)
    }
    fn not(&mut self) -> Result<Expr, FilterError> {
        match self.peek().cloned() {
            Some(Tok::Dash(d)) if d == "not" => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.not()?)))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(FilterError::Syntax(self.at()));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Tok::Word(w)) => {
                let at = self.at();
                self.pos += 1;
                let prop = self.tenant.prop_index(&w).ok_or(FilterError::UnknownProperty(w, at))?;
                let op = match self.peek() {
                    Some(Tok::Dash(o)) => match o.as_str() {
                        "eq" | "ieq" => Op::Eq,
                        "ne" | "ine" => Op::Ne,
                        "lt" => Op::Lt,
                        "gt" => Op::Gt,
                        "le" => Op::Le,
                        "ge" => Op::Ge,
                        "like" | "ilike" => Op::Like,
                        "notlike" => Op::NotLike,
                        _ => return Err(FilterError::Syntax(self.at())),
                    },
                    _ => return Err(FilterError::Syntax(self.at())),
                };
                self.pos += 1;
                let value = match self.peek().cloned() {
                    Some(Tok::Str(s)) | Some(Tok::Word(s)) => Lit::Str(s),
                    Some(Tok::Dash(d)) if d.chars().all(|c| c.is_ascii_digit()) => Lit::Str(format!("-{d}")),
                    Some(Tok::Var(v)) => match v.as_str() {
                        "true" => Lit::Bool(true),
                        "false" => Lit::Bool(false),
                        "null" => Lit::Null,
                        _ => return Err(FilterError::Syntax(self.at())),
                    },
                    _ => return Err(FilterError::Syntax(self.at())),
                };
                self.pos += 1;
                Ok(Expr::Cmp { prop, op, value })
            }
            _ => Err(FilterError::Syntax(self.at())),
        }
    }
}

pub fn parse(filter: &str, tenant: &Tenant) -> Result<Expr, FilterError> {
    let trimmed = filter.trim();
    let inner = trimmed.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(trimmed);
    let toks = tokenize(inner)?;
    let mut p = Parser { toks, pos: 0, end: inner.chars().count(), tenant };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(FilterError::Syntax(p.at()));
    }
    Ok(e)
}

/// `*` wildcard match, ASCII case-insensitive.
pub fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            pi += 1;
            mark = ti;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(d.timestamp());
        }
    }
    for f in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0).map(|d| d.timestamp());
        }
    }
    None
}

/// Bytes of `99 GB (106,300,440,576 bytes)`, `50GB`, `50 MB` or a plain number.
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    if let (Some(open), true) = (s.rfind('('), s.ends_with("bytes)")) {
        return s[open + 1..s.len() - 6].trim().replace(',', "").parse().ok();
    }
    let lower = s.to_ascii_lowercase().replace(' ', "");
    for (suffix, mult) in [("tb", 1u64 << 40), ("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("b", 1)] {
        if let Some(n) = lower.strip_suffix(suffix) {
            return n.parse::<f64>().ok().map(|f| (f * mult as f64) as u64);
        }
    }
    lower.parse().ok()
}

fn order(op: Op, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => ord == Equal,
        Op::Ne => ord != Equal,
        Op::Lt => ord == Less,
        Op::Gt => ord == Greater,
        Op::Le => ord != Greater,
        Op::Ge => ord != Less,
        Op::Like | Op::NotLike => false,
    }
}

fn cmp_text(op: Op, have: &str, want: &str) -> bool {
    match op {
        Op::Like => like(want, have),
        Op::NotLike => !like(want, have),
        _ => {
            if let (Some(a), Some(b)) = (parse_size(have).filter(|_| have.ends_with("bytes)")), parse_size(want)) {
                return order(op, a.cmp(&b));
            }
            order(op, have.to_lowercase().cmp(&want.to_lowercase()))
        }
    }
}

fn is_null(v: &Val) -> bool {
    match v {
        Val::Null => true,
        Val::Str(s) => s.is_empty(),
        Val::Static(s) => s.is_empty(),
        Val::Multi(m) => m.is_empty(),
        Val::StaticMulti(m) => m.is_empty(),
        _ => false,
    }
}

fn compare(v: &Val, op: Op, lit: &Lit) -> bool {
    let negative = matches!(op, Op::Ne | Op::NotLike);
    match lit {
        Lit::Null => match op {
            Op::Eq | Op::Like => is_null(v),
            Op::Ne | Op::NotLike => !is_null(v),
            _ => false,
        },
        Lit::Bool(b) => match v {
            Val::Bool(x) => order(op, x.cmp(b)),
            _ => negative,
        },
        Lit::Str(want) => match v {
            _ if is_null(v) => negative,
            Val::Multi(_) | Val::StaticMulti(_) => {
                let items = v.items().unwrap_or_default();
                let hit = |s: &&str| {
                    let pos_op = match op {
                        Op::Ne => Op::Eq,
                        Op::NotLike => Op::Like,
                        o => o,
                    };
                    let bare = s.split_once(':').map(|(_, a)| a).filter(|_| s.len() < 300 && !want.contains(':'));
                    cmp_text(pos_op, s, want) || bare.map(|b| cmp_text(pos_op, b, want)).unwrap_or(false)
                };
                let any = items.iter().any(hit);
                if negative {
                    !any
                } else {
                    any
                }
            }
            Val::Bool(x) => match want.to_ascii_lowercase().trim_start_matches('$') {
                "true" => order(op, x.cmp(&true)),
                "false" => order(op, x.cmp(&false)),
                _ => negative,
            },
            Val::Int(x) => match want.trim().parse::<i64>() {
                Ok(w) => order(op, x.cmp(&w)),
                Err(_) => cmp_text(op, &x.to_string(), want),
            },
            Val::Date(t, _) => match parse_date(want) {
                Some(w) if !matches!(op, Op::Like | Op::NotLike) => order(op, t.cmp(&w)),
                _ => cmp_text(op, &v.as_text().unwrap_or_default(), want),
            },
            _ => cmp_text(op, v.str_ref().unwrap_or(""), want),
        },
    }
}

pub fn eval(e: &Expr, rec: &Record) -> bool {
    match e {
        Expr::And(a, b) => eval(a, rec) && eval(b, rec),
        Expr::Or(a, b) => eval(a, rec) || eval(b, rec),
        Expr::Not(a) => !eval(a, rec),
        Expr::Cmp { prop, op, value } => compare(&rec[*prop].1, *op, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Tenant {
        Tenant::new(5, 300)
    }

    #[test]
    fn parses_and_reports_positions() {
        let t = t();
        assert!(parse("Name -eq 'x'", &t).is_ok());
        assert!(parse("{ (RecipientTypeDetails -eq 'SharedMailbox') -and -not (HiddenFromAddressListsEnabled -eq $true) }", &t).is_ok());
        assert!(parse("Alias -like \"a*\" -or ForwardingSmtpAddress -ne $null", &t).is_ok());
        assert_eq!(parse("Name -eq", &t), Err(FilterError::Syntax(8)));
        assert_eq!(parse("Nope -eq 'x'", &t), Err(FilterError::UnknownProperty("Nope".into(), 0)));
        assert_eq!(parse("(Name -eq 'x'", &t), Err(FilterError::Syntax(13)));
        assert_eq!(parse("Name -eq 'it''s'", &t).unwrap(), Expr::Cmp { prop: t.prop_index("Name").unwrap(), op: Op::Eq, value: Lit::Str("it's".into()) });
    }

    #[test]
    fn evaluates_like_exchange() {
        let t = t();
        let r = t.record(0);
        let name = crate::tenant::record::get(&r, "Name").unwrap().as_text().unwrap();
        let yes = |f: &str| eval(&parse(f, &t).unwrap(), &r);
        assert!(yes(&format!("Name -eq '{}'", name.to_uppercase())));
        assert!(yes(&format!("Name -like '{}*'", &name[..2])));
        assert!(!yes(&format!("Name -notlike '{}*'", &name[..2])));
        assert!(yes("EmailAddresses -like 'SMTP:*'"));
        assert!(yes("WhenCreated -gt '2015-01-01' -and WhenCreated -lt '1/1/2026'"));
        assert!(yes("ProhibitSendQuota -gt '10GB'"));
        assert!(yes("CustomAttribute15 -eq $null"));
        assert!(yes("IsValid -eq $true -and -not (IsValid -eq $false)"));
        assert!(like("a*c*", "AbCdef") && !like("a*x", "abc") && like("*", ""));
    }
}
