//! The search page on the shipped corpus, opened on ten of the questions people ask most: the
//! first result must be the page that answers, its title shown without the site's suffix
//! (" | HIM Careers Hub"), and its snippet must show the answering passage, not the title
//! again. Screenshots go to `target/tmp/browser/questions/` for people to look at;
//! `corpus.rs` checks the same answers through the engine where no browser runs.

use serde_json::json;

use crate::browser::{artifact, ROOT};
use crate::util::{repo_root, Server, Site};
use crate::webdriver::Browser;

/// (question, pages that answer it, words of the answer one of which the first hit's snippet
/// must show).
pub(crate) const QUESTIONS: &[(&str, &[&str], &[&str])] = &[
    (
        "how much do coders make",
        &["articles/coder-salary.html"],
        &["median pay of $44,090 a year in May 2020"],
    ),
    (
        "how long does it take to become a medical coder",
        &["articles/how-long-to-become-a-coder.html"],
        &["It depends on the route"],
    ),
    (
        "what is the difference between rhit and rhia",
        &["articles/rhit-vs-rhia.html"],
        &["The RHIT follows an associate's degree"],
    ),
    (
        "how do i become a medical coder without a degree",
        &[
            "articles/how-to-become-a-medical-coder.html",
            "articles/him-jobs-without-a-degree.html",
        ],
        &[
            "Do you need a degree to become a medical coder? No.",
            "open coding jobs without a degree",
        ],
    ),
    (
        "how long do hospitals have to keep medical records",
        &["topics/record-retention.html"],
        &["how long to keep a health record"],
    ),
    (
        "can i work from home as a coder",
        &[
            "topics/remote-coding.html",
            "articles/can-you-work-remotely-in-him.html",
        ],
        &["hire coders to work from home"],
    ),
    (
        "is medical coding hard to learn",
        &["articles/is-medical-coding-hard.html"],
        &["medical coding is learnable"],
    ),
    (
        "what is information blocking",
        &["standards/information-blocking-cures-act.html"],
        &["prohibits information blocking"],
    ),
    (
        "is the cpc exam open book",
        &["articles/cpc-exam-format-and-prep.html"],
        &["Is it really open book? Yes and no."],
    ),
    (
        "who awards the ctr credential",
        &["credentials/ctr.html"],
        &["is awarded by NCRA"],
    ),
];

#[test]
fn the_commonest_questions_open_on_their_answer() {
    let site = Site::shipped();
    let corpus = repo_root().join("corpus");
    let server = Server::start(
        &site,
        &["--rate-limit", "0", "--site-dir", corpus.to_str().unwrap()],
    );
    let Some(browser) = Browser::start() else {
        return;
    };
    for (n, (question, answers, words)) in QUESTIONS.iter().enumerate() {
        let url = format!(
            "{}/?q={}",
            server.origin(),
            url::form_urlencoded::byte_serialize(question.as_bytes()).collect::<String>()
        );
        browser.goto(&url);
        let first = browser.wait_for(
            &format!("results for {question:?}"),
            &format!(
                "{ROOT} const hit = root.querySelector('.hit'); \
                 return hit && !root.querySelector('.root').classList.contains('loading') \
                   ? [hit.dataset.id, hit.querySelector('.title').textContent, \
                      hit.querySelector('.snippet').textContent] : null;"
            ),
            &[json!("search")],
        );
        let [id, title, snippet]: [String; 3] = serde_json::from_value(first).unwrap();
        browser.screenshot(&artifact(&format!("questions/{:02}.png", n + 1)));
        assert!(
            answers.contains(&id.as_str()),
            "{question:?}: first result {id}, want one of {answers:?}"
        );
        let title_text = title
            .split(" | ")
            .next()
            .unwrap_or(&title)
            .trim()
            .to_string();
        assert!(
            !snippet.trim_start().starts_with(&title_text),
            "{question:?}: the snippet repeats the title: {snippet:?}"
        );
        assert!(
            words.iter().any(|answer| snippet.contains(answer)),
            "{question:?}: the snippet does not answer: {snippet:?}"
        );
    }
}
