//! The parameters of a search, sent as a URL query string (`GET /api/search`) or as a JSON body
//! (`POST /api/search`). Both are read into one list of (name, value) pairs and interpreted by
//! [`search_request`] alone, so the two routes accept the same names, apply the same defaults and
//! answer the same errors. The only differences are the encodings' own: a JSON body is typed
//! (`q` a string, `page` a number, `explain` a boolean, a facet a string or a list), and a name
//! the API does not know is an error in a body (a typo in a client's code) but ignored in a URL
//! (cache busters, analytics tags).

use him_schema::Taxonomy;
use serde_json::{Map, Value};

use super::{ApiError, Code};
use crate::SearchRequest;

/// What to do with a parameter that names nothing the API knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unknown {
    Ignore,
    Reject,
}

/// Parses `q`, filters (one parameter per facet kind of `taxonomy`, named by its key; they
/// repeat), `page`, `per_page`, `explain` from a query string (unknown parameters are ignored):
/// what `GET /api/search` does with its URL.
pub fn parse_search_params(raw: &str, taxonomy: &Taxonomy) -> Result<SearchRequest, ApiError> {
    let pairs = url::form_urlencoded::parse(raw.as_bytes())
        .map(|(key, value)| (key.into_owned(), value.into_owned()));
    search_request(pairs, taxonomy, Unknown::Ignore)
}

/// Parses the JSON body of `POST /api/search`: an object with the same names as the query
/// string (`{"q": "rhit", "credential": ["RHIT", "RHIA"], "page": 2}`). A name that is neither
/// a parameter nor a facet kind answers `unknown_facet`, naming the kinds.
pub(super) fn parse_search_body(
    body: &[u8],
    taxonomy: &Taxonomy,
) -> Result<SearchRequest, ApiError> {
    let object: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|err| malformed(format!("the body is not a JSON object: {err}")))?;
    let mut pairs = Vec::with_capacity(object.len());
    for (key, value) in object {
        let scalar = matches!(key.as_str(), "q" | "page" | "per_page" | "explain");
        match value {
            Value::Null => {}
            Value::String(text) if key != "page" && key != "per_page" && key != "explain" => {
                pairs.push((key, text));
            }
            Value::Number(number) if key == "page" || key == "per_page" => {
                pairs.push((key, number.to_string()));
            }
            Value::Bool(flag) if key == "explain" => pairs.push((key, flag.to_string())),
            Value::Array(values) if !scalar => {
                for value in values {
                    let Value::String(text) = value else {
                        return Err(malformed(format!("{key}: values must be strings")));
                    };
                    pairs.push((key.clone(), text));
                }
            }
            other => {
                return Err(malformed(format!(
                    "{key}: unexpected {}",
                    json_type_name(&other)
                )))
            }
        }
    }
    search_request(pairs.into_iter(), taxonomy, Unknown::Reject)
}

/// The request the pairs describe, whichever encoding they came in.
fn search_request(
    pairs: impl Iterator<Item = (String, String)>,
    taxonomy: &Taxonomy,
    unknown: Unknown,
) -> Result<SearchRequest, ApiError> {
    let mut request = SearchRequest::new("");
    for (key, value) in pairs {
        match key.as_str() {
            "q" => request.query = value,
            "page" => request.page = parse_number("page", &value)?,
            "per_page" => request.per_page = parse_number("per_page", &value)?,
            "explain" => request.explain = parse_bool("explain", &value)?,
            other => match taxonomy.kind_keyed(other) {
                Some(kind) => request = request.filter_kind(kind, value),
                None if unknown == Unknown::Reject => {
                    return Err(crate::Error::unknown_facet(other, taxonomy).into())
                }
                None => {}
            },
        }
    }
    Ok(request)
}

/// A positive whole number (`page`, `per_page`, `limit`).
pub(super) fn parse_number(name: &str, value: &str) -> Result<usize, ApiError> {
    value.trim().parse().map_err(|_| {
        ApiError::new(
            Code::InvalidParameter,
            format!("{name} must be a positive whole number"),
        )
    })
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::new(
            Code::InvalidParameter,
            format!("{name} must be true or false"),
        )),
    }
}

fn malformed(message: String) -> ApiError {
    ApiError::new(Code::MalformedJson, message)
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> Result<SearchRequest, ApiError> {
        parse_search_params(raw, &Taxonomy::builtin().unwrap())
    }

    fn body(raw: &[u8]) -> Result<SearchRequest, ApiError> {
        parse_search_body(raw, &Taxonomy::builtin().unwrap())
    }

    #[test]
    fn a_query_string_and_a_body_give_the_same_request() {
        let from_url =
            url("q=rhit+exam&credential=RHIT&credential=rhia&page=2&per_page=5&explain=1&utm=x")
                .unwrap();
        let from_body = body(
            br#"{"q": "rhit exam", "credential": ["RHIT", "rhia"], "page": 2, "per_page": 5, "explain": true}"#,
        )
        .unwrap();
        assert_eq!(from_url, from_body);
        let one = body(br#"{"q": "x", "topic": "Coding", "job_title": null}"#).unwrap();
        assert_eq!(one, url("q=x&topic=Coding").unwrap());
    }

    #[test]
    fn both_encodings_answer_the_same_errors_for_the_same_values() {
        let code = |result: Result<SearchRequest, ApiError>| result.unwrap_err().code();
        assert_eq!(code(url("page=-1")), Code::InvalidParameter);
        assert_eq!(code(body(br#"{"page": -1}"#)), Code::InvalidParameter);
        assert_eq!(code(url("page=1.5")), Code::InvalidParameter);
        assert_eq!(code(body(br#"{"page": 1.5}"#)), Code::InvalidParameter);
        for bad in [
            &br#"{"q": 5}"#[..],
            br#"{"explain": "yes"}"#,
            br#"{"credential": [1]}"#,
            br#"{"page": "2"}"#,
            br#"[1]"#,
            b"{not json",
        ] {
            assert_eq!(
                code(body(bad)),
                Code::MalformedJson,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // A body naming a field that is no facet kind is told the kinds; a URL ignores names
        // it does not know (cache busters, analytics tags).
        let err = body(br#"{"colour": "red"}"#).unwrap_err();
        assert_eq!(err.code(), Code::UnknownFacet);
        assert!(err.message().contains("job_title"), "{}", err.message());
        assert_eq!(url("colour=red").unwrap(), SearchRequest::new(""));
    }
}
