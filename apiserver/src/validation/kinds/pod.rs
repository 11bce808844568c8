//! Pods and pod templates: upstream's `ValidatePodSpec` (the parts covered here: containers,
//! ports, env names, volume mounts, resources, pull and termination message policies,
//! volumes, restart and DNS policies, node selector, service account, host name, deadlines,
//! tolerations) and `ValidatePodUpdate`'s immutability rule.

use ironkube_apimachinery::FieldError;
use ironkube_apimachinery::field::FieldPath;
use serde_json::Value;

use super::{
    PORT_RANGE, dns_label, dns_subdomain, int, labels, list, obj, port_name_errors, present,
    semantic_eq, string, valid_port,
};

/// The volume source fields in upstream's `validateVolumeSource` order.
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "downwardAPI",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "configMap",
    "storageos",
    "csi",
    "ephemeral",
    "image",
];

/// Upstream's `ValidatePodCreate` minus metadata.
pub(super) fn validate_pod(pod: &Value) -> Vec<FieldError> {
    let spec = pod.get("spec").unwrap_or(&Value::Null);
    validate_pod_spec(spec, &FieldPath::new("spec"))
}

/// Upstream's `ValidatePodSpec` (see the module doc for what is covered).
pub(super) fn validate_pod_spec(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !present(spec, "terminationGracePeriodSeconds") {
        errors.push(FieldError::required(
            path.child("terminationGracePeriodSeconds"),
            "",
        ));
    }
    let (volume_names, volume_errors) =
        validate_volumes(list(spec, "volumes"), &path.child("volumes"));
    errors.extend(volume_errors);
    let host_network = spec.get("hostNetwork").and_then(Value::as_bool) == Some(true);
    let containers = list(spec, "containers");
    let containers_path = path.child("containers");
    if containers.is_empty() {
        errors.push(FieldError::required(&containers_path, ""));
    } else {
        let mut names: Vec<&str> = Vec::new();
        for (i, container) in containers.iter().enumerate() {
            let item = containers_path.index(i);
            errors.extend(validate_container_common(container, &volume_names, &item));
            let name = string(container, "name");
            if names.contains(&name) {
                errors.push(FieldError::duplicate(item.child("name"), name));
            } else {
                names.push(name);
            }
        }
    }
    let init_path = path.child("initContainers");
    let mut init_names: Vec<&str> = Vec::new();
    for (i, container) in list(spec, "initContainers").iter().enumerate() {
        let item = init_path.index(i);
        let name = string(container, "name");
        if init_names.contains(&name) || containers.iter().any(|c| string(c, "name") == name) {
            errors.push(FieldError::duplicate(item.child("name"), name));
        } else {
            init_names.push(name);
        }
        errors.extend(validate_container_common(container, &volume_names, &item));
    }
    if host_network {
        for (i, container) in containers.iter().enumerate() {
            for (j, port) in list(container, "ports").iter().enumerate() {
                let host_port = int(port, "hostPort").unwrap_or(0);
                let container_port = int(port, "containerPort").unwrap_or(0);
                if host_port != 0 && host_port != container_port {
                    errors.push(FieldError::invalid(
                        containers_path
                            .index(i)
                            .child("ports")
                            .index(j)
                            .child("hostPort"),
                        host_port,
                        "must match `containerPort` when `hostNetwork` is true",
                    ));
                }
            }
        }
    }
    errors.extend(one_of(
        string(spec, "restartPolicy"),
        &["Always", "OnFailure", "Never"],
        &path.child("restartPolicy"),
    ));
    errors.extend(one_of(
        string(spec, "dnsPolicy"),
        &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        &path.child("dnsPolicy"),
    ));
    errors.extend(labels(
        obj(spec, "nodeSelector"),
        &path.child("nodeSelector"),
    ));
    let service_account = string(spec, "serviceAccountName");
    if !service_account.is_empty() {
        errors.extend(dns_subdomain(
            service_account,
            &path.child("serviceAccountName"),
        ));
    }
    if let Some(deadline) = int(spec, "activeDeadlineSeconds")
        && !(1..=i64::from(i32::MAX)).contains(&deadline)
    {
        errors.push(FieldError::invalid(
            path.child("activeDeadlineSeconds"),
            deadline,
            "must be between 1 and 2147483647, inclusive",
        ));
    }
    for key in ["hostname", "subdomain"] {
        let value = string(spec, key);
        if !value.is_empty() {
            errors.extend(dns_label(value, &path.child(key)));
        }
    }
    errors.extend(validate_sysctls(
        spec,
        &path.child("securityContext").child("sysctls"),
    ));
    errors.extend(validate_tolerations(
        list(spec, "tolerations"),
        &path.child("tolerations"),
    ));
    errors
}

/// Upstream's `SysctlContainSlashFmt` as its validation message prints it.
const SYSCTL_REGEX: &str =
    r"^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$";

/// Upstream's `IsValidSysctlName`: at most 253 characters, segments of lower-case letters,
/// digits, `-` and `_` (starting and ending with a letter or digit) joined by `.` or `/`.
fn is_valid_sysctl_name(name: &str) -> bool {
    let segment_ok = |segment: &str| {
        let bytes = segment.as_bytes();
        let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        match (bytes.first(), bytes.last()) {
            (Some(&first), Some(&last)) => {
                edge(first)
                    && edge(last)
                    && bytes.iter().all(|&b| edge(b) || b == b'-' || b == b'_')
            }
            _ => false,
        }
    };
    name.len() <= 253 && name.split(['.', '/']).all(segment_ok)
}

/// Upstream's `validateSysctls`: names valid and unique, and no namespaced sysctl of a
/// namespace the pod shares with the host.
fn validate_sysctls(spec: &Value, path: &FieldPath) -> Vec<FieldError> {
    let Some(sysctls) = spec
        .pointer("/securityContext/sysctls")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let host_network = spec.get("hostNetwork").and_then(Value::as_bool) == Some(true);
    let host_ipc = spec.get("hostIPC").and_then(Value::as_bool) == Some(true);
    let mut errors = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, sysctl) in sysctls.iter().enumerate() {
        let name = string(sysctl, "name");
        let item = path.index(i).child("name");
        if name.is_empty() {
            errors.push(FieldError::required(&item, ""));
        } else if !is_valid_sysctl_name(name) {
            errors.push(FieldError::invalid(
                &item,
                name,
                format!("must have at most 253 characters and match regex {SYSCTL_REGEX}"),
            ));
        } else if seen.contains(&name) {
            errors.push(FieldError::duplicate(&item, name));
        }
        let normalized = name.replace('/', ".");
        let ipc = normalized == "kernel.sem"
            || ["kernel.shm", "kernel.msg", "fs.mqueue."]
                .iter()
                .any(|prefix| normalized.starts_with(prefix));
        if host_network && normalized.starts_with("net.") {
            errors.push(FieldError::invalid(
                &item,
                name,
                "may not be specified when 'hostNetwork' is true",
            ));
        } else if host_ipc && ipc {
            errors.push(FieldError::invalid(
                &item,
                name,
                "may not be specified when 'hostIPC' is true",
            ));
        }
        seen.push(name);
    }
    errors
}

/// An enumerated field: required when empty, else one of `supported`.
fn one_of(value: &str, supported: &[&str], path: &FieldPath) -> Vec<FieldError> {
    if value.is_empty() {
        vec![FieldError::required(path, "")]
    } else if supported.contains(&value) {
        Vec::new()
    } else {
        vec![FieldError::not_supported(path, value, supported)]
    }
}

/// Upstream's `ValidateVolumes`: the names seen and the errors.
fn validate_volumes<'v>(volumes: &'v [Value], path: &FieldPath) -> (Vec<&'v str>, Vec<FieldError>) {
    let mut names = Vec::new();
    let mut errors = Vec::new();
    for (i, volume) in volumes.iter().enumerate() {
        let item = path.index(i);
        let name = string(volume, "name");
        let name_path = item.child("name");
        let mut volume_errors = Vec::new();
        let mut sources = 0;
        for source in VOLUME_SOURCES {
            if present(volume, source) {
                sources += 1;
                if sources > 1 {
                    volume_errors.push(FieldError::forbidden(
                        item.child(source),
                        "may not specify more than 1 volume type",
                    ));
                }
            }
        }
        if sources == 0 {
            volume_errors.push(FieldError::required(&item, "must specify a volume type"));
        }
        if name.is_empty() {
            volume_errors.push(FieldError::required(&name_path, ""));
        } else {
            volume_errors.extend(dns_label(name, &name_path));
        }
        if names.contains(&name) {
            volume_errors.push(FieldError::duplicate(&name_path, name));
        }
        if volume_errors.is_empty() {
            names.push(name);
        } else {
            errors.extend(volume_errors);
        }
    }
    (names, errors)
}

/// Upstream's `validateContainerCommon` (the parts covered).
fn validate_container_common(
    container: &Value,
    volumes: &[&str],
    path: &FieldPath,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = string(container, "name");
    let name_path = path.child("name");
    if name.is_empty() {
        errors.push(FieldError::required(&name_path, ""));
    } else {
        errors.extend(dns_label(name, &name_path));
    }
    let image = string(container, "image");
    if image.is_empty() {
        errors.push(FieldError::required(path.child("image"), ""));
    } else if image.trim() != image {
        errors.push(FieldError::invalid(
            path.child("image"),
            image,
            "must not have leading or trailing whitespace",
        ));
    }
    errors.extend(one_of(
        string(container, "terminationMessagePolicy"),
        &["File", "FallbackToLogsOnError"],
        &path.child("terminationMessagePolicy"),
    ));
    errors.extend(validate_container_ports(
        list(container, "ports"),
        &path.child("ports"),
    ));
    let env_path = path.child("env");
    for (i, env) in list(container, "env").iter().enumerate() {
        let env_name = string(env, "name");
        let item = env_path.index(i).child("name");
        if env_name.is_empty() {
            errors.push(FieldError::required(&item, ""));
        } else if env_name
            .chars()
            .any(|c| !(' '..='~').contains(&c) || c == '=')
        {
            errors.push(FieldError::invalid(
                &item,
                env_name,
                "a valid environment variable name must consist only of printable ASCII characters other than '='",
            ));
        }
    }
    let mounts_path = path.child("volumeMounts");
    let mut mount_paths: Vec<&str> = Vec::new();
    for (i, mount) in list(container, "volumeMounts").iter().enumerate() {
        let item = mounts_path.index(i);
        let mount_name = string(mount, "name");
        if mount_name.is_empty() {
            errors.push(FieldError::required(item.child("name"), ""));
        }
        if !volumes.contains(&mount_name) {
            errors.push(FieldError::not_found(item.child("name"), mount_name));
        }
        let mount_path = string(mount, "mountPath");
        if mount_path.is_empty() {
            errors.push(FieldError::required(item.child("mountPath"), ""));
        }
        if mount_paths.contains(&mount_path) {
            errors.push(FieldError::invalid(
                item.child("mountPath"),
                mount_path,
                "must be unique",
            ));
        }
        mount_paths.push(mount_path);
    }
    let pull = string(container, "imagePullPolicy");
    errors.extend(one_of(
        pull,
        &["Always", "IfNotPresent", "Never"],
        &path.child("imagePullPolicy"),
    ));
    errors.extend(validate_resources(
        container.get("resources").unwrap_or(&Value::Null),
        &path.child("resources"),
    ));
    errors
}

/// Upstream's `validateContainerPorts`.
fn validate_container_ports(ports: &[Value], path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let item = path.index(i);
        let name = string(port, "name");
        if !name.is_empty() {
            let problems = port_name_errors(name);
            if !problems.is_empty() {
                for msg in problems {
                    errors.push(FieldError::invalid(item.child("name"), name, msg));
                }
            } else if names.contains(&name) {
                errors.push(FieldError::duplicate(item.child("name"), name));
            } else {
                names.push(name);
            }
        }
        let container_port = int(port, "containerPort").unwrap_or(0);
        if container_port == 0 {
            errors.push(FieldError::required(item.child("containerPort"), ""));
        } else if !valid_port(container_port) {
            errors.push(FieldError::invalid(
                item.child("containerPort"),
                container_port,
                PORT_RANGE,
            ));
        }
        let host_port = int(port, "hostPort").unwrap_or(0);
        if host_port != 0 && !valid_port(host_port) {
            errors.push(FieldError::invalid(
                item.child("hostPort"),
                host_port,
                PORT_RANGE,
            ));
        }
        let protocol = string(port, "protocol");
        if protocol.is_empty() {
            errors.push(FieldError::required(item.child("protocol"), ""));
        } else if !["SCTP", "TCP", "UDP"].contains(&protocol) {
            errors.push(FieldError::not_supported(
                item.child("protocol"),
                protocol,
                &["SCTP", "TCP", "UDP"],
            ));
        }
    }
    errors
}

/// Container resource names upstream accepts (`IsStandardContainerResourceName` and the
/// fully qualified extended names).
fn resource_name_errors(name: &str, path: &FieldPath) -> Vec<FieldError> {
    let standard =
        ["cpu", "memory", "ephemeral-storage"].contains(&name) || name.starts_with("hugepages-");
    if standard || name.contains('/') {
        return Vec::new();
    }
    vec![
        FieldError::invalid(
            path,
            name,
            "must be a standard resource type or fully qualified",
        ),
        FieldError::invalid(path, name, "must be a standard resource for containers"),
    ]
}

/// A quantity as a float, for comparisons (`None` when it does not parse).
pub(super) fn quantity_value(text: &str) -> Option<f64> {
    ironkube_apimachinery::quantity::canonical(text).ok()?;
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "u" => 1e-6,
        "n" => 1e-9,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => 10f64.powi(s[1..].parse().ok()?),
        _ => return None,
    };
    Some(number * factor)
}

/// Upstream's `validateResourceRequirements` for containers (the parts covered).
fn validate_resources(resources: &Value, path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let limits = obj(resources, "limits");
    let requests = obj(resources, "requests");
    let limits_path = path.child("limits");
    let requests_path = path.child("requests");
    for (name, quantity) in limits {
        let item = limits_path.key(name);
        errors.extend(resource_name_errors(name, &item));
        errors.extend(nonnegative_quantity(quantity, &item));
    }
    for (name, quantity) in requests {
        let item = requests_path.key(name);
        errors.extend(resource_name_errors(name, &item));
        errors.extend(nonnegative_quantity(quantity, &item));
        let text = quantity.as_str().unwrap_or("");
        if let Some(limit) = limits.get(name) {
            let limit_text = limit.as_str().unwrap_or("");
            if let (Some(request), Some(max)) = (quantity_value(text), quantity_value(limit_text))
                && request > max
            {
                errors.push(FieldError::invalid(
                    &requests_path,
                    canonical(text),
                    format!(
                        "must be less than or equal to {name} limit of {}",
                        canonical(limit_text)
                    ),
                ));
            }
        }
    }
    errors
}

/// A quantity's canonical text (the text itself when it does not parse).
pub(super) fn canonical(text: &str) -> String {
    ironkube_apimachinery::quantity::canonical(text).unwrap_or_else(|_| text.to_string())
}

/// Upstream's `ValidateResourceQuantityValue`'s sign check.
pub(super) fn nonnegative_quantity(quantity: &Value, path: &FieldPath) -> Vec<FieldError> {
    let text = quantity.as_str().unwrap_or("");
    match quantity_value(text) {
        Some(v) if v < 0.0 => vec![FieldError::invalid(
            path,
            canonical(text),
            "must be greater than or equal to 0",
        )],
        _ => Vec::new(),
    }
}

/// Upstream's `ValidateTolerations` (the parts covered).
fn validate_tolerations(tolerations: &[Value], path: &FieldPath) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, toleration) in tolerations.iter().enumerate() {
        let item = path.index(i);
        let operator = string(toleration, "operator");
        let value = string(toleration, "value");
        match operator {
            "" | "Equal" => {}
            "Exists" => {
                if !value.is_empty() {
                    errors.push(FieldError::invalid(
                        item.child("operator"),
                        value,
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errors.push(FieldError::not_supported(
                item.child("operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        let effect = string(toleration, "effect");
        if !effect.is_empty() && !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&effect)
        {
            errors.push(FieldError::not_supported(
                item.child("effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
    errors
}

/// The message prefix of upstream's pod spec immutability error; upstream appends a
/// `cmp.Diff` of the specs, which we render as the changed top-level fields.
const POD_UPDATE_FORBIDDEN: &str = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/// Upstream's `ValidatePodUpdate` minus metadata: the new spec validated, then the mutable
/// fields (images, active deadline, toleration additions) copied over from the new spec and
/// anything else that changed forbidden.
pub(super) fn validate_pod_update(new: &Value, old: &Value) -> Vec<FieldError> {
    let spec_path = FieldPath::new("spec");
    let new_spec = new.get("spec").unwrap_or(&Value::Null);
    let old_spec = old.get("spec").unwrap_or(&Value::Null);
    let mut errors = validate_pod_spec(new_spec, &spec_path);
    let new_containers = list(new_spec, "containers");
    let old_containers = list(old_spec, "containers");
    if new_containers.len() != old_containers.len() {
        errors.push(FieldError::forbidden(
            spec_path.child("containers"),
            "pod updates may not add or remove containers",
        ));
        return errors;
    }
    let mut munged = new_spec.clone();
    let mut old_munged = old_spec.clone();
    for key in ["containers", "initContainers"] {
        if let (Some(new_list), Some(old_list)) = (
            munged.get_mut(key).and_then(Value::as_array_mut),
            old_spec.get(key).and_then(Value::as_array),
        ) {
            for (n, o) in new_list.iter_mut().zip(old_list) {
                if let (Some(n), Some(image)) = (n.as_object_mut(), o.get("image")) {
                    n.insert("image".to_string(), image.clone());
                }
            }
        }
    }
    for spec in [&mut munged, &mut old_munged] {
        if let Some(spec) = spec.as_object_mut() {
            spec.remove("activeDeadlineSeconds");
            spec.remove("tolerations");
        }
    }
    if !semantic_eq(&munged, &old_munged) {
        errors.push(FieldError::forbidden(&spec_path, POD_UPDATE_FORBIDDEN));
    }
    errors
}
