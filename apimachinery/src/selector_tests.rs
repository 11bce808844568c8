use super::*;
use crate::golden::golden;

fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn label_parse_matches_upstream_golden() {
    let cases = golden().label_parse;
    assert!(cases.len() > 100);
    let mut failures = Vec::new();
    for case in cases {
        let got = LabelSelector::parse(&case.r#in);
        match (&got, &case.err) {
            (Ok(selector), None) => {
                if selector.to_string() != case.out || selector.is_empty() != case.empty {
                    failures.push(format!(
                        "{:?}: got {:?} (empty {}), want {:?} (empty {})",
                        case.r#in,
                        selector.to_string(),
                        selector.is_empty(),
                        case.out,
                        case.empty
                    ));
                }
            }
            (Err(err), Some(want)) if &err.to_string() == want => {}
            _ => failures.push(format!(
                "{:?}: got {:?}, want out {:?} err {:?}",
                case.r#in, got, case.out, case.err
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn label_matching_matches_upstream_golden() {
    for case in golden().label_match {
        let selector = LabelSelector::parse(&case.selector).expect("golden selectors parse");
        assert_eq!(
            selector.matches(&case.set),
            case.matches,
            "{:?} on {:?}",
            case.selector,
            case.set
        );
    }
}

#[test]
fn label_exact_match_matches_upstream_golden() {
    for case in golden().label_exact {
        let selector = LabelSelector::parse(&case.selector).expect("golden selectors parse");
        let want = case.found.then_some(case.value.as_str());
        assert_eq!(
            selector.requires_exact_match(&case.key),
            want,
            "{:?} / {:?}",
            case.selector,
            case.key
        );
    }
}

#[test]
fn label_selector_from_metav1_matches_upstream_golden() {
    for case in golden().label_metav1 {
        let got = LabelSelector::from_metav1_value(&case.r#in);
        match (&got, &case.err) {
            (Ok(selector), None) => {
                assert_eq!(selector.to_string(), case.out, "{}", case.r#in);
                assert_eq!(selector.is_empty(), case.empty, "{}", case.r#in);
                assert_eq!(selector.matches_nothing(), case.nothing, "{}", case.r#in);
            }
            (Err(err), Some(want)) => assert_eq!(&err.to_string(), want, "{}", case.r#in),
            _ => panic!(
                "{}: got {got:?}, want {:?} / {:?}",
                case.r#in, case.out, case.err
            ),
        }
    }
}

#[test]
fn label_key_and_value_validation_matches_upstream_golden() {
    let g = golden();
    for case in g.label_key {
        assert_eq!(
            validate_label_key(&case.r#in),
            case.errs,
            "key {:?}",
            case.r#in
        );
    }
    for case in g.label_value {
        assert_eq!(
            validate_label_value(&case.r#in),
            case.errs,
            "value {:?}",
            case.r#in
        );
    }
}

#[test]
fn field_parse_matches_upstream_golden() {
    let mut failures = Vec::new();
    for case in golden().field_parse {
        let got = FieldSelector::parse(&case.r#in);
        match (&got, &case.err) {
            (Ok(selector), None)
                if selector.to_string() == case.out && selector.is_empty() == case.empty => {}
            (Err(err), Some(want)) if &err.to_string() == want => {}
            _ => failures.push(format!(
                "{:?}: got {:?}, want out {:?} err {:?}",
                case.r#in, got, case.out, case.err
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn field_matching_and_exact_match_match_upstream_golden() {
    let g = golden();
    for case in g.field_match {
        let selector = FieldSelector::parse(&case.selector).expect("golden selectors parse");
        assert_eq!(
            selector.matches(&case.set),
            case.matches,
            "{:?} on {:?}",
            case.selector,
            case.set
        );
    }
    for case in g.field_exact {
        let selector = FieldSelector::parse(&case.selector).expect("golden selectors parse");
        let want = case.found.then_some(case.value.as_str());
        assert_eq!(
            selector.requires_exact_match(&case.key),
            want,
            "{:?} / {:?}",
            case.selector,
            case.key
        );
    }
}

#[test]
fn parsed_requirements_are_exposed_sorted() {
    let selector = LabelSelector::parse("tier notin (db,cache),app=web,!canary").expect("parses");
    let keys: Vec<&str> = selector
        .requirements()
        .iter()
        .map(Requirement::key)
        .collect();
    assert_eq!(keys, ["app", "canary", "tier"]);
    assert_eq!(selector.requirements()[2].operator(), Operator::NotIn);
    assert_eq!(selector.requirements()[2].values(), ["cache", "db"]);
    assert_eq!(
        selector.to_string(),
        "app=web,!canary,tier notin (cache,db)"
    );
    assert!(selector.matches(&set(&[("app", "web"), ("tier", "front")])));
    assert!(!selector.matches(&set(&[("app", "web"), ("canary", "1")])));
}

#[test]
fn requirement_validation_names_fields_as_upstream() {
    let err = Requirement::new("a b", Operator::In, vec![]).expect_err("invalid");
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["key", "values"]);
    let err = Requirement::new("k", Operator::GreaterThan, vec!["x".into()]).expect_err("invalid");
    assert_eq!(
        err.to_string(),
        r#"values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer"#
    );
    let err = Requirement::new("k", Operator::Equals, vec!["-x".into()]).expect_err("invalid");
    assert_eq!(err.field_errors()[0].field, "values[0][k]");
}

#[test]
fn nothing_and_everything() {
    let everything = LabelSelector::everything();
    assert!(everything.is_empty());
    assert!(everything.matches(&BTreeMap::new()));
    let nothing = LabelSelector::nothing();
    assert!(!nothing.is_empty());
    assert!(nothing.matches_nothing());
    assert!(!nothing.matches(&BTreeMap::new()));
    assert_eq!(nothing.to_string(), "");
    let from_set = LabelSelector::from_set(&set(&[("b", "2"), ("a", "1")]));
    assert_eq!(from_set.to_string(), "a=1,b=2");
    assert!(from_set.matches(&set(&[("a", "1"), ("b", "2"), ("c", "3")])));
}

#[test]
fn field_selector_lists_its_fields() {
    let selector = FieldSelector::parse("status.phase!=Running,metadata.name=web,metadata.name!=x")
        .expect("parses");
    assert_eq!(
        selector.to_string(),
        "metadata.name!=x,metadata.name=web,status.phase!=Running"
    );
    assert_eq!(selector.fields(), ["metadata.name", "status.phase"]);
    assert_eq!(selector.requires_exact_match("metadata.name"), Some("web"));
    assert_eq!(selector.requires_exact_match("status.phase"), None);
    let escaped = FieldSelector::exact("spec.x", r"a,b=c\d");
    assert_eq!(escaped.to_string(), r"spec.x=a\,b\=c\\d");
    assert_eq!(
        FieldSelector::parse(&escaped.to_string()).expect("round trips"),
        escaped
    );
}
