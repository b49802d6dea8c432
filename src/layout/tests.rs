//! Unit tests of the layout's rules (the canonical JSON's are beside it).

use super::*;

#[test]
fn a_deps_object_with_a_repeated_key_is_not_trusted() {
    let twice = br#"[{"id":"doc:1","hash":"v1","id":"doc:2"}]"#;
    let err = parse_deps(twice).unwrap_err();
    assert!(err.to_string().contains("appears twice"), "{err}");
    assert!(parse_deps(br#"[{"id":"doc:1","hash":"v1","x":{"a":1,"b":[1,{"c":2}]}}]"#).is_ok());
    assert!(parse_deps(br#"[{"id":"doc:1","hash":null,"x":{"a":1,"a":2}}]"#).is_err());
}

fn rec(id: &str, hash: Option<&str>) -> DepRecord {
    DepRecord {
        id: id.into(),
        hash: hash.map(Into::into),
    }
}

#[test]
fn key_names_follow_the_contract_verbatim() {
    let dep = DepId::parse("doc:contract-123").unwrap();
    assert_eq!(dep.keys_key(), "cc:dep:keys:doc:contract-123");
    assert_eq!(dep.hash_key(), "cc:dep:hash:doc:contract-123");
    let ns = Namespace::parse("tenant.a-1_x").unwrap();
    assert_eq!(ns.l1_key("ab"), "cc:l1:tenant.a-1_x:ab");
    assert_eq!(ns.l2_key("42"), "vec:tenant.a-1_x:42");
    assert_eq!(
        DepId::policy(&ns).as_str(),
        "cc:policy-version:tenant.a-1_x"
    );
    assert_eq!(
        DepId::policy(&Namespace::default()).hash_key(),
        "cc:dep:hash:cc:policy-version:default"
    );
    // Braces are inserted verbatim, never escaped.
    assert_eq!(DepId::parse("a{b}").unwrap().keys_key(), "cc:dep:keys:a{b}");
}

#[test]
fn policy_hash_records_name_their_namespace() {
    let ns = Namespace::parse("shop").unwrap();
    let key = DepId::policy(&ns).hash_key();
    assert_eq!(policy_hash_namespace(key.as_bytes()), Some(ns));
    assert_eq!(policy_hash_namespace(b"cc:dep:hash:doc:1"), None);
    assert_eq!(
        policy_hash_namespace(b"cc:dep:hash:cc:policy-version:a:b"),
        None
    );
    assert_eq!(
        policy_hash_namespace(b"cc:dep:keys:cc:policy-version:shop"),
        None
    );
}

#[test]
fn dep_id_rules() {
    assert!(DepId::parse("").is_err());
    assert!(DepId::parse("a b").is_err());
    assert!(DepId::parse("a\tb").is_err());
    assert!(
        DepId::parse("a\u{a0}b").is_err(),
        "no-break space is whitespace"
    );
    assert!(DepId::parse("a\u{7}b").is_err());
    assert!(
        DepId::parse("a\u{1b}[31mb").is_err(),
        "escape sequences are control chars"
    );
    assert!(DepId::parse("a\u{85}b").is_err());
    // Invisible format characters (Cf) print like another id.
    for id in [
        "\u{feff}doc:1",
        "doc:\u{200b}1",
        "doc:1\u{202e}",
        "doc:\u{2066}1",
        "doc:\u{ad}1",
        "doc:\u{e0041}",
    ] {
        let err = DepId::parse(id).unwrap_err().to_string();
        assert!(err.contains("invisible"), "{id:?}: {err}");
    }
    // The message names the character, since it cannot be seen in the quoted id.
    for (id, named) in [
        ("\u{feff}doc:1", "U+FEFF"),
        ("doc:\u{200b}1", "U+200B"),
        ("doc:1\u{202e}", "bidirectional"),
        ("doc:\u{2066}1", "bidirectional"),
        ("doc:\u{ad}1", "category Cf"),
    ] {
        let err = DepId::parse(id).unwrap_err().to_string();
        assert!(err.contains(named), "{id:?}: {err}");
    }
    // Glob characters are ordinary literal characters.
    for id in ["doc:*", "doc:?", "doc:[1]", "ünï:çødé:日本", "emoji:👍🏽"] {
        assert_eq!(DepId::parse(id).unwrap().as_str(), id);
    }
}

#[test]
fn dep_id_limit_is_512_bytes_not_characters() {
    assert!(DepId::parse(&"a".repeat(512)).is_ok());
    assert!(DepId::parse(&"a".repeat(513)).is_err());
    // 171 three-byte characters = 513 bytes but only 171 characters.
    assert!(DepId::parse(&"€".repeat(170)).is_ok());
    assert!(DepId::parse(&"€".repeat(171)).is_err());
}

#[test]
fn reserved_ids_are_valid_but_refused_for_users() {
    assert!(
        DepId::parse("cc:policy-version:default")
            .unwrap()
            .is_reserved()
    );
    let err = DepId::parse_user("cc:policy-version:default").unwrap_err();
    assert!(matches!(err, LayoutError::ReservedDepId { .. }));
    assert!(DepId::parse_user("cc:anything").is_err());
    assert!(DepId::parse_user("CC:upper-is-not-reserved").is_ok());
    assert!(DepId::parse_user("xcc:fine").is_ok());
}

#[test]
fn namespace_rules() {
    assert!(Namespace::parse("default").is_ok());
    assert!(Namespace::parse(&"n".repeat(64)).is_ok());
    assert!(Namespace::parse(&"n".repeat(65)).is_err());
    for bad in ["", "a:b", "a b", "é", "a*", "a{b}"] {
        assert!(Namespace::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(Namespace::default().as_str(), "default");
}

#[test]
fn namespaces_and_tiers_print_as_written() {
    // Key names and the reports are built with `format!("{ns}")` and `{tier}`.
    let ns = Namespace::parse("tenant.a-1_x").unwrap();
    assert_eq!(format!("<{ns}>"), "<tenant.a-1_x>");
    assert_eq!(format!("{} {}", Tier::L1, Tier::L2), "L1 L2");
}

#[test]
fn the_lua_entry_rule_is_built_from_the_escaped_prefixes() {
    // The rule's behaviour is compared with `parse_entry_key` on a real server by the
    // contract_lua integration test; this pins the text the scripts embed.
    assert_eq!(lua_literal_pattern("cc:l1:"), "cc:l1:");
    assert_eq!(
        lua_literal_pattern("a.b-c%d^$()[]*+?"),
        "a%.b%-c%%d%^%$%(%)%[%]%*%+%?"
    );
    let lua = entry_tier_lua();
    assert!(
        lua.contains("'^cc:l1:[A-Za-z0-9_%.%-]+():[0-9a-f]*$'"),
        "{lua}"
    );
    assert!(
        lua.contains("c == #m - 64 and c <= 71 then return 1"),
        "{lua}"
    );
    assert!(lua.contains("'^vec:[A-Za-z0-9_%.%-]+():.'"), "{lua}");
    assert!(lua.contains("c <= 69 then return 2"), "{lua}");
}

#[test]
fn hash_rules() {
    assert!(validate_hash("v2").is_ok());
    assert!(validate_hash("with space and ünïcode").is_ok());
    assert!(validate_hash(&"h".repeat(256)).is_ok());
    assert!(validate_hash(&"h".repeat(257)).is_err());
    assert!(validate_hash(&"é".repeat(129)).is_err(), "258 bytes");
    assert!(validate_hash("").is_err());
    assert!(validate_hash("v\n2").is_err());
    assert!(validate_hash("v\u{7f}").is_err());
}

#[test]
fn entry_key_shapes() {
    let fp = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let l1 = parse_entry_key(format!("cc:l1:default:{fp}").as_bytes()).unwrap();
    assert_eq!((l1.tier, l1.namespace.as_str()), (Tier::L1, "default"));
    let l2 = parse_entry_key(b"vec:ns-2:anything:with:colons").unwrap();
    assert_eq!((l2.tier, l2.namespace.as_str()), (Tier::L2, "ns-2"));
    for not_entry in [
        "cc:dep:hash:doc:1".to_string(),
        "cc:l1:default:short".to_string(),
        format!("cc:l1:default:{}", fp.to_uppercase()),
        format!("cc:l1:bad ns:{fp}"),
        "vec:default:".to_string(),
        "vec:nocolon".to_string(),
        "user:1".to_string(),
    ] {
        assert_eq!(parse_entry_key(not_entry.as_bytes()), None, "{not_entry}");
    }
    assert_eq!(parse_entry_key(b"vec:default:\xff\xfe"), Some(l2_default()));
}

fn l2_default() -> EntryKey {
    EntryKey {
        tier: Tier::L2,
        namespace: Namespace::default(),
    }
}

#[test]
fn deps_round_trip_in_declaration_order() {
    let deps = vec![
        rec("table:products", Some("v1")),
        rec("doc:7", None),
        rec("cc:policy-version:default", Some("1")),
    ];
    let text = write_deps(&deps);
    assert_eq!(
        text,
        r#"[{"id":"table:products","hash":"v1"},{"id":"doc:7","hash":null},{"id":"cc:policy-version:default","hash":"1"}]"#
    );
    assert_eq!(parse_deps(text.as_bytes()).unwrap(), deps);
}

#[test]
fn deps_parse_distinguishes_null_from_missing_and_names_the_element() {
    assert_eq!(
        parse_deps(br#"[{"id":"a","hash":null}]"#).unwrap(),
        vec![rec("a", None)]
    );
    let cases: &[(&[u8], &str)] = &[
        (br#"[{"id":"a"}]"#, "deps[0] has no hash field"),
        (
            br#"[{"id":"a","hash":1}]"#,
            "deps[0] has a hash that is neither",
        ),
        (
            br#"[{"id":"a","hash":"x"},{"hash":"x"}]"#,
            "deps[1] has no id",
        ),
        (
            br#"[{"id":7,"hash":"x"}]"#,
            "deps[0] has an id that is not a string",
        ),
        (
            br#"[{"id":"a b","hash":"x"}]"#,
            "deps[0] has an invalid dep id",
        ),
        (br#"["a"]"#, "deps[0] is not an object"),
        (br#"{"id":"a"}"#, "not a JSON array"),
        (br#"[{"id":"a","#, "not valid JSON"),
        (b"\xff", "not valid UTF-8"),
    ];
    for (raw, want) in cases {
        let err = parse_deps(raw).unwrap_err().to_string();
        assert!(err.contains(want), "{err} should contain {want}");
    }
    // Extra fields from a newer proxy are tolerated.
    assert!(parse_deps(br#"[{"id":"a","hash":"x","note":1}]"#).is_ok());
}

#[test]
fn entry_deps_must_end_with_its_namespace_policy_dep() {
    let ns = Namespace::parse("shop").unwrap();
    let good = br#"[{"id":"a","hash":"x"},{"id":"cc:policy-version:shop","hash":"1"}]"#;
    assert_eq!(parse_entry_deps(Some(good), &ns).unwrap().len(), 2);
    let other_ns = br#"[{"id":"a","hash":"x"},{"id":"cc:policy-version:default","hash":"1"}]"#;
    assert!(matches!(
        parse_entry_deps(Some(other_ns), &ns),
        Err(DepsError::NoPolicyDep { .. })
    ));
    assert!(parse_entry_deps(Some(b"[]"), &ns).is_err());
    assert_eq!(parse_entry_deps(None, &ns), Err(DepsError::Missing));
}

fn lookup<'a>(table: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
    move |id| table.iter().find(|(k, _)| *k == id).map(|(_, v)| *v)
}

#[test]
fn freshness_absent_current_never_stales_ordinary_deps() {
    let deps = [
        rec("a", Some("v1")),
        rec("b", None),
        rec("cc:policy-version:default", Some("1")),
    ];
    assert_eq!(freshness(&deps, lookup(&[])), Freshness::Fresh);
}

#[test]
fn freshness_null_recorded_is_stale_once_any_hash_exists() {
    let deps = [rec("b", None), rec("cc:policy-version:default", Some("1"))];
    assert_eq!(
        freshness(&deps, lookup(&[("b", "v1")])),
        Freshness::Stale {
            dep: "b".into(),
            recorded: None,
            current: "v1".into()
        }
    );
}

#[test]
fn freshness_matching_and_changed_hashes() {
    let deps = [
        rec("a", Some("v1")),
        rec("cc:policy-version:default", Some("1")),
    ];
    assert!(freshness(&deps, lookup(&[("a", "v1")])).is_fresh());
    let stale = freshness(&deps, lookup(&[("a", "v2")]));
    assert_eq!(
        stale,
        Freshness::Stale {
            dep: "a".into(),
            recorded: Some("v1".into()),
            current: "v2".into()
        }
    );
    // Hashes are compared for equality only: "v10" is not "newer" than "v9".
    let deps = [
        rec("a", Some("v10")),
        rec("cc:policy-version:default", Some("1")),
    ];
    assert!(!freshness(&deps, lookup(&[("a", "v9")])).is_fresh());
}

#[test]
fn freshness_policy_dep_defaults_to_one() {
    let at_one = [rec("cc:policy-version:default", Some("1"))];
    assert!(freshness(&at_one, lookup(&[])).is_fresh());
    let at_two = [rec("cc:policy-version:default", Some("2"))];
    assert_eq!(
        freshness(&at_two, lookup(&[])),
        Freshness::Stale {
            dep: "cc:policy-version:default".into(),
            recorded: Some("2".into()),
            current: "1".into()
        }
    );
    assert!(!freshness(&at_one, lookup(&[("cc:policy-version:default", "2")])).is_fresh());
    let null_policy = [rec("cc:policy-version:default", None)];
    assert!(!freshness(&null_policy, lookup(&[])).is_fresh());
}

#[test]
fn freshness_reports_the_first_stale_dep_in_declaration_order() {
    let deps = [
        rec("a", Some("1")),
        rec("b", Some("1")),
        rec("cc:policy-version:default", Some("1")),
    ];
    match freshness(&deps, lookup(&[("a", "2"), ("b", "2")])) {
        Freshness::Stale { dep, .. } => assert_eq!(dep, "a"),
        Freshness::Fresh => panic!("must be stale"),
    }
}

// The two-pass reading parse_deps replaced (a Value tree, then a second pass for repeated
// keys), kept as the reference the one-pass reading must agree with.
/// Parses an entry's `deps` field: a JSON array of `{"id": string, "hash": string|null}`.
/// Unknown extra fields are tolerated so a newer proxy can add some.
fn two_pass_parse_deps(raw: &[u8]) -> Result<Vec<DepRecord>, DepsError> {
    let text = std::str::from_utf8(raw).map_err(|_| DepsError::NotUtf8)?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| DepsError::NotJson(e.to_string()))?;
    // serde_json keeps the last of a repeated key silently: a writer's `"id"` given twice
    // would be judged by one of them. Such a field cannot be trusted.
    serde_json::from_str::<NoDuplicateKeys>(text).map_err(|e| DepsError::NotJson(e.to_string()))?;
    let serde_json::Value::Array(items) = value else {
        return Err(DepsError::NotArray);
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let bad = |reason: String| DepsError::Element { index, reason };
            let serde_json::Value::Object(mut obj) = item else {
                return Err(bad("is not an object".into()));
            };
            let id = match obj.remove("id") {
                Some(serde_json::Value::String(id)) => id,
                Some(_) => return Err(bad("has an id that is not a string".into())),
                None => return Err(bad("has no id".into())),
            };
            DepId::parse(&id).map_err(|e| bad(format!("has an {e}")))?;
            let hash = match obj.remove("hash") {
                Some(serde_json::Value::String(h)) => Some(h),
                Some(serde_json::Value::Null) => None,
                Some(_) => return Err(bad("has a hash that is neither a string nor null".into())),
                None => return Err(bad("has no hash field".into())),
            };
            Ok(DepRecord { id, hash })
        })
        .collect()
}

/// Deserializes any JSON, failing on an object that repeats a key (at any depth).
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeysVisitor)
    }
}

struct NoDuplicateKeysVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeysVisitor {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<NoDuplicateKeys, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<NoDuplicateKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "the key {key:?} appears twice in one object"
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(NoDuplicateKeys)
    }
}

/// Pieces of deps fields: good records, each kind of bad element, repeated keys at
/// several depths, escapes, invisible characters.
const PIECES: &[&str] = &[
    r#"{"id":"doc:1","hash":"v1"}"#,
    r#"{"hash":null,"id":"table:products"}"#,
    r#"{"id":"doc:\u0041\"q","hash":"v\n2"}"#,
    r#"{"id":1,"hash":"v1"}"#,
    r#"{"hash":"v1"}"#,
    r#"{"id":"doc:1"}"#,
    r#"{"id":"doc:1","hash":[1]}"#,
    r#"{"id":"doc:1","hash":{"a":1}}"#,
    r#"{"id":"a b","hash":"v1"}"#,
    r#"{"id":"a\u200bb","hash":"v1"}"#,
    r#"{"id":"","hash":"v1"}"#,
    r#"{"id":"doc:1","hash":"v1","id":"doc:2"}"#,
    r#"{"id":"doc:1","hash":"v1","hash":"v2"}"#,
    r#"{"id":"doc:1","hash":"v1","x":1,"x":2}"#,
    r#"{"id":"doc:1","hash":"v1","x":{"a":1,"b":[1,{"c":2,"c":3}]}}"#,
    r#"{"id":"doc:1","hash":"v1","x":{"a":1,"b":[1,{"c":2}]}}"#,
    r#"{"id":{"k":1,"k":2},"hash":"v1"}"#,
    r#""doc:1""#,
    "null",
    "12",
    "true",
    r#"[{"id":"doc:1","hash":"v1"}]"#,
    r#"[{"a":1,"a":2}]"#,
];

proptest::proptest! {
    #[test]
    fn the_one_pass_reading_answers_as_the_two_pass_one(
        picks in proptest::collection::vec(0..PIECES.len(), 0..6),
        shape in 0..5u8,
        cut in 0..400usize,
    ) {
        let items: Vec<&str> = picks.iter().map(|&i| PIECES[i]).collect();
        let mut text = format!("[{}]", items.join(","));
        match shape {
            1 => text.truncate(cut.min(text.len())),
            2 => text = format!("{{\"deps\":{text}}}"),
            3 => text.push_str(" x"),
            4 => text = format!(" \n{text}\t"),
            _ => {}
        }
        let (one, two) = (parse_deps(text.as_bytes()), two_pass_parse_deps(text.as_bytes()));
        match (&one, &two) {
            // The message may name another fault first: one pass meets them in text order.
            (Err(DepsError::NotJson(_)), Err(DepsError::NotJson(_))) => {}
            _ => proptest::prop_assert_eq!(one, two, "{}", text),
        }
    }
}

#[test]
fn the_one_pass_reading_refuses_what_the_two_pass_one_did() {
    for piece in PIECES {
        let text = format!("[{piece}]");
        let (one, two) = (
            parse_deps(text.as_bytes()),
            two_pass_parse_deps(text.as_bytes()),
        );
        match (&one, &two) {
            (Err(DepsError::NotJson(_)), Err(DepsError::NotJson(_))) => {}
            _ => assert_eq!(one, two, "{text}"),
        }
    }
}
