//! The indexed site's own files under `/site/`, so the search page's relative result links
//! open. Only what a visitor of the site could see is served: regular files inside the site
//! directory. A path is resolved to its real location first, so a symlink that leads out of
//! the directory, a hidden file or directory (`.git`, `.env`, `.himignore`: any component
//! starting with `.`, before or after resolving) and special files (FIFOs, devices, sockets,
//! which are never opened: opening a FIFO blocks) all answer 404, the same as a missing file.
//! A directory's address without a trailing slash redirects to itself with one, always under
//! `/site/` and never to another host. The files are pages opened in a tab: they get a sandbox
//! CSP and no CORS headers (other origins have no business reading them).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

use super::{ApiError, AppState, Code};

/// Where the site is served.
pub(super) const PREFIX: &str = "/site/";

/// Policy of the indexed site's files: shown as documents, never run as scripts of this origin.
const SITE_CSP: &str =
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'";

/// Bytes escaped when a path component goes back into a `Location`.
const COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Whether `path` is answered by the site routes.
pub(super) fn is_site_path(path: &str) -> bool {
    path == "/site" || path.starts_with(PREFIX)
}

/// Routes serving `dir` read-only under `/site/`.
pub(super) fn routes(dir: &Path) -> Router<AppState> {
    let root = Arc::new(dir.to_path_buf());
    let files = get(move |request: Request| serve(Arc::clone(&root), request));
    Router::new()
        .route("/site", get(|| async { redirect(&[]) }))
        .route("/site/", files.clone())
        .route("/site/{*path}", files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SITE_CSP),
        ))
}

/// What a request under `/site/` names.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A regular file, by its real path.
    File(PathBuf),
    /// A directory.
    Directory,
}

async fn serve(root: Arc<PathBuf>, request: Request) -> Response {
    let wanted = request.uri().path().strip_prefix(PREFIX).unwrap_or("");
    let Some(components) = components(wanted) else {
        return not_found();
    };
    let as_directory = wanted.is_empty() || wanted.ends_with('/');
    let lookup = components.clone();
    let target = tokio::task::spawn_blocking(move || {
        let target = resolve(&root, &lookup)?;
        if !as_directory {
            return Some(target);
        }
        // `dir/` is the directory's index.html; a file asked for as a directory is not found.
        match target {
            Target::Directory => {
                let mut index = lookup;
                index.push("index.html".to_string());
                resolve(&root, &index).filter(|index| matches!(index, Target::File(_)))
            }
            Target::File(_) => None,
        }
    })
    .await
    .ok()
    .flatten();
    match target {
        Some(Target::File(path)) => file(path, request).await,
        Some(Target::Directory) => redirect(&components),
        None => not_found(),
    }
}

/// The decoded, non-empty components of the path after `/site/`; `None` if one is hidden
/// (starts with `.`, which includes `.` and `..`), is not UTF-8 or hides a `/` or NUL.
fn components(wanted: &str) -> Option<Vec<String>> {
    wanted
        .split('/')
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            let decoded = percent_decode_str(raw).decode_utf8().ok()?;
            let bad = decoded.starts_with('.') || decoded.contains(['/', '\0']);
            (!bad).then(|| decoded.into_owned())
        })
        .collect()
}

/// Resolves `components` under `root` to a regular file or a directory inside it, following
/// symlinks only as far as they stay inside. The root is resolved on every request, so a site
/// directory that is a symlink swapped on deploy is followed.
fn resolve(root: &Path, components: &[String]) -> Option<Target> {
    let root = root.canonicalize().ok()?;
    let path = components
        .iter()
        .fold(root.clone(), |path, component| path.join(component))
        .canonicalize()
        .ok()?;
    let inside = path.strip_prefix(&root).ok()?;
    let hidden = inside
        .components()
        .any(|c| c.as_os_str().as_encoded_bytes().starts_with(b"."));
    if hidden {
        return None;
    }
    // The path is canonical (no symlinks left), so this is the file itself; a FIFO or device
    // is refused here, before anything opens it.
    let metadata = std::fs::symlink_metadata(&path).ok()?;
    if metadata.is_file() {
        Some(Target::File(path))
    } else if metadata.is_dir() {
        Some(Target::Directory)
    } else {
        None
    }
}

/// Serves one checked file, with ranges, conditional requests and HEAD as `ServeFile` does.
async fn file(path: PathBuf, request: Request) -> Response {
    match ServeFile::new(path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// A redirect to the directory `components` with a trailing slash. Built from the decoded
/// non-empty components, the target always starts with `/site/` and never holds `//`, so no
/// request can make it a scheme-relative address to another host.
fn redirect(components: &[String]) -> Response {
    let mut location = PREFIX.to_string();
    for component in components {
        location.extend(utf8_percent_encode(component, COMPONENT));
        location.push('/');
    }
    match HeaderValue::from_str(&location) {
        Ok(location) => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    ApiError::new(Code::NotFound, "no such file").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn components_drop_empty_ones_and_refuse_hidden_ones() {
        assert_eq!(
            components("//127.0.0.1:18081"),
            Some(strings(&["127.0.0.1:18081"]))
        );
        assert_eq!(
            components("jobs//coder.html"),
            Some(strings(&["jobs", "coder.html"]))
        );
        assert_eq!(components("a%20b/"), Some(strings(&["a b"])));
        for hidden in [
            ".git/config",
            ".env",
            "docs/.himignore",
            "%2e%2e/x",
            "..",
            "a/%2Fetc",
            "a%00b",
            "%ff",
        ] {
            assert_eq!(components(hidden), None, "{hidden}");
        }
    }

    #[test]
    fn redirects_stay_under_the_prefix() {
        let location = |parts: &[&str]| {
            redirect(&strings(parts)).headers()[header::LOCATION]
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(location(&["careers"]), "/site/careers/");
        assert_eq!(location(&["127.0.0.1:18081"]), "/site/127.0.0.1:18081/");
        assert_eq!(location(&["a b", "c?d#e"]), "/site/a%20b/c%3Fd%23e/");
        assert_eq!(location(&[]), "/site/");
    }
}
