//! Query parameters of resource requests, read as upstream's parameter codec reads them
//! (`metav1.ListOptions`, `GetOptions`, `DeleteOptions`, …): the first value of each
//! parameter; booleans false only for `false` and `0`; integers as Go's `strconv.ParseInt`.

use ironkube_apimachinery::request_info::parse_query;
use ironkube_apimachinery::{FieldError, FieldSelector, LabelSelector, Status};
use ironkube_storage::object::{ListOptions, ResourceVersionMatch, Selection, WatchOptions};

use crate::fields;
use crate::registry::ResourceInfo;

/// The parsed query of a request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (without `?`).
    pub(crate) fn parse(raw: &str) -> Self {
        Self {
            pairs: parse_query(raw),
        }
    }

    /// The first value of a parameter.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a parameter, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A string parameter ("" when absent).
    pub(crate) fn string(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// A boolean parameter (upstream's `Convert_Slice_string_To_bool`).
    pub(crate) fn bool(&self, name: &str) -> bool {
        self.optional_bool(name).unwrap_or(false)
    }

    /// A boolean parameter that may be absent.
    pub(crate) fn optional_bool(&self, name: &str) -> Option<bool> {
        self.get(name)
            .map(|v| !(v == "0" || v.eq_ignore_ascii_case("false")))
    }

    /// An integer parameter; a malformed one is a 400 with Go's message.
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, Box<Status>> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value.parse::<i64>().map(Some).map_err(|_| {
                let why = if value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
                    && !value.is_empty()
                    && value.len() > 1
                {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                Box::new(Status::bad_request(format!(
                    "strconv.ParseInt: parsing {}: {why}",
                    ironkube_apimachinery::gocompat::quote(value)
                )))
            }),
        }
    }
}

/// List and watch parameters (`metav1.ListOptions`).
#[derive(Clone, Debug)]
pub(crate) struct ListParams {
    /// `watch`.
    pub(crate) watch: bool,
    /// Parsed selectors with the resource's field set.
    pub(crate) selection: Selection,
    /// `resourceVersion`.
    pub(crate) resource_version: String,
    /// `resourceVersionMatch` as given.
    pub(crate) resource_version_match: String,
    /// `limit`.
    pub(crate) limit: i64,
    /// `continue`.
    pub(crate) continue_token: String,
    /// `timeoutSeconds`.
    pub(crate) timeout_seconds: Option<i64>,
    /// `allowWatchBookmarks`.
    pub(crate) allow_watch_bookmarks: bool,
    /// `sendInitialEvents`.
    pub(crate) send_initial_events: Option<bool>,
}

impl ListParams {
    /// Reads and validates list options (upstream's `ValidateListOptions`: 400 for what cannot
    /// be parsed, 422 `ListOptions` Invalid for what contradicts itself).
    pub(crate) fn parse(
        query: &Query,
        info: &ResourceInfo,
        watch: bool,
    ) -> Result<Self, Box<Status>> {
        let labels = LabelSelector::parse(query.string("labelSelector"))
            .map_err(|err| Box::new(Status::bad_request(err.to_string())))?;
        let fields = FieldSelector::parse(query.string("fieldSelector"))
            .map_err(|err| Box::new(Status::bad_request(err.to_string())))?;
        // Field labels as the stored objects name them (events.k8s.io `regarding.*` are the
        // stored Event's `involvedObject.*`).
        let fields =
            fields::convert_field_selector(info.group, info.version, info.resource, &fields)
                .map_err(|message| Box::new(Status::bad_request(message)))?;
        let (storage_group, storage_version) = match &info.storage {
            Some(storage) => (storage.group, storage.version),
            None => (info.group, info.version),
        };
        let params = Self {
            watch,
            selection: Selection {
                labels,
                fields,
                field_set: fields::field_set(
                    storage_group,
                    storage_version,
                    info.resource,
                    info.namespaced,
                ),
            },
            resource_version: query.string("resourceVersion").to_string(),
            resource_version_match: query.string("resourceVersionMatch").to_string(),
            limit: query.int("limit")?.unwrap_or(0),
            continue_token: query.string("continue").to_string(),
            timeout_seconds: query.int("timeoutSeconds")?,
            allow_watch_bookmarks: query.bool("allowWatchBookmarks"),
            send_initial_events: query.optional_bool("sendInitialEvents"),
        };
        let errors = params.validate();
        if !errors.is_empty() {
            return Err(Box::new(Status::invalid(
                "meta.k8s.io",
                "ListOptions",
                "",
                &errors,
            )));
        }
        Ok(params)
    }

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let rvm = self.resource_version_match.as_str();
        if self.watch {
            if self.send_initial_events.is_some() && rvm != "NotOlderThan" {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                ));
            }
            if !rvm.is_empty() {
                if self.send_initial_events.is_none() {
                    errors.push(FieldError::forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                    ));
                }
                if rvm != "NotOlderThan" {
                    errors.push(FieldError::not_supported(
                        "resourceVersionMatch",
                        rvm,
                        &["NotOlderThan"],
                    ));
                }
                if !self.continue_token.is_empty() {
                    errors.push(FieldError::forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    ));
                }
            }
            return errors;
        }
        if !rvm.is_empty() {
            if self.resource_version.is_empty() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                ));
            }
            if !self.continue_token.is_empty() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                ));
            }
            if rvm != "Exact" && rvm != "NotOlderThan" {
                errors.push(FieldError::not_supported(
                    "resourceVersionMatch",
                    rvm,
                    &["Exact", "NotOlderThan", ""],
                ));
            }
            if rvm == "Exact" && self.resource_version == "0" {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                ));
            }
        }
        if self.send_initial_events.is_some() {
            errors.push(FieldError::forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for list",
            ));
        }
        errors
    }

    /// The storage layer's list options.
    pub(crate) fn list_options(&self) -> ListOptions {
        ListOptions {
            resource_version: self.resource_version.clone(),
            resource_version_match: match self.resource_version_match.as_str() {
                "Exact" => ResourceVersionMatch::Exact,
                "NotOlderThan" => ResourceVersionMatch::NotOlderThan,
                _ => ResourceVersionMatch::Unset,
            },
            limit: self.limit.max(0),
            continue_token: self.continue_token.clone(),
            selection: self.selection.clone(),
        }
    }

    /// The storage layer's watch options; `name` for a watch of one object.
    pub(crate) fn watch_options(&self, name: Option<String>) -> WatchOptions {
        WatchOptions {
            resource_version: self.resource_version.clone(),
            selection: self.selection.clone(),
            send_initial_events: self.send_initial_events,
            allow_bookmarks: self.allow_watch_bookmarks,
            name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    fn pods() -> ResourceInfo {
        Registry::builtin().get("", "v1", "pods").cloned().unwrap()
    }

    #[test]
    fn booleans_and_integers_as_upstream() {
        let q = Query::parse("watch=1&allowWatchBookmarks=false&limit=abc&x=0");
        assert!(q.bool("watch"));
        assert!(!q.bool("allowWatchBookmarks"));
        assert!(!q.bool("x"));
        assert!(!q.bool("missing"));
        let err = q.int("limit").unwrap_err();
        assert_eq!(err.code, 400);
        assert_eq!(
            err.message,
            "strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
    }

    #[test]
    fn contradictory_list_options_are_invalid() {
        let q = Query::parse("resourceVersionMatch=Exact");
        let err = ListParams::parse(&q, &pods(), false).unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(
            err.message,
            "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
        );
        let q = Query::parse("sendInitialEvents=true");
        let err = ListParams::parse(&q, &pods(), true).unwrap_err();
        assert!(
            err.message.contains(
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
            )
        );
    }
}
