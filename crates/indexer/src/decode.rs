//! Bytes to text: BOM, declared charset, UTF-8 sniffing, windows-1252 fallback.

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// Text decoded from a file, with how the encoding was chosen.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) text: String,
    /// Set when no encoding was declared and the bytes were not UTF-8, so windows-1252 was
    /// assumed: worth a warning, since the guess may be wrong.
    pub(crate) guessed: Option<&'static str>,
    /// Set when the declared encoding did not fit every byte (replacement characters used).
    pub(crate) had_errors: bool,
}

/// How many leading bytes are searched for a `<meta charset>`, as browsers do (HTML spec
/// "prescan" reads 1024; real pages put long scripts first, so we look a little further).
const PRESCAN_BYTES: usize = 4096;

/// Decodes an HTML document.
pub(crate) fn decode_html(bytes: &[u8]) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = declared_charset(&bytes[..bytes.len().min(PRESCAN_BYTES)]) {
        // The HTML spec maps a UTF-16 declaration in an ASCII-compatible prescan to UTF-8.
        let encoding = if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
            UTF_8
        } else {
            encoding
        };
        return decode_with(encoding, bytes);
    }
    sniff(bytes)
}

/// Decodes a plain text or Markdown file.
pub(crate) fn decode_text(bytes: &[u8]) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    sniff(bytes)
}

/// True when the bytes look binary: a NUL in the first 8 KiB (after any UTF-16 BOM, whose
/// text legitimately has NULs).
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        if encoding != UTF_8 {
            return false;
        }
    }
    bytes[..bytes.len().min(8192)].contains(&0)
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> Decoded {
    let (text, _, had_errors) = encoding.decode(bytes);
    Decoded {
        text: text.into_owned(),
        guessed: None,
        had_errors,
    }
}

fn sniff(bytes: &[u8]) -> Decoded {
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: text.to_string(),
            guessed: None,
            had_errors: false,
        },
        Err(_) => {
            let (text, _, _) = WINDOWS_1252.decode(bytes);
            Decoded {
                text: text.into_owned(),
                guessed: Some(WINDOWS_1252.name()),
                had_errors: false,
            }
        }
    }
}

/// Finds `charset=` in `<meta charset=...>` or `<meta http-equiv content="...; charset=...">`.
fn declared_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(found) = find(&lower[from..], b"<meta") {
        let start = from + found;
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(pos) = find(tag, b"charset") {
            let rest = &tag[pos + b"charset".len()..];
            let rest = trim_start(rest);
            if let Some(rest) = rest.strip_prefix(b"=") {
                let rest = trim_start(rest);
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                let label_end = rest
                    .iter()
                    .position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>'))
                    .unwrap_or(rest.len());
                if let Some(encoding) = Encoding::for_label(&rest[..label_end]) {
                    return Some(encoding);
                }
            }
        }
        from = end;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[skip..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_windows_1252_decodes_accents() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><body>r\xe9sum\xe9</body>";
        let decoded = decode_html(page);
        assert!(decoded.text.contains("résumé"));
        assert!(decoded.guessed.is_none());
    }

    #[test]
    fn http_equiv_charset_is_honoured() {
        let page =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">caf\xe9";
        assert!(decode_html(page).text.contains("café"));
    }

    #[test]
    fn undeclared_non_utf8_falls_back_to_windows_1252() {
        let decoded = decode_html(b"<p>na\xefve \x93quotes\x94</p>");
        assert!(decoded.text.contains("naïve “quotes”"));
        assert_eq!(decoded.guessed, Some("windows-1252"));
    }

    #[test]
    fn utf8_bom_and_utf16_bom() {
        assert_eq!(decode_text(b"\xef\xbb\xbfhi").text, "hi");
        let utf16: Vec<u8> = [0xff, 0xfe, b'h', 0, b'i', 0].to_vec();
        assert!(!looks_binary(&utf16));
        assert_eq!(decode_text(&utf16).text, "hi");
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert!(looks_binary(b"\x89PNG\r\n\x1a\n\0\0\0"));
        assert!(!looks_binary(b"plain text"));
    }
}
