//! One HTTP exchange, without following redirects (the crawler decides about each hop):
//! conditional headers, retries with backoff on 5xx and timeouts, a body size limit enforced
//! while streaming (a body over it is refused, or cut, as the caller asks).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::{
    HeaderMap, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION,
};
use reqwest::{Client, StatusCode};
use url::Url;

use crate::report::FailureKind;
use crate::state::PageState;
use crate::CrawlOptions;

/// The answer to one URL.
#[derive(Debug)]
pub(crate) enum Answer {
    /// A 2xx with its body.
    Body {
        content_type: String,
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// `X-Robots-Tag` value.
        robots_tag: Option<String>,
    },
    /// 304.
    NotModified,
    /// 3xx with a usable `Location`.
    Redirect { status: u16, location: Url },
    /// Any other status, after retries for 5xx.
    Status(u16),
    /// A 2xx in a format not wanted.
    Unsupported(String),
    /// No usable answer.
    Failed(FailureKind, String),
}

/// What to do with a body longer than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// Fail with [`FailureKind::TooLarge`] (pages: half a page is not the page).
    Refuse(u64),
    /// Keep the first bytes and stop reading (robots.txt: only its beginning counts).
    /// The caller sees a cut body as one of exactly this many bytes.
    Cut(u64),
}

impl Limit {
    fn bytes(self) -> u64 {
        match self {
            Limit::Refuse(max) | Limit::Cut(max) => max,
        }
    }
}

/// Per-origin politeness: every request, retries included, waits for its origin's slot, and
/// slots are `delay` apart (the larger of `--delay-ms` and robots.txt's `Crawl-delay`).
#[derive(Debug)]
pub(crate) struct Politeness {
    default_delay: Duration,
    /// Per origin: (delay, when the next request may start).
    slots: Mutex<HashMap<String, (Duration, Instant)>>,
}

impl Politeness {
    pub(crate) fn new(default_delay: Duration) -> Politeness {
        Politeness {
            default_delay,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// Raises the delay of `origin` (robots.txt `Crawl-delay`), counting from now.
    pub(crate) fn set_delay(&self, origin: &str, delay: Duration) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let delay = delay.max(self.default_delay);
        let earliest = Instant::now() + delay;
        let slot = slots.entry(origin.to_string()).or_insert((delay, earliest));
        *slot = (delay, slot.1.max(earliest));
    }

    /// Waits for the next slot of `url`'s origin.
    pub(crate) async fn wait(&self, url: &Url) {
        let key = origin(url);
        let start = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let (delay, next) = slots
                .get(&key)
                .copied()
                .unwrap_or((self.default_delay, now));
            let start = next.max(now);
            slots.insert(key, (delay, start + delay));
            start
        };
        tokio::time::sleep_until(start.into()).await;
    }
}

/// `scheme://host:port/` of a URL: the unit of scope and politeness.
pub(crate) fn origin(url: &Url) -> String {
    format!(
        "{}://{}:{}/",
        url.scheme(),
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// Builds the client: no automatic redirects, our user agent, time limits.
pub(crate) fn client(options: &CrawlOptions) -> reqwest::Result<Client> {
    Client::builder()
        .user_agent(options.user_agent.clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .connect_timeout(options.connect_timeout)
        .pool_max_idle_per_host(options.concurrency.max(1))
        .build()
}

/// Fetches `url`, retrying 5xx and timeouts. `validators` make the request conditional;
/// `accept` says which content types are wanted (others are answered `Unsupported` without
/// reading the body); `limit` bounds the body.
pub(crate) async fn fetch(
    client: &Client,
    options: &CrawlOptions,
    politeness: &Politeness,
    url: &Url,
    validators: Option<&PageState>,
    accept: fn(&str) -> bool,
    limit: Limit,
) -> Answer {
    let mut attempt = 0;
    loop {
        politeness.wait(url).await;
        let answer = fetch_once(client, url, validators, accept, limit).await;
        let retry = match &answer {
            Answer::Status(status) => *status >= 500,
            Answer::Failed(FailureKind::Timeout | FailureKind::Network, _) => true,
            _ => false,
        };
        if !retry || attempt >= options.retries {
            return answer;
        }
        let pause = options.retry_backoff.saturating_mul(1 << attempt.min(10));
        tokio::time::sleep(pause.min(Duration::from_secs(60))).await;
        attempt += 1;
    }
}

async fn fetch_once(
    client: &Client,
    url: &Url,
    validators: Option<&PageState>,
    accept: fn(&str) -> bool,
    limit: Limit,
) -> Answer {
    let mut request = client.get(url.clone());
    if let Some(state) = validators {
        if let Some(etag) = &state.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &state.last_modified {
            request = request.header(IF_MODIFIED_SINCE, modified);
        }
    }
    let mut response = match request.send().await {
        Ok(response) => response,
        Err(err) => return transport_failure(&err),
    };
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Answer::NotModified;
    }
    if status.is_redirection() {
        let location = header(response.headers(), LOCATION).and_then(|l| url.join(&l).ok());
        return match location {
            Some(location) => Answer::Redirect {
                status: status.as_u16(),
                location,
            },
            None => Answer::Status(status.as_u16()),
        };
    }
    if !status.is_success() {
        return Answer::Status(status.as_u16());
    }
    let headers = response.headers().clone();
    let content_type = header(&headers, CONTENT_TYPE).unwrap_or_default();
    if !accept(&content_type) {
        return Answer::Unsupported(if content_type.is_empty() {
            "no content type".to_string()
        } else {
            content_type
        });
    }
    let declared = header(&headers, CONTENT_LENGTH).and_then(|l| l.parse::<u64>().ok());
    if let Limit::Refuse(max) = limit {
        if declared.is_some_and(|len| len > max) {
            return too_large(max);
        }
    }
    let bytes = match read_body(&mut response, limit, declared).await {
        Ok(bytes) => bytes,
        Err(answer) => return answer,
    };
    Answer::Body {
        content_type,
        bytes,
        etag: header(&headers, ETAG),
        last_modified: header(&headers, LAST_MODIFIED),
        robots_tag: header(&headers, "x-robots-tag"),
    }
}

/// Streams the body within `limit`; `declared` is its `Content-Length`, if any.
async fn read_body(
    response: &mut reqwest::Response,
    limit: Limit,
    declared: Option<u64>,
) -> Result<Vec<u8>, Answer> {
    let max = limit.bytes();
    // Sized once when the length is known: growing by doubling would briefly hold a large
    // page twice. Never past the limit, whatever the header claims.
    let expected = declared.map_or(0, |len| len.min(max));
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Ok(bytes),
            Err(err) => return Err(transport_failure(&err)),
        };
        let room = usize::try_from(max - bytes.len() as u64).unwrap_or(usize::MAX);
        if chunk.len() > room {
            return match limit {
                Limit::Refuse(max) => Err(too_large(max)),
                Limit::Cut(_) => {
                    bytes.extend_from_slice(&chunk[..room]);
                    Ok(bytes)
                }
            };
        }
        bytes.extend_from_slice(&chunk);
    }
}

fn too_large(max: u64) -> Answer {
    Answer::Failed(
        FailureKind::TooLarge,
        format!("body over the {max}-byte limit"),
    )
}

fn transport_failure(err: &reqwest::Error) -> Answer {
    if err.is_timeout() {
        Answer::Failed(
            FailureKind::Timeout,
            "no answer within the time limit".into(),
        )
    } else {
        // The chain of sources says what actually happened (refused, reset, DNS...).
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        Answer::Failed(FailureKind::Network, message)
    }
}

fn header(headers: &HeaderMap, name: impl reqwest::header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}
