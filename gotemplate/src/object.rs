//! Reference types inside [`Value`]: [`MapRef`], the shared mutable map
//! (Go maps are references), and [`Object`], host objects with Go-style
//! fields and methods.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::value::{Map, Value};

/// Nesting beyond which printing/comparison/encoding stops descending (a
/// map can contain itself after `set $d "self" $d`; Go would crash).
pub const MAX_NESTING: usize = 512;

/// A shared, mutable map: Go maps are references, and sprig's `set`,
/// `unset`, `merge`, `mergeOverwrite` mutate them in place — templates rely on
/// that (`{{ $_ := set $d "k" "v" }}` then `{{ $d.k }}`). Cloning shares.
#[derive(Clone, Default)]
pub struct MapRef(Arc<RwLock<Map>>);

impl MapRef {
    pub fn new(m: Map) -> Self {
        MapRef(Arc::new(RwLock::new(m)))
    }
    /// Read access (never poisoned: the crate does not panic while holding it).
    pub fn read(&self) -> RwLockReadGuard<'_, Map> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }
    pub fn write(&self) -> RwLockWriteGuard<'_, Map> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
    pub fn get(&self, k: &str) -> Option<Value> {
        self.read().get(k).cloned()
    }
    pub fn len(&self) -> usize {
        self.read().len()
    }
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
    /// A copy of the entries (for iteration that may run template code).
    pub fn snapshot(&self) -> Map {
        self.read().clone()
    }
    /// True if both refer to the same map.
    pub fn ptr_eq(&self, other: &MapRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

thread_local! {
    static DEBUG_DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl std::fmt::Debug for MapRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let depth = DEBUG_DEPTH.with(|d| d.get());
        if depth > 64 {
            return f.write_str("{...}");
        }
        DEBUG_DEPTH.with(|d| d.set(depth + 1));
        let r = match self.0.try_read() {
            Ok(m) => f.debug_map().entries(m.iter()).finish(),
            Err(_) => f.write_str("{<locked>}"),
        };
        DEBUG_DEPTH.with(|d| d.set(depth));
        r
    }
}

/// A host object with Go-style fields and methods, for data that is not
/// plain YAML/JSON (Helm's `.Files.Get "x"`, `.Capabilities.APIVersions.Has
/// "apps/v1"`, sprig's `semver` result). Field access `.Name` asks
/// [`Object::field`] then a zero-argument [`Object::call`]; `.Name a b`
/// (or a piped value) calls [`Object::call`] with the arguments.
pub trait Object: Send + Sync + std::fmt::Debug {
    /// Go type name shown by `%T`/`typeOf` and errors (e.g. `*semver.Version`).
    fn type_name(&self) -> &str;
    /// Go kind name for `kindOf` (`struct`, `ptr`, ...).
    fn kind_name(&self) -> &str {
        "ptr"
    }
    /// A field (or argument-less method) value; `None` if there is none.
    fn field(&self, name: &str) -> Option<Value>;
    /// Calls method `name`; `None` if there is no such method.
    fn call(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, crate::error::FuncError>> {
        None
    }
    /// What `%v` prints (Go's `String()` for Stringers).
    fn to_go_string(&self) -> String;
    /// The plain data used by `toJson`/`toYaml` (default `null`).
    fn to_data(&self) -> Value {
        Value::Nil
    }
    /// Downcasting support (functions recognising their own object types).
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}
