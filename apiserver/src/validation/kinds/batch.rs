//! Jobs and cron jobs. Not ported yet beyond the entry points: these return no kind-specific
//! errors.

use ironkube_apimachinery::FieldError;
use serde_json::Value;

/// `ValidateJob` minus metadata (not ported: no errors).
pub(super) fn validate_job(_job: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// `ValidateJobUpdate` minus metadata (not ported: no errors).
pub(super) fn validate_job_update(_new: &Value, _old: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// `ValidateCronJobCreate` minus metadata (not ported: no errors).
pub(super) fn validate_cron_job(_cron_job: &Value) -> Vec<FieldError> {
    Vec::new()
}

/// `ValidateCronJobUpdate` minus metadata (not ported: no errors).
pub(super) fn validate_cron_job_update(_new: &Value, _old: &Value) -> Vec<FieldError> {
    Vec::new()
}
