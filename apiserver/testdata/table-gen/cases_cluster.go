package main

// Cases for rbac, certificates, coordination, scheduling, node, flowcontrol, the apiserver's
// internal groups, lifecycle, apiextensions, apiregistration and metav1.Status.
func addAuthCases() {
	printed("role binding", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"read","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"reader"},
	 "subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"},{"kind":"User","name":"bob","apiGroup":"rbac.authorization.k8s.io"},
	  {"kind":"Group","name":"devs","apiGroup":"rbac.authorization.k8s.io"},{"kind":"ServiceAccount","name":"ci","namespace":"build"},{"kind":"ServiceAccount","name":"x"},
	  {"kind":"Robot","name":"r2"}]}`)
	printed("cluster role binding", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"admins","creationTimestamp":"${ago:9601h}"},
	 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
	 "subjects":[{"kind":"Group","name":"system:masters","apiGroup":"rbac.authorization.k8s.io"}]}`)
	printed("cluster role binding without subjects", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"empty","creationTimestamp":"${ago:9601h}"},
	 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}`)

	printed("certificate signing request approved", `{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"csr-1","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"request":"cmVx","signerName":"kubernetes.io/kube-apiserver-client","username":"system:admin","expirationSeconds":86400,"usages":["client auth"]},
	 "status":{"conditions":[{"type":"Approved","status":"True"},{"type":"Failed","status":"True"}],"certificate":"Y2VydA=="}}`)
	printed("certificate signing request denied", `{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"csr-2","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"request":"cmVx","signerName":"example.com/x","username":"bob","expirationSeconds":3700},
	 "status":{"conditions":[{"type":"Approved","status":"True"},{"type":"Denied","status":"True"}]}}`)
	printed("certificate signing request pending", `{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"csr-3","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"request":"cmVx","signerName":"","username":"carol"},"status":{"certificate":"Y2VydA=="}}`)
	printed("cluster trust bundle", `{"apiVersion":"certificates.k8s.io/v1","kind":"ClusterTrustBundle","metadata":{"name":"example.com:signer:one","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"signerName":"example.com/signer","trustBundle":"-----BEGIN CERTIFICATE-----"}}`)
	printed("cluster trust bundle without signer", `{"apiVersion":"certificates.k8s.io/v1","kind":"ClusterTrustBundle","metadata":{"name":"plain"},"spec":{"trustBundle":"x"}}`)
	printed("pod certificate request", `{"apiVersion":"certificates.k8s.io/v1","kind":"PodCertificateRequest","metadata":{"name":"pcr","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"signerName":"example.com/s","podName":"web-1","podUID":"u1","serviceAccountName":"default","serviceAccountUID":"u2","nodeName":"node-a","nodeUID":"u3",
	  "stubPKCS10Request":"eA==","unverifiedUserAnnotations":{"b":"2","a":"1"}},
	 "status":{"conditions":[{"type":"Denied","status":"True","reason":"x","message":"y","lastTransitionTime":"${ago:45m30s}"},{"type":"Issued","status":"False","reason":"x","message":"y","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("pod certificate request pending", `{"apiVersion":"certificates.k8s.io/v1","kind":"PodCertificateRequest","metadata":{"name":"pcr2","namespace":"default"},
	 "spec":{"signerName":"example.com/s","podName":"web-2","podUID":"u1","serviceAccountName":"default","serviceAccountUID":"u2","nodeName":"node-a","nodeUID":"u3","stubPKCS10Request":"eA=="}}`)
}

func addClusterCases() {
	printed("lease", `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"node-a","namespace":"kube-node-lease","creationTimestamp":"${ago:9601h}"},
	 "spec":{"holderIdentity":"node-a","leaseDurationSeconds":40}}`)
	printed("lease without holder", `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"free","namespace":"default","creationTimestamp":"${ago:9601h}"},"spec":{}}`)
	printed("lease candidate", `{"apiVersion":"coordination.k8s.io/v1beta1","kind":"LeaseCandidate","metadata":{"name":"kcm-a","namespace":"kube-system","creationTimestamp":"${ago:9601h}"},
	 "spec":{"leaseName":"kube-controller-manager","binaryVersion":"1.37.2","emulationVersion":"1.37","strategy":"OldestEmulationVersion"}}`)

	printed("priority class", `{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"high","creationTimestamp":"${ago:9601h}"},
	 "value":1000000,"globalDefault":true,"preemptionPolicy":"Never"}`)
	printed("priority class defaulted", `{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"low","creationTimestamp":"${ago:9601h}"},"value":-5}`)
	printed("workload", `{"apiVersion":"scheduling.k8s.io/v1beta1","kind":"Workload","metadata":{"name":"train","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"podGroupTemplates":[{"name":"workers","schedulingPolicy":{"gang":{"minCount":4}}}]}}`)
	printed("pod group gang scheduled", `{"apiVersion":"scheduling.k8s.io/v1beta1","kind":"PodGroup","metadata":{"name":"train-workers","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"workloadRef":{"workloadName":"train","templateName":"workers"},"schedulingPolicy":{"gang":{"minCount":4}}},
	 "status":{"conditions":[{"type":"PodGroupInitiallyScheduled","status":"True","reason":"Scheduled","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("pod group unschedulable", `{"apiVersion":"scheduling.k8s.io/v1beta1","kind":"PodGroup","metadata":{"name":"pg2","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"schedulingPolicy":{"basic":{}}},
	 "status":{"conditions":[{"type":"PodGroupInitiallyScheduled","status":"False","reason":"Unschedulable","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("pod group disrupted", `{"apiVersion":"scheduling.k8s.io/v1beta1","kind":"PodGroup","metadata":{"name":"pg3","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"schedulingPolicy":{"basic":{}}},
	 "status":{"conditions":[{"type":"PodGroupInitiallyScheduled","status":"True","reason":"Scheduled","message":"","lastTransitionTime":"${ago:45m30s}"},
	  {"type":"DisruptionTarget","status":"True","reason":"Preempted","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("pod group pending", `{"apiVersion":"scheduling.k8s.io/v1beta1","kind":"PodGroup","metadata":{"name":"pg4","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"schedulingPolicy":{"basic":{}}}}`)
	printed("composite pod group", `{"apiVersion":"scheduling.k8s.io/v1alpha3","kind":"CompositePodGroup","metadata":{"name":"cpg","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"workloadRef":{"workloadName":"train","templateName":"all"},"schedulingPolicy":{"gang":{"minCount":2}}}}`)
	printed("composite pod group basic", `{"apiVersion":"scheduling.k8s.io/v1alpha3","kind":"CompositePodGroup","metadata":{"name":"cpg2","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"schedulingPolicy":{"basic":{}}}}`)
	printed("runtime class", `{"apiVersion":"node.k8s.io/v1","kind":"RuntimeClass","metadata":{"name":"gvisor","creationTimestamp":"${ago:9601h}"},"handler":"runsc"}`)

	printed("flow schema", `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":"system-nodes","creationTimestamp":"${ago:9601h}"},
	 "spec":{"priorityLevelConfiguration":{"name":"system"},"matchingPrecedence":500,"distinguisherMethod":{"type":"ByUser"}},
	 "status":{"conditions":[{"type":"Other","status":"True"},{"type":"Dangling","status":"False"}]}}`)
	printed("flow schema without status", `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":"exempt","creationTimestamp":"${ago:9601h}"},
	 "spec":{"priorityLevelConfiguration":{"name":"exempt"},"matchingPrecedence":1}}`)
	printedList("flow schema list", "FlowSchema", `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchemaList","metadata":{},"items":[
	  {"metadata":{"name":"global-default","creationTimestamp":"${ago:9601h}"},"spec":{"priorityLevelConfiguration":{"name":"global-default"},"matchingPrecedence":9900}},
	  {"metadata":{"name":"b-probes","creationTimestamp":"${ago:9601h}"},"spec":{"priorityLevelConfiguration":{"name":"exempt"},"matchingPrecedence":2}},
	  {"metadata":{"name":"a-probes","creationTimestamp":"${ago:9601h}"},"spec":{"priorityLevelConfiguration":{"name":"exempt"},"matchingPrecedence":2}},
	  {"metadata":{"name":"exempt","creationTimestamp":"${ago:9601h}"},"spec":{"priorityLevelConfiguration":{"name":"exempt"},"matchingPrecedence":1}}]}`)
	printed("priority level limited", `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"workload-low","creationTimestamp":"${ago:9601h}"},
	 "spec":{"type":"Limited","limited":{"nominalConcurrencyShares":100,"limitResponse":{"type":"Queue","queuing":{"queues":128,"handSize":6,"queueLengthLimit":50}}}}}`)
	printed("priority level reject", `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"catch-all","creationTimestamp":"${ago:9601h}"},
	 "spec":{"type":"Limited","limited":{"nominalConcurrencyShares":5,"limitResponse":{"type":"Reject"}}}}`)
	printed("priority level exempt", `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"exempt","creationTimestamp":"${ago:9601h}"},
	 "spec":{"type":"Exempt","exempt":{}}}`)

	printed("storage version", `{"apiVersion":"internal.apiserver.k8s.io/v1alpha1","kind":"StorageVersion","metadata":{"name":"apps.deployments","creationTimestamp":"${ago:9601h}"},
	 "spec":{},"status":{"commonEncodingVersion":"apps/v1","storageVersions":[{"apiServerID":"a","encodingVersion":"apps/v1"},{"apiServerID":"b","encodingVersion":"apps/v1"},
	  {"apiServerID":"c","encodingVersion":"apps/v1"},{"apiServerID":"d","encodingVersion":"apps/v1beta1"},{"apiServerID":"e","encodingVersion":"apps/v1"}]}}`)
	printed("storage version empty", `{"apiVersion":"internal.apiserver.k8s.io/v1alpha1","kind":"StorageVersion","metadata":{"name":"core.pods","creationTimestamp":"${ago:9601h}"},"spec":{},"status":{}}`)
	printed("storage version migration", `{"apiVersion":"storagemigration.k8s.io/v1","kind":"StorageVersionMigration","metadata":{"name":"secrets","creationTimestamp":"${ago:9601h}"},
	 "spec":{"resource":{"group":"","resource":"secrets"}},
	 "status":{"conditions":[{"type":"Running","status":"True","reason":"r","message":"","lastTransitionTime":"${ago:45m30s}"},
	  {"type":"Succeeded","status":"True","reason":"r","message":"","lastTransitionTime":"${ago:45m30s}"},{"type":"Other","status":"True","reason":"r","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("storage version migration pending", `{"apiVersion":"storagemigration.k8s.io/v1","kind":"StorageVersionMigration","metadata":{"name":"deploys","creationTimestamp":"${ago:9601h}"},
	 "spec":{"resource":{"group":"apps","resource":"deployments"}},
	 "status":{"conditions":[{"type":"Failed","status":"False","reason":"r","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)

	printed("eviction request", `{"apiVersion":"lifecycle.k8s.io/v1alpha1","kind":"EvictionRequest","metadata":{"name":"evr","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"target":{"pod":{"name":"web-1","uid":"u1"}},"requester":"example.com/drainer","intent":"Eviction"},
	 "status":{"observedGeneration":1,"conditions":[{"type":"Failed","status":"True","reason":"EvictionFailed","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("eviction request evicted", `{"apiVersion":"lifecycle.k8s.io/v1alpha1","kind":"EvictionRequest","metadata":{"name":"evr2","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"target":{},"requester":"example.com/drainer","intent":"Withdrawn"},
	 "status":{"conditions":[{"type":"Failed","status":"True","reason":"EvictionFailed","message":"","lastTransitionTime":"${ago:45m30s}"},
	  {"type":"TargetEvicted","status":"True","reason":"PodDeleted","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("eviction active responder", `{"apiVersion":"lifecycle.k8s.io/v1alpha1","kind":"Eviction","metadata":{"name":"ev","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"target":{"pod":{"name":"web-1","uid":"u1"}}},
	 "status":{"observedGeneration":2,
	  "requesters":[{"name":"z.example.com","intent":"Eviction"},{"name":"a.example.com","intent":"Eviction"},{"name":"w.example.com","intent":"Withdrawn"}],
	  "targetResponders":[{"name":"first","priority":10,"state":"Completed"},{"name":"second","priority":5,"state":"Active"},{"name":"third","priority":1,"state":"Inactive"}],
	  "responders":[{"name":"first","completionTime":"${ago:5h20m30s}"},
	   {"name":"second","startTime":"${ago:45m30s}","heartbeatTime":"${ago:20h30m}","expectedCompletionTime":"${in:2h30m30s}","message":"  draining  "}]}}`)
	printed("eviction overdue responder", `{"apiVersion":"lifecycle.k8s.io/v1alpha1","kind":"Eviction","metadata":{"name":"ev2","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"target":{"pod":{"name":"web-2","uid":"u2"}}},
	 "status":{"targetResponders":[{"name":"only","priority":1,"state":"Active"}],
	  "responders":[{"name":"only","startTime":"${ago:5h20m30s}","expectedCompletionTime":"${ago:45m30s}","message":"   "}]}}`)
	printed("eviction completed responder", `{"apiVersion":"lifecycle.k8s.io/v1alpha1","kind":"Eviction","metadata":{"name":"ev3","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"target":{"pod":{"name":"web-3","uid":"u3"}}},
	 "status":{"requesters":[{"name":"w.example.com","intent":"Withdrawn"}],
	  "targetResponders":[{"name":"a","priority":2,"state":"Canceled"},{"name":"b","priority":1,"state":"Completed"}],
	  "responders":[{"name":"a"},{"name":"b","completionTime":"${ago:45m30s}","heartbeatTime":"${ago:45m30s}"}]}}`)
	printed("eviction canceled responder", `{"apiVersion":"lifecycle.k8s.io/v1alpha1","kind":"Eviction","metadata":{"name":"ev4","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"target":{}},
	 "status":{"targetResponders":[{"name":"a","priority":2,"state":"Interrupted"}],"responders":[{"name":"a"}],
	  "conditions":[{"type":"TargetEvicted","status":"True","reason":"PodDeleted","message":"","lastTransitionTime":"${ago:45m30s}"}]}}`)
	printed("eviction without responders", `{"apiVersion":"lifecycle.k8s.io/v1alpha1","kind":"Eviction","metadata":{"name":"ev5","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"target":{"pod":{"name":"web-5","uid":"u5"}}},"status":{"targetResponders":[{"name":"a","priority":1,"state":"Active"}]}}`)

	crd("custom resource definition", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com","creationTimestamp":"${ago:9601h}"},
	 "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList","shortNames":["wd","wdg"]},
	  "versions":[{"name":"v1beta1","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object"}}},
	   {"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}},
	   {"name":"v1alpha1","served":false,"storage":false,"schema":{"openAPIV3Schema":{"type":"object"}}}]},
	 "status":{"conditions":[{"type":"NamesAccepted","status":"True"},{"type":"Established","status":"True"}],"acceptedNames":{"plural":"widgets","kind":"Widget"},"storedVersions":["v1"]}}`)
	crd("custom resource definition not established", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"gadgets.example.com"},
	 "spec":{"group":"example.com","scope":"Cluster","names":{"plural":"gadgets","kind":"Gadget"},
	  "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}`)
	apiService("api service local", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.apps","creationTimestamp":"${ago:9601h}"},
	 "spec":{"group":"apps","version":"v1","groupPriorityMinimum":17800,"versionPriority":15},
	 "status":{"conditions":[{"type":"Available","status":"True","reason":"Local","message":"Local APIServices are always available"}]}}`)
	apiService("api service unavailable", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1beta1.metrics.k8s.io","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"group":"metrics.k8s.io","version":"v1beta1","service":{"namespace":"kube-system","name":"metrics-server"},"groupPriorityMinimum":100,"versionPriority":100},
	 "status":{"conditions":[{"type":"Available","status":"False","reason":"MissingEndpoints","message":"no endpoints"}]}}`)
	apiService("api service without reason", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.x.example.com"},
	 "spec":{"group":"x.example.com","version":"v1","service":{"namespace":"x","name":"api"},"groupPriorityMinimum":100,"versionPriority":100},
	 "status":{"conditions":[{"type":"Available","status":"False"}]}}`)
	apiService("api service without status", `{"apiVersion":"apiregistration.k8s.io/v1","kind":"APIService","metadata":{"name":"v1.y.example.com","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"group":"y.example.com","version":"v1","groupPriorityMinimum":100,"versionPriority":100}}`)

	status("status", `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}`)
}
