//! ironkube's API server: the part of the control plane that serves the Kubernetes API over HTTPS
//! in front of the storage layer (DESIGN §1–§2).
//!
//! What exists so far:
//! - [`registry`] lists every built-in group, version and resource that kube-apiserver v1.37
//!   serves by default, with what discovery, the request path and storage need to know about each;
//! - [`discovery`] builds the discovery documents (`/api`, `/apis`, group, group-version and
//!   aggregated `apidiscovery.k8s.io/v2`) from the registry;
//! - [`pki`] creates and keeps the cluster's CA, issues the serving and admin certificates, and
//!   writes the admin kubeconfig;
//! - [`server`] is the HTTPS edge: TLS with client-certificate authentication, the filter
//!   chain, health, `/version` and the discovery routes.
//!
//! - [`rest`] is the generic REST handler every resource request goes to, with its per-kind
//!   [`strategy`], [`validation`], [`fields`] (field selectors), [`table`] columns and version
//!   [`conversion`]; [`resources`] holds the storage and watch cache of each resource;
//! - [`bootstrap`] creates what every cluster has from the start.

pub mod bootstrap;
pub(crate) mod conversion;
pub mod crd;
/// Upstream's defaulting of every built-in kind, applied to an object's JSON at its version.
pub(crate) mod defaults;
pub mod discovery;
pub(crate) mod fields;
pub(crate) mod fieldvalidation;
pub(crate) mod managedfields;
pub(crate) mod openapi;
pub mod pki;
pub(crate) mod protobuf;
pub mod registry;
pub(crate) mod resources;
pub(crate) mod rest;
pub mod server;
pub mod service_cidr;
pub(crate) mod strategy;
pub(crate) mod table;
pub(crate) mod validation;
