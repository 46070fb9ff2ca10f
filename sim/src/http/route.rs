//! URL paths of the Kubernetes API, parsed into what they address.

#[derive(Debug, PartialEq, Eq)]
pub enum Route<'a> {
    Root,
    Version,
    Health,
    OpenApi,
    CoreVersions,
    GroupList,
    Group(&'a str),
    ResourceList { group: &'a str, version: &'a str },
    Resource(ResourcePath<'a>),
    NotFound,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct ResourcePath<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub plural: &'a str,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
    pub sub: Option<&'a str>,
}

fn resource<'a>(group: &'a str, version: &'a str, rest: &[&'a str]) -> Route<'a> {
    let base = ResourcePath { group, version, plural: "", namespace: None, name: None, sub: None };
    let namespace_sub = group.is_empty() && rest.len() == 3 && matches!(rest[2], "status" | "finalize");
    let p = match rest {
        ["namespaces", ns, plural, tail @ ..] if !namespace_sub && tail.len() <= 2 => {
            ResourcePath { namespace: Some(ns), plural, name: tail.first().copied(), sub: tail.get(1).copied(), ..base }
        }
        [plural] => ResourcePath { plural, ..base },
        [plural, name] => ResourcePath { plural, name: Some(name), ..base },
        [plural, name, sub] => ResourcePath { plural, name: Some(name), sub: Some(sub), ..base },
        _ => return Route::NotFound,
    };
    if p.plural.is_empty() || p.name == Some("") || p.namespace == Some("") {
        return Route::NotFound;
    }
    Route::Resource(p)
}

pub fn parse(path: &str) -> Route<'_> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Route::Root;
    }
    let segs: Vec<&str> = trimmed.split('/').collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["openapi", ..] => Route::OpenApi,
        ["api"] => Route::CoreVersions,
        ["api", v] => Route::ResourceList { group: "", version: v },
        ["api", v, rest @ ..] => resource("", v, rest),
        ["apis"] => Route::GroupList,
        ["apis", g] => Route::Group(g),
        ["apis", g, v] => Route::ResourceList { group: g, version: v },
        ["apis", g, v, rest @ ..] => resource(g, v, rest),
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp(path: &str) -> ResourcePath<'_> {
        match parse(path) {
            Route::Resource(p) => p,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn paths() {
        assert_eq!(parse("/apis/apps/v1"), Route::ResourceList { group: "apps", version: "v1" });
        let p = rp("/apis/apps/v1/namespaces/default/deployments/web/scale");
        assert_eq!(
            (p.namespace, p.plural, p.name, p.sub),
            (Some("default"), "deployments", Some("web"), Some("scale"))
        );
        let p = rp("/api/v1/namespaces/foo/status");
        assert_eq!((p.namespace, p.plural, p.name, p.sub), (None, "namespaces", Some("foo"), Some("status")));
        let p = rp("/api/v1/namespaces/foo");
        assert_eq!((p.plural, p.name), ("namespaces", Some("foo")));
        let p = rp("/api/v1/namespaces/foo/pods");
        assert_eq!((p.namespace, p.plural, p.name), (Some("foo"), "pods", None));
        assert_eq!(parse("/api/v1/namespaces/a/pods/b/c/d"), Route::NotFound);
        assert_eq!(parse("/nope"), Route::NotFound);
    }
}
