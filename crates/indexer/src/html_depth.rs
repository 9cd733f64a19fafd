//! The nesting budget of an HTML page, checked before it is parsed.
//!
//! html5ever's tree builder walks the stack of open elements on many start tags (closing a `<p>`
//! "in button scope" on every `<div>`, for one), so its time grows with the number of tags times
//! the nesting depth: 100k nested `<div>`s (1.1 MB) took 18 s, 200k over 110 s. Bounding the
//! depth bounds that time. Blink's parser stops nesting at 512 elements
//! (`kMaximumHTMLParserDOMTreeDepth`); pages deeper than that are not real documents, so they
//! are refused rather than parsed. The estimate is a linear scan of the tags: elements that are
//! void, self-closed, or closed implicitly by a sibling (`<p>`, `<li>`, `<td>`…) do not count,
//! so ordinary sloppy markup stays far under the limit.
//!
//! Formatting elements left open (`<b>`, `<font>`, `<a>`…) cost more than their depth: the tree
//! builder re-opens every one of them in each following block of text (the "reconstruct the
//! active formatting elements" step), so 400 of them followed by a million short paragraphs
//! build 400 million elements from an 8 MB page. They are bounded on their own.

/// Deepest element nesting an HTML page may have; deeper pages are not indexed.
pub const MAX_HTML_DEPTH: usize = 512;

/// Most formatting elements a page may leave open; more and it is not indexed.
pub const MAX_OPEN_FORMATTING: usize = 100;

/// Elements the tree builder re-opens in every later block while they are left open.
const FORMATTING: &[&[u8]] = &[
    b"a", b"b", b"big", b"code", b"em", b"font", b"i", b"nobr", b"s", b"small", b"strike",
    b"strong", b"tt", b"u",
];

/// Why `source` is over the parsing budget, if it is.
pub(crate) fn over_budget(source: &str) -> Option<String> {
    let nesting = scan(source, MAX_HTML_DEPTH, MAX_OPEN_FORMATTING)?;
    Some(match nesting {
        Nesting::Depth(depth) => format!(
            "elements nested over {depth} deep: over the {MAX_HTML_DEPTH}-element nesting budget of an HTML page"
        ),
        Nesting::Formatting(open) => format!(
            "{open} formatting elements left open: over the budget of {MAX_OPEN_FORMATTING} of an HTML page"
        ),
    })
}

/// What passed its limit first.
#[derive(Debug, PartialEq, Eq)]
enum Nesting {
    Depth(usize),
    Formatting(usize),
}

/// Elements with no content.
const VOID: &[&[u8]] = &[
    b"area",
    b"base",
    b"br",
    b"col",
    b"embed",
    b"hr",
    b"img",
    b"input",
    b"link",
    b"meta",
    b"param",
    b"source",
    b"track",
    b"wbr",
    b"keygen",
    b"basefont",
    b"bgsound",
    b"frame",
];

/// Elements that the next sibling closes, or that the parser places itself: often left open
/// by authors without any nesting.
const IMPLIED_END: &[&[u8]] = &[
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"option",
    b"optgroup",
    b"tr",
    b"td",
    b"th",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"caption",
    b"rb",
    b"rt",
    b"rtc",
    b"rp",
    b"html",
    b"head",
    b"body",
];

/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&[u8]] = &[
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"iframe",
    b"noembed",
    b"noframes",
];

/// The first limit the estimated nesting of `source` passes, if any.
fn scan(source: &str, max_depth: usize, max_formatting: usize) -> Option<Nesting> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut formatting = 0usize;
    let mut at = 0;
    while let Some(found) = memchr::memchr(b'<', &bytes[at..]) {
        let start = at + found + 1;
        if bytes[start..].starts_with(b"!--") {
            at = find(bytes, start + 3, b"-->").map_or(bytes.len(), |end| end + 3);
            continue;
        }
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            at = start;
            continue;
        }
        let name = bytes[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end =
            memchr::memchr(b'>', &bytes[name_start..]).map_or(bytes.len(), |i| name_start + i);
        at = (tag_end + 1).min(bytes.len());
        let is = |list: &[&[u8]]| list.contains(&name.as_slice());
        if is(VOID) || is(IMPLIED_END) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            if is(FORMATTING) {
                formatting = formatting.saturating_sub(1);
            }
            continue;
        }
        if bytes[..tag_end].ends_with(b"/") {
            continue;
        }
        if is(FORMATTING) {
            formatting += 1;
            if formatting > max_formatting {
                return Some(Nesting::Formatting(formatting));
            }
        }
        if is(RAW_TEXT) {
            let mut end_tag = b"</".to_vec();
            end_tag.extend_from_slice(&name);
            at = find_ignoring_case(bytes, at, &end_tag).unwrap_or(bytes.len());
            continue;
        }
        depth += 1;
        if depth > max_depth {
            return Some(Nesting::Depth(depth));
        }
    }
    None
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&bytes[from.min(bytes.len())..], needle).map(|i| from + i)
}

fn find_ignoring_case(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut at = from;
    while let Some(i) = find(bytes, at, b"</") {
        if bytes[i..]
            .get(..needle.len())
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(needle))
        {
            return Some(i);
        }
        at = i + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_over(source: &str, limit: usize) -> Option<usize> {
        match scan(source, limit, usize::MAX) {
            Some(Nesting::Depth(depth)) => Some(depth),
            _ => None,
        }
    }

    #[test]
    fn counts_nested_elements_only() {
        assert_eq!(depth_over(&"<div>".repeat(600), 512), Some(513));
        assert_eq!(depth_over(&"<div></div>".repeat(10_000), 1), None);
        assert_eq!(depth_over(&"<DIV><Span>".repeat(300), 512), Some(513));
    }

    #[test]
    fn formatting_left_open_across_paragraphs_is_bounded() {
        let bleeding: String = (0..400).map(|i| format!("<p><b id={i}>x</p>")).collect();
        let page = bleeding + &"<p>y</p>".repeat(1000);
        assert_eq!(
            scan(&page, MAX_HTML_DEPTH, 100),
            Some(Nesting::Formatting(101))
        );
        assert!(over_budget(&page)
            .unwrap()
            .contains("formatting elements left open"));
        let closed = "<p><b>bold</b> and <i>italic</i> <a href=x>link</a></p>".repeat(10_000);
        assert_eq!(over_budget(&closed), None);
    }

    #[test]
    fn sloppy_but_shallow_markup_passes() {
        let unclosed = "<p>para<li>item<td>cell<br><img src=x><hr/>".repeat(10_000);
        assert_eq!(depth_over(&unclosed, 8), None);
        let self_closed = "<div/>".repeat(10_000);
        assert_eq!(depth_over(&self_closed, 8), None);
        let comments = "<!-- <div><div><div> -->".repeat(10_000);
        assert_eq!(depth_over(&comments, 8), None);
        let script = "<script>for (i=0;i<n;i++) s+='<div>';</script>".repeat(10_000);
        assert_eq!(depth_over(&script, 8), None);
        let text = "a < b and c <= d, x<1 ".repeat(10_000);
        assert_eq!(depth_over(&text, 8), None);
    }

    #[test]
    fn a_raw_text_element_left_open_ends_the_scan() {
        assert_eq!(depth_over("<div><script><div><div><div>", 1), None);
    }
}
