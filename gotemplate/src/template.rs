//! The public entry point: a [`TemplateSet`] of named, parsed templates (Go's
//! `*template.Template` with its associated templates) and the execution
//! [`Options`].

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Error;
use crate::exec::{Budget, execute_tree};
use crate::funcs::FuncMap;
use crate::parse::ast::{Node, Tree};
use crate::parse::{ParseConfig, parse};
use crate::value::Value;

/// Go's `missingkey=` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: a missing key yields no value
    /// (printed `<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the element type's zero value (`nil` for our maps);
    /// chained access on it fails with `nil pointer evaluating interface {}.x`.
    Zero,
    /// `missingkey=error`: `map has no entry for key "x"`.
    Error,
}

/// Execution options and resource limits.
#[derive(Clone, Debug)]
pub struct Options {
    pub missing_key: MissingKey,
    /// Maximum nesting of `{{template}}` calls (and function-driven nested
    /// executions such as Helm's `include`). Go uses 100000, which needs a
    /// huge stack; the default here is 1000.
    pub max_depth: usize,
    /// Maximum evaluation steps (nodes walked + function calls + range
    /// iterations) per top-level execution, including nested executions.
    pub max_steps: u64,
    /// Maximum bytes written in total (all nested buffers counted).
    pub max_output: usize,
    /// Native stack bytes execution may use below its entry point before
    /// failing with `exceeded maximum nesting` instead of overflowing the
    /// thread's stack (hostile deep nesting/recursion). Keep it below your
    /// thread's stack size (2 MiB for spawned threads by default). Debug
    /// builds use ~15 KiB per nested `include`, release builds ~2 KiB.
    pub max_stack: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            missing_key: MissingKey::Default,
            max_depth: 1000,
            max_steps: 50_000_000,
            max_output: 256 << 20,
            max_stack: 1 << 20,
        }
    }
}

/// A set of named templates sharing one function map. Parse once, execute
/// many times; `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub struct TemplateSet {
    pub(crate) templates: HashMap<String, Arc<Tree>>,
    pub(crate) funcs: FuncMap,
    left: String,
    right: String,
}

impl Default for TemplateSet {
    fn default() -> Self {
        Self::new(FuncMap::new())
    }
}

impl std::fmt::Debug for TemplateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<_> = self.templates.keys().collect();
        names.sort();
        f.debug_struct("TemplateSet").field("templates", &names).finish()
    }
}

/// A template body is "empty" if it has only whitespace text (Go's `IsEmptyTree`).
fn is_empty_tree(list: &[Node]) -> bool {
    list.iter().all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
}

impl TemplateSet {
    /// A new set using `funcs` (extra/override functions on top of Go's builtins).
    pub fn new(funcs: FuncMap) -> Self {
        TemplateSet { templates: HashMap::new(), funcs, left: "{{".into(), right: "}}".into() }
    }

    /// Sets custom action delimiters (Go's `Delims`); empty strings mean the defaults.
    pub fn delims(&mut self, left: &str, right: &str) -> &mut Self {
        self.left = if left.is_empty() { "{{".into() } else { left.into() };
        self.right = if right.is_empty() { "}}".into() } else { right.into() };
        self
    }

    /// The function map.
    pub fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    /// Mutable access to the function map (add/override before parsing).
    pub fn funcs_mut(&mut self) -> &mut FuncMap {
        &mut self.funcs
    }

    /// Parses `text` as template `name`, adding it and every `{{define}}`d
    /// template it contains. Like Go, a later definition replaces an earlier
    /// one unless the new body is empty.
    pub fn parse(&mut self, name: &str, text: &str) -> Result<&mut Self, Error> {
        let funcs = &self.funcs;
        let has = |n: &str| funcs.contains(n) || crate::exec::builtins::is_builtin(n);
        let cfg = ParseConfig { left: &self.left, right: &self.right, has_func: &has };
        let trees = parse(name, text, &cfg)?;
        for t in trees {
            if self.templates.contains_key(&t.name) && is_empty_tree(&t.root) {
                continue;
            }
            self.templates.insert(t.name.clone(), Arc::new(t));
        }
        Ok(self)
    }

    /// True if a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }

    /// Names of all templates, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.templates.keys().cloned().collect();
        v.sort();
        v
    }

    /// Executes template `name` with `data` (Go's `ExecuteTemplate`).
    pub fn execute(&self, name: &str, data: &Value, opts: &Options) -> Result<String, Error> {
        let mut budget = Budget::default();
        let mut out = String::new();
        self.execute_into(name, data, opts, &mut budget, 0, &mut out)?;
        Ok(out)
    }

    /// Executes into `out`, sharing a budget and nesting depth (for functions
    /// that execute templates, see [`crate::Ctx`]).
    pub(crate) fn execute_into(
        &self,
        name: &str,
        data: &Value,
        opts: &Options,
        budget: &mut Budget,
        depth: usize,
        out: &mut String,
    ) -> Result<(), Error> {
        let Some(tree) = self.templates.get(name) else {
            let q = crate::printf::quote_go(name);
            return Err(Error::NoTemplate(format!("template: no template {q} associated with template {q}")));
        };
        execute_tree(self, tree, data, opts, budget, depth, out)
    }
}
