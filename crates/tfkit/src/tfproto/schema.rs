//! Schemas as provider code declares them; converted to `tfplugin6.Schema` by the
//! service layer (attribute types go out as cty JSON).

use std::sync::Arc;

use super::diag::{AttrPath, Diagnostics, PathStep};
use super::value::Value;

/// A cty type.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(Vec<(String, Type)>),
}

impl Type {
    /// The JSON encoding of this cty type: `"string"`, `["list","string"]`,
    /// `["object",{"nick":"string"}]`.
    pub fn to_cty_json(&self) -> serde_json::Value {
        use serde_json::{json, Map, Value as J};
        match self {
            Type::String => json!("string"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::List(t) => json!(["list", t.to_cty_json()]),
            Type::Set(t) => json!(["set", t.to_cty_json()]),
            Type::Map(t) => json!(["map", t.to_cty_json()]),
            Type::Object(attrs) => {
                let m: Map<String, J> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_cty_json()))
                    .collect();
                json!(["object", m])
            }
        }
    }
}

/// A rule on one attribute's value, declared with the attribute: called with the
/// attribute's name and its value when that value is wholly known and not null,
/// it adds one diagnostic per problem (pointing at the attribute) to the list.
///
/// Provider code writes a typed rule, `fn(name: &str, value: &T, diags)` over the
/// field's type (see [`model::Attr::validate`](super::model::Attr::validate));
/// this is that rule behind the value it reads.
#[derive(Clone)]
pub struct Validator(Arc<ValueRule>);

type ValueRule = dyn Fn(&str, &Value, &mut Diagnostics) + Send + Sync;

impl Validator {
    pub fn new(f: impl Fn(&str, &Value, &mut Diagnostics) + Send + Sync + 'static) -> Self {
        Validator(Arc::new(f))
    }

    pub fn check(&self, name: &str, value: &Value, diags: &mut Diagnostics) {
        (self.0)(name, value, diags)
    }
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Validator")
    }
}

/// One attribute of a block.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    /// Markdown; shown by docs and language servers.
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// A change of this attribute replaces the object (resources only); the
    /// typed plan reports it, as a `RequiresReplace` plan modifier would. On a
    /// nested attribute, a change of that field in any element replaces the
    /// object, and the path reported is the top-level attribute's.
    pub requires_replace: bool,
    /// Computed, not configured, and the object changes in place: keep the prior
    /// state's value (terraform-plugin-framework's `UseStateForUnknown`) instead of
    /// planning it unknown. Top-level attributes of resources only.
    pub use_state_for_unknown: bool,
    /// Checked at validate and plan on known values, in declaration order.
    pub validators: Vec<Validator>,
    /// The fields of an object (or of a collection's objects), with their
    /// descriptions, for the docs; the wire carries only the type.
    pub nested: Vec<Attribute>,
}

/// Equal when everything Terraform or the docs see is equal (validators are code).
impl PartialEq for Attribute {
    fn eq(&self, o: &Self) -> bool {
        (&self.name, &self.ty, &self.description, &self.nested)
            == (&o.name, &o.ty, &o.description, &o.nested)
            && [self.required, self.optional, self.computed, self.sensitive]
                == [o.required, o.optional, o.computed, o.sensitive]
            && (self.requires_replace, self.use_state_for_unknown)
                == (o.requires_replace, o.use_state_for_unknown)
    }
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            name: name.into(),
            ty,
            description: description.into(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            requires_replace: false,
            use_state_for_unknown: false,
            validators: Vec::new(),
            nested: Vec::new(),
        }
    }
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            required: true,
            ..Self::new(name, ty, description)
        }
    }
    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            ..Self::new(name, ty, description)
        }
    }
    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            computed: true,
            ..Self::new(name, ty, description)
        }
    }
    /// Optional, and filled in by the provider when the configuration leaves it out.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            computed: true,
            ..Self::new(name, ty, description)
        }
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Changing the value replaces the object.
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    /// Keeps the prior value on an in-place update (see the field of that name).
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }
    /// Adds a rule on the value (untyped; models use [`model::Attr::validate`](super::model::Attr::validate)).
    pub fn validate(mut self, v: Validator) -> Self {
        self.validators.push(v);
        self
    }
    /// The fields of the objects this attribute holds: their validators run on
    /// every element, a sensitive field makes this whole attribute sensitive (a
    /// cty type has no per-field sensitivity), and a replacing field replaces.
    pub fn with_nested(mut self, fields: Vec<Attribute>) -> Self {
        self.sensitive |= fields.iter().any(|f| f.sensitive);
        self.nested = fields;
        self
    }

    /// True when a change of this attribute, or of a nested field of it,
    /// replaces the object.
    pub fn replaces(&self) -> bool {
        self.requires_replace || self.nested.iter().any(Attribute::replaces)
    }

    /// The part of `v` whose change replaces the object: all of it, the replacing
    /// nested fields of each element, or nothing (`None`).
    pub fn replace_key(&self, v: &Value) -> Option<Value> {
        if self.requires_replace {
            Some(v.clone())
        } else if self.replaces() {
            Some(project(&self.ty, &self.nested, v))
        } else {
            None
        }
    }

    /// Runs this attribute's validators on `v` (the value at `path`), then the
    /// nested fields' on each element.
    fn check(&self, v: &Value, path: &[PathStep], d: &mut Diagnostics) {
        if v.is_null() {
            return;
        }
        if v.is_wholly_known() && !self.validators.is_empty() {
            let mut own = Diagnostics::new();
            for check in &self.validators {
                check.check(&self.name, v, &mut own);
            }
            for mut diag in own.0 {
                // Re-root the diagnostic's path (`[name, …]`) at this attribute's path.
                if let Some(AttrPath(steps)) = &mut diag.attribute {
                    let rest = steps.split_off(steps.len().min(1));
                    *steps = path.iter().cloned().chain(rest).collect();
                }
                d.0.push(diag);
            }
        }
        if !self.nested.is_empty() {
            check_elements(&self.ty, &self.nested, v, path, d);
        }
    }
}

/// The nested fields' rules on each object `v` (of type `ty`) holds.
fn check_elements(
    ty: &Type,
    fields: &[Attribute],
    v: &Value,
    path: &[PathStep],
    d: &mut Diagnostics,
) {
    let at = |step: PathStep| -> Vec<PathStep> { path.iter().cloned().chain([step]).collect() };
    match (ty, v) {
        (Type::Object(_), Value::Map(_)) => check_block(fields, v, path, d),
        (Type::List(t), Value::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_elements(t, fields, item, &at(PathStep::Index(i as i64)), d);
            }
        }
        // A set element has no index; its diagnostics point at the set.
        (Type::Set(t), Value::List(items)) => {
            for item in items {
                check_elements(t, fields, item, path, d);
            }
        }
        (Type::Map(t), Value::Map(m)) => {
            for (k, item) in m {
                check_elements(t, fields, item, &at(PathStep::Key(k.clone())), d);
            }
        }
        _ => {}
    }
}

/// Every attribute's rules on the object `obj` at `path`.
fn check_block(attrs: &[Attribute], obj: &Value, path: &[PathStep], d: &mut Diagnostics) {
    for a in attrs {
        let here: Vec<PathStep> = path
            .iter()
            .cloned()
            .chain([PathStep::Attribute(a.name.clone())])
            .collect();
        a.check(obj.get(&a.name), &here, d);
    }
}

/// `v` (of type `ty`) with each object cut down to its replacing fields.
fn project(ty: &Type, fields: &[Attribute], v: &Value) -> Value {
    match (ty, v) {
        (Type::Object(_), Value::Map(_)) => Value::object(
            fields
                .iter()
                .filter_map(|a| a.replace_key(v.get(&a.name)).map(|k| (a.name.clone(), k))),
        ),
        (Type::List(t) | Type::Set(t), Value::List(items)) => {
            Value::List(items.iter().map(|i| project(t, fields, i)).collect())
        }
        (Type::Map(t), Value::Map(m)) => Value::Map(
            m.iter()
                .map(|(k, i)| (k.clone(), project(t, fields, i)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// A schema: version (for state upgrades) and its top-level block of attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub description: String,
    pub attributes: Vec<Attribute>,
}

impl Schema {
    pub fn new(description: impl Into<String>, attributes: Vec<Attribute>) -> Self {
        Schema {
            version: 0,
            description: description.into(),
            attributes,
        }
    }

    /// The attribute `name`, if the block has one.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Every attribute's validators on the wholly known, non-null values of
    /// `config`, nested fields' included (their diagnostics point into the element).
    pub fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        check_block(&self.attributes, config, &[], &mut d);
        d
    }

    /// The object type of a value of this block.
    pub fn object_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }
}
