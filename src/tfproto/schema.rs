//! Schemas as provider code declares them; converted to `tfplugin6.Schema` by the
//! service layer (attribute types go out as cty JSON).

use super::diag::Diagnostics;
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
/// attribute's name and its value when that value is known and not null, it adds
/// one diagnostic per problem (pointing at the attribute) to the list.
pub type Validator = fn(name: &str, value: &Value, diags: &mut Diagnostics);

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
    /// service's plan reports it, as a `RequiresReplace` plan modifier would.
    pub requires_replace: bool,
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
            && self.requires_replace == o.requires_replace
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
    /// Adds a rule on the value.
    pub fn validate(mut self, v: Validator) -> Self {
        self.validators.push(v);
        self
    }
    /// Documents the fields of the objects this attribute holds.
    pub fn with_nested(mut self, fields: Vec<Attribute>) -> Self {
        self.nested = fields;
        self
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

    /// Every attribute's validators on the known, non-null values of `config`.
    pub fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        for a in &self.attributes {
            let v = config.get(&a.name);
            if !v.is_null() && v.is_wholly_known() {
                for check in &a.validators {
                    check(&a.name, v, &mut d);
                }
            }
        }
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
