//! The registry-style pages under `docs/` must describe exactly the schema the
//! provider serves. The schema is loaded in-process through the library, and each
//! page's "Schema" bullets (`- `name` (Type) …`) are compared with it: every
//! attribute documented, in the right section (Required / Optional / Read-Only),
//! with the right type label, and no bullet for an attribute the schema lacks.
//! The "Example Usage" blocks must be the files under `examples/`, verbatim.
//! Function pages (`docs/functions/`) are checked the same way against each
//! function's signature: summary, the `## Signature` line, the numbered
//! `## Arguments` (name, type, description, in order) and an object result's fields.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tencentchat::provider::TencentChat;
use tencentchat::tfproto::{Provider, Schema, Signature, Type};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
}

/// One `- `name` (Label) description` bullet of a page.
#[derive(Debug, Clone, PartialEq)]
struct Bullet {
    /// `Required`, `Optional`, `Read-Only`, or `Nested:<attr>` for a nested schema.
    section: String,
    name: String,
    /// The text inside the first parentheses, e.g. `String, Sensitive`.
    label: String,
    description: String,
}

/// The bullets under the page's `## Schema` heading (and its nested schemas).
fn schema_bullets(page: &str) -> Vec<Bullet> {
    let mut out = Vec::new();
    let mut in_schema = false;
    let mut section = String::new();
    for line in page.lines() {
        let line = line.trim_end();
        if let Some(h) = line.strip_prefix("## ") {
            in_schema = h.trim() == "Schema";
            section.clear();
            continue;
        }
        if !in_schema {
            continue;
        }
        if let Some(h) = line.strip_prefix("### ") {
            let h = h.trim();
            section = match h.strip_prefix("Nested Schema for `") {
                Some(rest) => format!("Nested:{}", rest.trim_end_matches('`')),
                None => h.to_string(),
            };
            continue;
        }
        let Some(rest) = line.strip_prefix("- `") else {
            continue;
        };
        let Some((name, rest)) = rest.split_once('`') else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(" (") else {
            continue;
        };
        let Some((label, description)) = rest.split_once(')') else {
            continue;
        };
        out.push(Bullet {
            section: section.clone(),
            name: name.to_string(),
            label: label.to_string(),
            description: description.trim().to_string(),
        });
    }
    out
}

/// tfplugindocs' names for cty types.
fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::List(t) => format!("List of {}", type_label(t)),
        Type::Set(t) => format!("Set of {}", type_label(t)),
        Type::Map(t) => format!("Map of {}", type_label(t)),
        Type::Object(_) => "Object".into(),
    }
}

/// Checks one page against one schema; returns every problem found.
fn check_page(page_path: &str, schema: &Schema) -> Vec<String> {
    check_page_text(page_path, &read(page_path), schema)
}

/// [`check_page`] on the page's text; `page_path` only labels the problems.
fn check_page_text(page_path: &str, page: &str, schema: &Schema) -> Vec<String> {
    let bullets = schema_bullets(page);
    let mut problems = Vec::new();
    if bullets.is_empty() {
        problems.push(format!("{page_path}: no `## Schema` bullets found"));
        return problems;
    }

    let mut top: BTreeMap<&str, &Bullet> = BTreeMap::new();
    for b in bullets.iter().filter(|b| !b.section.starts_with("Nested:")) {
        if top.insert(b.name.as_str(), b).is_some() {
            problems.push(format!("{page_path}: `{}` is documented twice", b.name));
        }
    }

    for attr in &schema.attributes {
        let Some(b) = top.get(attr.name.as_str()) else {
            problems.push(format!(
                "{page_path}: attribute `{}` is missing from the Schema section",
                attr.name
            ));
            continue;
        };
        let section = if attr.required {
            "Required"
        } else if attr.optional {
            "Optional"
        } else {
            "Read-Only"
        };
        if b.section != section {
            problems.push(format!(
                "{page_path}: `{}` is under `### {}` but the schema makes it {section}",
                attr.name, b.section
            ));
        }
        let mut label = type_label(&attr.ty);
        if attr.sensitive {
            label.push_str(", Sensitive");
        }
        if b.label != label {
            problems.push(format!(
                "{page_path}: `{}` is labelled ({}) but the schema says ({label})",
                attr.name, b.label
            ));
        }
        if b.description.is_empty() {
            problems.push(format!("{page_path}: `{}` has no description", attr.name));
        }
        // Attributes holding objects document the objects' fields too.
        let object = match &attr.ty {
            Type::List(t) | Type::Set(t) | Type::Map(t) => match t.as_ref() {
                Type::Object(fields) => Some(fields),
                _ => None,
            },
            Type::Object(fields) => Some(fields),
            _ => None,
        };
        if let Some(fields) = object {
            let nested: Vec<&Bullet> = bullets
                .iter()
                .filter(|b| b.section == format!("Nested:{}", attr.name))
                .collect();
            for (field, ty) in fields {
                match nested.iter().find(|b| &b.name == field) {
                    None => problems.push(format!(
                        "{page_path}: field `{field}` of `{}` is missing from its nested schema",
                        attr.name
                    )),
                    Some(b) if b.label != type_label(ty) => problems.push(format!(
                        "{page_path}: `{}.{field}` is labelled ({}) but the schema says ({})",
                        attr.name,
                        b.label,
                        type_label(ty)
                    )),
                    Some(_) => {}
                }
            }
            for b in nested {
                if !fields.iter().any(|(f, _)| f == &b.name) {
                    problems.push(format!(
                        "{page_path}: `{}.{}` is documented but not in the schema",
                        attr.name, b.name
                    ));
                }
            }
        }
    }

    for b in &bullets {
        if let Some(parent) = b.section.strip_prefix("Nested:") {
            if schema.attribute(parent).is_none() {
                problems.push(format!(
                    "{page_path}: nested schema for `{parent}`, which the schema lacks"
                ));
            }
        } else if schema.attribute(&b.name).is_none() {
            problems.push(format!(
                "{page_path}: `{}` is documented but the schema has no such attribute",
                b.name
            ));
        }
    }
    problems
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
    match ty {
        Type::String => "string".into(),
        Type::Number => "number".into(),
        Type::Bool => "bool".into(),
        Type::List(t) => format!("list({})", cty_name(t)),
        Type::Set(t) => format!("set({})", cty_name(t)),
        Type::Map(t) => format!("map({})", cty_name(t)),
        Type::Object(_) => "object".into(),
    }
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

fn function_signature(name: &str) -> Signature {
    TencentChat::new()
        .functions()
        .into_iter()
        .find(|f| f.name() == name)
        .unwrap_or_else(|| panic!("the provider has no function {name}"))
        .signature()
}

fn resource_schema(name: &str) -> Schema {
    let p = TencentChat::new();
    p.resources()
        .into_iter()
        .find(|r| r.type_name() == name)
        .unwrap_or_else(|| panic!("the provider has no resource {name}"))
        .schema()
}

fn data_source_schema(name: &str) -> Schema {
    let p = TencentChat::new();
    p.data_sources()
        .into_iter()
        .find(|d| d.type_name() == name)
        .unwrap_or_else(|| panic!("the provider has no data source {name}"))
        .schema()
}

fn ephemeral_resource_schema(name: &str) -> Schema {
    let p = TencentChat::new();
    p.ephemeral_resources()
        .into_iter()
        .find(|e| e.type_name() == name)
        .unwrap_or_else(|| panic!("the provider has no ephemeral resource {name}"))
        .schema()
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "docs out of date:\n{}",
        problems.join("\n")
    );
}

#[test]
fn provider_page_matches_the_provider_schema() {
    let schema = TencentChat::new().schema();
    let mut problems = check_page("docs/index.md", &schema);
    problems.extend(check_examples(
        "docs/index.md",
        &["examples/provider/provider.tf"],
    ));
    assert_no_problems(problems);
}

#[test]
fn robot_page_matches_the_resource_schema() {
    let schema = resource_schema("tencentchat_robot");
    let mut problems = check_page("docs/resources/robot.md", &schema);
    problems.extend(check_examples(
        "docs/resources/robot.md",
        &[
            "examples/resources/tencentchat_robot/resource.tf",
            "examples/resources/tencentchat_robot/import.sh",
        ],
    ));
    assert_no_problems(problems);
}

#[test]
fn robots_page_matches_the_data_source_schema() {
    let schema = data_source_schema("tencentchat_robots");
    let mut problems = check_page("docs/data-sources/robots.md", &schema);
    problems.extend(check_examples(
        "docs/data-sources/robots.md",
        &["examples/data-sources/tencentchat_robots/data-source.tf"],
    ));
    assert_no_problems(problems);
}

#[test]
fn usersig_page_matches_the_ephemeral_resource_schema() {
    let schema = ephemeral_resource_schema("tencentchat_usersig");
    let mut problems = check_page("docs/ephemeral-resources/usersig.md", &schema);
    problems.extend(check_examples(
        "docs/ephemeral-resources/usersig.md",
        &["examples/ephemeral-resources/tencentchat_usersig/ephemeral-resource.tf"],
    ));
    assert_no_problems(problems);
}

#[test]
fn function_pages_match_the_signatures() {
    let mut problems = Vec::new();
    for f in TencentChat::new().functions() {
        let name = f.name();
        let page = format!("docs/functions/{name}.md");
        problems.extend(check_function_text(
            &page,
            &read(&page),
            name,
            &function_signature(name),
        ));
        problems.extend(check_examples(
            &page,
            &[&format!("examples/functions/{name}/function.tf")],
        ));
    }
    assert_no_problems(problems);
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

#[test]
fn every_resource_and_data_source_has_a_page() {
    let p = TencentChat::new();
    let mut missing = Vec::new();
    for r in p.resources() {
        let short = r.type_name().trim_start_matches("tencentchat_");
        let page = format!("docs/resources/{short}.md");
        if !repo_root().join(&page).is_file() {
            missing.push(page);
        }
    }
    for d in p.data_sources() {
        let short = d.type_name().trim_start_matches("tencentchat_");
        let page = format!("docs/data-sources/{short}.md");
        if !repo_root().join(&page).is_file() {
            missing.push(page);
        }
    }
    for e in p.ephemeral_resources() {
        let short = e.type_name().trim_start_matches("tencentchat_");
        let page = format!("docs/ephemeral-resources/{short}.md");
        if !repo_root().join(&page).is_file() {
            missing.push(page);
        }
    }
    for f in p.functions() {
        let page = format!("docs/functions/{}.md", f.name());
        if !repo_root().join(&page).is_file() {
            missing.push(page);
        }
    }
    assert!(missing.is_empty(), "pages missing: {missing:?}");
}

// The checker itself: a page that drifts from a schema must be caught.
mod checker {
    use super::*;
    use tencentchat::tfproto::Attribute;

    fn schema() -> Schema {
        Schema::new(
            "test",
            vec![
                Attribute::required("user_id", Type::String, "id"),
                Attribute::optional("nick", Type::String, "nick"),
                Attribute::optional("key", Type::String, "key").sensitive(),
                Attribute::computed(
                    "robots",
                    Type::List(Box::new(Type::Object(vec![(
                        "user_id".into(),
                        Type::String,
                    )]))),
                    "robots",
                ),
            ],
        )
    }

    fn check_text(text: &str) -> Vec<String> {
        check_page_text("page.md", text, &schema())
    }

    const GOOD: &str = "# x\n\n## Schema\n\n### Required\n\n- `user_id` (String) The id.\n\n### Optional\n\n- `key` (String, Sensitive) Key.\n- `nick` (String) Nick.\n\n### Read-Only\n\n- `robots` (List of Object) Robots.\n\n### Nested Schema for `robots`\n\nRead-Only:\n\n- `user_id` (String) Id.\n";

    #[test]
    fn accepts_a_matching_page() {
        assert_eq!(check_text(GOOD), Vec::<String>::new());
    }

    #[test]
    fn catches_a_missing_attribute() {
        let p = check_text(&GOOD.replace("- `nick` (String) Nick.\n", ""));
        assert!(p.iter().any(|m| m.contains("`nick` is missing")), "{p:?}");
    }

    #[test]
    fn catches_an_unknown_attribute() {
        let p = check_text(&GOOD.replace("- `nick`", "- `nickname`"));
        assert!(
            p.iter().any(|m| m.contains("`nickname` is documented")),
            "{p:?}"
        );
    }

    #[test]
    fn catches_wrong_section_type_and_sensitivity() {
        let p = check_text(&GOOD.replace("(String, Sensitive)", "(String)"));
        assert!(p.iter().any(|m| m.contains("`key` is labelled")), "{p:?}");
        let p = check_text(&GOOD.replace("### Required", "### Optional"));
        assert!(p.iter().any(|m| m.contains("`user_id` is under")), "{p:?}");
    }

    #[test]
    fn catches_nested_fields() {
        let p = check_text(&GOOD.replace("Read-Only:\n\n- `user_id`", "Read-Only:\n\n- `uid`"));
        assert!(p.iter().any(|m| m.contains("field `user_id`")), "{p:?}");
        assert!(p.iter().any(|m| m.contains("`robots.uid`")), "{p:?}");
    }

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

    #[test]
    fn ignores_bullets_outside_the_schema_section() {
        let text = format!("# x\n\n- `whatever` (String) prose\n\n{}", &GOOD[4..]);
        assert_eq!(check_text(&text), Vec::<String>::new());
    }
}
