//! Sitemaps: `<urlset>` and `<sitemapindex>` documents, plain or gzip-compressed, read for
//! their `<loc>` entries with `quick-xml` (entities, CDATA, namespaces and comments handled by
//! the parser). Decompression is bounded so a gzip bomb cannot exhaust memory.

use std::io::Read;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::Reader;

/// What a sitemap lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sitemap {
    /// Page URLs (`<urlset>`).
    pub(crate) pages: Vec<String>,
    /// Further sitemaps (`<sitemapindex>`).
    pub(crate) sitemaps: Vec<String>,
}

/// Parses a sitemap body, gunzipping it first when it starts with the gzip magic bytes.
/// `max_bytes` bounds the decompressed size.
pub(crate) fn parse(body: &[u8], max_bytes: u64) -> Result<Sitemap, String> {
    let text = if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(body)
            .take(max_bytes + 1)
            .read_to_end(&mut out)
            .map_err(|err| format!("bad gzip: {err}"))?;
        if out.len() as u64 > max_bytes {
            return Err(format!("over {max_bytes} bytes once decompressed"));
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    read_locs(&text).map_err(|err| format!("bad XML: {err}"))
}

/// The `<loc>` entries of a sitemap document, filed by its root element (namespaces ignored):
/// `<sitemapindex>` lists sitemaps, anything else pages.
fn read_locs(text: &str) -> Result<Sitemap, quick_xml::Error> {
    let mut reader = Reader::from_str(text);
    let mut sitemap = Sitemap::default();
    let mut is_index = None;
    // Text of the `<loc>` being read, if inside one.
    let mut loc: Option<String> = None;
    loop {
        match reader.read_event()? {
            Event::Start(element) => {
                let name = element.local_name();
                if is_index.is_none() {
                    is_index = Some(name.as_ref() == "sitemapindex");
                }
                if name.as_ref() == "loc" {
                    loc = Some(String::new());
                }
            }
            Event::Text(text) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(entity) => {
                if let Some(loc) = loc.as_mut() {
                    let name = entity.xml10_content();
                    match resolve_predefined_entity(&name) {
                        Some(resolved) => loc.push_str(resolved),
                        None => {
                            if let Ok(Some(c)) = entity.resolve_char_ref() {
                                loc.push(c);
                            }
                        }
                    }
                }
            }
            Event::CData(data) => {
                if let Some(loc) = loc.as_mut() {
                    loc.push_str(&data.xml10_content());
                }
            }
            Event::End(element) if element.local_name().as_ref() == "loc" => {
                let url = loc.take().unwrap_or_default().trim().to_string();
                if url.is_empty() {
                    continue;
                }
                if is_index == Some(true) {
                    sitemap.sitemaps.push(url);
                } else {
                    sitemap.pages.push(url);
                }
            }
            Event::Eof => return Ok(sitemap),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn urlset_and_index() {
        let urlset =
            "<?xml version='1.0'?><urlset><url><loc> https://e.org/a?x=1&amp;y=2 </loc></url>\
                      <url><loc><![CDATA[https://e.org/b]]></loc></url></urlset>";
        assert_eq!(
            parse(urlset.as_bytes(), 1 << 20).unwrap().pages,
            vec!["https://e.org/a?x=1&y=2", "https://e.org/b"]
        );
        let index =
            "<sitemapindex><sitemap><loc>https://e.org/s1.xml.gz</loc></sitemap></sitemapindex>";
        let parsed = parse(index.as_bytes(), 1 << 20).unwrap();
        assert_eq!(parsed.sitemaps, vec!["https://e.org/s1.xml.gz"]);
        assert!(parsed.pages.is_empty());
    }

    #[test]
    fn namespaces_comments_and_character_references() {
        let urlset = "<?xml version='1.0'?><!-- <loc>https://e.org/commented</loc> -->\
            <sm:urlset xmlns:sm='http://www.sitemaps.org/schemas/sitemap/0.9'>\
            <sm:url><sm:loc>https://e.org/caf&#233;?a=1&amp;b=2</sm:loc></sm:url></sm:urlset>";
        assert_eq!(
            parse(urlset.as_bytes(), 1 << 20).unwrap().pages,
            vec!["https://e.org/caf\u{e9}?a=1&b=2"]
        );
        assert!(parse(b"<urlset><loc>x</urlset>", 1 << 20)
            .unwrap_err()
            .contains("bad XML"));
    }

    #[test]
    fn gzip_is_bounded() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(
            format!(
                "<urlset><url><loc>https://e.org/</loc></url>{}</urlset>",
                " ".repeat(5000)
            )
            .as_bytes(),
        )
        .unwrap();
        let body = gz.finish().unwrap();
        assert_eq!(parse(&body, 1 << 20).unwrap().pages, vec!["https://e.org/"]);
        assert!(parse(&body, 1000).unwrap_err().contains("decompressed"));
    }
}
