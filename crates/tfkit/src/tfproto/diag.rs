//! Diagnostics with attribute paths, as provider code produces them.

/// One step of a path into a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    Attribute(String),
    Key(String),
    Index(i64),
}

/// Where in the configuration a diagnostic points.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    /// The top-level attribute `name`.
    pub fn attr(name: &str) -> Self {
        AttrPath(vec![PathStep::Attribute(name.into())])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    pub attribute: Option<AttrPath>,
}

/// An ordered list of diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary, detail, None);
    }

    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary, detail, None);
    }

    /// An error pointing at the top-level attribute `attr`.
    pub fn attr_error(
        &mut self,
        attr: &str,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Severity::Error, summary, detail, Some(AttrPath::attr(attr)));
    }

    pub fn attr_warning(
        &mut self,
        attr: &str,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(
            Severity::Warning,
            summary,
            detail,
            Some(AttrPath::attr(attr)),
        );
    }

    pub fn push(
        &mut self,
        severity: Severity,
        summary: impl Into<String>,
        detail: impl Into<String>,
        attribute: Option<AttrPath>,
    ) {
        self.0.push(Diagnostic {
            severity,
            summary: summary.into(),
            detail: detail.into(),
            attribute,
        });
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
