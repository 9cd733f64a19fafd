//! What a crawl remembers between runs, in `crawl-state.json` beside the index: the settings
//! (for `serve --recrawl-every`) and, per page, its validators (ETag, Last-Modified) for
//! conditional requests and its links (a 304 has no body to find them in).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::options::SavedCrawl;
use crate::{Error, Result};

/// File name inside the index directory.
pub const STATE_FILE: &str = "crawl-state.json";

/// Validators and links of one page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageState {
    /// `ETag` of the last 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `Last-Modified` of the last 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// In-scope links found on it (normalized), followed again after a 304.
    #[serde(default)]
    pub links: Vec<String>,
}

/// The whole file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CrawlState {
    /// Settings of the last crawl.
    pub crawl: Option<SavedCrawl>,
    /// Per normalized URL.
    pub pages: BTreeMap<String, PageState>,
}

impl CrawlState {
    fn path(index: &Path) -> PathBuf {
        index.join(STATE_FILE)
    }

    /// The state saved with the index at `index`; empty when there is none or it is unreadable
    /// (it only saves bandwidth: losing it costs a full fetch, never correctness).
    pub fn load(index: &Path) -> CrawlState {
        std::fs::read(CrawlState::path(index))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Saves atomically (temp file, then rename), after the index commit it describes.
    pub fn save(&self, index: &Path) -> Result<()> {
        let path = CrawlState::path(index);
        let temp = index.join(format!(".{STATE_FILE}.tmp"));
        let bytes = serde_json::to_vec_pretty(self).map_err(|err| Error::State(err.to_string()))?;
        std::fs::write(&temp, bytes).map_err(|err| Error::State(err.to_string()))?;
        std::fs::rename(&temp, &path).map_err(|err| Error::State(err.to_string()))
    }
}
