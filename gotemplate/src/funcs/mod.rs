//! The function map: [`FuncMap`] holds named [`Func`]s (closures with a Go
//! arity), [`Ctx`] gives functions access to the running template set (so a
//! caller can build Helm's `include`/`tpl`), and the submodules implement
//! sprig's function groups. [`FuncMap::sprig`] is sprig's `TxtFuncMap`,
//! [`FuncMap::argocd`] the set Argo CD ApplicationSets expose.

pub mod args;
mod case;
mod dates;
mod dicts;
mod encoding;
mod lists;
mod math;
mod misc;
mod regexes;
mod semver;
mod strings;
pub mod time;
mod url;

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, FuncError};
use crate::exec::Budget;
use crate::template::{Options, TemplateSet};
use crate::value::Value;

pub(crate) use misc::deep_copy;
pub use semver::{Constraints, Version};
pub use time::Time;

/// A function's result.
pub type FuncResult = Result<Value, FuncError>;

type Impl = dyn Fn(&mut Ctx<'_>, &[Value]) -> FuncResult + Send + Sync;

/// Number of arguments a function takes (Go derives this from the signature;
/// it determines the `wrong number of args for NAME: want N got M` errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    Fixed(usize),
    /// Variadic with this many fixed leading parameters.
    AtLeast(usize),
}

/// A template function.
#[derive(Clone)]
pub struct Func {
    pub arity: Arity,
    f: Arc<Impl>,
}

impl Func {
    pub fn call(&self, ctx: &mut Ctx<'_>, args: &[Value]) -> FuncResult {
        (self.f)(ctx, args)
    }
}

/// Named functions available to templates, on top of Go's builtins (which
/// entries here override, as in Go). Cheap to clone.
#[derive(Clone, Default)]
pub struct FuncMap {
    map: Arc<HashMap<String, Func>>,
}

impl FuncMap {
    /// An empty map (only Go's builtins will be available).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sprig's text function map (`sprig.TxtFuncMap()`, every function of
    /// sprig 3.2.3 plus `sha512sum`), minus the impure `env`, `expandenv` and
    /// `getHostByName`. Non-deterministic functions (`now`, `uuidv4`,
    /// `randAlphaNum`, `shuffle`, key/certificate generation, `bcrypt`...)
    /// are present but fail loudly naming themselves; replace them with
    /// [`FuncMap::insert`] to inject a clock or RNG (`ago` and
    /// `durationRound` of a time use the injected `now`).
    pub fn sprig() -> Self {
        let mut m = FuncMap::new();
        strings::register(&mut m);
        lists::register(&mut m);
        dicts::register(&mut m);
        math::register(&mut m);
        encoding::register(&mut m);
        regexes::register(&mut m);
        semver::register(&mut m);
        misc::register(&mut m);
        url::register(&mut m);
        dates::register(&mut m);
        m
    }

    /// The functions of Argo CD ApplicationSet Go templates: sprig without
    /// `env`, `expandenv`, `getHostByName`, plus `toJson`, `fromJson`,
    /// `toYaml`, `fromYaml`, `fromYamlArray`, `toPrettyJson`, `toRawJson`.
    pub fn argocd() -> Self {
        let mut m = Self::sprig();
        misc::register_yaml(&mut m);
        m
    }

    /// Adds or replaces a function.
    pub fn insert<F>(&mut self, name: &str, arity: Arity, f: F) -> &mut Self
    where
        F: Fn(&mut Ctx<'_>, &[Value]) -> FuncResult + Send + Sync + 'static,
    {
        Arc::make_mut(&mut self.map).insert(name.to_string(), Func { arity, f: Arc::new(f) });
        self
    }

    /// Adds a function that needs no context.
    pub fn insert_pure<F>(&mut self, name: &str, arity: Arity, f: F) -> &mut Self
    where
        F: Fn(&[Value]) -> FuncResult + Send + Sync + 'static,
    {
        self.insert(name, arity, move |_, a| f(a))
    }

    /// Adds a function that fails with `NAME is not supported: REASON`.
    pub fn insert_unsupported(&mut self, name: &str, arity: Arity, reason: &str) -> &mut Self {
        let msg = format!("{name} is not supported: {reason}");
        self.insert(name, arity, move |_, _| Err(FuncError::new(msg.clone())))
    }

    /// Removes a function.
    pub fn remove(&mut self, name: &str) -> &mut Self {
        Arc::make_mut(&mut self.map).remove(name);
        self
    }

    /// Copies every function of `other` into this map (overriding).
    pub fn extend(&mut self, other: &FuncMap) -> &mut Self {
        let m = Arc::make_mut(&mut self.map);
        for (k, v) in other.map.iter() {
            m.insert(k.clone(), v.clone());
        }
        self
    }

    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.map.get(name)
    }

    /// Sorted function names.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.keys().cloned().collect();
        v.sort();
        v
    }
}

/// What a function sees of the running execution.
pub struct Ctx<'a> {
    pub(crate) set: &'a TemplateSet,
    pub(crate) opts: &'a Options,
    pub(crate) budget: &'a mut Budget,
    pub(crate) depth: usize,
    pub(crate) name: &'a str,
}

impl Ctx<'_> {
    /// The template set being executed.
    pub fn set(&self) -> &TemplateSet {
        self.set
    }

    pub fn options(&self) -> &Options {
        self.opts
    }

    /// Current template nesting depth (0 for the top-level template).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Name of the template being executed (Helm's `tpl` parses its text
    /// under this name, which then appears in error messages).
    pub fn template_name(&self) -> &str {
        self.name
    }

    /// Executes a named template of the set into a string (Helm's `include`),
    /// one level deeper, sharing limits.
    pub fn execute_template(&mut self, name: &str, data: &Value) -> Result<String, Error> {
        let mut out = String::new();
        if self.depth + 1 > self.opts.max_depth {
            return Err(Error::Exec {
                message: format!("template: {name}: exceeded maximum template depth ({})", self.opts.max_depth),
            });
        }
        self.set.execute_into(name, data, self.opts, self.budget, self.depth + 1, &mut out)?;
        Ok(out)
    }

    /// Parses `text` as template `name` in a copy of the set and executes it
    /// (Helm's `tpl`): defines in `text` are visible to it, not to the caller.
    pub fn execute_text(&mut self, name: &str, text: &str, data: &Value) -> Result<String, Error> {
        let mut set = self.set.clone();
        set.parse(name, text)?;
        let mut out = String::new();
        if self.depth + 1 > self.opts.max_depth {
            return Err(Error::Exec {
                message: format!("template: {name}: exceeded maximum template depth ({})", self.opts.max_depth),
            });
        }
        set.execute_into(name, data, self.opts, self.budget, self.depth + 1, &mut out)?;
        Ok(out)
    }
}
