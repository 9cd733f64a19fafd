//! Builds the corpus's PDF resources from plain-text sources, byte for byte reproducibly: no
//! timestamps, no IDs, fixed fonts and layout. A minimal PDF writer is enough because the
//! sources are plain ASCII text: one standard Helvetica font, lines wrapped at a fixed width.
//!
//! ```
//! let pdf = him_corpus_tools::render_pdf("Title\nSome text.");
//! assert!(pdf.starts_with(b"%PDF-1.4"));
//! ```
#![deny(missing_docs)]

/// Characters per line before wrapping (Helvetica 11pt fits about 95 on a letter page).
const WRAP: usize = 90;
/// Lines per page.
const LINES_PER_PAGE: usize = 50;

/// Renders `text` (first line is the title, in bold) as a PDF.
pub fn render_pdf(text: &str) -> Vec<u8> {
    let lines = wrap_lines(text);
    let pages: Vec<&[(bool, String)]> = lines.chunks(LINES_PER_PAGE).collect();
    let page_count = pages.len().max(1);
    // Objects: 1 catalog, 2 pages, 3 regular font, 4 bold font, then (page, content) pairs.
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        String::new(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_string(),
    ];
    let mut kids = Vec::new();
    for page in pages
        .iter()
        .copied()
        .chain((page_count > pages.len()).then_some(&[][..]))
    {
        let page_id = objects.len() + 1;
        kids.push(format!("{page_id} 0 R"));
        let mut content = String::from("BT 14 TL 72 740 Td\n");
        for (bold, line) in page {
            let font = if *bold { "/F2 13" } else { "/F1 11" };
            content.push_str(&format!("{font} Tf ({}) Tj T*\n", escape(line)));
        }
        content.push_str("ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>",
            page_id + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        kids.len()
    );

    let objects: Vec<Vec<u8>> = objects.into_iter().map(String::into_bytes).collect();
    assemble_pdf(&objects)
}

/// A PDF file of `objects` (object 1 is the catalog), numbered from 1, with its cross-reference
/// table and trailer. Objects are bytes so that a stream may hold binary data.
pub fn assemble_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// Wraps text into (is_title, line) pairs; the first non-empty line is the title.
fn wrap_lines(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut title_done = false;
    for raw in text.lines() {
        let raw = raw.trim_end();
        if raw.is_empty() {
            out.push((false, String::new()));
            continue;
        }
        let is_title = !title_done;
        title_done = true;
        let indent: String = raw.chars().take_while(|c| *c == ' ').collect();
        let mut line = String::new();
        for word in raw.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > WRAP {
                out.push((is_title, std::mem::take(&mut line)));
                line.push_str(&indent);
                line.push_str("  ");
            } else if !line.is_empty() {
                line.push(' ');
            } else {
                line.push_str(&indent);
            }
            line.push_str(word);
        }
        out.push((is_title, line));
    }
    out
}

/// Escapes a line for a PDF string; non-ASCII is replaced (sources are ASCII by convention).
fn escape(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '(' => "\\(".to_string(),
            ')' => "\\)".to_string(),
            '\\' => "\\\\".to_string(),
            c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
            _ => "?".to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_long_lines_and_marks_the_title() {
        let lines = wrap_lines(&format!("Title\n{}", "word ".repeat(40)));
        assert_eq!(lines[0], (true, "Title".to_string()));
        assert!(lines.len() >= 3);
        assert!(lines.iter().all(|(_, l)| l.len() <= WRAP + 4));
    }

    #[test]
    fn same_input_same_bytes() {
        assert_eq!(render_pdf("A\nb (c) \\ d"), render_pdf("A\nb (c) \\ d"));
    }

    #[test]
    fn many_lines_make_many_pages() {
        let text = "Title\n".to_string() + &"line\n".repeat(120);
        let pdf = String::from_utf8(render_pdf(&text)).unwrap();
        assert!(pdf.contains("/Count 3"), "{}", &pdf[..200]);
    }
}
