//! Typed models: a resource, data source or ephemeral resource reads its
//! configuration, plan and state as a Rust struct and writes its state from one.
//!
//! [`model!`](crate::model) declares the struct and its attributes together, so an
//! attribute's name (the field's name), type (the field's type), kind,
//! description, replace rule and validators are written once. Null and unknown
//! stay explicit: every field is a [`Field`]. Values reaching a model have been
//! conformed to the schema type by the codec, so reading one cannot fail; a value
//! of another type (a provider bug) reads as null rather than panicking.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use super::diag::Diagnostics;
use super::schema::{Attribute, Type, Validator};
use super::value::Value;

/// One attribute's value: known, null, or not known until apply.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    Known(T),
    #[default]
    Null,
    Unknown,
}

impl<T> Field<T> {
    /// The value when known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Field::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Field::Unknown)
    }

    /// `Some` → known, `None` → null.
    pub fn from_option(v: Option<T>) -> Self {
        v.map_or(Field::Null, Field::Known)
    }

    /// This value, or unknown when it is null (a computed default not decided yet).
    pub fn or_unknown(self) -> Self {
        match self {
            Field::Null => Field::Unknown,
            v => v,
        }
    }
}

impl<T: FieldType> Field<T> {
    pub fn from_value(v: &Value) -> Self {
        match v {
            Value::Null => Field::Null,
            Value::Unknown => Field::Unknown,
            v => T::read(v).map_or(Field::Null, Field::Known),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Field::Known(v) => v.write(),
            Field::Null => Value::Null,
            Field::Unknown => Value::Unknown,
        }
    }
}

impl Field<String> {
    /// The known string, if any.
    pub fn as_str(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

/// A Rust type an attribute can hold, with its cty type.
pub trait FieldType: Sized + 'static {
    /// What a typed validator of this type is handed: `str` for `String`, a
    /// slice for a list, the type itself otherwise.
    type Arg: ?Sized;
    fn ty() -> Type;
    /// The value as this type; `None` for a value of another type.
    fn read(v: &Value) -> Option<Self>;
    fn write(&self) -> Value;
    fn arg(&self) -> &Self::Arg;
    /// Whether [`FieldType::problem`] can find anything (its check is declared then).
    const CHECKED: bool = false;
    /// What is wrong with a known value of the schema type that this type cannot
    /// hold (a fraction for an integer), in words after "must be".
    fn problem(_v: &Value) -> Option<String> {
        None
    }
    /// The fields of an object type, with their rules (see [`Attribute::with_nested`]).
    fn nested() -> Vec<Attribute> {
        Vec::new()
    }
}

/// A type carried by one kind of `Value`.
macro_rules! scalar {
    ($t:ty, $arg:ty, $cty:expr, $read:expr, $write:expr, $as_arg:expr) => {
        impl FieldType for $t {
            type Arg = $arg;
            fn ty() -> Type {
                $cty
            }
            fn read(v: &Value) -> Option<Self> {
                $read(v)
            }
            fn write(&self) -> Value {
                $write(self)
            }
            fn arg(&self) -> &$arg {
                $as_arg(self)
            }
        }
    };
}

scalar!(
    String,
    str,
    Type::String,
    |v: &Value| v.as_str().map(str::to_string),
    |s: &String| Value::string(s),
    String::as_str
);
scalar!(
    f64,
    f64,
    Type::Number,
    Value::as_f64,
    |n: &f64| Value::Number(*n),
    |n| n
);
scalar!(
    bool,
    bool,
    Type::Bool,
    Value::as_bool,
    |b: &bool| Value::Bool(*b),
    |b| b
);

/// The integers a number holds exactly (|n| ≤ 2^53: `Value` numbers are f64).
const MAX_EXACT_INTEGER: i64 = 1 << 53;

/// A whole number (cty `number`); a fraction or one beyond ±2^53 is refused at
/// validate, naming the attribute.
impl FieldType for i64 {
    type Arg = i64;
    const CHECKED: bool = true;
    fn ty() -> Type {
        Type::Number
    }
    fn read(v: &Value) -> Option<Self> {
        let n = v.as_f64()?;
        (n.fract() == 0.0 && n.abs() <= MAX_EXACT_INTEGER as f64).then_some(n as i64)
    }
    fn write(&self) -> Value {
        Value::Number(*self as f64)
    }
    fn arg(&self) -> &i64 {
        self
    }
    fn problem(v: &Value) -> Option<String> {
        let n = v.as_f64()?;
        if n.fract() != 0.0 {
            // The range is the attribute's own rule to state, not this one's.
            return Some(format!("a whole number, got {n}"));
        }
        Self::read(v).is_none().then(|| {
            format!("a whole number from -{MAX_EXACT_INTEGER} to {MAX_EXACT_INTEGER}, got {n}")
        })
    }
}

/// A list; an unknown or mistyped element reads as a missing one, and a null
/// element (which `T` cannot hold) is refused at validate.
impl<T: FieldType> FieldType for Vec<T> {
    type Arg = [T];
    const CHECKED: bool = true;
    fn ty() -> Type {
        Type::List(Box::new(T::ty()))
    }
    fn read(v: &Value) -> Option<Self> {
        Some(v.as_list()?.iter().filter_map(T::read).collect())
    }
    fn write(&self) -> Value {
        Value::List(self.iter().map(T::write).collect())
    }
    fn arg(&self) -> &[T] {
        self
    }
    fn problem(v: &Value) -> Option<String> {
        let list = v.as_list()?;
        if list.iter().any(|e| matches!(e, Value::Null)) {
            return Some("a list with no null elements (leave an element out instead)".into());
        }
        let p = list.iter().find_map(T::problem)?;
        Some(format!("a list whose every element is {p}"))
    }
    fn nested() -> Vec<Attribute> {
        T::nested()
    }
}

/// A map of strings to values; an unknown or mistyped element reads as a missing
/// one, and a null value (which `T` cannot hold) is refused at validate: the plan
/// could not carry it, and Terraform would call such a plan invalid.
impl<T: FieldType> FieldType for BTreeMap<String, T> {
    type Arg = BTreeMap<String, T>;
    const CHECKED: bool = true;
    fn ty() -> Type {
        Type::Map(Box::new(T::ty()))
    }
    fn read(v: &Value) -> Option<Self> {
        match v {
            Value::Map(m) => Some(
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), T::read(v)?)))
                    .collect(),
            ),
            _ => None,
        }
    }
    fn write(&self) -> Value {
        Value::Map(self.iter().map(|(k, v)| (k.clone(), v.write())).collect())
    }
    fn arg(&self) -> &Self {
        self
    }
    fn problem(v: &Value) -> Option<String> {
        let Value::Map(m) = v else { return None };
        if let Some(k) = m
            .iter()
            .find_map(|(k, e)| matches!(e, Value::Null).then_some(k))
        {
            return Some(format!(
                "a map with no null values; {k:?} is null (leave that key out instead)"
            ));
        }
        let p = m.values().find_map(T::problem)?;
        Some(format!("a map whose every element is {p}"))
    }
    fn nested() -> Vec<Attribute> {
        T::nested()
    }
}

/// An attribute of a model field of type `T` being declared: the constructors
/// and builder calls [`model!`](crate::model) turns `=> kind("…").call()…` into.
/// Its validators are typed: they get the field's value as `T` (`&str` for a
/// string, a slice for a list).
pub struct Attr<T> {
    attr: Attribute,
    ty: PhantomData<fn() -> T>,
}

impl<T: FieldType> Attr<T> {
    fn with(mut attr: Attribute) -> Self {
        if T::CHECKED {
            attr = attr.validate(Validator::new(|name, v, d| {
                if let Some(p) = T::problem(v) {
                    d.attr_error(
                        name,
                        format!("Invalid {name}"),
                        format!("`{name}` must be {p}."),
                    );
                }
            }));
        }
        Attr {
            attr,
            ty: PhantomData,
        }
    }
    pub fn required(name: &str, description: &str) -> Self {
        Self::with(Attribute::required(name, T::ty(), description))
    }
    pub fn optional(name: &str, description: &str) -> Self {
        Self::with(Attribute::optional(name, T::ty(), description))
    }
    pub fn computed(name: &str, description: &str) -> Self {
        Self::with(Attribute::computed(name, T::ty(), description))
    }
    pub fn optional_computed(name: &str, description: &str) -> Self {
        Self::with(Attribute::optional_computed(name, T::ty(), description))
    }
    pub fn sensitive(self) -> Self {
        self.map(Attribute::sensitive)
    }
    pub fn requires_replace(self) -> Self {
        self.map(Attribute::requires_replace)
    }
    pub fn use_state_for_unknown(self) -> Self {
        self.map(Attribute::use_state_for_unknown)
    }
    /// Adds a rule on the known, non-null value, read as `T`.
    pub fn validate(self, rule: fn(name: &str, value: &T::Arg, diags: &mut Diagnostics)) -> Self {
        self.map(|a| {
            a.validate(Validator::new(move |name, v, d| {
                if let Some(t) = T::read(v) {
                    rule(name, t.arg(), d)
                }
            }))
        })
    }
    fn map(self, f: impl FnOnce(Attribute) -> Attribute) -> Self {
        Attr {
            attr: f(self.attr),
            ty: PhantomData,
        }
    }
    /// The attribute, with the nested fields of `T`.
    pub fn build(self) -> Attribute {
        self.attr.with_nested(T::nested())
    }
}

/// A struct declared with [`model!`](crate::model): an object of attributes.
pub trait Model: Sized {
    /// The attributes, in declaration order.
    fn attributes() -> Vec<Attribute>;
    fn from_value(v: &Value) -> Self;
    fn to_value(&self) -> Value;
}

/// The object type of a model's values.
pub fn object_type<M: Model>() -> Type {
    Type::Object(
        M::attributes()
            .into_iter()
            .map(|a| (a.name, a.ty))
            .collect(),
    )
}

/// Declares a model struct and its attributes in one place.
///
/// ```ignore
/// tfkit::model! {
///     /// A thing.
///     pub(crate) struct Thing in thing_attr {
///         id: String => computed("The ID."),
///         name: String => required("The name.").requires_replace().validate(check_name),
///     }
/// }
/// ```
///
/// Each field becomes `pub name: Field<T>` and the attribute `name` of type
/// `T`; the words after `=>` are an [`Attr`] constructor without the name and
/// type, and its builder calls (`.validate(rule)` takes a typed rule,
/// `fn(&str, &T::Arg, &mut Diagnostics)`). Field types: `String`, `i64`, `f64`,
/// `bool`, `Vec<T>`, `BTreeMap<String, T>` and other models (nested objects,
/// whose fields' rules apply: see [`Attribute::with_nested`]). The module named after `in` holds each
/// attribute's name as a constant of the same name (`thing_attr::name`), for
/// diagnostics that point at the attribute.
#[macro_export]
macro_rules! model {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident in $names:ident {
            $( $field:ident : $ty:ty => $kind:ident ( $desc:expr ) $( . $call:ident ( $($arg:expr),* ) )* ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        $vis struct $name {
            $( pub $field: $crate::tfproto::Field<$ty>, )*
        }

        /// The attribute names of the model of the same module.
        #[allow(non_upper_case_globals, dead_code, unreachable_pub)]
        $vis mod $names {
            $( pub const $field: &str = stringify!($field); )*
        }

        impl $crate::tfproto::Model for $name {
            fn attributes() -> Vec<$crate::tfproto::Attribute> {
                vec![ $(
                    $crate::tfproto::model::Attr::<$ty>::$kind(stringify!($field), &$desc)
                    $( .$call($($arg),*) )*
                    .build()
                ),* ]
            }
            fn from_value(v: &$crate::tfproto::Value) -> Self {
                $name { $( $field: $crate::tfproto::Field::from_value(v.get(stringify!($field))), )* }
            }
            fn to_value(&self) -> $crate::tfproto::Value {
                $crate::tfproto::Value::object([ $( (stringify!($field), self.$field.to_value()), )* ])
            }
        }

        /// An object of this model, as an attribute of another.
        impl $crate::tfproto::FieldType for $name {
            type Arg = $name;
            fn arg(&self) -> &$name {
                self
            }
            fn ty() -> $crate::tfproto::Type {
                $crate::tfproto::model::object_type::<$name>()
            }
            fn read(v: &$crate::tfproto::Value) -> Option<Self> {
                matches!(v, $crate::tfproto::Value::Map(_))
                    .then(|| <$name as $crate::tfproto::Model>::from_value(v))
            }
            fn write(&self) -> $crate::tfproto::Value {
                <$name as $crate::tfproto::Model>::to_value(self)
            }
            fn nested() -> Vec<$crate::tfproto::Attribute> {
                <$name as $crate::tfproto::Model>::attributes()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfproto::{Diagnostics, Schema};

    fn no_blank(name: &str, v: &str, d: &mut Diagnostics) {
        if v.is_empty() {
            d.attr_error(name, format!("Empty {name}"), "");
        }
    }

    crate::model! {
        struct Item in item_attr {
            key: String => required("Key."),
        }
    }

    crate::model! {
        /// A test model.
        struct Thing in thing_attr {
            id: String => computed("ID."),
            name: String => required("Name.").requires_replace().validate(no_blank),
            size: f64 => optional("Size."),
            items: Vec<Item> => optional_computed("Items."),
            secret: String => optional("Secret.").sensitive(),
        }
    }

    #[test]
    fn a_model_declares_its_schema_and_reads_and_writes_values() {
        let attrs = Thing::attributes();
        let names: Vec<_> = attrs.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "size", "items", "secret"]);
        assert_eq!(thing_attr::name, "name");
        assert!(attrs[1].required && attrs[1].requires_replace);
        assert!(attrs[0].computed && !attrs[0].optional);
        assert!(attrs[4].sensitive);
        assert_eq!(attrs[3].nested[0].name, item_attr::key);
        assert_eq!(
            attrs[3].ty,
            Type::List(Box::new(Type::Object(vec![("key".into(), Type::String)])))
        );

        let v = Value::object([
            ("id", Value::Unknown),
            ("name", Value::string("a")),
            ("size", Value::Number(2.0)),
            (
                "items",
                Value::List(vec![Value::object([("key", Value::string("k"))])]),
            ),
            ("secret", Value::Null),
        ]);
        let t = Thing::from_value(&v);
        assert!(t.id.is_unknown() && t.secret.is_null());
        assert_eq!(t.name.as_str(), Some("a"));
        assert_eq!(t.size, Field::Known(2.0));
        assert_eq!(t.items.known().unwrap()[0].key.as_str(), Some("k"));
        assert_eq!(t.to_value(), v);
        // A value of the wrong type reads as null instead of panicking.
        assert!(
            Thing::from_value(&Value::object([("name", Value::Bool(true))]))
                .name
                .is_null()
        );
        assert_eq!(Field::<String>::Null.or_unknown(), Field::Unknown);

        let schema = Schema::new("", attrs);
        let d = schema.validate(&Value::object([("name", Value::string(""))]));
        assert_eq!(d.0.len(), 1);
        assert!(schema
            .validate(&Value::object([("name", Value::Unknown)]))
            .is_empty());
    }

    fn small(name: &str, n: &i64, d: &mut Diagnostics) {
        if *n > 10 {
            d.attr_error(name, "Too big", format!("{name} is {n}"));
        }
    }

    fn no_empty_key(name: &str, m: &BTreeMap<String, String>, d: &mut Diagnostics) {
        if m.contains_key("") {
            d.attr_error(name, "Empty key", "");
        }
    }

    crate::model! {
        struct Counted in counted_attr {
            count: i64 => optional("Count.").validate(small),
            tags: BTreeMap<String, String> => optional("Tags.").validate(no_empty_key),
            sizes: Vec<i64> => optional("Sizes."),
        }
    }

    #[test]
    fn integer_and_map_fields_with_typed_validators() {
        let attrs = Counted::attributes();
        assert_eq!(attrs[0].ty, Type::Number);
        assert_eq!(attrs[1].ty, Type::Map(Box::new(Type::String)));
        let v = Value::object([
            ("count", Value::Number(3.0)),
            ("tags", Value::object([("env", Value::string("prod"))])),
            ("sizes", Value::List(vec![Value::Number(1.0)])),
        ]);
        let c = Counted::from_value(&v);
        assert_eq!(c.count, Field::Known(3));
        assert_eq!(c.tags.known().unwrap()["env"], "prod");
        assert_eq!(c.sizes, Field::Known(vec![1]));
        assert_eq!(c.to_value(), v);

        let schema = Schema::new("", attrs);
        let problems = |v: Value| -> Vec<String> {
            schema
                .validate(&v)
                .0
                .into_iter()
                .map(|d| format!("{}: {}", d.summary, d.detail))
                .collect()
        };
        assert!(problems(v.clone()).is_empty());
        assert_eq!(
            problems(Value::object([("count", Value::Number(1.5))])),
            ["Invalid count: `count` must be a whole number, got 1.5."]
        );
        assert_eq!(
            problems(Value::object([("count", Value::Number(11.0))])),
            ["Too big: count is 11"]
        );
        assert_eq!(
            problems(Value::object([(
                "tags",
                Value::object([("", Value::string("x"))])
            )])),
            ["Empty key: "]
        );
        assert_eq!(
            problems(Value::object([(
                "sizes",
                Value::List(vec![Value::Number(2.0), Value::Number(0.5)])
            )])),
            ["Invalid sizes: `sizes` must be a list whose every element is a whole number, got 0.5."]
        );
    }
}
