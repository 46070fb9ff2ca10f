//! Parse tree nodes, with Go's `String()` renderings (used in error contexts
//! such as `executing "t" at <.Values.x>`).

use std::fmt::{self, Display, Formatter};
use std::sync::Arc;

use crate::value::Value;

/// A sequence of nodes.
pub type List = Vec<Node>;

/// A statement-level node.
#[derive(Debug, Clone)]
pub enum Node {
    Text(Arc<str>),
    Action(Pipe),
    If(Branch),
    Range(Branch),
    With(Branch),
    Template { pos: usize, name: String, pipe: Option<Pipe> },
    Break(usize),
    Continue(usize),
}

/// `if`/`range`/`with`: pipeline, body and optional else body.
#[derive(Debug, Clone)]
pub struct Branch {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

/// A pipeline, optionally declaring (`:=`) or assigning (`=`) variables.
#[derive(Debug, Clone)]
pub struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

/// One stage of a pipeline: a function/field/operand with arguments.
#[derive(Debug, Clone)]
pub struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// An operand.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.a.b`
    Field {
        pos: usize,
        idents: Vec<String>,
    },
    /// `$x.a.b` (`name` includes `$`)
    Variable {
        pos: usize,
        name: String,
        idents: Vec<String>,
    },
    /// `(pipe).a.b`
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    /// A function name.
    Ident {
        pos: usize,
        name: String,
    },
    Pipe(Box<Pipe>),
    Dot(usize),
    Nil(usize),
    Bool(usize, bool),
    /// A number literal: original text plus its typed value (`Int` or `Float`).
    Number {
        pos: usize,
        text: String,
        num: Number,
    },
    /// A string literal: original quoted text and its value.
    Str {
        pos: usize,
        quoted: String,
        value: Arc<str>,
    },
}

/// A parsed numeric constant, mirroring Go's `NumberNode` flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub int: Option<i64>,
    pub float: Option<f64>,
    /// Go's `idealConstant` choice: a float if the text has `.eEpP` and is not hex/char.
    pub prefer_float: bool,
}

impl Number {
    /// The value Go gives this constant when passed as `interface{}`.
    pub fn ideal(&self) -> Option<Value> {
        if self.prefer_float {
            return self.float.map(Value::Float);
        }
        self.int.map(Value::Int).or(self.float.map(Value::Float))
    }
}

impl Arg {
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Ident { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::Str { pos, .. }
            | Arg::Dot(pos)
            | Arg::Nil(pos)
            | Arg::Bool(pos, _) => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable { name, idents, .. } => {
                f.write_str(name)?;
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                if matches!(**node, Arg::Pipe(_)) {
                    write!(f, "({node})")?;
                } else {
                    write!(f, "{node}")?;
                }
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Ident { name, .. } => f.write_str(name),
            Arg::Pipe(p) => write!(f, "{p}"),
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number { text, .. } => f.write_str(text),
            Arg::Str { quoted, .. } => f.write_str(quoted),
        }
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if let Arg::Pipe(p) = a {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl Display for Pipe {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl Node {
    /// Byte offset of the node in the source.
    pub fn pos(&self) -> usize {
        match self {
            Node::Text(_) => 0,
            Node::Action(p) => p.pos,
            Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
            Node::Template { pos, .. } | Node::Break(pos) | Node::Continue(pos) => *pos,
        }
    }
}

fn write_list(f: &mut Formatter<'_>, l: &List) -> fmt::Result {
    for n in l {
        write!(f, "{n}")?;
    }
    Ok(())
}

impl Display for Node {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(t) => write!(f, "{}", crate::printf::quote_go(t)),
            Node::Action(p) => write!(f, "{{{{{p}}}}}"),
            Node::If(b) | Node::Range(b) | Node::With(b) => {
                let kw = match self {
                    Node::If(_) => "if",
                    Node::Range(_) => "range",
                    _ => "with",
                };
                write!(f, "{{{{{kw} {}}}}}", b.pipe)?;
                write_list(f, &b.list)?;
                if let Some(e) = &b.else_list {
                    f.write_str("{{else}}")?;
                    write_list(f, e)?;
                }
                f.write_str("{{end}}")
            }
            Node::Template { name, pipe, .. } => match pipe {
                Some(p) => write!(f, "{{{{template {} {p}}}}}", crate::printf::quote_go(name)),
                None => write!(f, "{{{{template {}}}}}", crate::printf::quote_go(name)),
            },
            Node::Break(_) => f.write_str("{{break}}"),
            Node::Continue(_) => f.write_str("{{continue}}"),
        }
    }
}

/// A parsed template: its body plus the source it came from (for line/column
/// computation in errors).
#[derive(Debug)]
pub struct Tree {
    /// Template name (the `define` name for defined templates).
    pub name: String,
    /// Name of the top-level template whose text this came from (Go's `ParseName`).
    pub parse_name: String,
    pub source: Arc<str>,
    pub root: List,
}

impl Tree {
    /// Go's `ErrorContext` location: `PARSENAME:LINE:COL` (column is a 0-based byte offset).
    pub fn location(&self, pos: usize) -> String {
        let pos = pos.min(self.source.len());
        let text = &self.source.as_bytes()[..pos];
        let line = 1 + text.iter().filter(|&&b| b == b'\n').count();
        let col = match text.iter().rposition(|&b| b == b'\n') {
            Some(i) => pos - (i + 1),
            None => pos,
        };
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}
