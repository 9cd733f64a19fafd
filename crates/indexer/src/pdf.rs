//! PDF to [`Extracted`] with `pdf-extract` (pure Rust); the text is then read like a plain
//! text file (first line is the title).
//!
//! A PDF is untrusted input that can cost unbounded memory: a 2.5 MB file whose content stream
//! inflates to 1 GiB made `pdf-extract` allocate past 6 GB and abort the whole process. Neither
//! `lopdf` nor `pdf-extract` can bound what they inflate, so PDFs are extracted the way Xapian's
//! omindex runs its filters: in a child process ([`PdfExtractor::ChildProcess`]) that limits its
//! own address space and CPU time ([`pdf_child_main`]), with a wall-clock deadline and a cap on
//! the text read back enforced by the parent. A child that dies or runs out of time costs one
//! file, reported as over budget; the run goes on. In-process extraction is for callers that
//! trust their PDFs (tests, tools): it still catches the parser's panics and caps the text.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::extract::Extracted;
use crate::plain::extract_text;
use crate::ProblemKind;

/// Address space one PDF extraction may use (the child's `RLIMIT_AS`).
pub const PDF_MEMORY_BUDGET: u64 = 1 << 30;

/// CPU time one PDF extraction may use (the child's `RLIMIT_CPU`); the parent gives it twice
/// that in wall-clock time before killing it.
pub const PDF_TIME_BUDGET: Duration = Duration::from_secs(30);

/// Most text kept from one PDF; the rest is dropped with a warning.
pub const MAX_PDF_TEXT: usize = 8 << 20;

/// Where PDFs are turned into text.
#[derive(Debug, Clone, Default)]
pub enum PdfExtractor {
    /// In this process: for PDFs you trust. A decompression bomb can exhaust this process's
    /// memory.
    #[default]
    InProcess,
    /// In a child process: `program args…` must call [`pdf_child_main`], which reads the PDF on
    /// standard input and writes its text on standard output under the budgets above. The
    /// `himsearch` binary does so as `himsearch extract-pdf`.
    ChildProcess {
        /// The program to run.
        program: PathBuf,
        /// Its arguments.
        args: Vec<OsString>,
    },
}

/// Extracts the text of a PDF; the first line is the title.
pub(crate) fn extract_pdf(
    extractor: &PdfExtractor,
    bytes: &[u8],
) -> Result<Extracted, (ProblemKind, String)> {
    let text = match extractor {
        PdfExtractor::InProcess => {
            pdf_text(bytes).map_err(|message| (ProblemKind::ParseError, message))?
        }
        PdfExtractor::ChildProcess { program, args } => extract_in_child(program, args, bytes)?,
    };
    let truncated = text.len() > MAX_PDF_TEXT;
    let mut page = extract_text(cut_at_char(&text, MAX_PDF_TEXT));
    if truncated {
        page.warnings.push(format!(
            "text cut at the {} MiB limit of text kept from one PDF",
            MAX_PDF_TEXT >> 20
        ));
    }
    Ok(page)
}

/// The text of a PDF, extracted in this process. The parser panics on some broken files: a
/// panic is an error here, never a crash.
pub fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }))
    .map_err(|_| "PDF parser failed on this file".to_string())?
    .map_err(|err| format!("cannot read PDF: {err}"))
}

/// The child side of [`PdfExtractor::ChildProcess`]: limits this process to
/// [`PDF_MEMORY_BUDGET`] of address space and [`PDF_TIME_BUDGET`] of CPU, reads a PDF from
/// standard input, writes at most [`MAX_PDF_TEXT`] + 1 bytes of its text to standard output.
/// Returns the exit code: 0 on success, 1 when the PDF cannot be read (the reason on standard
/// error). A PDF over budget kills the process (`SIGABRT` on a failed allocation, `SIGXCPU`).
pub fn pdf_child_main() -> i32 {
    if let Err(err) = limit_this_process() {
        eprintln!("cannot set the extraction budget: {err}");
        return 1;
    }
    let mut bytes = Vec::new();
    if let Err(err) = std::io::stdin().lock().read_to_end(&mut bytes) {
        eprintln!("cannot read the PDF: {err}");
        return 1;
    }
    match pdf_text(&bytes) {
        Ok(text) => {
            let kept = cut_at_char(&text, MAX_PDF_TEXT + 1);
            let mut out = std::io::stdout().lock();
            // The parent stops reading at the cap; a broken pipe then is not an error.
            let _ = out.write_all(kept.as_bytes()).and_then(|()| out.flush());
            0
        }
        Err(message) => {
            eprintln!("{message}");
            1
        }
    }
}

#[cfg(unix)]
fn limit_this_process() -> std::io::Result<()> {
    use rlimit::Resource;
    let lower = |resource: Resource, want: u64| -> std::io::Result<()> {
        let (_, hard) = resource.get()?;
        let value = want.min(hard);
        resource.set(value, value)
    };
    lower(Resource::AS, PDF_MEMORY_BUDGET)?;
    lower(Resource::CPU, PDF_TIME_BUDGET.as_secs())
}

#[cfg(not(unix))]
fn limit_this_process() -> std::io::Result<()> {
    Ok(())
}

/// Runs the extractor child on `bytes` and reads back its text, under the wall-clock deadline.
fn extract_in_child(
    program: &PathBuf,
    args: &[OsString],
    bytes: &[u8],
) -> Result<String, (ProblemKind, String)> {
    let spawn_failed = |err: std::io::Error| {
        (
            ProblemKind::ParseError,
            format!(
                "cannot start the PDF extractor {}: {err}",
                program.display()
            ),
        )
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_failed)?;
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (status, text, errors) = std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(mut stdin) = stdin {
                // A child that dies early closes the pipe: its exit status says why.
                let _ = stdin.write_all(bytes);
            }
        });
        let text = scope.spawn(move || read_capped(stdout, MAX_PDF_TEXT as u64 + 1));
        let errors = scope.spawn(move || read_capped(stderr, 2048));
        let status = wait_until(&mut child, Instant::now() + 2 * PDF_TIME_BUDGET);
        let join = |h: std::thread::ScopedJoinHandle<'_, Vec<u8>>| h.join().unwrap_or_default();
        (status, join(text), join(errors))
    });
    match status {
        Ok(Some(status)) if status.success() => Ok(String::from_utf8_lossy(&text).into_owned()),
        Ok(Some(status)) => Err(child_failure(status, &errors)),
        Ok(None) => Err((
            ProblemKind::OverBudget,
            format!(
                "PDF extraction ran over its {} s time budget and was stopped",
                2 * PDF_TIME_BUDGET.as_secs()
            ),
        )),
        Err(err) => Err((
            ProblemKind::ParseError,
            format!("cannot wait for the PDF extractor: {err}"),
        )),
    }
}

/// Why a child that did not succeed failed: killed (over budget) or refused the file.
fn child_failure(status: ExitStatus, errors: &[u8]) -> (ProblemKind, String) {
    let said = String::from_utf8_lossy(errors);
    let said = said
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if status.code().is_none() {
        return (
            ProblemKind::OverBudget,
            format!(
                "PDF extraction was stopped ({}): the file needs more than the {} MiB memory or {} s CPU budget of one PDF",
                describe_signal(status),
                PDF_MEMORY_BUDGET >> 20,
                PDF_TIME_BUDGET.as_secs()
            ),
        );
    }
    let message = if said.is_empty() {
        format!("PDF extractor failed ({status})")
    } else {
        said.to_string()
    };
    (ProblemKind::ParseError, message)
}

#[cfg(unix)]
fn describe_signal(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(6) => "out of memory, SIGABRT".to_string(),
        Some(9) => "SIGKILL".to_string(),
        Some(24) => "out of CPU time, SIGXCPU".to_string(),
        Some(signal) => format!("signal {signal}"),
        None => status.to_string(),
    }
}

#[cfg(not(unix))]
fn describe_signal(status: ExitStatus) -> String {
    status.to_string()
}

/// Waits for `child` until `deadline`; past it kills the child and returns `None`.
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            child.wait()?;
            return Ok(None);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn read_capped(source: Option<impl Read>, cap: u64) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(source) = source {
        let _ = source.take(cap).read_to_end(&mut out);
    }
    out
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut_at_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_a_character_boundary() {
        assert_eq!(cut_at_char("héllo", 2), "h");
        assert_eq!(cut_at_char("héllo", 3), "hé");
        assert_eq!(cut_at_char("abc", 10), "abc");
    }

    #[cfg(unix)]
    #[test]
    fn a_child_that_is_killed_is_over_budget_and_one_that_fails_says_why() {
        let killed = extract_in_child(
            &PathBuf::from("sh"),
            &["-c".into(), "kill -ABRT $$".into()],
            b"%PDF",
        );
        let (kind, message) = killed.expect_err("killed child");
        assert_eq!(kind, ProblemKind::OverBudget);
        assert!(message.contains("SIGABRT"), "{message}");

        let refused = extract_in_child(
            &PathBuf::from("sh"),
            &[
                "-c".into(),
                "cat >/dev/null; echo 'cannot read PDF: bad xref' >&2; exit 1".into(),
            ],
            b"%PDF",
        );
        assert_eq!(
            refused.expect_err("failed child"),
            (
                ProblemKind::ParseError,
                "cannot read PDF: bad xref".to_string()
            )
        );

        let echoed = extract_in_child(&PathBuf::from("cat"), &[], b"Title line\nbody");
        assert_eq!(echoed.expect("cat succeeds"), "Title line\nbody");
    }
}
