//! Sitemaps: `<urlset>` and `<sitemapindex>` documents, plain or gzip-compressed, read for
//! their `<loc>` entries. Decompression is bounded so a gzip bomb cannot exhaust memory.

use std::io::Read;

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
    let is_index = text.contains("<sitemapindex");
    let mut sitemap = Sitemap::default();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<loc>") {
        rest = &rest[start + 5..];
        let Some(end) = rest.find("</loc>") else {
            break;
        };
        let loc = unescape(rest[..end].trim());
        rest = &rest[end + 6..];
        if loc.is_empty() {
            continue;
        }
        if is_index {
            sitemap.sitemaps.push(loc);
        } else {
            sitemap.pages.push(loc);
        }
    }
    Ok(sitemap)
}

fn unescape(text: &str) -> String {
    let text = text
        .strip_prefix("<![CDATA[")
        .and_then(|t| t.strip_suffix("]]>"))
        .unwrap_or(text);
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
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
