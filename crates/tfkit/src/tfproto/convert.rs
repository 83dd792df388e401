//! Our schema and diagnostic types → their `tfplugin6` wire messages.

use super::diag::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
use super::function::{FunctionError, Signature};
use super::proto;
use super::schema::{Attribute, Schema, Type};

/// A schema as Terraform expects it: one block of attributes, Markdown
/// descriptions, attribute types as cty JSON.
pub(crate) fn schema(s: &Schema) -> proto::Schema {
    proto::Schema {
        version: s.version,
        block: Some(proto::schema::Block {
            version: s.version,
            attributes: s.attributes.iter().map(attribute).collect(),
            block_types: Vec::new(),
            description: s.description.clone(),
            description_kind: proto::StringKind::Markdown as i32,
            deprecated: false,
        }),
    }
}

/// A cty type as the JSON bytes the wire carries.
fn cty(t: &Type) -> Vec<u8> {
    // Serialising a serde_json::Value cannot fail.
    serde_json::to_vec(&t.to_cty_json()).unwrap_or_default()
}

fn attribute(a: &Attribute) -> proto::schema::Attribute {
    proto::schema::Attribute {
        name: a.name.clone(),
        r#type: cty(&a.ty),
        nested_type: None,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: proto::StringKind::Markdown as i32,
        deprecated: false,
        write_only: false,
    }
}

/// A function's signature. Parameters refuse null and unknown values: Terraform
/// then reports a null argument itself and answers an unknown result for an
/// unknown one without calling the provider.
pub(crate) fn function(s: &Signature) -> proto::Function {
    proto::Function {
        parameters: s
            .parameters
            .iter()
            .map(|p| proto::function::Parameter {
                name: p.name.clone(),
                r#type: cty(&p.ty),
                allow_null_value: false,
                allow_unknown_values: false,
                description: p.description.clone(),
                description_kind: proto::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(proto::function::Return {
            r#type: cty(&s.returns),
        }),
        summary: s.summary.clone(),
        description: s.description.clone(),
        description_kind: proto::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

/// Terraform shows the text after `Invalid value for "NAME" parameter: ` and ends
/// it with a full stop of its own, so ours is dropped.
pub(crate) fn function_error(e: &FunctionError) -> proto::FunctionError {
    proto::FunctionError {
        text: e.text.trim_end().trim_end_matches('.').to_string(),
        function_argument: e.argument.map(|i| i as i64),
    }
}

pub(crate) fn path(p: &AttrPath) -> proto::AttributePath {
    use proto::attribute_path::{step::Selector, Step};
    proto::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| Step {
                selector: Some(match s {
                    PathStep::Attribute(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

pub(crate) fn diagnostic(d: &Diagnostic) -> proto::Diagnostic {
    proto::Diagnostic {
        severity: match d.severity {
            Severity::Error => proto::diagnostic::Severity::Error,
            Severity::Warning => proto::diagnostic::Severity::Warning,
        } as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        // An empty path would point at nothing; Terraform treats absence as "whole block".
        attribute: d.attribute.as_ref().filter(|p| !p.0.is_empty()).map(path),
    }
}

pub(crate) fn diagnostics(d: &Diagnostics) -> Vec<proto::Diagnostic> {
    d.0.iter().map(diagnostic).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::attribute_path::step::Selector;

    #[test]
    fn schema_carries_cty_json_types_and_flags() {
        let mut s = Schema::new(
            "A **robot**.",
            vec![
                Attribute::required("user_id", Type::String, "ID"),
                Attribute::optional_computed(
                    "profile",
                    Type::Object(vec![
                        ("nick".into(), Type::String),
                        ("tags".into(), Type::Set(Box::new(Type::Number))),
                    ]),
                    "Profile",
                ),
                Attribute::computed("labels", Type::Map(Box::new(Type::Bool)), "L"),
                Attribute::optional("secret", Type::List(Box::new(Type::String)), "S").sensitive(),
            ],
        );
        s.version = 2;
        let p = schema(&s);
        assert_eq!(p.version, 2);
        let b = p.block.unwrap();
        assert_eq!(b.version, 2);
        assert_eq!(b.description, "A **robot**.");
        assert_eq!(b.description_kind, proto::StringKind::Markdown as i32);
        let types: Vec<&str> = b
            .attributes
            .iter()
            .map(|a| std::str::from_utf8(&a.r#type).unwrap())
            .collect();
        assert_eq!(
            types,
            vec![
                r#""string""#,
                r#"["object",{"nick":"string","tags":["set","number"]}]"#,
                r#"["map","bool"]"#,
                r#"["list","string"]"#,
            ]
        );
        let a = &b.attributes;
        assert!(a[0].required && !a[0].optional && !a[0].computed);
        assert!(!a[1].required && a[1].optional && a[1].computed);
        assert!(a[2].computed && !a[2].optional);
        assert!(a[3].sensitive && !a[0].sensitive);
        assert!(a
            .iter()
            .all(|a| a.description_kind == proto::StringKind::Markdown as i32));
        assert_eq!(a[0].name, "user_id");
        assert_eq!(a[0].description, "ID");
    }

    #[test]
    fn diagnostics_keep_severity_and_path_steps() {
        let mut d = Diagnostics::new();
        d.attr_error("user_id", "Bad ID", "must start with @RBT#");
        d.warning("Careful", "");
        d.push(
            Severity::Error,
            "Deep",
            "x",
            Some(AttrPath(vec![
                PathStep::Attribute("tags".into()),
                PathStep::Index(3),
                PathStep::Key("k".into()),
            ])),
        );
        let p = diagnostics(&d);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].severity, proto::diagnostic::Severity::Error as i32);
        assert_eq!(p[0].summary, "Bad ID");
        assert_eq!(p[0].detail, "must start with @RBT#");
        let steps = &p[0].attribute.as_ref().unwrap().steps;
        assert_eq!(
            steps[0].selector,
            Some(Selector::AttributeName("user_id".into()))
        );
        assert_eq!(p[1].severity, proto::diagnostic::Severity::Warning as i32);
        assert!(p[1].attribute.is_none());
        let steps: Vec<_> = p[2]
            .attribute
            .as_ref()
            .unwrap()
            .steps
            .iter()
            .map(|s| s.selector.clone().unwrap())
            .collect();
        assert_eq!(
            steps,
            vec![
                Selector::AttributeName("tags".into()),
                Selector::ElementKeyInt(3),
                Selector::ElementKeyString("k".into()),
            ]
        );
    }
}
