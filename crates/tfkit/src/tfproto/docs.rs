//! The attribute sections of a docs page, generated from a schema in the layout
//! tfplugindocs gives Go providers' registry pages: `## Schema`, then the
//! attributes under `### Required`, `### Optional` and `### Read-Only` (by name),
//! then a nested schema for each attribute holding objects.
//!
//! A page carries the generated text between [`BEGIN`] and [`END`] (or the end of
//! the page); everything else on it is hand-written. `tests/docs.rs` rewrites or
//! checks every page through [`splice`].

use super::schema::{Attribute, Schema, Type};

/// Where the generated part of a page begins.
pub const BEGIN: &str = "<!-- schema -->";
/// Where it ends, when hand-written text follows it.
pub const END: &str = "<!-- /schema -->";

/// How a page names a type.
#[derive(Clone, Copy)]
pub enum TypeStyle {
    /// tfplugindocs' labels: `String`, `List of Object`.
    Label,
    /// A function signature's: `string`, `list(object)`.
    Signature,
}

/// The name of `ty` in `style`.
pub fn type_name(ty: &Type, style: TypeStyle) -> String {
    let label = matches!(style, TypeStyle::Label);
    let (name, inner) = match ty {
        Type::String => ("String", None),
        Type::Number => ("Number", None),
        Type::Bool if label => ("Boolean", None),
        Type::Bool => ("Bool", None),
        Type::List(t) => ("List", Some(t)),
        Type::Set(t) => ("Set", Some(t)),
        Type::Map(t) => ("Map", Some(t)),
        Type::Object(_) => ("Object", None),
    };
    match (inner, label) {
        (None, true) => name.to_string(),
        (None, false) => name.to_lowercase(),
        (Some(t), true) => format!("{name} of {}", type_name(t, style)),
        (Some(t), false) => format!("{}({})", name.to_lowercase(), type_name(t, style)),
    }
}

/// tfplugindocs' label for a cty type.
pub fn type_label(ty: &Type) -> String {
    type_name(ty, TypeStyle::Label)
}

/// `Required`, `Optional` or `Read-Only`.
fn kind(a: &Attribute) -> &'static str {
    if a.required {
        "Required"
    } else if a.optional {
        "Optional"
    } else {
        "Read-Only"
    }
}

fn bullet(a: &Attribute) -> String {
    let mut label = type_label(&a.ty);
    if a.sensitive {
        label.push_str(", Sensitive");
    }
    let mut line = format!("- `{}` ({label}) {}", a.name, a.description);
    if !a.nested.is_empty() {
        line.push_str(&format!(
            " (see [below for nested schema](#nestedatt--{}))",
            a.name
        ));
    }
    line + "\n"
}

/// The bullets of `attrs`, grouped by kind; `heading` renders a group's title.
fn groups(attrs: &[Attribute], heading: impl Fn(&str) -> String) -> String {
    let mut sorted: Vec<&Attribute> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    for k in ["Required", "Optional", "Read-Only"] {
        let group: Vec<_> = sorted.iter().filter(|a| kind(a) == k).collect();
        if !group.is_empty() {
            out.push_str(&heading(k));
            group.iter().for_each(|a| out.push_str(&bullet(a)));
        }
    }
    out
}

/// The generated part of a page for `schema`, from [`BEGIN`] on.
pub fn schema_markdown(schema: &Schema) -> String {
    let mut out = format!("{BEGIN}\n## Schema\n");
    out.push_str(&groups(&schema.attributes, |k| format!("\n### {k}\n\n")));
    let mut nested: Vec<&Attribute> = schema
        .attributes
        .iter()
        .filter(|a| !a.nested.is_empty())
        .collect();
    nested.sort_by(|a, b| a.name.cmp(&b.name));
    for a in nested {
        out.push_str(&format!(
            "\n<a id=\"nestedatt--{0}\"></a>\n### Nested Schema for `{0}`\n",
            a.name
        ));
        out.push_str(&groups(&a.nested, |k| format!("\n{k}:\n\n")));
    }
    out
}

/// `page` with its generated part replaced by `generated`; `None` when the page
/// has no [`BEGIN`] marker.
pub fn splice(page: &str, generated: &str) -> Option<String> {
    let start = page.find(BEGIN)?;
    let rest = &page[start..];
    let tail = match rest.find(END) {
        Some(end) => format!("\n{}", &rest[end..]),
        None => String::new(),
    };
    Some(format!("{}{generated}{tail}", &page[..start]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_sorted_labelled_and_nested() {
        let s = Schema::new(
            "",
            vec![
                Attribute::required("b", Type::String, "B."),
                Attribute::optional("a", Type::Number, "A.").sensitive(),
                Attribute::computed(
                    "list",
                    Type::List(Box::new(Type::Object(vec![("x".into(), Type::Bool)]))),
                    "L.",
                )
                .with_nested(vec![Attribute::computed("x", Type::Bool, "X.")]),
            ],
        );
        let md = schema_markdown(&s);
        assert_eq!(
            md,
            "<!-- schema -->\n## Schema\n\n### Required\n\n- `b` (String) B.\n\n\
             ### Optional\n\n- `a` (Number, Sensitive) A.\n\n### Read-Only\n\n\
             - `list` (List of Object) L. (see [below for nested schema](#nestedatt--list))\n\n\
             <a id=\"nestedatt--list\"></a>\n### Nested Schema for `list`\n\n\
             Read-Only:\n\n- `x` (Boolean) X.\n"
        );
        let page = "# Title\n\nProse.\n\n<!-- schema -->\nold\n<!-- /schema -->\n## Import\n";
        assert_eq!(
            splice(page, "<!-- schema -->\nnew\n").unwrap(),
            "# Title\n\nProse.\n\n<!-- schema -->\nnew\n\n<!-- /schema -->\n## Import\n"
        );
        assert_eq!(
            splice("x\n<!-- schema -->\nold\n", "<!-- schema -->\nnew\n").unwrap(),
            "x\n<!-- schema -->\nnew\n"
        );
        assert!(splice("no marker", "").is_none());
        let list = Type::List(Box::new(Type::Bool));
        assert_eq!(type_name(&list, TypeStyle::Signature), "list(bool)");
        assert_eq!(type_label(&list), "List of Boolean");
    }
}
