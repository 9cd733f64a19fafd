//! What a source file says, independent of its format: the output of the HTML, PDF and text
//! extractors and the input of facet assignment and document building.

/// Text and metadata extracted from one file.
#[derive(Debug, Default, Clone)]
pub(crate) struct Extracted {
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) headings: Vec<String>,
    pub(crate) body: String,
    /// Text of `data-him-weight` sections, already repeated by weight.
    pub(crate) emphasis: String,
    /// The text of the main content's links, one per line: a value named only there is a
    /// reference to another page ("see CTR vs RHIT"), not what this page says.
    pub(crate) link_text: String,
    /// Link targets as written (`href` values), not yet resolved.
    pub(crate) links: Vec<String>,
    pub(crate) lang: Option<String>,
    pub(crate) noindex: bool,
    pub(crate) nofollow: bool,
    pub(crate) canonical: Option<String>,
    /// Values of `<meta name="him:KIND">` by kind name as written: they replace extraction for
    /// that kind. Facet assignment resolves the names against the taxonomy.
    pub(crate) meta_facets: Vec<(String, Vec<String>)>,
    /// Values of `data-him-facet="kind:value"` by kind name as written: they add to extraction.
    pub(crate) attr_facets: Vec<(String, String)>,
    /// Things worth a warning that did not stop extraction.
    pub(crate) warnings: Vec<String>,
}

impl Extracted {
    /// Title, headings and description: where a mention says what the page is about.
    pub(crate) fn prominent_text(&self) -> String {
        let mut text = String::with_capacity(256);
        text.push_str(&self.title);
        text.push('\n');
        text.push_str(&self.headings_and_description());
        text
    }

    /// The prominent text but for the title.
    pub(crate) fn headings_and_description(&self) -> String {
        let mut text = String::with_capacity(256);
        for heading in &self.headings {
            text.push_str(heading);
            text.push('\n');
        }
        text.push_str(&self.description);
        text
    }
}

/// Collapses runs of whitespace to one space and trims.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Cuts `text` to at most `max` characters at a word boundary.
pub(crate) fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(pos) if pos > max / 2 => cut[..pos].to_string(),
        _ => cut,
    }
}
