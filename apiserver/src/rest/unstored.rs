//! Resources that are answered rather than stored: the self reviews (`kubectl auth whoami`,
//! `kubectl auth can-i`), subject access reviews, token reviews and component statuses.
//!
//! Authorization is still "`system:masters` may do everything" (RBAC comes later), so an access
//! review allows exactly the requests of members of that group; token reviews authenticate
//! nothing, as no token authenticator exists yet.

use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use ironkube_apimachinery::Status;
use serde_json::{Value, json};

use super::encode::{self, IncludeObject, ListItem, Shape};
use super::negotiation::{Endpoint, decode_body, negotiate_input, negotiate_output};
use super::{Reply, now_rfc3339, read_body};
use crate::managedfields;
use crate::pki::ADMIN_GROUP;
use crate::registry::ResourceInfo;
use crate::server::{AppState, UserInfo};

/// Serves a request on a resource without storage.
pub(super) async fn handle(
    state: Arc<AppState>,
    info: &ResourceInfo,
    verb: &str,
    name: &str,
    user: Option<UserInfo>,
    headers: &axum::http::HeaderMap,
    body: Body,
) -> Reply {
    match (info.group, info.resource, verb) {
        ("", "componentstatuses", "list" | "get") => {
            // Upstream marks the API deprecated on every answer.
            let mut response = component_statuses(&state, info, name, headers).await?;
            response.headers_mut().insert(
                "warning",
                axum::http::HeaderValue::from_static(
                    "299 - \"v1 ComponentStatus is deprecated in v1.19+\"",
                ),
            );
            Ok(response)
        }
        (
            "authentication.k8s.io" | "authorization.k8s.io",
            "selfsubjectreviews"
            | "tokenreviews"
            | "selfsubjectaccessreviews"
            | "subjectaccessreviews"
            | "localsubjectaccessreviews"
            | "selfsubjectrulesreviews",
            "create",
        ) => review(info, user, headers, body).await,
        _ => Err(Box::new(Status::method_not_supported(
            info.group,
            info.resource,
            verb,
        ))),
    }
}

fn is_master(groups: &[Value]) -> bool {
    groups.iter().any(|g| g == ADMIN_GROUP)
}

/// A review: the request's spec back, with the status filled in.
async fn review(
    info: &ResourceInfo,
    user: Option<UserInfo>,
    headers: &axum::http::HeaderMap,
    body: Body,
) -> Reply {
    let output = negotiate_output(headers, Endpoint::Review)?;
    let format = negotiate_input(headers)?;
    let bytes = read_body(body).await?;
    let mut object = if bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        decode_body(format, &bytes).map_err(|err| Box::new(Status::bad_request(err)))?
    };
    if !object.is_object() {
        return Err(Box::new(Status::bad_request("the body is not an object")));
    }
    let api_version = format!("{}/{}", info.group, info.version);
    object["apiVersion"] = json!(api_version);
    object["kind"] = json!(info.kind);
    if object.get("metadata").is_none_or(|m| !m.is_object()) {
        object["metadata"] = json!({});
    }
    // Upstream's create handler runs the field manager on reviews as on any create: what the
    // request set is recorded (the status the server fills in is not).
    let manager = managedfields::manager_of(
        None,
        headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    );
    let now = now_rfc3339();
    managedfields::record_update(
        info.group,
        info.version,
        info.kind,
        None,
        &mut object,
        &manager,
        None,
        &now,
    );
    if info.resource == "selfsubjectreviews" {
        object["metadata"]["creationTimestamp"] = json!(now);
    }
    let (name, groups, extra) = match &user {
        Some(user) => (
            user.name.clone(),
            user.groups.iter().map(|g| json!(g)).collect::<Vec<_>>(),
            json!(user.extra),
        ),
        None => (
            "system:anonymous".to_string(),
            vec![json!("system:unauthenticated")],
            json!({}),
        ),
    };
    match info.resource {
        "selfsubjectreviews" => {
            let mut user_info = json!({ "username": name, "groups": groups });
            if extra.as_object().is_some_and(|e| !e.is_empty()) {
                user_info["extra"] = extra;
            }
            object["status"] = json!({ "userInfo": user_info });
        }
        "tokenreviews" => {
            object["status"] = json!({ "user": {} });
        }
        "selfsubjectaccessreviews" => {
            object["status"] = json!({ "allowed": is_master(&groups) });
        }
        "selfsubjectrulesreviews" => {
            let rules = if is_master(&groups) {
                json!([{ "verbs": ["*"], "apiGroups": ["*"], "resources": ["*"] }])
            } else {
                json!([])
            };
            let non_resource = if is_master(&groups) {
                json!([{ "verbs": ["*"], "nonResourceURLs": ["*"] }])
            } else {
                json!([])
            };
            object["status"] = json!({
                "resourceRules": rules,
                "nonResourceRules": non_resource,
                "incomplete": false,
            });
        }
        _ => {
            // subjectaccessreviews and localsubjectaccessreviews: about the user in the spec.
            let spec_groups: Vec<Value> = object
                .pointer("/spec/groups")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            object["status"] = json!({ "allowed": is_master(&spec_groups) });
        }
    }
    Ok(encode::object_response(
        StatusCode::CREATED,
        output,
        &shape(info),
        &object,
        None,
    ))
}

fn shape(info: &ResourceInfo) -> Shape<'_> {
    Shape {
        group: info.group,
        version: info.version,
        kind: info.kind,
        list_kind: info.list_kind.unwrap_or(""),
        include_object: IncludeObject::Metadata,
        pretty: false,
        custom: None,
    }
}

/// Component statuses (deprecated upstream, still served): the store's health as `etcd-0`,
/// and the scheduler and controller manager by their health ports.
async fn component_statuses(
    state: &AppState,
    info: &ResourceInfo,
    name: &str,
    headers: &axum::http::HeaderMap,
) -> Reply {
    let store_ok = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.store.current_revision(),
    )
    .await
    .is_ok_and(|r| r.is_ok());
    let mut items = vec![status_item(
        "etcd-0",
        store_ok,
        if store_ok { "ok" } else { "" },
        if store_ok {
            ""
        } else {
            "the store does not answer"
        },
    )];
    for (component, port) in [("scheduler", 10259u16), ("controller-manager", 10257)] {
        let reachable = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            tokio::net::TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        .is_ok_and(|r| r.is_ok());
        let error = format!(
            "Get \"https://127.0.0.1:{port}/healthz\": dial tcp 127.0.0.1:{port}: connect: connection refused"
        );
        items.push(status_item(
            component,
            reachable,
            if reachable { "ok" } else { "" },
            if reachable { "" } else { &error },
        ));
    }
    items.sort_by(|a, b| {
        a["metadata"]["name"]
            .as_str()
            .cmp(&b["metadata"]["name"].as_str())
    });
    if !name.is_empty() {
        let output = negotiate_output(headers, Endpoint::Object)?;
        let Some(item) = items.into_iter().find(|i| i["metadata"]["name"] == name) else {
            return Err(Box::new(Status::not_found("", "componentstatuses", name)));
        };
        return Ok(encode::object_response(
            StatusCode::OK,
            output,
            &shape(info),
            &item,
            None,
        ));
    }
    let output = negotiate_output(headers, Endpoint::List)?;
    let items = items.into_iter().map(ListItem::Value).collect();
    Ok(encode::list_response(
        output,
        &shape(info),
        json!({}),
        items,
    ))
}

fn status_item(name: &str, healthy: bool, message: &str, error: &str) -> Value {
    let mut condition =
        json!({ "type": "Healthy", "status": if healthy { "True" } else { "False" } });
    if !message.is_empty() {
        condition["message"] = json!(message);
    }
    if !error.is_empty() {
        condition["error"] = json!(error);
    }
    json!({
        "kind": "ComponentStatus",
        "apiVersion": "v1",
        "metadata": { "name": name },
        "conditions": [condition],
    })
}
