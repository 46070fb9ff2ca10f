//! Differential test of the native Kustomize renderer against `kubectl
//! kustomize` (kustomize v5.5 on this machine and CI).
//!
//! Every directory under `tests/fixtures/kustomize/` is one tree. The
//! directory built is the tree's `overlay/` subdirectory when it has one,
//! otherwise the tree itself. A tree with an `expect-error.txt` must fail
//! with both tools, and convoy's message must contain that file's text.
//! Outputs are compared as parsed documents (serde_json values) and in
//! order, then as text (kustomize's YAML formatting). Without kubectl the test prints why and passes.

use convoy_hub::render::kustomize::{build, to_yaml};
use convoy_hub::repo::{DirRepo, RepoReader};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize")
}

fn parse_stream(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for de in serde_norway::Deserializer::from_str(text) {
        let v: Value = serde::Deserialize::deserialize(de).map_err(|e| e.to_string())?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

fn kubectl_available() -> Result<(), String> {
    match Command::new("kubectl").args(["version", "--client"]).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!("kubectl version failed: {}", String::from_utf8_lossy(&o.stderr))),
        Err(e) => Err(format!("kubectl not found: {e}")),
    }
}

fn describe(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .map(|d| format!("{}/{}", d["kind"].as_str().unwrap_or("?"), d["metadata"]["name"].as_str().unwrap_or("?")))
        .collect()
}

/// Compares one tree; `Err` carries a readable explanation.
fn check(tree_name: &str) -> Result<(), String> {
    let root = fixtures();
    let tree_dir = root.join(tree_name);
    let rel = if tree_dir.join("overlay").is_dir() { format!("{tree_name}/overlay") } else { tree_name.to_string() };
    let expected_error = std::fs::read_to_string(tree_dir.join("expect-error.txt")).ok();

    let kubectl = Command::new("kubectl").arg("kustomize").arg(root.join(&rel)).output().map_err(|e| e.to_string())?;
    let repo = DirRepo::new(&root);
    let tree = repo.tree("", "").map_err(|e| e.to_string())?;
    let ours = build(tree.as_ref(), &rel);

    if let Some(needle) = expected_error {
        let needle = needle.trim();
        if kubectl.status.success() {
            return Err("kubectl kustomize succeeded but the tree expects an error".into());
        }
        return match ours {
            Ok(_) => Err("convoy rendered the tree but an error was expected".into()),
            Err(e) if e.to_string().contains(needle) => Ok(()),
            Err(e) => Err(format!("convoy's error {e:?} does not mention {needle:?}")),
        };
    }
    if !kubectl.status.success() {
        return Err(format!("kubectl kustomize failed: {}", String::from_utf8_lossy(&kubectl.stderr)));
    }
    let want = parse_stream(&String::from_utf8_lossy(&kubectl.stdout)).map_err(|e| format!("kubectl output: {e}"))?;
    let docs = ours.map_err(|e| format!("convoy failed: {e}"))?;
    let got: Vec<Value> =
        docs.iter().map(|d| serde_json::to_value(d).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    if describe(&want) != describe(&got) {
        return Err(format!(
            "documents or order differ:\n  kubectl: {:?}\n  convoy:  {:?}",
            describe(&want),
            describe(&got)
        ));
    }
    for (w, g) in want.iter().zip(&got) {
        if w != g {
            return Err(format!(
                "document {} differs\n--- kubectl\n{}\n--- convoy\n{}",
                describe(std::slice::from_ref(w))[0],
                serde_json::to_string_pretty(w).unwrap_or_default(),
                serde_json::to_string_pretty(g).unwrap_or_default()
            ));
        }
    }
    let text = to_yaml(&docs).map_err(|e| e.to_string())?;
    let kubectl_text = String::from_utf8_lossy(&kubectl.stdout);
    if text != kubectl_text {
        let line = text.lines().zip(kubectl_text.lines()).position(|(a, b)| a != b).unwrap_or(0);
        return Err(format!(
            "same documents but different YAML text, first at line {}:\n  kubectl: {:?}\n  convoy:  {:?}",
            line + 1,
            kubectl_text.lines().nth(line).unwrap_or(""),
            text.lines().nth(line).unwrap_or("")
        ));
    }
    Ok(())
}

#[test]
fn kustomize_corpus_matches_kubectl() {
    if let Err(why) = kubectl_available() {
        println!("skipping the kustomize differential test: {why}");
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures directory")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 60, "the corpus should hold at least 60 trees, found {}", names.len());
    let only = std::env::var("KUSTOMIZE_FIXTURE").ok();
    let mut failures = Vec::new();
    let mut passed = 0;
    for name in names.iter().filter(|n| only.as_deref().is_none_or(|o| o == n.as_str())) {
        match check(name) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("=== fixture {name}: {e}")),
        }
    }
    println!("{passed} kustomize fixtures match kubectl");
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ from kubectl kustomize:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
