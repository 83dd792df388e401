//! Provider-defined functions (Terraform 1.8+): `provider::NAME::FUNC(args…)`.
//!
//! A function is pure: its result depends on its arguments only, never on the
//! provider's configuration (Terraform calls it on a provider that has not been
//! configured). The service layer decodes each argument against its parameter's
//! type, refuses a null one (naming its position) and answers an unknown result
//! for an unknown one, so [`Function::call`] only ever sees known, non-null values.

use super::schema::Type;
use super::value::Value;

/// One positional parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub ty: Type,
    /// Markdown.
    pub description: String,
}

impl Parameter {
    pub fn new(name: &str, ty: Type, description: impl Into<String>) -> Self {
        Parameter {
            name: name.into(),
            ty,
            description: description.into(),
        }
    }
}

/// What Terraform needs to type-check a call: parameters, result type, and the
/// documentation language servers and docs show.
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    /// One line.
    pub summary: String,
    /// Markdown.
    pub description: String,
    pub parameters: Vec<Parameter>,
    pub returns: Type,
}

/// Why a call failed. `argument` is the zero-based position of the argument at
/// fault, when one is; Terraform then points at that argument in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<usize>,
}

impl FunctionError {
    /// An error caused by the argument at zero-based `position`.
    pub fn argument(position: usize, text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: Some(position),
        }
    }

    /// An error not tied to one argument.
    pub fn general(text: impl Into<String>) -> Self {
        FunctionError {
            text: text.into(),
            argument: None,
        }
    }
}

/// A provider-defined function, e.g. `robot_user_id`.
pub trait Function: Send + Sync + 'static {
    /// The name after `provider::NAME::`.
    fn name(&self) -> &'static str;
    fn signature(&self) -> Signature;
    /// `args` match the signature's parameters in number and type, each known
    /// and not null. The result must be of the signature's return type.
    fn call(&self, args: &[Value]) -> Result<Value, FunctionError>;
}
