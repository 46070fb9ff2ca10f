//! sprig string, encoding and regex functions (expectations from sprig's
//! documented behaviour).

mod common;
use common::{err, r};

#[test]
fn trimming_and_case() {
    assert_eq!(r(r#"{{ trim "  hi \n" }}"#), "hi");
    assert_eq!(r(r#"{{ trimAll "$" "$5.00$" }}"#), "5.00");
    assert_eq!(r(r#"{{ trimPrefix "-" "-hello" }}|{{ trimSuffix "-" "hello-" }}"#), "hello|hello");
    assert_eq!(
        r(r#"{{ upper "hello" }} {{ lower "HELLO" }} {{ title "hello world-foo_bar" }}"#),
        "HELLO hello Hello World-Foo_bar"
    );
    assert_eq!(r(r#"{{ untitle "Hello World" }}"#), "hello world");
    assert_eq!(r(r#"{{ swapcase "This Is A.Test" }}"#), "tHIS iS a.tEST");
    assert_eq!(
        r(r#"{{ snakecase "FirstName" }} {{ snakecase "HTTPServer" }} {{ kebabcase "FirstName" }}"#),
        "first_name http_server first-name"
    );
    assert_eq!(r(r#"{{ camelcase "http_server" }} {{ camelcase "_my_field" }}"#), "HttpServer _MyField");
    assert_eq!(r(r#"{{ nospace "h e l l o " }}"#), "hello");
    assert_eq!(r(r#"{{ initials "First Try" }}"#), "FT");
}

#[test]
fn substrings() {
    assert_eq!(r(r#"{{ trunc 5 "hello world" }}|{{ trunc -5 "hello world" }}|{{ trunc 50 "hi" }}"#), "hello|world|hi");
    assert_eq!(
        r(r#"{{ substr 0 5 "hello world" }}|{{ substr 6 -1 "hello world" }}|{{ substr -1 5 "hello world" }}"#),
        "hello|world|hello"
    );
    assert_eq!(r(r#"{{ abbrev 5 "hello world" }}|{{ abbrev 3 "hello" }}"#), "he...|hello");
    assert_eq!(r(r#"{{ abbrevboth 5 10 "1234 5678 9123" }}"#), "...5678...");
    assert_eq!(r(r#"{{ substr 0 10 "abc" }}"#), "abc");
    assert!(
        err(r#"{{ substr -1 10 "abc" }}"#)
            .ends_with("error calling substr: runtime error: slice bounds out of range [:10] with length 3")
    );
}

#[test]
fn wrapping_and_indent() {
    assert_eq!(r(r#"{{ wrap 5 "Hello World" }}"#), "Hello\nWorld");
    assert_eq!(r(r#"{{ wrapWith 5 "\t" "Hello World" }}"#), "Hello\tWorld");
    assert_eq!(r(r#"{{ indent 4 "a\nb" }}"#), "    a\n    b");
    assert_eq!(r(r#"x:{{ nindent 2 "a\nb" }}"#), "x:\n  a\n  b");
    assert_eq!(r(r#"{{ repeat 3 "ab" }}"#), "ababab");
}

#[test]
fn predicates_and_quoting() {
    assert_eq!(
        r(r#"{{ contains "cat" "catch" }} {{ hasPrefix "ca" "cat" }} {{ hasSuffix "at" "cat" }}"#),
        "true true true"
    );
    assert_eq!(r(r#"{{ quote "a" 1 nil "b\"c" }}|{{ squote "a" 2 }}"#), r#""a" "1" "b\"c"|'a' '2'"#);
    assert_eq!(r(r#"{{ cat "hello" 1 nil "world" }}"#), "hello 1 world");
    assert_eq!(r(r#"{{ replace " " "-" "a b c" }}"#), "a-b-c");
    assert_eq!(r(r#"{{ plural "one" "many" 1 }} {{ plural "one" "many" 2 }}"#), "one many");
}

#[test]
fn splitting_and_joining() {
    assert_eq!(r(r#"{{ splitList "," "a,b,c" }}"#), "[a b c]");
    assert_eq!(r(r#"{{ $p := split "$" "foo$bar$baz" }}{{ $p._0 }} {{ $p._2 }}"#), "foo baz");
    assert_eq!(r(r#"{{ $p := splitn "$" 2 "foo$bar$baz" }}{{ $p._0 }} {{ $p._1 }}"#), "foo bar$baz");
    assert_eq!(r(r#"{{ join "," (list 1 "a" nil 2.5) }}"#), "1,a,2.5");
    assert_eq!(r(r#"{{ sortAlpha (list "c" "a" "b") }}"#), "[a b c]");
    assert_eq!(r(r#"{{ toStrings (list 1 2 3) | join "-" }}"#), "1-2-3");
    assert_eq!(r(r#"{{ toString 3.5 }} {{ toString nil }}"#), "3.5 <nil>");
}

#[test]
fn type_errors_match_go() {
    let e = err(r#"{{ upper 3 }}"#);
    assert_eq!(e, r#"template: t:1:9: executing "t" at <3>: expected string; found 3"#);
    assert_eq!(err(r#"{{ upper nil }}"#), r#"template: t:1:9: executing "t" at <nil>: cannot assign nil to string"#);
    assert_eq!(
        err(r#"{{ upper (add 1 2) }}"#),
        r#"template: t:1:16: executing "t" at <2>: wrong type for value; expected string; got int64"#
    );
    let e = crate::common::render("{{ upper .missing }}", serde_json::json!({})).unwrap_err();
    assert_eq!(e, r#"template: t:1:9: executing "t" at <.missing>: invalid value; expected string"#);
    let e = crate::common::render("{{ indent .n \"x\" }}", serde_json::json!({"n": 2})).unwrap_err();
    assert_eq!(e, r#"template: t:1:10: executing "t" at <.n>: wrong type for value; expected int; got float64"#);
    assert_eq!(
        err(r#"{{ upper }}"#),
        r#"template: t:1:3: executing "t" at <upper>: wrong number of args for upper: want 1 got 0"#
    );
}

#[test]
fn encodings_and_hashes() {
    assert_eq!(r(r#"{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }}"#), "aGVsbG8= hello");
    assert_eq!(r(r#"{{ b64dec "!!" }}"#), "illegal base64 data at input byte 0");
    assert_eq!(r(r#"{{ b32enc "hello" }} {{ b32dec "NBSWY3DP" }}"#), "NBSWY3DP hello");
    assert_eq!(r(r#"{{ sha1sum "hello" }}"#), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    assert_eq!(r(r#"{{ sha256sum "hello" }}"#), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    assert_eq!(r(r#"{{ adler32sum "hello" }}"#), "103547413");
}

#[test]
fn regexes() {
    assert_eq!(r(r#"{{ regexMatch "^[a-z]+\\d$" "abc1" }} {{ regexMatch "(" "x" }}"#), "true false");
    assert_eq!(r(r#"{{ regexFind "[0-9]+" "ab12cd34" }}"#), "12");
    assert_eq!(r(r#"{{ regexFindAll "[0-9]" "a1b2c3" -1 }} {{ regexFindAll "[0-9]" "a1b2c3" 2 }}"#), "[1 2 3] [1 2]");
    assert_eq!(r(r#"{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}"#), "-W-xxW-");
    assert_eq!(r(r#"{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}"#), "-${1}-${1}-");
    assert_eq!(r(r#"{{ regexSplit "z+" "pizza" -1 }} {{ regexSplit "z+" "pizza" 1 }}"#), "[pi a] [pizza]");
    assert_eq!(r(r#"{{ regexQuoteMeta "1.2.3" }}"#), r"1\.2\.3");
    assert_eq!(r(r#"{{ regexMatch "^\\w+$" "héllo" }}"#), "false");
    assert!(err(r#"{{ mustRegexMatch "(" "x" }}"#).contains("error calling mustRegexMatch: error parsing regexp"));
}

#[test]
fn nondeterministic_functions_fail_loudly() {
    assert!(err(r#"{{ randAlphaNum 5 }}"#).contains("error calling randAlphaNum: randAlphaNum is not supported"));
    assert!(err(r#"{{ uuidv4 }}"#).contains("uuidv4 is not supported"));
    assert!(err(r#"{{ now }}"#).contains("now is not supported"));
    assert!(err(r#"{{ shuffle "abc" }}"#).contains("shuffle is not supported"));
}

#[test]
fn urls() {
    let u = r#"{{ $u := urlParse "https://user:pw@example.com:8443/a%20b/c?x=1&y=2#frag" }}"#;
    assert_eq!(
        r(&format!(
            "{u}{{{{ $u.scheme }}}}|{{{{ $u.host }}}}|{{{{ $u.hostname }}}}|{{{{ $u.path }}}}|{{{{ $u.query }}}}|{{{{ $u.fragment }}}}|{{{{ $u.userinfo }}}}"
        )),
        "https|example.com:8443|example.com|/a b/c|x=1&y=2|frag|user:pw"
    );
    assert_eq!(
        r(r#"{{ urlJoin (dict "scheme" "http" "host" "h:80" "path" "/p q" "query" "a=b") }}"#),
        "http://h:80/p%20q?a=b"
    );
    assert_eq!(r(r#"{{ (urlParse "mailto:joe@x.org").opaque }}"#), "joe@x.org");
}

#[test]
fn regex_classes_use_go_syntax() {
    // In Go, `&&` and `[` inside a class are literal characters.
    assert_eq!(
        r(
            r#"{{ regexFindAll "[a&&b]" "a&b" -1 }} {{ regexFindAll "[[x]" "[x" -1 }} {{ regexMatch "[[:digit:]]" "5" }}"#
        ),
        "[a & b] [[ x] true"
    );
}
