//! Services: upstream's `ValidateService` / `ValidateServiceUpdate` (spec parts covered:
//! type, ports, selector, session affinity, external name, traffic policy, cluster IPs).

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use serde_json::Value;

use super::{PORT_RANGE, dns_label, int, labels, list, obj, port_name_errors, string, valid_port};

const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];

/// `ValidateService` minus metadata.
pub(super) fn validate_service(service: &Value) -> Vec<FieldError> {
    let spec = service.get("spec").unwrap_or(&Value::Null);
    let path = FieldPath::new("spec");
    let mut errors = Vec::new();
    let service_type = string(spec, "type");
    let ports = list(spec, "ports");
    let cluster_ip = string(spec, "clusterIP");
    if service_type == "ExternalName" {
        let name = string(spec, "externalName");
        if name.is_empty() {
            errors.push(FieldError::required(path.child("externalName"), ""));
        }
    } else if ports.is_empty() {
        errors.push(FieldError::required(path.child("ports"), ""));
    }
    let ports_path = path.child("ports");
    let require_name = ports.len() > 1;
    let mut names: Vec<&str> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let item = ports_path.index(i);
        let name = string(port, "name");
        if require_name && name.is_empty() {
            errors.push(FieldError::required(item.child("name"), ""));
        } else if !name.is_empty() {
            errors.extend(dns_label(name, &item.child("name")));
            if names.contains(&name) {
                errors.push(FieldError::duplicate(item.child("name"), name));
            } else {
                names.push(name);
            }
        }
        let number = int(port, "port").unwrap_or(0);
        if !valid_port(number) {
            errors.push(FieldError::invalid(item.child("port"), number, PORT_RANGE));
        }
        let protocol = string(port, "protocol");
        if protocol.is_empty() {
            errors.push(FieldError::required(item.child("protocol"), ""));
        } else if !PROTOCOLS.contains(&protocol) {
            errors.push(FieldError::not_supported(
                item.child("protocol"),
                protocol,
                PROTOCOLS,
            ));
        }
        match port.get("targetPort") {
            Some(Value::String(target)) => {
                for msg in port_name_errors(target) {
                    errors.push(FieldError::invalid(
                        item.child("targetPort"),
                        target.as_str(),
                        msg,
                    ));
                }
            }
            Some(target) => {
                let n = target.as_i64().unwrap_or(0);
                if !valid_port(n) {
                    errors.push(FieldError::invalid(item.child("targetPort"), n, PORT_RANGE));
                }
            }
            None => {}
        }
    }
    // Ports must be unique by (port, protocol).
    let mut seen: Vec<(i64, &str)> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let key = (int(port, "port").unwrap_or(0), string(port, "protocol"));
        if seen.contains(&key) {
            errors.push(FieldError::duplicate(ports_path.index(i), port.clone()));
        } else {
            seen.push(key);
        }
    }
    errors.extend(labels(obj(spec, "selector"), &path.child("selector")));
    let affinity = string(spec, "sessionAffinity");
    if !affinity.is_empty() && !["ClientIP", "None"].contains(&affinity) {
        errors.push(FieldError::not_supported(
            path.child("sessionAffinity"),
            affinity,
            &["ClientIP", "None"],
        ));
    }
    if !service_type.is_empty() && !TYPES.contains(&service_type) {
        errors.push(FieldError::not_supported(
            path.child("type"),
            service_type,
            TYPES,
        ));
    }
    if service_type == "ClusterIP" {
        for (i, port) in ports.iter().enumerate() {
            if int(port, "nodePort").unwrap_or(0) != 0 {
                errors.push(FieldError::forbidden(
                    ports_path.index(i).child("nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    if !cluster_ip.is_empty() && list(spec, "clusterIPs").is_empty() {
        errors.push(FieldError::required(path.child("clusterIPs"), ""));
    }
    let external = service_type == "NodePort" || service_type == "LoadBalancer";
    let policy = string(spec, "externalTrafficPolicy");
    if !external && !policy.is_empty() {
        errors.push(FieldError::invalid(
            path.child("externalTrafficPolicy"),
            policy,
            "may only be set for externally-accessible services",
        ));
    }
    errors
}

/// `ValidateServiceUpdate` minus metadata: cluster IPs may not change once set, then the new
/// service validated.
pub(super) fn validate_service_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let new_spec = new.get("spec").unwrap_or(&Value::Null);
    let old_spec = old.get("spec").unwrap_or(&Value::Null);
    let new_type = string(new_spec, "type");
    if new_type != "ExternalName" {
        let old_ips = list(old_spec, "clusterIPs");
        let new_ips = list(new_spec, "clusterIPs");
        if let (Some(old_first), Some(new_first)) = (old_ips.first(), new_ips.first())
            && old_first != new_first
        {
            errors.push(FieldError::invalid(
                FieldPath::new("spec").child("clusterIPs").index(0),
                Value::Array(new_ips.to_vec()),
                "may not change once set",
            ));
        }
    }
    errors.extend(validate_service(new));
    errors
}
