//! Typed models: a resource, data source or ephemeral resource reads its
//! configuration, plan and state as a Rust struct and writes its state from one.
//!
//! [`model!`](crate::model) declares the struct and its attributes together, so an
//! attribute's name (the field's name), type (the field's type), kind,
//! description, replace rule and validators are written once. Null and unknown
//! stay explicit: every field is a [`Field`]. Values reaching a model have been
//! conformed to the schema type by the codec, so reading one cannot fail; a value
//! of another type (a provider bug) reads as null rather than panicking.

use super::schema::{Attribute, Type};
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
pub trait FieldType: Sized {
    fn ty() -> Type;
    /// The value as this type; `None` for a value of another type.
    fn read(v: &Value) -> Option<Self>;
    fn write(&self) -> Value;
    /// The fields of an object type, documented (see [`Attribute::nested`]).
    fn nested() -> Vec<Attribute> {
        Vec::new()
    }
}

/// A type carried by one kind of `Value`.
macro_rules! scalar {
    ($t:ty, $cty:expr, $read:expr, $write:expr) => {
        impl FieldType for $t {
            fn ty() -> Type {
                $cty
            }
            fn read(v: &Value) -> Option<Self> {
                $read(v)
            }
            fn write(&self) -> Value {
                $write(self)
            }
        }
    };
}

scalar!(
    String,
    Type::String,
    |v: &Value| v.as_str().map(str::to_string),
    |s: &String| Value::string(s)
);
scalar!(f64, Type::Number, Value::as_f64, |n: &f64| Value::Number(
    *n
));
scalar!(bool, Type::Bool, Value::as_bool, |b: &bool| Value::Bool(*b));

/// A list; an unknown or mistyped element reads as a missing one.
impl<T: FieldType> FieldType for Vec<T> {
    fn ty() -> Type {
        Type::List(Box::new(T::ty()))
    }
    fn read(v: &Value) -> Option<Self> {
        Some(v.as_list()?.iter().filter_map(T::read).collect())
    }
    fn write(&self) -> Value {
        Value::List(self.iter().map(T::write).collect())
    }
    fn nested() -> Vec<Attribute> {
        T::nested()
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
/// tencentchat::model! {
///     /// A thing.
///     pub(crate) struct Thing in thing_attr {
///         id: String => computed("The ID."),
///         name: String => required("The name.").requires_replace().validate(check_name),
///     }
/// }
/// ```
///
/// Each field becomes `pub name: Field<T>` and the attribute `name` of type
/// `T`; the words after `=>` are an [`Attribute`] constructor without the name
/// and type, and its builder calls. The module named after `in` holds each
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
        #[allow(non_upper_case_globals, dead_code)]
        $vis mod $names {
            $( pub const $field: &str = stringify!($field); )*
        }

        impl $crate::tfproto::Model for $name {
            fn attributes() -> Vec<$crate::tfproto::Attribute> {
                vec![ $(
                    $crate::tfproto::Attribute::$kind(
                        stringify!($field),
                        <$ty as $crate::tfproto::FieldType>::ty(),
                        &$desc,
                    )
                    $( .$call($($arg),*) )*
                    .with_nested(<$ty as $crate::tfproto::FieldType>::nested())
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

    fn no_blank(name: &str, v: &Value, d: &mut Diagnostics) {
        if v.as_str() == Some("") {
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
}
