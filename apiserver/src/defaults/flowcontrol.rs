//! flowcontrol.apiserver.k8s.io/v1 (`pkg/apis/flowcontrol/v1/defaults.go`): FlowSchema and
//! PriorityLevelConfiguration.

use serde_json::json;

use super::{Object, child, default_unset, default_zero, present};

/// The v1beta3 annotation that keeps a zero `nominalConcurrencyShares` from being defaulted.
const PRESERVE_ZERO_SHARES: &str = "flowcontrol.k8s.io/v1beta3-preserve-zero-concurrency-shares";

/// Defaults a flowcontrol.apiserver.k8s.io object of `version`/`kind` (v1, and v1beta3 whose
/// `nominalConcurrencyShares` is a plain integer where 0 means unset).
pub(super) fn apply(version: &str, kind: &str, object: &mut Object) {
    if !matches!(version, "v1" | "v1beta3") {
        return;
    }
    let preserve_zero = object
        .get("metadata")
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(|annotations| annotations.get(PRESERVE_ZERO_SHARES))
        .is_some();
    match kind {
        "FlowSchema" => {
            if let Some(spec) = child(object, "spec") {
                default_zero(spec, "matchingPrecedence", json!(1000));
            }
        }
        "PriorityLevelConfiguration" => {
            let Some(spec) = child(object, "spec") else {
                return;
            };
            if let Some(limited) = present(spec, "limited") {
                if version == "v1" {
                    default_unset(limited, "nominalConcurrencyShares", json!(30));
                } else if !preserve_zero {
                    default_zero(limited, "nominalConcurrencyShares", json!(30));
                }
                default_unset(limited, "lendablePercent", json!(0));
                if let Some(queuing) = child(limited, "limitResponse")
                    .and_then(|response| present(response, "queuing"))
                {
                    default_zero(queuing, "handSize", json!(8));
                    default_zero(queuing, "queues", json!(64));
                    default_zero(queuing, "queueLengthLimit", json!(50));
                }
            }
            if let Some(exempt) = present(spec, "exempt") {
                default_unset(exempt, "nominalConcurrencyShares", json!(0));
                default_unset(exempt, "lendablePercent", json!(0));
            }
        }
        _ => {}
    }
}
