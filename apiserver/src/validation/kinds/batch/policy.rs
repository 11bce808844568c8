//! Jobs' pod failure and success policies: upstream's `validatePodFailurePolicy` and
//! `validateSuccessPolicy` with their rules, and the index interval lists success rules name.

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::{BadValue, FieldPath};
use ironkube_apimachinery::gocompat::quote;
use ironkube_apimachinery::selector::validate_label_key;
use serde_json::Value;

use super::super::{int, list, nonnegative, string};

/// The most rules a pod failure policy may have.
const MAX_POD_FAILURE_POLICY_RULES: i64 = 20;
/// The most exit codes one `onExitCodes` requirement may list.
const MAX_EXIT_CODE_VALUES: i64 = 255;
/// The most patterns one `onPodConditions` requirement may list.
const MAX_POD_CONDITION_PATTERNS: i64 = 20;
/// The longest `succeededIndexes` of a success policy rule.
const MAX_SUCCEEDED_INDEXES_LENGTH: i64 = 64 * 1024;
/// The most rules a success policy may have.
const MAX_SUCCESS_POLICY_RULES: i64 = 20;
/// Pod failure policy actions, sorted as upstream's `sets.List` prints them.
const POD_FAILURE_POLICY_ACTIONS: &[&str] = &["Count", "FailIndex", "FailJob", "Ignore"];
/// Exit code operators, sorted.
const EXIT_CODE_OPERATORS: &[&str] = &["In", "NotIn"];
/// Pod condition statuses, sorted.
const CONDITION_STATUSES: &[&str] = &["False", "True", "Unknown"];

/// `%q` of a list of strings, as Go prints a `[]string`: `["a" "b"]`.
fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// Upstream's `validatePodFailurePolicy`.
pub(super) fn validate_pod_failure_policy(
    policy: &Value,
    pod_spec: &Value,
    has_backoff_per_index: bool,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let rules = list(policy, "rules");
    let rules_path = path.child("rules");
    if rules.len() as i64 > MAX_POD_FAILURE_POLICY_RULES {
        errors.push(FieldError::too_many(
            &rules_path,
            rules.len() as i64,
            MAX_POD_FAILURE_POLICY_RULES,
        ));
    }
    let container_names: Vec<&str> = list(pod_spec, "containers")
        .iter()
        .chain(list(pod_spec, "initContainers"))
        .map(|c| string(c, "name"))
        .collect();
    for (i, rule) in rules.iter().enumerate() {
        errors.extend(validate_pod_failure_policy_rule(
            rule,
            has_backoff_per_index,
            &container_names,
            &rules_path.index(i),
        ));
    }
    errors
}

/// Upstream's `validatePodFailurePolicyRule`.
fn validate_pod_failure_policy_rule(
    rule: &Value,
    has_backoff_per_index: bool,
    container_names: &[&str],
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let action_path = path.child("action");
    match string(rule, "action") {
        "" => errors.push(FieldError::required(
            &action_path,
            format!("valid values: {}", quoted_list(POD_FAILURE_POLICY_ACTIONS)),
        )),
        "FailIndex" => {
            if !has_backoff_per_index {
                errors.push(FieldError::invalid(
                    &action_path,
                    "FailIndex",
                    "requires the backoffLimitPerIndex to be set",
                ));
            }
        }
        action if POD_FAILURE_POLICY_ACTIONS.contains(&action) => {}
        action => errors.push(FieldError::not_supported(
            &action_path,
            action,
            POD_FAILURE_POLICY_ACTIONS,
        )),
    }
    let on_exit_codes = rule.get("onExitCodes").filter(|v| !v.is_null());
    let on_pod_conditions = list(rule, "onPodConditions");
    if let Some(requirement) = on_exit_codes {
        errors.extend(validate_on_exit_codes(
            requirement,
            container_names,
            &path.child("onExitCodes"),
        ));
    }
    if !on_pod_conditions.is_empty() {
        errors.extend(validate_on_pod_conditions(
            on_pod_conditions,
            &path.child("onPodConditions"),
        ));
    }
    if on_exit_codes.is_some() && !on_pod_conditions.is_empty() {
        errors.push(FieldError::invalid(
            path,
            BadValue::Omitted,
            "specifying both OnExitCodes and OnPodConditions is not supported",
        ));
    }
    if on_exit_codes.is_none() && on_pod_conditions.is_empty() {
        errors.push(FieldError::invalid(
            path,
            BadValue::Omitted,
            "specifying one of OnExitCodes and OnPodConditions is required",
        ));
    }
    errors
}

/// Upstream's `validatePodFailurePolicyRuleOnPodConditions`.
fn validate_on_pod_conditions(patterns: &[Value], path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if patterns.len() as i64 > MAX_POD_CONDITION_PATTERNS {
        errors.push(FieldError::too_many(
            path,
            patterns.len() as i64,
            MAX_POD_CONDITION_PATTERNS,
        ));
    }
    for (j, pattern) in patterns.iter().enumerate() {
        let item = path.index(j);
        let condition_type = string(pattern, "type");
        let type_path = item.child("type");
        for msg in validate_label_key(condition_type) {
            errors.push(FieldError::invalid(&type_path, condition_type, msg));
        }
        let status_path = item.child("status");
        match string(pattern, "status") {
            "" => errors.push(FieldError::required(
                &status_path,
                format!("valid values: {}", quoted_list(CONDITION_STATUSES)),
            )),
            status if CONDITION_STATUSES.contains(&status) => {}
            status => errors.push(FieldError::not_supported(
                &status_path,
                status,
                CONDITION_STATUSES,
            )),
        }
    }
    errors
}

/// Upstream's `validatePodFailurePolicyRuleOnExitCodes`.
fn validate_on_exit_codes(
    requirement: &Value,
    container_names: &[&str],
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let operator_path = path.child("operator");
    let operator = string(requirement, "operator");
    match operator {
        "" => errors.push(FieldError::required(
            &operator_path,
            format!("valid values: {}", quoted_list(EXIT_CODE_OPERATORS)),
        )),
        op if EXIT_CODE_OPERATORS.contains(&op) => {}
        op => errors.push(FieldError::not_supported(
            &operator_path,
            op,
            EXIT_CODE_OPERATORS,
        )),
    }
    if let Some(container) = requirement.get("containerName").and_then(Value::as_str)
        && !container_names.contains(&container)
    {
        errors.push(FieldError::invalid(
            path.child("containerName"),
            container,
            "must be one of the container or initContainer names in the pod template",
        ));
    }
    let values_path = path.child("values");
    let values = list(requirement, "values");
    let shown = requirement.get("values").cloned().unwrap_or(Value::Null);
    if values.is_empty() {
        errors.push(FieldError::invalid(
            &values_path,
            BadValue::Json(shown.clone()),
            "at least one value is required",
        ));
    } else if values.len() as i64 > MAX_EXIT_CODE_VALUES {
        errors.push(FieldError::too_many(
            &values_path,
            values.len() as i64,
            MAX_EXIT_CODE_VALUES,
        ));
    }
    let mut seen: Vec<i64> = Vec::new();
    let mut ordered = true;
    let codes: Vec<i64> = values.iter().map(|v| v.as_i64().unwrap_or(0)).collect();
    for (j, &code) in codes.iter().enumerate() {
        let item = values_path.index(j);
        if operator == "In" && code == 0 {
            errors.push(FieldError::invalid(
                &item,
                code,
                "must not be 0 for the In operator",
            ));
        }
        if seen.contains(&code) {
            errors.push(FieldError::duplicate(&item, code));
        } else {
            seen.push(code);
        }
        if j > 0 && codes[j - 1] > code {
            ordered = false;
        }
    }
    if !ordered {
        errors.push(FieldError::invalid(
            &values_path,
            BadValue::Json(shown),
            "must be ordered",
        ));
    }
    errors
}

/// Upstream's `validateSuccessPolicy` for an indexed job with `completions`.
pub(super) fn validate_success_policy(
    policy: &Value,
    completions: i64,
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let rules = list(policy, "rules");
    let rules_path = path.child("rules");
    if rules.is_empty() {
        errors.push(FieldError::required(
            &rules_path,
            "at least one rules must be specified when the successPolicy is specified",
        ));
    }
    if rules.len() as i64 > MAX_SUCCESS_POLICY_RULES {
        errors.push(FieldError::too_many(
            &rules_path,
            rules.len() as i64,
            MAX_SUCCESS_POLICY_RULES,
        ));
    }
    for (i, rule) in rules.iter().enumerate() {
        let rule_path = rules_path.index(i);
        let indexes = rule.get("succeededIndexes").and_then(Value::as_str);
        let count = int(rule, "succeededCount");
        if indexes.is_none() && count.is_none() {
            errors.push(FieldError::required(
                &rule_path,
                "at least one of succeededCount or succeededIndexes must be specified",
            ));
        }
        let mut total = 0;
        if let Some(indexes) = indexes {
            let indexes_path = rule_path.child("succeededIndexes");
            if indexes.len() as i64 > MAX_SUCCEEDED_INDEXES_LENGTH {
                errors.push(FieldError::too_long(
                    &indexes_path,
                    MAX_SUCCEEDED_INDEXES_LENGTH,
                ));
            }
            match indexes_total(indexes, completions) {
                Ok(n) => total = n,
                Err(e) => errors.push(FieldError::invalid(
                    &indexes_path,
                    indexes,
                    format!("error parsing succeededIndexes: {e}"),
                )),
            }
        }
        if let Some(count) = count {
            let count_path = rule_path.child("succeededCount");
            errors.extend(nonnegative(Some(count), &count_path));
            if count > completions {
                errors.push(FieldError::invalid(
                    &count_path,
                    count,
                    format!(
                        "must be less than or equal to {completions} (the number of specified completions)"
                    ),
                ));
            }
            if indexes.is_some() && count > total {
                errors.push(FieldError::invalid(
                    &count_path,
                    count,
                    format!(
                        "must be less than or equal to {total} (the number of indexes in the specified succeededIndexes field)"
                    ),
                ));
            }
        }
    }
    errors
}

/// Go's `strconv.Atoi` as the index parser uses it: `None` on any error.
fn atoi(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// Upstream's `parseIndexInterval`: the first and last index of `a` or `a-b`.
fn parse_index_interval(interval: &str, completions: i64) -> Result<(i64, i64), String> {
    let limits: Vec<&str> = interval.split('-').collect();
    if limits.len() > 2 {
        return Err(format!(
            "the fragment {} violates the requirement that an index interval can have at most two parts separated by '-'",
            quote(interval)
        ));
    }
    let parse = |text: &str| -> Result<i64, String> {
        let x = atoi(text).ok_or_else(|| {
            format!(
                "cannot convert string to integer for index: {}",
                quote(text)
            )
        })?;
        if x >= completions {
            return Err(format!("too large index: {}", quote(text)));
        }
        Ok(x)
    };
    let x = parse(limits[0])?;
    match limits.get(1) {
        Some(high) => {
            let y = parse(high)?;
            if x >= y {
                return Err(format!("non-increasing order, previous: {x}, current: {y}"));
            }
            Ok((x, y))
        }
        None => Ok((x, x)),
    }
}

/// Upstream's `validateIndexesFormat`: the number of indexes a list of intervals covers.
fn indexes_total(indexes: &str, completions: i64) -> Result<i64, String> {
    if indexes.is_empty() {
        return Ok(0);
    }
    let mut last: Option<i64> = None;
    let mut total = 0;
    for interval in indexes.split(',') {
        let (x, y) = parse_index_interval(interval, completions)?;
        if let Some(previous) = last
            && previous >= x
        {
            return Err(format!(
                "non-increasing order, previous: {previous}, current: {x}"
            ));
        }
        total += y - x + 1;
        last = Some(y);
    }
    Ok(total)
}
