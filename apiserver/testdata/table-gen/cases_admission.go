package main

// Cases for admissionregistration.k8s.io.
func addAdmissionCases() {
	printed("mutating webhook configuration", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration",
	 "metadata":{"name":"inject","creationTimestamp":"${ago:9601h}"},
	 "webhooks":[{"name":"a.example.com","clientConfig":{"url":"https://example.com"},"sideEffects":"None","admissionReviewVersions":["v1"]},
	  {"name":"b.example.com","clientConfig":{"url":"https://example.com"},"sideEffects":"None","admissionReviewVersions":["v1"]}]}`)
	printed("validating webhook configuration", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration",
	 "metadata":{"name":"check","creationTimestamp":"${ago:9601h}"}}`)
	printed("validating admission policy", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicy",
	 "metadata":{"name":"replicas","creationTimestamp":"${ago:9601h}"},
	 "spec":{"paramKind":{"apiVersion":"rules.example.com/v1","kind":"ReplicaLimit"},
	  "validations":[{"expression":"object.spec.replicas <= params.maxReplicas"},{"expression":"true"}]}}`)
	printed("validating admission policy without params", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicy",
	 "metadata":{"name":"plain","creationTimestamp":"${ago:9601h}"},"spec":{"validations":[{"expression":"true"}]}}`)
	printed("validating admission policy binding", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding",
	 "metadata":{"name":"bind","creationTimestamp":"${ago:9601h}"},
	 "spec":{"policyName":"replicas","paramRef":{"name":"limit","namespace":"default"},"validationActions":["Deny"]}}`)
	printed("validating admission policy binding any namespace", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding",
	 "metadata":{"name":"bind2","creationTimestamp":"${ago:9601h}"},
	 "spec":{"policyName":"replicas","paramRef":{"name":"limit"},"validationActions":["Deny"]}}`)
	printed("validating admission policy binding selector", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding",
	 "metadata":{"name":"bind3","creationTimestamp":"${ago:9601h}"},
	 "spec":{"policyName":"replicas","paramRef":{"selector":{"matchLabels":{"b":"2","a":"1"},"matchExpressions":[{"key":"env","operator":"In","values":["prod","dev"]},{"key":"x","operator":"Exists"}]}},"validationActions":["Deny"]}}`)
	printed("validating admission policy binding empty selector", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding",
	 "metadata":{"name":"bind4","creationTimestamp":"${ago:9601h}"},
	 "spec":{"policyName":"replicas","paramRef":{"selector":{}},"validationActions":["Deny"]}}`)
	printed("validating admission policy binding without params", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding",
	 "metadata":{"name":"bind5","creationTimestamp":"${ago:9601h}"},"spec":{"policyName":"plain","validationActions":["Warn"]}}`)
	printed("mutating admission policy", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingAdmissionPolicy",
	 "metadata":{"name":"labels","creationTimestamp":"${ago:9601h}"},
	 "spec":{"paramKind":{"apiVersion":"v1","kind":"ConfigMap"},"reinvocationPolicy":"Never",
	  "mutations":[{"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{}"}}]}}`)
	printed("mutating admission policy binding", `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingAdmissionPolicyBinding",
	 "metadata":{"name":"labels-bind","creationTimestamp":"${ago:9601h}"},
	 "spec":{"policyName":"labels","paramRef":{"name":"cfg","namespace":"kube-system"}}}`)
}
