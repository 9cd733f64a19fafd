//! The engine's behaviour through `SearchEngine::search` on small corpora indexed in a temp dir:
//! ranking rules, corrections, titles and snippets as a user meets them.

use super::*;
use crate::highlight::passage_finder;
use crate::subject::Role;
use crate::test_support::IndexedCorpus;
use tantivy::snippet::SnippetGenerator;

/// The ids of the first page of hits for `query`, in order.
fn hit_ids(engine: &SearchEngine, query: &str) -> Vec<String> {
    let response = engine.search(SearchRequest::new(query)).unwrap();
    response.hits.into_iter().map(|hit| hit.id).collect()
}

/// A reader reloads when a file watch reports a commit it already serves; the completions
/// built for that commit must keep serving instead of being rebuilt.
#[test]
fn completions_survive_a_reload_of_the_same_commit() {
    let fixture =
        IndexedCorpus::new(&[("a.html", "<title>Coding careers</title><p>alpha text</p>")]);
    let engine = fixture.engine();
    let first = engine.suggester().unwrap();
    let generation = engine.reader.searcher().generation().generation_id();
    engine.reader.reload().unwrap();
    assert_ne!(
        engine.reader.searcher().generation().generation_id(),
        generation,
        "tantivy counts every reload as a new generation"
    );
    assert!(Arc::ptr_eq(&first, &engine.suggester().unwrap()));
    assert!(!engine.completions.is_rebuilding());
}

/// The title suffix most pages share is not ranked: a phrase of it finds no title, its
/// words typed find only the pages that have them elsewhere, and a page whose own title
/// has the word outranks pages that have it only in the suffix.
/// A page changed later (an incremental run) is indexed without the suffix too.
#[test]
fn the_site_suffix_of_titles_is_not_ranked() {
    let page = |title: &str, body: &str| {
        format!("<title>{title} | Careers Hub</title><main><p>{body}</p></main>")
    };
    let mut pages: Vec<(String, String)> = (0..6)
        .map(|i| {
            let body = format!("plain text number {i}");
            (format!("p{i}.html"), page(&format!("Page {i}"), &body))
        })
        .collect();
    pages.push((
        "careers.html".into(),
        page(
            "Plain text",
            "careers in coding, careers in privacy, careers",
        ),
    ));
    pages.push((
        "hub.html".into(),
        page("Hub of coding", "plain text of a hub"),
    ));
    let fixture = IndexedCorpus::new(&pages);
    let engine = fixture.engine();
    assert_eq!(hit_ids(&engine, "\"careers hub\""), Vec::<String>::new());
    assert_eq!(hit_ids(&engine, "hub coding")[0], "hub.html");
    assert_eq!(
        hit_ids(&engine, "hub"),
        ["hub.html"],
        "nor its words as prefixes"
    );
    let stored = engine.document("p1.html").unwrap().unwrap().title;
    assert_eq!(stored, "Page 1 | Careers Hub", "the stored title keeps it");
    fixture.write("p1.html", &page("Page one", "plain text again"));
    fixture.reindex();
    let engine = fixture.engine();
    assert_eq!(hit_ids(&engine, "\"careers hub\""), Vec::<String>::new());
}

/// A possessive or a contraction in a query is its word: "hospital's" finds every page
/// about hospitals, not only those that wrote the possessive (tokenizing alone would make
/// it the phrase "hospital s").
#[test]
fn a_possessive_finds_its_word() {
    let fixture = IndexedCorpus::new(&[
        (
            "careers/hospitals.html",
            "<title>Hospitals</title><main><p>Hospital records offices hire clerks.</p></main>",
        ),
        (
            "topics/drg.html",
            "<title>DRG payment</title><main><p>The hospital's location adjusts the \
             payment.</p></main>",
        ),
        (
            "jobs/hospitalist.html",
            "<title>Working with hospitalists</title><main><p>Coders query them.</p></main>",
        ),
        (
            "education/masters.html",
            "<title>Graduate study</title><main><p>A master's degree in health \
             informatics.</p></main>",
        ),
        (
            "topics/mpi.html",
            "<title>Master patient index</title><main><p>The master patient index \
             links a patient's records.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let hospital = hit_ids(&engine, "hospital ");
    assert_eq!(hospital.len(), 2);
    assert_eq!(
        hit_ids(&engine, "hospital's"),
        hospital,
        "typed past: no prefix"
    );
    assert_eq!(hit_ids(&engine, "hospital's?"), hospital);
    assert_eq!(
        hit_ids(&engine, "hospital").len(),
        3,
        "still typing: a prefix"
    );
    assert_eq!(
        hit_ids(&engine, "hospital\u{2019}s records")[0],
        "careers/hospitals.html"
    );
    assert_eq!(
        hit_ids(&engine, "\"hospital's location\""),
        ["topics/drg.html"]
    );
    // A name of the Master's degree keeps its clitic: it is not the word `master`.
    assert_eq!(hit_ids(&engine, "master's ")[0], "education/masters.html");
}

/// Words joined by a slash are words, and a dotted acronym the acronym: "rhit/rhia" finds
/// the page comparing the two, which never writes them so (tokenizing alone would make the
/// phrase "rhit rhia"), and "r.h.i.t." finds the pages with RHIT.
#[test]
fn slashed_and_dotted_words_are_words() {
    let fixture = IndexedCorpus::new(&[
        (
            "articles/rhit-vs-rhia.html",
            "<title>RHIT vs RHIA</title><main><p>The RHIT and the RHIA differ.</p></main>",
        ),
        (
            "articles/list.html",
            "<title>Credentials</title><main><p>RHIT/RHIA holders.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    assert_eq!(hit_ids(&engine, "rhit/rhia").len(), 2);
    assert_eq!(hit_ids(&engine, "r.h.i.t.").len(), 2, "dotted, an acronym");
    assert_eq!(
        hit_ids(&engine, "rhit/rhia ")[0],
        "articles/rhit-vs-rhia.html"
    );
}

/// A query that is the name (or code, or alias) of a credential or job title, typo
/// included, lists the page about it first: the page titled by that name, not the how-to
/// or the comparison whose titles and text say the words more often.
#[test]
fn a_query_naming_a_job_title_opens_its_page_first() {
    let fixture = IndexedCorpus::new(&[
        (
            "jobs/coder.html",
            "<title>Coder</title><main><p>Coders assign codes to diagnoses.</p></main>",
        ),
        (
            "articles/become.html",
            "<title>How to Become a Medical Coder</title><main><h1>Become a medical \
             coder</h1><p>A medical coder trains; medical coder jobs; medical coder pay.\
             </p></main>",
        ),
        (
            "articles/versus.html",
            "<title>Medical Coder vs Medical Biller: Two Roles</title><main><p>A medical \
             coder and a medical biller.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    for query in [
        "medical coder",
        "medcal coder",
        "coder",
        "what does a medical coder do",
    ] {
        let response = engine.search(SearchRequest::new(query)).unwrap();
        assert_eq!(response.hits[0].id, "jobs/coder.html", "{query}");
        assert_eq!(response.total, 3, "{query}");
    }
    let response = engine
        .search(SearchRequest::new("medical coder pay"))
        .unwrap();
    assert_eq!(
        response.hits[0].id, "articles/become.html",
        "more than the name: ranked by the words"
    );
}

/// While a query's last word is being typed, a credential's or job title's name it
/// completes opens that page first, and a page whose title has a word it begins outranks
/// pages that have the word only in their text.
#[test]
fn a_name_or_title_word_being_typed_ranks_its_page_first() {
    let fixture = IndexedCorpus::new(&[
        (
            "jobs/risk-adjustment-coder.html",
            "<title>Risk Adjustment Coder</title><main><p>Reviews charts for \
             conditions.</p></main>",
        ),
        (
            "topics/hcc.html",
            "<title>HCC Coding and Risk Adjustment</title><main><h1>Risk adjustment</h1>\
             <p>Risk adjustment coding; risk adjustment models; risk adjustment coders.</p>\
             </main>",
        ),
        (
            "topics/terminology.html",
            "<title>Medical Terminology</title><main><p>Word parts and roots.</p></main>",
        ),
        (
            "articles/billing.html",
            "<title>Medical Billing</title><main><p>Medical claims and medical \
             terminology.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    for (query, first) in [
        ("risk adjustment cod", "jobs/risk-adjustment-coder.html"),
        ("medical terminol", "topics/terminology.html"),
    ] {
        let response = engine.search(SearchRequest::new(query)).unwrap();
        assert_eq!(response.hits[0].id, first, "{query}");
    }
}

/// A word being typed that is not yet whole ranks pages by where its commonest completion
/// stands, as that word typed whole would: "destr" begins "destruction", a heading of the
/// retention page, which comes before the page all about the other word typed.
#[test]
fn a_word_being_typed_ranks_by_its_commonest_completion() {
    let mut pages = vec![
        (
            "topics/retention.html".to_string(),
            "<title>Record retention</title><main><h2>Destruction</h2><p>Records are kept \
             for the period that state law, federal programs and the statute of limitations \
             set, whichever is longest, and longer when a legal hold applies. At the end of \
             the period destruction follows, so that the records cannot be read again, and \
             a certificate of destruction is kept.</p></main>"
                .to_string(),
        ),
        (
            "resources/comparison.html".to_string(),
            "<title>Certificate comparison</title><meta name=\"description\" \
             content=\"Every certificate compared: which certificate to choose.\"><main>\
             <h2>Certificates</h2><p>Each certificate and its exam.</p><h2>Certificate \
             fees</h2><p>Certificate fees; the certificate to choose.</p></main>"
                .to_string(),
        ),
    ];
    // Pages with neither word, so that "certificate" is as rare as on a real site, and with a
    // heading as long as theirs.
    pages.extend((0..100).map(|n| {
        (
            format!("topics/other-{n}.html"),
            format!(
                "<title>Topic {n}</title><main><h2>Part {n}</h2><p>Coding and records.</p>\
                 </main>"
            ),
        )
    }));
    let fixture = IndexedCorpus::with_meanings(&pages, him_indexer::Meanings::Off);
    let ids = hit_ids(&fixture.engine(), "certificate of destr");
    assert_eq!(
        ids[..2],
        ["topics/retention.html", "resources/comparison.html"]
    );
}

/// A word naming a format ("printable", "pdf") prefers documents of that format, and is
/// not itself looked for as a word; a text file's first line weighs as a page's title and
/// heading do.
#[test]
fn a_format_named_prefers_its_documents() {
    let fixture = IndexedCorpus::new(&[
        (
            "resources/checklist.txt",
            "Exam checklist\n\nBook the exam. Bring an ID.\n",
        ),
        (
            "articles/exam.html",
            "<title>Exam checklist</title><main><h1>Exam checklist</h1><p>Exam day \
             checklist: a checklist for the exam, printable.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let ids = |query: &str| hit_ids(&engine, query);
    assert_eq!(ids("exam checklist")[0], "articles/exam.html");
    assert_eq!(
        ids("printable exam checklist")[0],
        "resources/checklist.txt"
    );
    assert_eq!(ids("exam checklist txt")[0], "resources/checklist.txt");
    // Nothing else to search: the documents of that format.
    assert_eq!(ids("printable"), ["resources/checklist.txt"]);
    assert_eq!(ids("the txt"), ["resources/checklist.txt"]);
}

/// "difference" asks for a comparison without naming one: the taxonomy's `asked_by` words
/// prefer the pages of the value they ask for, among those the other words find.
#[test]
fn a_question_asking_for_a_comparison_prefers_one() {
    let fixture = IndexedCorpus::new(&[
        (
            "resources/checklist.txt",
            "RHIT and RHIA exam checklist\n\nBook the exam.\n",
        ),
        (
            "articles/rhit-vs-rhia.html",
            "<title>RHIT vs RHIA: which one</title><main><h1>RHIT vs RHIA</h1><h2>Degrees\
             </h2><p>The RHIT follows an associate degree.</p><h2>Jobs</h2><p>Jobs for \
             each.</p></main>",
        ),
        (
            "articles/cpc-vs-coc.html",
            "<title>CPC vs COC</title><main><p>Two coding credentials.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let search = |query: &str| engine.search(SearchRequest::new(query)).unwrap();
    assert_eq!(search("rhit rhia").hits[0].id, "resources/checklist.txt");
    let asked = search("what is the difference between rhit and rhia");
    assert_eq!(asked.hits[0].id, "articles/rhit-vs-rhia.html");
    assert_eq!(asked.total, 2, "a comparison without the words is no hit");
    // The same through tantivy's own evaluation, which a filter takes.
    let filtered = engine
        .search(
            SearchRequest::new("difference between rhit and rhia")
                .filter("resource_type", "Article")
                .unwrap(),
        )
        .unwrap();
    let ids: Vec<&str> = filtered.hits.iter().map(|hit| hit.id.as_str()).collect();
    assert_eq!(ids, ["articles/rhit-vs-rhia.html"]);
}

/// "What does phi stand for" asks what an abbreviation stands for: its subject is the
/// abbreviation, and a glossary that has it comes before a page where a country "stands"
/// somewhere or that uses the abbreviation most; "what does ... mean" asks for a definition.
#[test]
fn asking_what_an_abbreviation_stands_for_prefers_a_glossary() {
    let fixture = IndexedCorpus::new(&[
        (
            "standards/icd-11.html",
            "<title>ICD-11</title><main><h2>Where the United States stands</h2><p>ICD-11 \
             records diagnoses, PHI among them.</p></main>",
        ),
        (
            "topics/privacy.html",
            "<title>Privacy</title><main><p>PHI is protected. Guard PHI. Keep PHI safe.</p>\
             </main>",
        ),
        (
            "resources/glossary.md",
            "# Glossary of HIM acronyms\n\nPHI: protected health information.\n\nRHIT: \
             registered health information technician.\n\nROI: release of information.\n\n\
             Unbilled account: a patient's account not yet billed.\n",
        ),
        (
            "articles/standing.html",
            "<title>Standing out</title><main><p>What a resume stands for.</p></main>",
        ),
        (
            "articles/month-end.html",
            "<title>Month-end close</title><main><p>Each unbilled account is worked \
             daily.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let ids = hit_ids(&engine, "what does phi stand for");
    assert_eq!(ids[0], "resources/glossary.md");
    assert_eq!(ids.last().unwrap(), "articles/standing.html");
    let ids = hit_ids(&engine, "what does unbilled account mean");
    assert_eq!(ids[0], "resources/glossary.md");
    let ids = hit_ids(&engine, "unbilled account");
    assert_eq!(ids[0], "articles/month-end.html");
}

/// A credential that expires is one to renew; `automatically` and `automation` are one
/// family, which the stemmer splits (`automat`, `autom`). By words alone: pages' meanings
/// relate them too, where an index has them.
#[test]
fn expiring_asks_for_renewal_and_automatic_for_automation() {
    let pages = [
        (
            "articles/renewal.html",
            "<title>Keeping a coding certification active</title><main><p>Renew it every \
             two years.</p></main>",
        ),
        (
            "articles/exam.html",
            "<title>Coding certification exam</title><main><p>Coding certification: the \
             exam for a coding certification.</p></main>",
        ),
        (
            "topics/cac.html",
            "<title>Software in coding</title><main><p>Automation assigns codes.</p></main>",
        ),
        (
            "topics/notes.html",
            "<title>Notes</title><main><p>Coders assign codes to notes: codes and codes.</p>\
             </main>",
        ),
        (
            "articles/outlook.html",
            "<title>Outlook</title><main><p>The 2014 projection has expired.</p></main>",
        ),
    ];
    let fixture = IndexedCorpus::with_meanings(&pages, him_indexer::Meanings::Off);
    let engine = fixture.engine();
    let ids = |query: &str| hit_ids(&engine, query);
    assert_eq!(
        ids("do coding certifications expire")[0],
        "articles/renewal.html"
    );
    assert_eq!(ids("automatically assign codes")[0], "topics/cac.html");
    // One way: a page where something expired is not about renewing.
    assert_eq!(ids("renew"), ["articles/renewal.html"]);
}

/// Everyday words find pages that say it otherwise (`supervising` a team that works
/// `remotely`: managing remote coders); "doctors" does not find doctoral study.
#[test]
fn everyday_words_find_what_pages_say_otherwise() {
    let fixture = IndexedCorpus::new(&[
        (
            "employers/remote.html",
            "<title>Managing remote coding teams</title><main><p>Managers of remote \
             coders set goals.</p></main>",
        ),
        (
            "topics/coding.html",
            "<title>Coding</title><main><p>Coders code charts. Coders at work.</p></main>",
        ),
        (
            "education/doctoral.html",
            "<title>Doctoral study</title><main><p>A doctoral degree in informatics.</p>\
             </main>",
        ),
        (
            "topics/queries.html",
            "<title>Queries</title><main><p>A coder asks the doctor.</p></main>",
        ),
        (
            "jobs/supervisor.html",
            "<title>HIM supervisor</title><main><p>Supervisors lead the scanning team.</p>\
             </main>",
        ),
        (
            "articles/scanning.html",
            "<title>Scanning</title><main><p>The scanning team scans paper.</p></main>",
        ),
        (
            "articles/apprentice.html",
            "<title>The apprentice mark</title><main><p>New coders carry it.</p></main>",
        ),
        (
            "resources/glossary.html",
            "<title>Glossary of terms and acronyms</title><main><p>Terms.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let ids = |query: &str| hit_ids(&engine, query);
    assert_eq!(ids("boss of the scanning team")[0], "jobs/supervisor.html");
    assert_eq!(ids("cpc-a"), ["articles/apprentice.html"]);
    assert_eq!(
        ids("what do the abbreviations mean")[0],
        "resources/glossary.html"
    );
    assert_eq!(
        ids("supervising coders working from home")[0],
        "employers/remote.html"
    );
    assert_eq!(ids("telecommuting coders")[0], "employers/remote.html");
    assert_eq!(ids("coding from my house")[0], "employers/remote.html");
    assert_eq!(ids("doctors"), ["topics/queries.html"]);
}

/// A word asking what a job pays ("make", "earn", "salary") prefers the pages about pay (the
/// topic's `asked_by`), above the page that names the credential most.
#[test]
fn asking_what_it_pays_prefers_the_pages_about_pay() {
    let fixture = IndexedCorpus::new(&[
        (
            "credentials/rhit.html",
            "<title>RHIT</title><main><h2>The RHIT exam</h2><p>The RHIT credential: RHIT \
             holders earn it by exam. Holders make records complete.</p></main>",
        ),
        (
            "articles/figures.html",
            "<title>Figures for HIM jobs</title><main><h2>Salaries</h2><p>Median salaries \
             of technicians, RHIT holders among them, by setting.</p></main>",
        ),
        (
            "articles/exam.html",
            "<title>Exam day</title><main><p>What the RHIT exam asks.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let ids = |query: &str| hit_ids(&engine, query);
    assert_eq!(
        ids("how much does an rhit make")[0],
        "articles/figures.html"
    );
    assert_eq!(ids("rhit pay")[0], "articles/figures.html");
    assert_eq!(ids("rhit exam")[0], "credentials/rhit.html");
}

/// Everyday words that ask for a topic without naming it (its `asked_by`): a credential
/// that expires asks for continuing education, applicants (or an employer's "we") for
/// hiring, copies of records for their release, denials for the revenue cycle; each above
/// the page that has the other words most.
#[test]
fn everyday_words_ask_for_their_topic() {
    let fixture = IndexedCorpus::new(&[
        (
            "articles/ceus.html",
            "<title>Keeping a credential: CEUs</title><main><h2>CEUs</h2><p>Holders of a \
             coding certification report CEUs each cycle.</p></main>",
        ),
        (
            "articles/certifications.html",
            "<title>Coding certifications</title><main><h2>Coding certifications</h2><p>Each \
             coding certification has its exam; a coding test of skills. Records of every \
             coding certification.</p></main>",
        ),
        (
            "articles/hiring.html",
            "<title>Hiring</title><main><h2>Hiring</h2><p>A coding test shows a coder's \
             skills.</p></main>",
        ),
        (
            "articles/roi.html",
            "<title>Release of information</title><main><p>Fees a hospital may charge for \
             records.</p></main>",
        ),
        (
            "articles/revenue.html",
            "<title>Revenue cycle</title><main><p>Coding work keeps payment \
             flowing.</p></main>",
        ),
        (
            "articles/coding-work.html",
            "<title>Coding work</title><main><h2>Coding work</h2><p>Coding work every day; \
             coding work from home.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let ids = |query: &str| hit_ids(&engine, query);
    assert_eq!(
        ids("do coding certifications expire")[0],
        "articles/ceus.html"
    );
    assert_eq!(ids("coding test for applicants")[0], "articles/hiring.html");
    // An employer asks as "we" and "our": of its people, its hiring.
    assert_eq!(ids("how we test coding skills")[0], "articles/hiring.html");
    assert_eq!(ids("test coding skills")[0], "articles/certifications.html");
    assert_eq!(ids("charge for copies of records")[0], "articles/roi.html");
    assert_eq!(
        ids("coding work behind denials")[0],
        "articles/revenue.html"
    );
    assert_eq!(ids("coding work")[0], "articles/coding-work.html");
    assert_eq!(
        ids("coding certifications")[0],
        "articles/certifications.html"
    );
}

/// A question long enough for the feedback pass (more than `SHORT_QUERY_WORDS` content
/// words) whose taxonomy terms make it few enough units for a preference ("make" asks for
/// pages about pay) keeps its words a sum that feedback evaluates clause by clause: the
/// preference wrapping them sent its pass document at a time (a quarter more instructions
/// on the 10k-page benchmark site's long question).
#[test]
fn a_long_question_with_a_preference_is_evaluated_as_a_sum() {
    let fixture = IndexedCorpus::new(&[(
        "articles/pay.html",
        "<title>Pay</title><main><p>Medical coders make more after five years with a \
         credential.</p></main>",
    )]);
    let engine = fixture.engine();
    let searcher = engine.reader.searcher();
    let question = "how much do medical coders make after five years with a credential";
    let parsed = engine.query.parse(question);
    assert!(engine.query.content_groups(&parsed) > crate::build::SHORT_QUERY_WORDS);
    let builder = QueryBuilder::new(&engine.query, &searcher);
    let words = builder.text_query(&parsed, false, true, false).unwrap();
    let wrapped = words
        .downcast_ref::<tantivy::query::BooleanQuery>()
        .is_some_and(|b| {
            b.clauses()
                .iter()
                .any(|(o, _)| *o == tantivy::query::Occur::Must)
        });
    assert!(wrapped, "the question asks for pay pages: {words:?}");
    let statistics = builder.statistics();
    let (_, evaluation) =
        feedback::expand(&engine.query, &searcher, statistics, &parsed, words, true).unwrap();
    assert!(evaluation.is_some());
    let ids = hit_ids(&engine, question);
    assert_eq!(ids, ["articles/pay.html"]);
}

/// A question of seven to ten content words still prefers the page with more of them,
/// its rarest most: without the coverage bonus, pages with two of its common words in a
/// heading outranked the one page with its rare word ("2009").
#[test]
fn a_long_question_prefers_the_page_with_its_rare_word() {
    let heading_page = |title: &str| {
        format!(
            "<title>{title}</title><main><h2>Electronic records</h2><p>Doctors keep \
             electronic records as the law requires. Electronic records law.</p></main>"
        )
    };
    let fixture = IndexedCorpus::new(&[
        (
            "standards/hitech.html".to_string(),
            "<title>The HITECH Act</title><main><p>Congress passed it in 2009 so that \
             physicians would move to electronic records; the law paid them to.</p></main>"
                .to_string(),
        ),
        ("topics/retention.html".into(), heading_page("Retention")),
        ("topics/ehr.html".into(), heading_page("EHR systems")),
        ("topics/privacy.html".into(), heading_page("Privacy")),
        (
            "topics/coding.html".into(),
            "<title>Coding</title><main><p>Coders read charts.</p></main>".into(),
        ),
    ]);
    let engine = fixture.engine();
    let query = "2009 stimulus law that pushed doctors onto electronic records";
    assert_eq!(hit_ids(&engine, query)[0], "standards/hitech.html");
}

/// In a long question, many common words together do not outweigh the rare word that
/// names its subject: pages with all of them and not it rank below the page about it.
#[test]
fn a_long_questions_common_words_do_not_outweigh_its_subject() {
    let mut pages: Vec<(String, String)> = (0..6)
        .map(|i| {
            (
                format!("studies/s{i}.html"),
                format!(
                    "<title>Study {i}</title><main><p>Methods, experimental production, \
                     known causes, animals, humans. The registry team reviewed charts, \
                     abstracted cases, met the deadline, filed reports, trained staff, \
                     answered requests, audited samples and wrote summary {i}.</p></main>"
                ),
            )
        })
        .collect();
    pages.push((
        "topics/hydrocephalus.html".into(),
        "<title>Hydrocephalus</title><main><p>Hydrocephalus in infants and its \
         treatment.</p></main>"
            .into(),
    ));
    for i in 0..12 {
        pages.push((
            format!("other/o{i}.html"),
            format!("<title>Other {i}</title><main><p>Coding and billing.</p></main>"),
        ));
    }
    let fixture = IndexedCorpus::new(&pages);
    let engine = fixture.engine();
    let query = "methods for experimental production of and known causes of hydrocephalus \
                 in animals and humans";
    assert_eq!(hit_ids(&engine, query)[0], "topics/hydrocephalus.html");
}

/// A vague word ("something") is rare in pages, so as a content word it would earn the
/// largest share of the coverage bonus; it says nothing about the subject, and the page
/// with the words that do comes first.
#[test]
fn vague_words_do_not_decide_the_ranking() {
    let fixture = IndexedCorpus::new(&[
        (
            "topics/amend.html",
            "<title>Amending a record</title><main><p>A patient who finds a wrong entry \
             in a medical record can ask to change it.</p></main>",
        ),
        (
            "topics/portal.html",
            "<title>Portals</title><main><p>A patient can change something in the medical \
             record online.</p></main>",
        ),
        (
            "topics/other.html",
            "<title>Other</title><main><p>A wrong turn.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    let response = engine
        .search(SearchRequest::new(
            "can a patient change something wrong in their medical record",
        ))
        .unwrap();
    assert_eq!(response.hits[0].id, "topics/amend.html");
    assert_eq!(response.total, 3);
}

/// A word opens its synonym group in either number: `doctors` finds the page about
/// physicians as `doctor` does.
#[test]
fn plurals_find_their_synonyms() {
    let fixture = IndexedCorpus::new(&[
        (
            "topics/queries.html",
            "<title>Physician queries</title><main><p>How a coder asks a physician to \
             clarify documentation.</p></main>",
        ),
        (
            "topics/other.html",
            "<title>Coding audits</title><main><p>A coder reviews claims.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    for query in ["doctor", "doctors"] {
        let response = engine.search(SearchRequest::new(query)).unwrap();
        let ids: Vec<&str> = response.hits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["topics/queries.html"], "{query}");
    }
}

/// Completions leave out the site's suffix, whatever its separator.
#[test]
fn completions_leave_out_the_site_suffix() {
    let pages: Vec<(String, String)> = [
        "Quilting audits",
        "Quilting careers",
        "Privacy",
        "Exams",
        "Jobs",
    ]
    .iter()
    .enumerate()
    .map(|(i, title)| {
        let html = format!("<title>{title} - Coding Hub</title><p>text {i}</p>");
        (format!("p{i}.html"), html)
    })
    .collect();
    let engine = IndexedCorpus::new(&pages).engine();
    let titles: Vec<String> = engine
        .suggest("quilt", 10)
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == "title")
        .map(|s| s.text)
        .collect();
    assert_eq!(titles, ["Quilting audits", "Quilting careers"]);
}

/// A page titled with the very alias typed comes before the page about the value the alias
/// names; a title whose part after a colon is not another name of the value is not about
/// it; punctuation and `OR` are read as words.
#[test]
fn the_page_titled_with_the_alias_typed_comes_first() {
    let page =
        |title: &str, body: &str| format!("<title>{title}</title><main><p>{body}</p></main>");
    let fixture = IndexedCorpus::new(&[
        ("jobs/coder.html", page("Coder", "Coders code.")),
        (
            "jobs/outpatient-coder.html",
            page("Outpatient Coder", "Clinic coding."),
        ),
        (
            "credentials/rhit.html",
            page("RHIT: Registered Health Information Technician", "An exam."),
        ),
        (
            "articles/rhit-exam.html",
            page(
                "RHIT: How to Pass the Exam",
                "The RHIT exam, RHIT practice, RHIT scores, RHIT study plans.",
            ),
        ),
    ]);
    let engine = fixture.engine();
    let ids = |query: &str| hit_ids(&engine, query);
    assert_eq!(
        ids("outpatient coder")[..2],
        ["jobs/outpatient-coder.html", "jobs/coder.html"]
    );
    assert_eq!(ids("medical coder")[0], "jobs/coder.html");
    for query in ["rhit", "what is rhit?", "RHIT"] {
        assert_eq!(ids(query)[0], "credentials/rhit.html", "{query}");
    }
    assert_eq!(ids("rhit OR exam")[0], "articles/rhit-exam.html");
    // Every part of "CODE: Name" is a name of the page's value; an ending that is not
    // (" - Exam Guide") makes a title about nothing.
    let fixture = IndexedCorpus::new(&[
        (
            "credentials/ccs-p.html",
            page(
                "CCS-P: Certified Coding Specialist - Physician-based",
                "Physician coding.",
            ),
        ),
        (
            "articles/ccs-guide.html",
            page(
                "Certified Coding Specialist - Exam Guide",
                "Certified coding specialist, physician-based or not: certified coding \
                 specialist exams for the physician-based coding specialist.",
            ),
        ),
    ]);
    let engine = fixture.engine();
    for query in [
        "certified coding specialist - physician-based",
        "CCS–P",
        "ccs p",
    ] {
        let response = engine.search(SearchRequest::new(query)).unwrap();
        assert_eq!(response.hits[0].id, "credentials/ccs-p.html", "{query}");
    }
}

/// The suffix is found mid-run once 200 titles are seen (the first documents waited for
/// it), and a later run on an index of more than 200 titles knows it from the start.
#[test]
fn the_suffix_is_found_in_large_runs() {
    let pages: Vec<(String, String)> = (0..205)
        .map(|i| {
            let html =
                format!("<title>Topic {i} | Big Hub</title><main><p>words {i} here</p></main>");
            (format!("p{i}.html"), html)
        })
        .collect();
    let fixture = IndexedCorpus::new(&pages);
    let total = |engine: &SearchEngine| {
        engine
            .search(SearchRequest::new("\"big hub\""))
            .unwrap()
            .total
    };
    assert_eq!(total(&fixture.engine()), 0);
    fixture.write(
        "new.html",
        "<title>Latest | Big Hub</title><main><p>fresh words</p></main>",
    );
    fixture.reindex();
    let engine = fixture.engine();
    assert_eq!(total(&engine), 0);
    assert_eq!(engine.num_docs(), 206);
}

/// did-you-mean offers a correction only when it finds a document the words as typed do
/// not; a correction whose pages all have the other words already is not offered.
#[test]
fn a_correction_is_offered_only_when_it_finds_more() {
    let fixture = IndexedCorpus::new(&[
        ("a.html", "<title>Alpha</title><p>coding alpha notes</p>"),
        ("b.html", "<title>Beta</title><p>coding beta notes</p>"),
        (
            "c.html",
            "<title>Gamma</title><p>gamma alone, as you can</p>",
        ),
        (
            "d.html",
            "<title>Delta</title><p>where the delta tables stand</p>",
        ),
    ]);
    let engine = fixture.engine();
    let suggestion = |q: &str| engine.search(SearchRequest::new(q)).unwrap().suggestion;
    // zzqx is in no document and close to none, so no document has every word.
    assert_eq!(suggestion("gammma zzqx"), Some("gamma zzqx".to_string()));
    assert_eq!(
        suggestion("coding alphha zzqx"),
        None,
        "every alpha page has coding already"
    );
    assert_eq!(
        suggestion("notes gammma zzqx"),
        Some("notes gamma zzqx".to_string()),
        "the gamma page has no notes"
    );
    assert_eq!(
        suggestion("cant find gammma zzqx"),
        Some("cant find gamma zzqx".to_string()),
        "a filler word is not corrected (cant to can)"
    );
    assert_eq!(
        suggestion("gammma's zzqx"),
        Some("gamma's zzqx".to_string()),
        "the correction keeps what was typed around the word"
    );
    // A filler word is searched beside the others, for less: "stand" finds the delta page.
    assert_eq!(suggestion("gamma stnad"), Some("gamma stand".to_string()));
}

/// A word in no page that is a real word ("robots", which the model's vocabulary has
/// whole) is what the user meant: it is not searched as the site's closest word ("roots",
/// on one page of four) outside the typo pass, nor offered as a correction. A misspelling
/// ("codnig") is corrected, and so is a real word close to a word on a large share of the
/// pages ("heath" for "health", on two of four).
#[test]
fn a_real_word_the_site_does_not_use_is_not_corrected() {
    let fixture = IndexedCorpus::new(&[
        (
            "roots.html",
            "<title>Word roots</title><p>Medical terms are built from roots and \
             suffixes.</p>",
        ),
        (
            "software.html",
            "<title>Coding software</title><p>Software reads the health record and \
             proposes codes to the coder.</p>",
        ),
        (
            "privacy.html",
            "<title>Privacy</title><p>Health records are private.</p>",
        ),
        ("exams.html", "<title>Exams</title><p>Sit for the exam.</p>"),
    ]);
    let engine = fixture.engine();
    let search = |q: &str| engine.search(SearchRequest::new(q)).unwrap();
    let ids = |q: &str| -> Vec<String> { search(q).hits.into_iter().map(|h| h.id).collect() };
    assert!(him_semantic::knows_word("robots") && him_semantic::knows_word("heath"));
    assert!(!him_semantic::knows_word("codnig"));
    assert_eq!(search("robots proposes codes").suggestion, None);
    // Outside the typo pass, "robots" matches nothing; "heath" and "codnig" match their
    // corrections.
    let searcher = engine.reader.searcher();
    let matches = |q: &str| {
        let builder = QueryBuilder::new(&engine.query, &searcher);
        let query = builder.text_query(&engine.query.parse(q), false, false, false);
        query.map_or(0, |query| searcher.search(query.as_ref(), &Count).unwrap())
    };
    assert_eq!(
        (matches("robots"), matches("heath"), matches("codnig")),
        (0, 2, 1)
    );
    // Found by its words; "roots" only as a typo of "robots", below.
    assert_eq!(ids("robots proposes codes")[0], "software.html");
    assert_eq!(
        search("robots codnig").suggestion,
        Some("robots coding".to_string())
    );
    assert_eq!(
        search("heath zzqx").suggestion,
        Some("health zzqx".to_string())
    );
}

/// A misspelled word whose right form the site never writes as typed ("bachelors", where the
/// pages write "bachelor's": two edits from "bachlors") is corrected by its stem, to the
/// site's "bachelor", instead of finding nothing.
#[test]
fn a_misspelled_word_in_a_form_the_site_does_not_write_is_corrected_by_its_stem() {
    let fixture = IndexedCorpus::new(&[
        (
            "education/bachelors.html",
            "<title>The bachelor's degree</title><main><p>A bachelor's degree in HIM takes \
             four years.</p></main>",
        ),
        (
            "education/associate.html",
            "<title>The associate degree</title><main><p>An associate degree in HIM takes \
             two years.</p></main>",
        ),
    ]);
    let engine = fixture.engine();
    assert_eq!(hit_ids(&engine, "bachlors"), ["education/bachelors.html"]);
    assert_eq!(
        hit_ids(&engine, "bachlors degree")[0],
        "education/bachelors.html"
    );
}

/// Our passage finder (snippet.rs) marks exactly the words tantivy's own snippet
/// generator, analyzing every word, marks in a passage as long as the text.
#[test]
fn snippets_match_tantivys_generator() {
    let bodies = [
        "Medical coders code diagnoses. A coding career starts with the CCA; coders later \
         earn the CCS. Registries and registrars keep cancer data.",
        "Privacy officers enforce HIPAA: the privacy rule, the security rule and breach \
         notification. Officers train staff every year.",
        "Registered health information technicians (RHIT) release information and audit \
         records; technicians often become coders or analysts.",
    ];
    let pages: Vec<(String, String)> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            (
                format!("p{i}.html"),
                format!("<title>Page {i} about coding</title><main><p>{body}</p></main>"),
            )
        })
        .collect();
    let fixture = IndexedCorpus::new(&pages);
    let engine = fixture.engine();
    let searcher = engine.reader.searcher();
    for text in [
        "coding registries",
        "privacy officer",
        "technician coders",
        "rhit",
    ] {
        let parsed = crate::parse::parse(text);
        let query = QueryBuilder::new(&engine.query, &searcher)
            .text_query(&parsed, false, false, false)
            .unwrap();
        for field in [engine.query.fields.body, engine.query.fields.title] {
            let ours =
                passage_finder(&searcher, query.as_ref(), field, 1000, &|_| Role::Typed).unwrap();
            let mut theirs = SnippetGenerator::create(&searcher, query.as_ref(), field).unwrap();
            theirs.set_max_num_chars(1000);
            let mut highlighted = 0;
            for body in bodies.iter().chain(&["Page 1 about coding"]) {
                let snippet = theirs.snippet(body);
                let marks = ours.mark_all(body);
                let found = ours
                    .find(body, "")
                    .map(|found| found.marks)
                    .unwrap_or_default();
                // The whole text fits one passage, but a leading repeat alone in its
                // sentence is left out of it.
                assert!((marks.ends_with(&found) && !found.is_empty()) || marks.is_empty());
                assert_eq!(marks, snippet.highlighted(), "{text:?} in {body:?}");
                highlighted += marks.len();
            }
            if field == engine.query.fields.body {
                assert!(highlighted > 0, "{text:?} highlights something");
            }
        }
    }
}
