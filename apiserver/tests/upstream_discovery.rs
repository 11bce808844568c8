//! Cross-checks the registry against upstream's own discovery documents: the ones
//! `k8s.io/kubernetes@v1.37.2` keeps under `api/discovery/` (`api__v1.json` for the core group,
//! `aggregated_v2.json` for every other group).
//!
//! The module is found through `IRONKUBE_K8S_MODULE`, else in `$(go env GOMODCACHE)`, else it is
//! downloaded with `go mod download`. Without it the test fails: it never skips.
//!
//! Those documents come from a server with every API enabled, so they also list versions a
//! default kube-apiserver does not serve. The test names those versions and the subresources
//! the registry leaves for later issues; everything else must match exactly, both ways.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{LEFT_OUT_SUBRESOURCES, NOT_SERVED_BY_DEFAULT, module_dir, read_json};
use ironkube_apiserver::registry::Registry;
use serde_json::Value;

/// What one resource looks like in discovery, in a form both sides can be brought to.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    kind: String,
    singular: String,
    namespaced: bool,
    verbs: Vec<String>,
    short_names: Vec<String>,
    categories: Vec<String>,
    /// name -> (group, version, kind, verbs) of the object the subresource serves.
    subresources: BTreeMap<String, (String, String, String, Vec<String>)>,
}

type Gvr = (String, String, String);

/// What upstream's documents say a default kube-apiserver serves.
struct Upstream {
    /// Every resource, without the left-out subresources.
    entries: BTreeMap<Gvr, Entry>,
    /// The groups in discovery order, each with its versions, preferred first.
    groups: Vec<(String, Vec<String>)>,
    /// Each resource's position within its version's list.
    order: Vec<(Gvr, usize)>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Upstream's resources (served by default, without the left-out subresources), and the order
/// of its groups and versions.
fn upstream(dir: &Path) -> Upstream {
    let discovery = dir.join("api/discovery");
    let mut entries = BTreeMap::new();
    let mut groups = Vec::new();
    // Position of each resource within its version, to check discovery order.
    let mut order = Vec::new();

    // The core group: resources and `resource/subresource` entries in one list.
    let core = read_json(&discovery.join("api__v1.json"));
    assert_eq!(core["groupVersion"], "v1");
    let list = core["resources"].as_array().unwrap();
    let mut position = 0;
    for r in list {
        let name = r["name"].as_str().unwrap();
        if name.contains('/') {
            continue;
        }
        let mut subresources = BTreeMap::new();
        for s in list {
            let Some((parent, sub)) = s["name"].as_str().unwrap().split_once('/') else {
                continue;
            };
            if parent != name || LEFT_OUT_SUBRESOURCES.contains(&sub) {
                continue;
            }
            let group = s.get("group").map_or_else(String::new, str_of);
            let version = s.get("version").map_or_else(|| "v1".to_string(), str_of);
            subresources.insert(
                sub.to_string(),
                (group, version, str_of(&s["kind"]), strings(&s["verbs"])),
            );
        }
        let gvr = (String::new(), "v1".to_string(), name.to_string());
        order.push((gvr.clone(), position));
        position += 1;
        entries.insert(
            gvr,
            Entry {
                kind: str_of(&r["kind"]),
                singular: str_of(&r["singularName"]),
                namespaced: r["namespaced"].as_bool().unwrap(),
                verbs: strings(&r["verbs"]),
                short_names: strings(&r["shortNames"]),
                categories: strings(&r["categories"]),
                subresources,
            },
        );
    }
    groups.push((String::new(), vec!["v1".to_string()]));

    // Every other group: the aggregated (apidiscovery.k8s.io/v2) document.
    let aggregated = read_json(&discovery.join("aggregated_v2.json"));
    assert_eq!(aggregated["kind"], "APIGroupDiscoveryList");
    let mut not_served = BTreeSet::new();
    for g in aggregated["items"].as_array().unwrap() {
        let group = str_of(&g["metadata"]["name"]);
        let mut versions = Vec::new();
        for v in g["versions"].as_array().unwrap() {
            let version = str_of(&v["version"]);
            if NOT_SERVED_BY_DEFAULT.contains(&(group.as_str(), version.as_str())) {
                not_served.insert((group.clone(), version));
                continue;
            }
            versions.push(version.clone());
            for (position, r) in v["resources"].as_array().unwrap().iter().enumerate() {
                let mut subresources = BTreeMap::new();
                for s in r["subresources"].as_array().into_iter().flatten() {
                    let sub = str_of(&s["subresource"]);
                    if LEFT_OUT_SUBRESOURCES.contains(&sub.as_str()) {
                        continue;
                    }
                    let kind = &s["responseKind"];
                    // An empty group and version mean the resource's own.
                    let (mut sg, mut sv) = (str_of(&kind["group"]), str_of(&kind["version"]));
                    if sg.is_empty() && sv.is_empty() {
                        sg = group.clone();
                        sv = version.clone();
                    }
                    subresources.insert(sub, (sg, sv, str_of(&kind["kind"]), strings(&s["verbs"])));
                }
                let gvr = (group.clone(), version.clone(), str_of(&r["resource"]));
                order.push((gvr.clone(), position));
                let scope = str_of(&r["scope"]);
                assert!(
                    scope == "Namespaced" || scope == "Cluster",
                    "{gvr:?}: scope {scope}"
                );
                entries.insert(
                    gvr,
                    Entry {
                        kind: str_of(&r["responseKind"]["kind"]),
                        singular: str_of(&r["singularResource"]),
                        namespaced: scope == "Namespaced",
                        verbs: strings(&r["verbs"]),
                        short_names: strings(&r["shortNames"]),
                        categories: strings(&r["categories"]),
                        subresources,
                    },
                );
            }
        }
        if !versions.is_empty() {
            groups.push((group, versions));
        }
    }
    let named: BTreeSet<_> = NOT_SERVED_BY_DEFAULT
        .iter()
        .map(|(g, v)| (g.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        not_served, named,
        "NOT_SERVED_BY_DEFAULT names a group version upstream's documents do not list"
    );
    Upstream {
        entries,
        groups,
        order,
    }
}

fn ours(registry: &Registry) -> BTreeMap<Gvr, Entry> {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    registry
        .resources()
        .iter()
        .map(|r| {
            let gvr = (
                r.group.to_string(),
                r.version.to_string(),
                r.resource.to_string(),
            );
            let entry = Entry {
                kind: r.kind.to_string(),
                singular: r.singular.clone(),
                namespaced: r.namespaced,
                verbs: owned(r.verbs),
                short_names: owned(r.short_names),
                categories: owned(r.categories),
                // Discovery's view: what the registry serves without listing is left out.
                subresources: r
                    .subresources
                    .iter()
                    .filter(|s| s.discoverable)
                    .map(|s| {
                        (
                            s.name.to_string(),
                            (
                                s.group.to_string(),
                                s.version.to_string(),
                                s.kind.to_string(),
                                owned(s.verbs),
                            ),
                        )
                    })
                    .collect(),
            };
            (gvr, entry)
        })
        .collect()
}

#[test]
fn registry_matches_upstream_discovery_documents() {
    let dir = module_dir();
    let registry = Registry::builtin();
    let Upstream {
        entries: theirs,
        groups: their_groups,
        order: their_order,
    } = upstream(&dir);
    let ours = ours(&registry);

    let mut problems = Vec::new();
    for (gvr, entry) in &theirs {
        match ours.get(gvr) {
            None => problems.push(format!("missing {gvr:?}: upstream has {entry:?}")),
            Some(mine) if mine != entry => problems.push(format!(
                "{gvr:?} differs:\n  ours     {mine:?}\n  upstream {entry:?}"
            )),
            Some(_) => {}
        }
    }
    for gvr in ours.keys() {
        if !theirs.contains_key(gvr) {
            problems.push(format!("{gvr:?} is not served by upstream"));
        }
    }

    // Groups and versions in discovery order, preferred version first.
    let our_groups: Vec<(String, Vec<String>)> = registry
        .groups()
        .iter()
        .map(|g| {
            (
                g.name.to_string(),
                g.versions.iter().map(|v| v.to_string()).collect(),
            )
        })
        .collect();
    if our_groups != their_groups {
        problems.push(format!(
            "groups differ:\n  ours     {our_groups:?}\n  upstream {their_groups:?}"
        ));
    }
    for r in registry.resources() {
        let preferred = their_groups
            .iter()
            .find(|(g, _)| g == r.group)
            .is_some_and(|(_, versions)| versions[0] == r.version);
        if r.preferred != preferred {
            problems.push(format!(
                "{}/{} {}: preferred {} upstream {preferred}",
                r.group, r.version, r.resource, r.preferred
            ));
        }
    }
    // Resources within a version in upstream's order.
    for ((group, version, resource), position) in &their_order {
        let at = registry
            .resources_of(group, version)
            .position(|r| r.resource == resource);
        if at.is_some_and(|at| at != *position) {
            problems.push(format!(
                "{group}/{version} {resource}: position {at:?}, upstream {position}"
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "{} differences from {}:\n{}",
        problems.len(),
        dir.join("api/discovery").display(),
        problems.join("\n")
    );
    assert_eq!(ours.len(), theirs.len());
}
