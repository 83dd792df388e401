//! Every registered type has its page under `docs/` and its example under
//! `examples/`, found by convention from its name, so adding a type needs no
//! edit here:
//!
//! | registered | page | example |
//! | --- | --- | --- |
//! | the provider block | `docs/index.md` | `examples/provider/provider.tf` |
//! | resource `tencentchat_X` | `docs/resources/X.md` | `examples/resources/tencentchat_X/resource.tf`, `import.sh` |
//! | data source | `docs/data-sources/X.md` | `examples/data-sources/tencentchat_X/data-source.tf` |
//! | ephemeral resource | `docs/ephemeral-resources/X.md` | `examples/ephemeral-resources/tencentchat_X/ephemeral-resource.tf` |
//! | function `f` | `docs/functions/f.md` | `examples/functions/f/function.tf` |
//!
//! Each page embeds its examples verbatim. The part of a schema page from its
//! `<!-- schema -->` marker (to `<!-- /schema -->` or the end) is generated from
//! the schema by `tfproto::docs`, as tfplugindocs does: this test fails when a
//! committed page differs, and
//!
//! ```text
//! TENCENTCHAT_WRITE_DOCS=1 cargo test --test docs
//! ```
//!
//! writes them instead. Function pages are checked against each function's
//! signature: summary, the `## Signature` line, the numbered `## Arguments`
//! (name, type, description, in order) and an object result's fields.

use std::path::PathBuf;

use tencentchat::provider::TencentChat;
use tencentchat::tfproto::docs::{schema_markdown, splice, type_label, type_name, TypeStyle};
use tencentchat::tfproto::{Provider, Schema, Signature, Type};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

/// What a registered type's page documents.
enum Documents {
    Schema(Schema),
    Function(String, Signature),
}

/// One registered type: its page, its examples and what the page documents.
struct Page {
    path: String,
    examples: Vec<String>,
    documents: Documents,
}

/// Every registered type of the provider, with the page and examples the
/// convention gives it.
fn registered() -> Vec<Page> {
    let p = TencentChat::new();
    let short = |t: &str| t.trim_start_matches("tencentchat_").to_string();
    let mut pages = vec![Page {
        path: "docs/index.md".into(),
        examples: vec!["examples/provider/provider.tf".into()],
        documents: Documents::Schema(p.schema()),
    }];
    for r in p.resources() {
        let t = r.type_name();
        pages.push(Page {
            path: format!("docs/resources/{}.md", short(t)),
            examples: ["resource.tf", "import.sh"]
                .map(|f| format!("examples/resources/{t}/{f}"))
                .into(),
            documents: Documents::Schema(r.schema()),
        });
    }
    for d in p.data_sources() {
        let t = d.type_name();
        pages.push(Page {
            path: format!("docs/data-sources/{}.md", short(t)),
            examples: vec![format!("examples/data-sources/{t}/data-source.tf")],
            documents: Documents::Schema(d.schema()),
        });
    }
    for e in p.ephemeral_resources() {
        let t = e.type_name();
        pages.push(Page {
            path: format!("docs/ephemeral-resources/{}.md", short(t)),
            examples: vec![format!(
                "examples/ephemeral-resources/{t}/ephemeral-resource.tf"
            )],
            documents: Documents::Schema(e.schema()),
        });
    }
    for f in p.functions() {
        let n = f.name();
        pages.push(Page {
            path: format!("docs/functions/{n}.md"),
            examples: vec![format!("examples/functions/{n}/function.tf")],
            documents: Documents::Function(n.to_string(), f.signature()),
        });
    }
    pages
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "docs out of date:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_registered_type_has_its_page_and_example() {
    let write = std::env::var_os("TENCENTCHAT_WRITE_DOCS").is_some();
    let mut problems = Vec::new();
    for page in registered() {
        let missing: Vec<&String> = std::iter::once(&page.path)
            .chain(&page.examples)
            .filter(|f| !repo_root().join(f).is_file())
            .collect();
        if !missing.is_empty() {
            problems.extend(missing.iter().map(|f| format!("{f} is missing")));
            continue;
        }
        let text = read(&page.path);
        let examples: Vec<&str> = page.examples.iter().map(String::as_str).collect();
        problems.extend(check_examples(&page.path, &examples));
        match &page.documents {
            Documents::Function(name, sig) => {
                problems.extend(check_function_text(&page.path, &text, name, sig))
            }
            Documents::Schema(schema) => match splice(&text, &schema_markdown(schema)) {
                None => problems.push(format!("{}: no `<!-- schema -->` marker", page.path)),
                Some(generated) if generated == text => {}
                Some(generated) if write => {
                    std::fs::write(repo_root().join(&page.path), generated)
                        .unwrap_or_else(|e| panic!("writing {}: {e}", page.path));
                    println!("wrote {}", page.path);
                }
                Some(_) => problems.push(format!(
                    "{}: the schema section is not what the schema says; run \
                     `TENCENTCHAT_WRITE_DOCS=1 cargo test --test docs` and commit the page",
                    page.path
                )),
            },
        }
    }
    assert_no_problems(problems);
}

/// Every example file a page embeds must appear in it verbatim.
fn check_examples(page_path: &str, examples: &[&str]) -> Vec<String> {
    let page = read(page_path);
    examples
        .iter()
        .filter(|ex| !page.contains(read(ex).trim_end()))
        .map(|ex| format!("{page_path}: does not contain {ex} verbatim (copy it again)"))
        .collect()
}

/// The type as a signature line writes it: `string`, `list(string)`, `object`.
fn cty_name(ty: &Type) -> String {
    type_name(ty, TypeStyle::Signature)
}

/// The lines of section `## heading` (up to the next `## `).
fn section<'a>(page: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = page
        .lines()
        .skip_while(|l| l.trim_end() != format!("## {heading}"));
    lines.next();
    lines.take_while(|l| !l.starts_with("## ")).collect()
}

/// `- `name` (Label) description` or `1. `name` (Label) description` → its parts.
fn item(line: &str) -> Option<(&str, &str, &str)> {
    let rest = line.split_once("`")?.1;
    let (name, rest) = rest.split_once('`')?;
    let (label, description) = rest.strip_prefix(" (")?.split_once(')')?;
    Some((name, label, description.trim()))
}

/// Checks a function page against the function's signature; returns every problem.
fn check_function_text(page_path: &str, page: &str, name: &str, sig: &Signature) -> Vec<String> {
    let mut problems = Vec::new();
    let summary = page
        .lines()
        .skip_while(|l| !l.starts_with("description:"))
        .nth(1)
        .map(str::trim)
        .unwrap_or_default();
    if summary != sig.summary {
        problems.push(format!(
            "{page_path}: front-matter description {summary:?} is not the summary {:?}",
            sig.summary
        ));
    }
    let line = format!(
        "{name}({}) {}",
        sig.parameters
            .iter()
            .map(|p| format!("{} {}", p.name, cty_name(&p.ty)))
            .collect::<Vec<_>>()
            .join(", "),
        cty_name(&sig.returns)
    );
    if !section(page, "Signature").iter().any(|l| l.trim() == line) {
        problems.push(format!(
            "{page_path}: `## Signature` lacks the line `{line}`"
        ));
    }
    let args: Vec<&str> = section(page, "Arguments")
        .into_iter()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    if args.len() != sig.parameters.len() {
        problems.push(format!(
            "{page_path}: {} arguments documented, the signature has {}",
            args.len(),
            sig.parameters.len()
        ));
    }
    for (i, (l, p)) in args.iter().zip(&sig.parameters).enumerate() {
        let want = (p.name.as_str(), type_label(&p.ty), p.description.as_str());
        match item(l) {
            Some((n, label, d))
                if (n, label.to_string(), d) == (want.0, want.1.clone(), want.2) => {}
            _ => problems.push(format!(
                "{page_path}: argument {} should read `{}. `{}` ({}) {}`",
                i + 1,
                i + 1,
                want.0,
                want.1,
                want.2
            )),
        }
    }
    if let Type::Object(fields) = &sig.returns {
        let documented: Vec<(String, String)> = section(page, "Return Type")
            .into_iter()
            .filter_map(|l| l.strip_prefix("- ").and_then(item))
            .map(|(n, label, _)| (n.to_string(), label.to_string()))
            .collect();
        let wanted: Vec<(String, String)> = fields
            .iter()
            .map(|(f, t)| (f.clone(), type_label(t)))
            .collect();
        let mut a = documented.clone();
        let mut b = wanted.clone();
        a.sort();
        b.sort();
        if a != b {
            problems.push(format!(
                "{page_path}: `## Return Type` documents {documented:?}, the result has {wanted:?}"
            ));
        }
    }
    problems
}

#[test]
fn guides_embed_their_runnable_examples() {
    let mut problems = check_examples(
        "docs/guides/adopting-existing-chatbots.md",
        &["examples/adopt-existing/main.tf"],
    );
    problems.extend(check_examples(
        "docs/guides/testing-offline.md",
        &[
            "examples/testing/main.tf",
            "examples/testing/tests/chatbots.tftest.hcl",
            "examples/testing/tests/unit.tftest.hcl",
        ],
    ));
    assert_no_problems(problems);
}

// The function checker itself: a page that drifts from a signature must be caught.
mod checker {
    use super::*;

    fn signature() -> Signature {
        Signature {
            summary: "Greets.".into(),
            description: String::new(),
            parameters: vec![tencentchat::tfproto::Parameter::new(
                "who",
                Type::String,
                "Who.",
            )],
            returns: Type::Object(vec![("text".into(), Type::String)]),
        }
    }

    const FUNCTION: &str = "---\ndescription: |-\n  Greets.\n---\n\n## Signature\n\n```text\ngreet(who string) object\n```\n\n## Arguments\n\n1. `who` (String) Who.\n\n## Return Type\n\n- `text` (String) The text.\n";

    fn check_function(text: &str) -> Vec<String> {
        check_function_text("f.md", text, "greet", &signature())
    }

    #[test]
    fn function_checker_accepts_a_matching_page_and_catches_drift() {
        assert_eq!(check_function(FUNCTION), Vec::<String>::new());
        for (from, to, problem) in [
            ("  Greets.", "  Waves.", "front-matter"),
            ("greet(who string)", "greet(whom string)", "Signature"),
            (
                "1. `who` (String) Who.",
                "1. `who` (Number) Who.",
                "argument 1",
            ),
            ("1. `who` (String) Who.\n", "", "0 arguments"),
            ("- `text` (String)", "- `txt` (String)", "Return Type"),
        ] {
            let p = check_function(&FUNCTION.replace(from, to));
            assert!(
                p.iter().any(|m| m.contains(problem)),
                "{from} → {to}: {p:?}"
            );
        }
    }
}
