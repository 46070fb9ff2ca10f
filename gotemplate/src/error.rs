//! Error types: parse errors, execution errors (with Go's exact message
//! layout) and the error a template function returns.

/// An error from parsing or executing a template. `Display` gives Go's text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// `template: NAME:LINE: MESSAGE`
    #[error("template: {name}:{line}: {msg}")]
    Parse { name: String, line: usize, msg: String },
    /// A fully formatted execution error, e.g.
    /// `template: t:1:2: executing "t" at <.x>: map has no entry for key "x"`.
    #[error("{message}")]
    Exec { message: String },
    /// `template: no template "x" associated with template "y"` and similar.
    #[error("{0}")]
    NoTemplate(String),
}

impl Error {
    /// The message text, without the template location prefix for execution errors
    /// it is the full Go text (as `err.Error()` would print).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// What a template function returns on failure. A call error's text is
/// wrapped by the executor as `error calling NAME: TEXT`; an argument error
/// (Go's conversion of an argument to the parameter type failed, e.g.
/// `wrong type for value; expected string; got int`) is reported unwrapped,
/// located at that argument, as Go does.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{msg}")]
pub struct FuncError {
    pub msg: String,
    /// Index of the offending argument for argument-conversion errors.
    pub arg: Option<usize>,
}

impl FuncError {
    pub fn new(msg: impl Into<String>) -> Self {
        FuncError { msg: msg.into(), arg: None }
    }
    /// An argument conversion error at argument `index`.
    pub fn arg(index: usize, msg: impl Into<String>) -> Self {
        FuncError { msg: msg.into(), arg: Some(index) }
    }
}

impl From<Error> for FuncError {
    fn from(e: Error) -> Self {
        FuncError::new(e.to_string())
    }
}

impl From<String> for FuncError {
    fn from(s: String) -> Self {
        FuncError::new(s)
    }
}

impl From<&str> for FuncError {
    fn from(s: &str) -> Self {
        FuncError::new(s)
    }
}
