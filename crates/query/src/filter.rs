//! Filter expressions over facet kinds, in Meilisearch's syntax: `credential = "RHIT" AND
//! (topic = Coding OR topic = Privacy)`, `credential IN [RHIT, RHIA]`, `NOT topic = Coding`,
//! `credential EXISTS`, `job_title NOT EXISTS`, and the array form `[["credential = RHIT",
//! "credential = RHIA"], "topic = Coding"]` (inner arrays OR-ed, the outer one AND-ed).
//!
//! Facet values are strings: the numeric comparisons (`<`, `>`, `TO`...) and geo filters are
//! refused with a message naming the position of the problem, as unknown attributes are.
//! Values match case-insensitively, as Meilisearch's do.

use std::fmt;

use him_schema::{FacetKind, Taxonomy};

/// A parsed filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// Every one of them.
    And(Vec<Filter>),
    /// Any one of them.
    Or(Vec<Filter>),
    /// Not this.
    Not(Box<Filter>),
    /// Documents filed under this value of this kind (any of the values, for `IN`).
    Is(FacetKind, Vec<String>),
    /// Documents filed under some value of this kind.
    Exists(FacetKind),
}

/// A filter that does not parse, or names what cannot be filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// What is wrong.
    pub message: String,
    /// 1-based character position of the problem in the expression.
    pub position: usize,
    /// 1-based character position just past it (Meilisearch prints `start:end`).
    pub end: usize,
    /// The expression.
    pub expression: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at character {} of `{}`)\n{}:{} {}",
            self.message, self.position, self.expression, self.position, self.end, self.expression
        )
    }
}

/// Parses one expression in the string syntax.
pub fn parse_filter(expression: &str, taxonomy: &Taxonomy) -> Result<Filter, FilterError> {
    let tokens = tokenize(expression)?;
    if tokens.len() > MAX_TOKENS {
        return Err(FilterError {
            message: format!("the filter is over {MAX_TOKENS} words and symbols"),
            position: 1,
            end: expression.chars().count() + 1,
            expression: expression.into(),
        });
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
        expression,
        taxonomy,
    };
    if parser.tokens.is_empty() {
        return Err(parser.error_at(1, "the filter is empty"));
    }
    let filter = parser.or()?;
    match parser.peek() {
        None => Ok(filter),
        Some(token) => Err(parser.error_at(
            token.position,
            format!(
                "unexpected `{}`: expected `AND`, `OR` or the end",
                token.text
            ),
        )),
    }
}

/// The array form: strings AND-ed, inner arrays of strings OR-ed.
pub fn parse_filter_array(
    items: &[serde_json::Value],
    taxonomy: &Taxonomy,
) -> Result<Filter, FilterError> {
    let shape = |position| FilterError {
        message: "the array form holds strings and arrays of strings".into(),
        position,
        end: position + 1,
        expression: serde_json::Value::Array(items.to_vec()).to_string(),
    };
    let mut all = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            // Blank entries are skipped, as Meilisearch skips them.
            serde_json::Value::String(text) if text.trim().is_empty() => {}
            serde_json::Value::String(text) => all.push(parse_filter(text, taxonomy)?),
            serde_json::Value::Array(options) => {
                let mut any = Vec::new();
                for option in options {
                    let text = option.as_str().ok_or_else(|| shape(i + 1))?;
                    if !text.trim().is_empty() {
                        any.push(parse_filter(text, taxonomy)?);
                    }
                }
                if !any.is_empty() {
                    all.push(Filter::Or(any));
                }
            }
            _ => return Err(shape(i + 1)),
        }
    }
    Ok(Filter::And(all))
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    text: String,
    /// Quoted: a value, never a keyword.
    quoted: bool,
    /// 1-based character position.
    position: usize,
}

impl Token {
    fn is(&self, keyword: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(keyword)
    }
}

/// Words, quoted strings (`'` or `"`, backslash escapes), and the symbols `( ) [ ] ,` and the
/// comparison operators.
fn tokenize(expression: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = expression.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(FilterError {
                            message: format!("a quote opened here is never closed (`{c}`)"),
                            position,
                            end: chars.len() + 1,
                            expression: expression.into(),
                        })
                    }
                    Some('\\') if chars.get(i + 1).is_some() => {
                        text.push(chars[i + 1]);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        text.push(other);
                        i += 1;
                    }
                }
            }
            tokens.push(Token {
                text,
                quoted: true,
                position,
            });
        } else if "()[],".contains(c) {
            tokens.push(Token {
                text: c.to_string(),
                quoted: false,
                position,
            });
            i += 1;
        } else if "=!<>".contains(c) {
            let two = chars.get(i + 1) == Some(&'=');
            let text: String = if two {
                [c, '='].iter().collect()
            } else {
                c.to_string()
            };
            i += text.len();
            tokens.push(Token {
                text,
                quoted: false,
                position,
            });
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()[],=!<>\"'".contains(chars[i])
            {
                i += 1;
            }
            tokens.push(Token {
                text: chars[start..i].iter().collect(),
                quoted: false,
                position,
            });
        }
    }
    Ok(tokens)
}

/// Most words and symbols in one filter, and most nested parentheses and `NOT`s: the parser
/// and the query it builds recurse once per level, and a thread's stack is finite.
const MAX_TOKENS: usize = 2000;
const MAX_DEPTH: usize = 32;

/// Symbols that are never an attribute or a value unquoted.
const SYMBOLS: &[&str] = &[
    "(", ")", "[", "]", ",", "=", "!=", "<", "<=", ">", ">=", "!",
];

fn is_symbol(token: &Token) -> bool {
    !token.quoted && SYMBOLS.contains(&token.text.as_str())
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    expression: &'a str,
    taxonomy: &'a Taxonomy,
}

const OPERATIONS: &str =
    "`=`, `!=`, `IN`, `NOT IN`, `EXISTS`, `NOT EXISTS`, `IS EMPTY` or `IS NOT EMPTY`";

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn peek_is(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is(keyword))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn end_position(&self) -> usize {
        self.expression.chars().count() + 1
    }

    fn error_at(&self, position: usize, message: impl Into<String>) -> FilterError {
        // The token starting there, for `start:end`.
        let length = self
            .tokens
            .iter()
            .find(|t| t.position == position)
            .map_or(0, |t| t.text.chars().count() + 2 * usize::from(t.quoted));
        FilterError {
            message: message.into(),
            position,
            end: position + length,
            expression: self.expression.to_string(),
        }
    }

    fn deeper(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let position = self.peek().map_or(self.end_position(), |t| t.position);
            return Err(self.error_at(
                position,
                format!("the filter nests over {MAX_DEPTH} parentheses and `NOT`s deep"),
            ));
        }
        Ok(())
    }

    fn expected(&self, what: &str) -> FilterError {
        match self.peek() {
            Some(token) => self.error_at(
                token.position,
                format!("expected {what}, found `{}`", token.text),
            ),
            None => self.error_at(self.end_position(), format!("expected {what} at the end")),
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut any = vec![self.and()?];
        while self.peek_is("OR") {
            self.next();
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            Filter::Or(any)
        })
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut all = vec![self.not()?];
        while self.peek_is("AND") {
            self.next();
            all.push(self.not()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Filter::And(all)
        })
    }

    fn not(&mut self) -> Result<Filter, FilterError> {
        if self.peek_is("NOT") {
            self.next();
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        if self.peek().is_some_and(|t| !t.quoted && t.text == "(") {
            self.next();
            self.deeper()?;
            let inner = self.or()?;
            self.depth -= 1;
            match self.next() {
                Some(t) if !t.quoted && t.text == ")" => return Ok(inner),
                _ => {
                    self.at -= 1;
                    return Err(self.expected("`)`"));
                }
            }
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Filter, FilterError> {
        let attribute = match self.peek() {
            Some(t) if !is_symbol(t) => self.next().unwrap_or_else(|| unreachable!()),
            _ => return Err(self.expected("an attribute")),
        };
        if attribute.text.starts_with("_geo") {
            return Err(self.error_at(
                attribute.position,
                "geo filters need coordinates; these documents have none",
            ));
        }
        let kind = self.kind(&attribute)?;
        let Some(operator) = self.next() else {
            return Err(self.error_at(
                self.end_position(),
                format!(
                    "expected an operation ({OPERATIONS}) after `{}`",
                    attribute.text
                ),
            ));
        };
        let op = if operator.quoted {
            ""
        } else {
            operator.text.as_str()
        };
        match op.to_ascii_uppercase().as_str() {
            "=" => Ok(Filter::Is(kind, vec![self.value(kind)?])),
            "!=" => Ok(Filter::Not(Box::new(Filter::Is(
                kind,
                vec![self.value(kind)?],
            )))),
            "IN" => Ok(Filter::Is(kind, self.list(kind)?)),
            "EXISTS" => Ok(Filter::Exists(kind)),
            "NOT" => {
                if self.peek_is("IN") {
                    self.next();
                    Ok(Filter::Not(Box::new(Filter::Is(kind, self.list(kind)?))))
                } else if self.peek_is("EXISTS") {
                    self.next();
                    Ok(Filter::Not(Box::new(Filter::Exists(kind))))
                } else {
                    Err(self.expected("`IN` or `EXISTS` after `NOT`"))
                }
            }
            "IS" => {
                let negated = self.peek_is("NOT");
                if negated {
                    self.next();
                }
                if self.peek_is("EMPTY") || self.peek_is("NULL") {
                    self.next();
                    // A kind a document has no value of is absent from it (`NOT EXISTS`),
                    // never present and empty, nor null: as in Meilisearch, `IS EMPTY` and
                    // `IS NULL` match no document, and their negations every document.
                    Ok(if negated {
                        Filter::And(Vec::new())
                    } else {
                        Filter::Or(Vec::new())
                    })
                } else {
                    Err(self.expected("`EMPTY` or `NULL` after `IS`"))
                }
            }
            ">" | ">=" | "<" | "<=" | "TO" => Err(self.error_at(
                operator.position,
                format!(
                    "`{}` compares numbers; `{}` holds text values ({OPERATIONS})",
                    operator.text, attribute.text
                ),
            )),
            _ => {
                // `attribute value TO value` (a range) reads as a value first.
                if self.peek_is("TO") {
                    return Err(self.error_at(
                        operator.position,
                        format!(
                            "ranges compare numbers; `{}` holds text values",
                            attribute.text
                        ),
                    ));
                }
                Err(self.error_at(
                    operator.position,
                    format!(
                        "expected an operation ({OPERATIONS}), found `{}`",
                        operator.text
                    ),
                ))
            }
        }
    }

    fn kind(&self, attribute: &Token) -> Result<FacetKind, FilterError> {
        self.taxonomy.kind_keyed(&attribute.text).ok_or_else(|| {
            self.error_at(
                attribute.position,
                format!(
                    "attribute `{}` is not filterable; the filterable attributes are `{}`",
                    attribute.text,
                    self.taxonomy.kind_list()
                ),
            )
        })
    }

    /// A value, as the taxonomy spells it when it names one (any case).
    fn value(&mut self, kind: FacetKind) -> Result<String, FilterError> {
        match self.peek() {
            Some(t) if !is_symbol(t) => {
                let token = self.next().unwrap_or_else(|| unreachable!());
                let text = token.text;
                if text.trim().is_empty() || text.chars().count() > 200 {
                    return Err(self.error_at(token.position, "a value is 1 to 200 characters"));
                }
                let canonical = self
                    .taxonomy
                    .canonicalize(kind, text.trim())
                    .map(str::to_string);
                Ok(canonical.unwrap_or(text))
            }
            _ => Err(self.expected("a value")),
        }
    }

    fn list(&mut self, kind: FacetKind) -> Result<Vec<String>, FilterError> {
        match self.next() {
            Some(t) if !t.quoted && t.text == "[" => {}
            _ => {
                self.at -= 1;
                return Err(self.expected("`[`"));
            }
        }
        let mut values = Vec::new();
        loop {
            if self.peek().is_some_and(|t| !t.quoted && t.text == "]") {
                self.next();
                break;
            }
            values.push(self.value(kind)?);
            if values.len() > crate::MAX_FILTER_VALUES {
                return Err(self.expected(&format!("at most {} values", crate::MAX_FILTER_VALUES)));
            }
            match self.next() {
                Some(t) if !t.quoted && t.text == "," => {}
                Some(t) if !t.quoted && t.text == "]" => break,
                _ => {
                    self.at -= 1;
                    return Err(self.expected("`,` or `]`"));
                }
            }
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxonomy() -> Taxonomy {
        Taxonomy::builtin().unwrap()
    }

    fn parse(text: &str) -> Result<Filter, FilterError> {
        parse_filter(text, &taxonomy())
    }

    fn kind(name: &str) -> FacetKind {
        taxonomy().kind_keyed(name).unwrap()
    }

    #[test]
    fn the_string_syntax() {
        let credential = kind("credential");
        let topic = kind("topic");
        assert_eq!(
            parse(r#"credential = "RHIT" AND (topic = "Coding" OR topic = Privacy)"#).unwrap(),
            Filter::And(vec![
                Filter::Is(credential, vec!["RHIT".into()]),
                Filter::Or(vec![
                    Filter::Is(topic, vec!["Coding".into()]),
                    Filter::Is(topic, vec!["Privacy".into()]),
                ]),
            ])
        );
        assert_eq!(
            parse("credential in [rhit, 'RHIA',]").unwrap(),
            Filter::Is(credential, vec!["RHIT".into(), "RHIA".into()])
        );
        assert_eq!(
            parse("NOT credential = RHIT").unwrap(),
            Filter::Not(Box::new(Filter::Is(credential, vec!["RHIT".into()])))
        );
        assert_eq!(
            parse("credential != RHIT").unwrap(),
            parse("NOT credential = RHIT").unwrap()
        );
        assert_eq!(
            parse("credential NOT IN [RHIT]").unwrap(),
            Filter::Not(Box::new(Filter::Is(credential, vec!["RHIT".into()])))
        );
        assert_eq!(
            parse("credential EXISTS").unwrap(),
            Filter::Exists(credential)
        );
        assert_eq!(
            parse("credential IS NOT EMPTY").unwrap(),
            Filter::And(Vec::new())
        );
        assert_eq!(parse("credential IS NULL").unwrap(), Filter::Or(Vec::new()));
        assert_eq!(
            parse("credential NOT EXISTS").unwrap(),
            Filter::Not(Box::new(Filter::Exists(credential)))
        );
        assert_eq!(
            parse(r#""credential"="RHIT""#).unwrap(),
            Filter::Is(credential, vec!["RHIT".into()]),
            "as instant-meilisearch writes facet filters"
        );
        // AND binds tighter than OR.
        assert_eq!(
            parse("credential = A OR credential = B AND topic = C").unwrap(),
            Filter::Or(vec![
                Filter::Is(credential, vec!["A".into()]),
                Filter::And(vec![
                    Filter::Is(credential, vec!["B".into()]),
                    Filter::Is(topic, vec!["C".into()]),
                ]),
            ])
        );
    }

    #[test]
    fn the_array_form() {
        let items: serde_json::Value =
            serde_json::json!([["credential = RHIT", "credential = RHIA"], "topic = Coding"]);
        let filter = parse_filter_array(items.as_array().unwrap(), &taxonomy()).unwrap();
        let credential = kind("credential");
        assert_eq!(
            filter,
            Filter::And(vec![
                Filter::Or(vec![
                    Filter::Is(credential, vec!["RHIT".into()]),
                    Filter::Is(credential, vec!["RHIA".into()]),
                ]),
                Filter::Is(kind("topic"), vec!["Coding".into()]),
            ])
        );
        let bad = serde_json::json!([1]);
        assert!(parse_filter_array(bad.as_array().unwrap(), &taxonomy()).is_err());
    }

    #[test]
    fn errors_name_the_position() {
        let cases = [
            ("colour = red", 1, "not filterable"),
            ("credential RHIT", 12, "expected an operation"),
            ("credential = ", 14, "expected a value"),
            ("credential = RHIT AND", 22, "expected an attribute"),
            ("(credential = RHIT", 19, "`)`"),
            ("credential > 3", 12, "compares numbers"),
            ("credential = 'RHIT", 14, "never closed"),
            ("credential = RHIT topic = X", 19, "expected `AND`, `OR`"),
            ("", 1, "empty"),
            ("_geoRadius(1, 2, 3)", 1, "geo"),
            ("credential = >=", 14, "expected a value"),
            ("credential IN [a, '']", 19, "1 to 200"),
        ];
        for (text, position, message) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.position, position, "{text}: {err}");
            assert!(err.message.contains(message), "{text}: {err}");
        }
        let err = parse("credential RHIT").unwrap_err();
        assert!(
            err.to_string().ends_with("\n12:16 credential RHIT"),
            "{err}"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!(
            "{}credential = RHIT{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        assert!(parse(&deep).unwrap_err().message.contains("over 2000"));
        let nested = format!("{}credential = RHIT{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&nested)
            .unwrap_err()
            .message
            .contains("nests over 32"));
        let nots = format!("{}credential = RHIT", "NOT ".repeat(40));
        assert!(parse(&nots).unwrap_err().message.contains("nests over 32"));
        let fine = format!("{}credential = RHIT{}", "(".repeat(30), ")".repeat(30));
        assert!(parse(&fine).is_ok());
    }
}
