//! sprig list, dict, math, defaults, reflection, JSON and semver functions.

mod common;
use common::{err, r, render};
use serde_json::json;

#[test]
fn lists() {
    assert_eq!(r(r#"{{ list 1 "a" nil }}"#), "[1 a <nil>]");
    assert_eq!(
        r(r#"{{ first (list 1 2 3) }} {{ last (list 1 2 3) }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }}"#),
        "1 3 [2 3] [1 2]"
    );
    assert_eq!(
        r(r#"{{ append (list 1 2) 3 }} {{ prepend (list 1 2) 0 }} {{ concat (list 1) (list 2 3) }}"#),
        "[1 2 3] [0 1 2] [1 2 3]"
    );
    assert_eq!(
        r(r#"{{ reverse (list 1 2 3) }} {{ uniq (list 1 1 2 "a" "a") }} {{ without (list 1 2 3 2) 2 }}"#),
        "[3 2 1] [1 2 a] [1 3]"
    );
    assert_eq!(r(r#"{{ has 2 (list 1 2) }} {{ has 2.0 (list 1 2) }} {{ has "x" nil }}"#), "true false false");
    assert_eq!(r(r#"{{ compact (list 1 "" nil 0 "a" false) }}"#), "[1 a]");
    assert_eq!(r(r#"{{ slice (list 1 2 3 4) 1 3 }} {{ slice (list 1 2 3 4) 2 }}"#), "[2 3] [3 4]");
    assert_eq!(r(r#"{{ chunk 2 (list 1 2 3 4 5) }}"#), "[[1 2] [3 4] [5]]");
    assert_eq!(r(r#"{{ until 3 }} {{ untilStep 0 10 3 }} {{ until -2 }}"#), "[0 1 2] [0 3 6 9] [0 -1]");
    assert_eq!(r(r#"{{ seq 3 }}|{{ seq 2 4 }}|{{ seq 0 2 6 }}|{{ seq 3 1 }}"#), "1 2 3|2 3 4|0 2 4 6|3 2 1");
    assert!(err(r#"{{ first "abc" }}"#).ends_with("error calling first: Cannot find first on type string"));
    assert_eq!(r(r#"{{ range $i, $e := list "a" "b" }}{{ $i }}{{ $e }}{{ end }}"#), "0a1b");
}

#[test]
fn dicts() {
    assert_eq!(r(r#"{{ dict "b" 2 "a" 1 }}"#), "map[a:1 b:2]");
    assert_eq!(r(r#"{{ $d := dict "a" 1 }}{{ get $d "a" }}|{{ get $d "zz" }}|{{ hasKey $d "a" }}"#), "1||true");
    // set/unset mutate the map in place, like Go maps.
    assert_eq!(r(r#"{{ $d := dict }}{{ $_ := set $d "k" "v" }}{{ $d.k }}{{ $_ := unset $d "k" }}{{ len $d }}"#), "v0");
    assert_eq!(
        r(
            r#"{{ $d := dict "a" 1 "b" 2 "c" 3 }}{{ pick $d "a" "c" }} {{ omit $d "a" }} {{ keys $d | sortAlpha }} {{ values $d }}"#
        ),
        "map[a:1 c:3] map[b:2 c:3] [a b c] [1 2 3]"
    );
    assert_eq!(r(r#"{{ pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3) }}"#), "[1 3]");
    assert_eq!(
        r(r#"{{ dig "a" "b" "def" (dict "a" (dict "b" "found")) }} {{ dig "a" "x" "def" (dict "a" (dict "b" 1)) }}"#),
        "found def"
    );
    let d =
        json!({"dst": {"a": 1, "n": {"x": 1}, "e": ""}, "src": {"a": 2, "b": 3, "n": {"x": 2, "y": 2}, "e": "filled"}});
    assert_eq!(render("{{ merge .dst .src }}", d.clone()).unwrap(), "map[a:1 b:3 e:filled n:map[x:1 y:2]]");
    assert_eq!(render("{{ mergeOverwrite .dst .src }}", d.clone()).unwrap(), "map[a:2 b:3 e:filled n:map[x:2 y:2]]");
    assert_eq!(render("{{ $_ := merge .dst .src }}{{ .dst.b }}", d).unwrap(), "3");
    assert_eq!(
        r(
            r#"{{ $a := dict "k" (dict "x" 1) }}{{ $b := deepCopy $a }}{{ $_ := set $b.k "x" 2 }}{{ $a.k.x }}{{ $b.k.x }}"#
        ),
        "12"
    );
}

#[test]
fn math() {
    assert_eq!(
        r(r#"{{ add 1 2 3 }} {{ add1 5 }} {{ sub 5 2 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }}"#),
        "6 6 3 24 3 1"
    );
    assert_eq!(r(r#"{{ max 1 5 3 }} {{ min 4 2 8 }} {{ add "3" 1.9 }} {{ add "0x10" 0 }}"#), "5 2 4 16");
    assert_eq!(
        r(
            r#"{{ addf 0.1 0.2 }} {{ subf 1.5 0.5 }} {{ mulf 1.1 3 }} {{ divf 10 4 }} {{ maxf 1 2.5 }} {{ minf 1 2.5 }}"#
        ),
        "0.3 1 3.3 2.5 2.5 1"
    );
    assert_eq!(r(r#"{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 3.14159 2 }} {{ round 2.5 0 }}"#), "1 2 3.14 3");
    assert_eq!(
        r(r#"{{ int "42" }} {{ int 3.9 }} {{ int64 "7" }} {{ float64 "1.5" }} {{ atoi "12" }} {{ atoi "x" }}"#),
        "42 3 7 1.5 12 0"
    );
    assert_eq!(
        r(r#"{{ typeOf (add 1 1) }} {{ typeOf (int 1) }} {{ typeOf 1.5 }} {{ typeOf (list) }} {{ kindOf (dict) }}"#),
        "int64 int float64 []interface {} map"
    );
    assert!(err("{{ div 1 0 }}").ends_with("error calling div: runtime error: integer divide by zero"));
    assert_eq!(
        render("{{ .n }} {{ add .n 0 }} {{ .f }}", json!({"n": 1000000, "f": 0.5})).unwrap(),
        "1e+06 1000000 0.5"
    );
}

#[test]
fn defaults_and_flow() {
    assert_eq!(
        render(
            r#"{{ default "x" .missing }} {{ default "x" .e }} {{ default "x" .v }} {{ .missing | default "p" }}"#,
            json!({"e": "", "v": "set"})
        )
        .unwrap(),
        "x x set p"
    );
    assert_eq!(
        r(r#"{{ empty "" }} {{ empty 0 }} {{ empty (list) }} {{ empty (dict "a" 1) }} {{ empty false }}"#),
        "true true true false true"
    );
    assert_eq!(
        r(r#"{{ coalesce "" 0 nil "x" "y" }} {{ ternary "yes" "no" true }} {{ ternary "yes" "no" false }}"#),
        "x yes no"
    );
    assert_eq!(r(r#"{{ all 1 "a" }} {{ all 1 "" }} {{ any 0 "" "x" }} {{ any }}"#), "true false true false");
    assert_eq!(
        err(r#"{{ fail "boom" }}"#),
        r#"template: t:1:3: executing "t" at <fail "boom">: error calling fail: boom"#
    );
    assert_eq!(
        r(
            r#"{{ kindIs "string" "a" }} {{ typeIs "int" 1 }} {{ typeIsLike "int" 1 }} {{ deepEqual (list 1 (dict "a" 2)) (list 1 (dict "a" 2)) }}"#
        ),
        "true true true true"
    );
}

#[test]
fn json_functions() {
    let d = json!({"m": {"b": [1, 2.5, "<x>"], "a": null, "c": 1000000}});
    assert_eq!(render("{{ toJson .m }}", d.clone()).unwrap(), r#"{"a":null,"b":[1,2.5,"\u003cx\u003e"],"c":1000000}"#);
    assert_eq!(render("{{ toRawJson .m }}", d.clone()).unwrap(), r#"{"a":null,"b":[1,2.5,"<x>"],"c":1000000}"#);
    assert_eq!(
        render("{{ toPrettyJson .m }}", d).unwrap(),
        "{\n  \"a\": null,\n  \"b\": [\n    1,\n    2.5,\n    \"\\u003cx\\u003e\"\n  ],\n  \"c\": 1000000\n}"
    );
    assert_eq!(
        r(r#"{{ $o := fromJson "{\"a\": [1, 2]}" }}{{ index $o.a 1 }} {{ typeOf (index $o.a 1) }}"#),
        "2 float64"
    );
    assert_eq!(r(r#"{{ fromJson "nope" }}"#), "<no value>");
    assert!(err(r#"{{ mustFromJson "nope" }}"#).contains("error calling mustFromJson"));
}

#[test]
fn semver() {
    assert_eq!(
        r(r#"{{ semverCompare ">=1.19-0" "v1.20.4-gke.1000" }} {{ semverCompare ">=1.19" "v1.20.4-gke.1000" }}"#),
        "true false"
    );
    assert_eq!(
        r(
            r#"{{ semverCompare "^1.2.0" "1.5.3" }} {{ semverCompare "~1.2.0" "1.3.0" }} {{ semverCompare "<1.16-0" "1.15.2" }}"#
        ),
        "true false true"
    );
    assert_eq!(
        r(
            r#"{{ $v := semver "v1.2.3-beta.1+meta" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }}"#
        ),
        "1.2.3 beta.1 meta"
    );
    assert!(
        err(r#"{{ semverCompare "foo" "1.0.0" }}"#).contains("error calling semverCompare: improper constraint: foo")
    );
    assert!(err(r#"{{ semverCompare ">1" "x.y" }}"#).contains("Invalid Semantic Version"));
}

#[test]
fn argocd_extras() {
    assert_eq!(r(r#"{{ normalize "My_App.Name!" }}"#), "my-app.name");
    assert_eq!(r(r#"{{ slugify "Hello World.Example" }}"#), "hello-world-example");
    assert_eq!(
        r(r#"{{ slugify 12 "alpha-beta-gamma-delta" }}|{{ slugify 12 false "alpha-beta-gamma-delta" }}"#),
        "alpha-beta|alpha-beta-g"
    );
    // yaml.v2 (YAML 1.1): a plain `y` is a boolean.
    assert_eq!(
        r(r#"{{ $m := fromYaml "a: 1\nb: [x, y]" }}{{ $m.a }} {{ $m.b }} {{ typeOf $m.a }}"#),
        "1 [x true] float64"
    );
    assert_eq!(r(r#"{{ fromYamlArray "- 1\n- two" }}"#), "[1 two]");
    let e = err(r#"{{ env "HOME" }}"#);
    assert!(e.contains(r#"function "env" not defined"#), "{e}");
}

#[test]
fn remaining_functions() {
    assert_eq!(
        r(
            r#"{{ base "a/b/c.txt" }} {{ dir "a/b/c.txt" }} {{ clean "a//b/../c/" }} {{ ext "x.tar.gz" }} {{ isAbs "/x" }}"#
        ),
        "c.txt a/b a/c .gz true"
    );
    assert_eq!(r(r#"{{ toDecimal "0777" }} {{ toDecimal 10 }} {{ toDecimal "9" }}"#), "511 8 0");
    assert_eq!(r(r#"{{ tuple 1 2 }} {{ biggest 1 9 3 }} {{ add1f 1.5 }} {{ hello }}"#), "[1 2] 9 2.5 Hello!");
    assert_eq!(
        r(r#"{{ mustToJson (list 1 "a") }} {{ mustToPrettyJson (dict) }} {{ mustToRawJson "<" }}"#),
        r#"[1,"a"] {} "<""#
    );
    assert_eq!(
        r(r#"{{ mustPush (list 1) 2 }} {{ mustFirst (list 3 4) }} {{ mustUniq (list 1 1) }} {{ mustHas 1 (list 1) }}"#),
        "[1 2] 3 [1] true"
    );
    assert_eq!(r(r#"{{ trimall "-" "--a--" }} {{ b32dec "!!" }}"#), "a illegal base32 data at input byte 0");
    assert_eq!(
        r(r#"{{ mergeOverwrite (dict "a" 1) (dict "a" 2) (dict "a" 3) }} {{ mustMerge (dict) (dict "x" 1) }}"#),
        "map[a:3] map[x:1]"
    );
    assert!(
        err(r#"{{ regexFind "(" "x" }}"#)
            .contains(r#"error calling regexFind: regexp: Compile("("): error parsing regexp"#)
    );
}

#[test]
fn must_variants_and_os_paths() {
    assert_eq!(
        r(
            r#"{{ mustRest (list 1 2) }} {{ mustLast (list 1 2) }} {{ mustInitial (list 1 2) }} {{ mustReverse (list 1 2) }} {{ mustCompact (list 0 1) }}"#
        ),
        "[2] 2 [1] [2 1] [1]"
    );
    assert_eq!(
        r(
            r#"{{ mustWithout (list 1 2) 1 }} {{ mustChunk 1 (list 1 2) }} {{ mustPrepend (list 2) 1 }} {{ mustAppend (list 1) 2 }} {{ mustSlice (list 1 2 3) 1 }}"#
        ),
        "[2] [[1] [2]] [1 2] [1 2] [2 3]"
    );
    assert_eq!(
        r(
            r#"{{ mustRegexFind "b+" "abbc" }} {{ mustRegexFindAll "b" "abbc" 0 }} {{ mustRegexReplaceAll "b" "abc" "x" }} {{ mustRegexReplaceAllLiteral "b" "abc" "$1" }} {{ mustRegexSplit "," "a,b" -1 }}"#
        ),
        "bb [] axc a$1c [a b]"
    );
    assert_eq!(
        r(r#"{{ osBase "/a/b" }} {{ osDir "/a/b" }} {{ osClean "/a/../b" }} {{ osExt "f.yaml" }} {{ osIsAbs "x" }}"#),
        "b /a /b .yaml false"
    );
    assert_eq!(
        r(r#"{{ sha512sum "abc" | trunc 16 }} {{ mustHas 3 (list 1) }} {{ mustDeepCopy (dict "a" 1) }}"#),
        "ddaf35a193617aba false map[a:1]"
    );
    assert_eq!(r(r#"{{ abbrev 4 "" }}|{{ initials "" }}|{{ wrap 0 "a b" }}|{{ title "" }}"#), "||a\nb|");
}

/// Behaviours where the Go library versions Helm ships differ from older
/// ones: Go ≥1.22 JSON short escapes, mergo 1.0 map-over-scalar overwrite.
#[test]
fn current_upstream_versions() {
    assert_eq!(r(r#"{{ toJson "\b\f" }}"#), r#""\b\f""#);
    assert_eq!(
        r(r#"{{ $e := dict "a" "str" }}{{ $_ := mergeOverwrite $e (dict "a" (dict "c" 2)) }}{{ $e }}"#),
        "map[a:map[c:2]]"
    );
    assert_eq!(r(r#"{{ $e := dict "a" "str" }}{{ $_ := merge $e (dict "a" (dict "c" 2)) }}{{ $e }}"#), "map[a:str]");
}
