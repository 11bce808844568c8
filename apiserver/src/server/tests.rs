//! The filter chain and routes called as a tower service, without sockets or TLS.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ironkube_storage::embedded::EmbeddedStore;
use tower::ServiceExt;

use super::identity::Peer;
use super::{AppState, UserInfo, handler_chain};
use crate::registry::Registry;

async fn chain(dir: &std::path::Path) -> (axum::Router, EmbeddedStore) {
    let store = EmbeddedStore::open(&dir.join("db")).await.unwrap();
    let state = Arc::new(AppState::new(
        Registry::builtin(),
        "127.0.0.1:6443".into(),
        Arc::new(store.clone()),
        super::inflight::Limits::new(0, 0),
        Default::default(),
    ));
    (handler_chain(state), store)
}

fn user(name: &str, groups: &[&str]) -> Peer {
    let mut groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
    groups.push("system:authenticated".into());
    Peer(Some(UserInfo {
        name: name.into(),
        groups,
        extra: Default::default(),
    }))
}

async fn call(router: &axum::Router, peer: Peer, uri: &str) -> (StatusCode, String, String) {
    let mut req = Request::get(uri).body(Body::empty()).unwrap();
    req.extensions_mut().insert(peer);
    let response = router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn anonymous_requests_reach_only_public_paths() {
    let dir = tempfile::tempdir().unwrap();
    let (router, store) = chain(dir.path()).await;
    let (code, ct, body) = call(&router, Peer(None), "/apis").await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_eq!(ct, "application/json");
    assert_eq!(
        body,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
    );
    for path in [
        "/healthz",
        "/livez",
        "/readyz",
        "/readyz/etcd",
        "/healthz/ping",
    ] {
        let (code, _, body) = call(&router, Peer(None), path).await;
        assert_eq!((code, body.as_str()), (StatusCode::OK, "ok"), "{path}");
    }
    let (code, _, body) = call(&router, Peer(None), "/readyz?verbose").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(
        body,
        "[+]ping ok\n[+]log ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n"
    );
    let (code, _, _) = call(&router, Peer(None), "/version").await;
    assert_eq!(code, StatusCode::OK);
    store.close().await;
}

#[tokio::test]
async fn users_outside_system_masters_are_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let (router, store) = chain(dir.path()).await;
    let (code, _, body) = call(&router, user("x", &["devs"]), "/apis").await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"x\" cannot get path \"/apis\"","reason":"Forbidden","details":{},"code":403}"#
    );
    let (code, _, body) = call(
        &router,
        user("x", &[]),
        "/api/v1/namespaces/default/pods/web",
    )
    .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" is forbidden: User \"x\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"web","kind":"pods"},"code":403}"#
    );
    let (code, _, _) = call(&router, user("x", &[]), "/readyz").await;
    assert_eq!(code, StatusCode::OK);
    store.close().await;
}

#[tokio::test]
async fn masters_read_discovery_and_get_404_for_what_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let (router, store) = chain(dir.path()).await;
    let admin = || user("admin", &["system:masters"]);
    let (code, ct, body) = call(&router, admin(), "/apis/apps/v1").await;
    assert_eq!((code, ct.as_str()), (StatusCode::OK, "application/json"));
    let expected = crate::discovery::api_resource_list(&Registry::builtin(), "apps", "v1").unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        expected
    );
    // A served group version answers for an unknown resource with a Status...
    let (code, ct, body) = call(&router, admin(), "/api/v1/widgets").await;
    assert_eq!(
        (code, ct.as_str()),
        (StatusCode::NOT_FOUND, "application/json")
    );
    assert_eq!(
        body,
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#
    );
    // ... paths nothing is registered at get Go's plain-text 404, as upstream.
    for path in ["/apis/nope", "/apis/apps/v9", "/api/v2", "/foo"] {
        let (code, ct, body) = call(&router, admin(), path).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(ct, "text/plain; charset=utf-8", "{path}");
        assert_eq!(body, "404 page not found\n", "{path}");
    }
    store.close().await;
}

#[tokio::test]
async fn once_shutdown_began_requests_are_told_to_retry_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(&dir.path().join("db")).await.unwrap();
    let state = Arc::new(AppState::new(
        Registry::builtin(),
        "127.0.0.1:6443".into(),
        Arc::new(store.clone()),
        super::inflight::Limits::new(0, 0),
        Default::default(),
    ));
    let router = handler_chain(state.clone());
    let admin = || user("admin", &["system:masters"]);
    let (code, _, _) = call(&router, admin(), "/api/v1/namespaces").await;
    assert_eq!(code, StatusCode::OK);
    state
        .shutting_down
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (code, content_type, body) = call(&router, admin(), "/api/v1/namespaces?watch=true").await;
    assert_eq!(code, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(content_type, "text/plain; charset=utf-8");
    assert_eq!(
        body,
        "The apiserver is shutting down, please try again later.\n"
    );
    // Health checks still answer (readyz fails its shutdown check).
    let (code, _, body) = call(&router, admin(), "/readyz").await;
    assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    store.close().await;
}
