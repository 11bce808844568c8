package main

import (
	"encoding/json"
	"strings"
)

func raw(s string) json.RawMessage {
	var v any
	must(json.Unmarshal([]byte(s), &v))
	return json.RawMessage(s)
}

func create(name, rule, flavor string, namespaced bool, object string) metaCase {
	return metaCase{Name: name, Rule: rule, Flavor: flavor, Namespaced: namespaced, Op: "create", Object: raw(object)}
}

func update(name, flavor, newObject, oldObject string) metaCase {
	return metaCase{Name: name, Rule: "", Flavor: flavor, Namespaced: true, Op: "update", Object: raw(newObject), Old: raw(oldObject)}
}

const long64 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func metaCases() []metaCase {
	name254 := strings.Repeat("a", 254)
	cases := []metaCase{
		// names and generateName, generic ValidateObjectMeta with DNS subdomain names
		create("ok", "DnsSubdomain", "generic", true, `{"metadata":{"name":"good","namespace":"default"}}`),
		create("name-invalid", "DnsSubdomain", "generic", true, `{"metadata":{"name":"Bad_Name","namespace":"default"}}`),
		create("name-missing", "DnsSubdomain", "generic", true, `{"metadata":{"namespace":"default"}}`),
		create("name-too-long", "DnsSubdomain", "generic", true, `{"metadata":{"name":"`+name254+`","namespace":"default"}}`),
		create("generate-name-ok", "DnsSubdomain", "generic", true, `{"metadata":{"name":"gen-x7k2p","generateName":"gen-","namespace":"default"}}`),
		create("generate-name-invalid", "DnsSubdomain", "generic", true, `{"metadata":{"name":"Gen-abcde","generateName":"Gen-","namespace":"default"}}`),
		create("generate-name-dash", "DnsSubdomain", "generic", true, `{"metadata":{"name":"-abcde","generateName":"-","namespace":"default"}}`),
		create("generate-name-slash", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a/xyz","generateName":"a/","namespace":"default"}}`),
		create("generate-name-without-name", "DnsSubdomain", "generic", true, `{"metadata":{"generateName":"gen-","namespace":"default"}}`),
		create("generate-name-double-dash", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a--b","generateName":"a--","namespace":"default"}}`),
		// namespaces
		create("namespace-missing", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a"}}`),
		create("namespace-invalid", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"Bad.NS"}}`),
		create("namespace-dots", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"a.b"}}`),
		create("namespace-too-long", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"`+long64+`"}}`),
		create("namespace-on-cluster-scoped", "DnsSubdomain", "generic", false, `{"metadata":{"name":"a","namespace":"default"}}`),
		create("cluster-scoped-ok", "DnsSubdomain", "generic", false, `{"metadata":{"name":"a"}}`),
		create("generation-negative", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","generation":-1}}`),
		// labels
		create("labels-ok", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"app":"web","example.com/tier":"front-end","empty":""}}}`),
		create("label-key-three-parts", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"a/b/c":"v"}}}`),
		create("label-key-empty-prefix", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"/a":"v"}}}`),
		create("label-key-empty-name", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"example.com/":"v"}}}`),
		create("label-key-bad-prefix", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"Example.com/a":"v"}}}`),
		create("label-key-long-name", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"`+long64+`":"v"}}}`),
		create("label-key-dash", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"-a":"v"}}}`),
		create("label-value-space", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"a":"a b"}}}`),
		create("label-value-long", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"a":"`+long64+`"}}}`),
		create("label-value-long-and-bad", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"a":"-`+long64+`"}}}`),
		create("label-key-and-value-bad", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","labels":{"a b":"c d"}}}`),
		// annotations
		create("annotations-ok", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","annotations":{"Example.com/Key":"any value at all: <>&","x":""}}}`),
		create("annotation-key-space", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","annotations":{"Bad Key":"v"}}}`),
		create("annotation-key-three-parts", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","annotations":{"a/b/c":"v"}}}`),
		// finalizers
		create("finalizers-generic-ok", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","finalizers":["foo","example.com/bar","kubernetes"]}}`),
		create("finalizer-three-parts", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","finalizers":["a/b/c"]}}`),
		create("finalizer-space", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","finalizers":["Bad Name"]}}`),
		create("finalizers-orphan-and-foreground", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","finalizers":["orphan","foregroundDeletion"]}}`),
		create("finalizers-core-unqualified", "DnsSubdomain", "core", true, `{"metadata":{"name":"a","namespace":"default","finalizers":["foo","kubernetes","orphan","example.com/x"]}}`),
		create("finalizers-core-bad", "DnsSubdomain", "core", true, `{"metadata":{"name":"a","namespace":"default","finalizers":["a/b/c","Bad Name",""]}}`),
		create("finalizers-core-conflict", "DnsSubdomain", "core", true, `{"metadata":{"name":"a","namespace":"default","finalizers":["foregroundDeletion","orphan"]}}`),
		// owner references
		create("owner-empty", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","ownerReferences":[{}]}}`),
		create("owner-ok", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true,"blockOwnerDeletion":true}]}}`),
		create("owner-bad-api-version", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","ownerReferences":[{"apiVersion":"a/b/c","kind":"K","name":"n","uid":"u"},{"apiVersion":"apps/","kind":"K","name":"n","uid":"u"}]}}`),
		create("owner-event", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","ownerReferences":[{"apiVersion":"v1","kind":"Event","name":"e","uid":"u"}]}}`),
		create("owner-two-controllers", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","ownerReferences":[{"apiVersion":"v1","kind":"A","name":"x","uid":"1","controller":true},{"apiVersion":"v1","kind":"B","name":"y","uid":"2","controller":false},{"apiVersion":"v1","kind":"C","name":"z","uid":"3","controller":true}]}}`),
		// managed fields
		create("managed-fields-ok", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","managedFields":[{"manager":"kubectl","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{}}]}}`),
		create("managed-fields-bad", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","managedFields":[{"operation":""},{"operation":"Bogus","fieldsType":"FieldsV2","manager":"a\tb\u00e9\u0007"}]}}`),
		create("managed-fields-long", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default","managedFields":[{"operation":"Update","manager":"`+strings.Repeat("m", 129)+`","subresource":"`+strings.Repeat("s", 257)+`"}]}}`),
		// many problems at once
		create("everything-wrong", "DnsSubdomain", "core", true, `{"metadata":{"name":"Bad_Name","generateName":"Bad_","namespace":"Bad_NS","generation":-2,"labels":{"a b":"v"},"annotations":{"c d":"v"},"finalizers":["foo"],"ownerReferences":[{"apiVersion":"v1","kind":"K"}]}}`),
		// other name rules
		create("dns-label-dots", "DnsLabel", "core", false, `{"metadata":{"name":"a.b"}}`),
		create("dns-label-generate-name", "DnsLabel", "core", false, `{"metadata":{"name":"ns-abcde","generateName":"ns-"}}`),
		create("statefulset-name", "StatefulSet", "core", true, `{"metadata":{"name":"web.1","namespace":"default"}}`),
		create("rbac-name-slash", "PathSegment", "core", true, `{"metadata":{"name":"a/b","namespace":"default"}}`),
		create("rbac-name-dot", "PathSegment", "core", false, `{"metadata":{"name":".","generateName":"."}}`),
		create("rbac-name-any", "PathSegment", "core", false, `{"metadata":{"name":"system:Any Name_at-all"}}`),
		create("rest-path-segment-prefix", "RestPathSegment", "generic", false, `{"metadata":{"name":".abcde","generateName":"."}}`),
		create("rest-path-segment-name", "RestPathSegment", "generic", false, `{"metadata":{"name":"..","generateName":"a%"}}`),
		create("ip-address-ok", "IpAddress", "core", false, `{"metadata":{"name":"2001:db8::1"}}`),
		create("ip-address-leading-zero", "IpAddress", "core", false, `{"metadata":{"name":"010.1.2.3"}}`),
		create("ip-address-not-canonical", "IpAddress", "core", false, `{"metadata":{"name":"2001:DB8:0::1"}}`),
		create("ip-address-mapped", "IpAddress", "core", false, `{"metadata":{"name":"::ffff:1.2.3.4"}}`),
		create("ip-address-not-ip", "IpAddress", "core", false, `{"metadata":{"name":"not-an-ip","generateName":"x"}}`),
		create("csr-any-name", "Any", "core", false, `{"metadata":{"name":"Any_Name!","generateName":"%%"}}`),
		create("ctb-no-signer", "ClusterTrustBundle", "core", false, `{"metadata":{"name":"a:b"}}`),
		create("ctb-signer-prefix-missing", "ClusterTrustBundle", "core", false, `{"metadata":{"name":"abc"},"spec":{"signerName":"example.com/signer"}}`),
		create("ctb-signer-ok", "ClusterTrustBundle", "core", false, `{"metadata":{"name":"example.com:signer:abc"},"spec":{"signerName":"example.com/signer"}}`),
		create("ctb-signer-bad-rest", "ClusterTrustBundle", "core", false, `{"metadata":{"name":"example.com:signer:Bad"},"spec":{"signerName":"example.com/signer"}}`),
		create("crd-ok", "CustomResourceDefinition", "generic", false, `{"metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","names":{"plural":"widgets"}}}`),
		create("crd-mismatch", "CustomResourceDefinition", "generic", false, `{"metadata":{"name":"gadgets.example.com"},"spec":{"group":"example.com","names":{"plural":"widgets"}}}`),
		create("crd-bad-name", "CustomResourceDefinition", "generic", false, `{"metadata":{"name":"Widgets"},"spec":{"group":"example.com","names":{"plural":"widgets"}}}`),
		create("apiservice-ok", "ApiService", "generic", false, `{"metadata":{"name":"v1.example.com"},"spec":{"group":"example.com","version":"v1"}}`),
		create("apiservice-mismatch", "ApiService", "generic", false, `{"metadata":{"name":"v2.example.com"},"spec":{"group":"example.com","version":"v1"}}`),
		create("apiservice-slash", "ApiService", "generic", false, `{"metadata":{"name":"a/b","generateName":"a/"},"spec":{"group":"example.com","version":"v1"}}`),
		create("long-name-ok", "LongName", "opts", true, `{"metadata":{"name":"rc-1","namespace":"default"}}`),
		create("long-name-generate-name", "LongName", "opts", true, `{"metadata":{"name":"Gen-abcde","generateName":"Gen-","namespace":"default","finalizers":["foo"]}}`),
		create("long-name-not-generated", "LongName", "opts", true, `{"metadata":{"generateName":"gen-","namespace":"default"}}`),
		create("long-name-missing", "LongName", "opts", false, `{"metadata":{}}`),

		// updates
		update("update-ok", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"2","uid":"u"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","uid":"u"}}`),
		update("update-no-resource-version", "generic", `{"metadata":{"name":"a","namespace":"default"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-name", "generic", `{"metadata":{"name":"b","namespace":"default","resourceVersion":"1"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-namespace", "generic", `{"metadata":{"name":"a","namespace":"other","resourceVersion":"1"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-uid", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","uid":"new"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","uid":"old"}}`),
		update("update-uid-cleared", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","uid":"old"}}`),
		update("update-creation-timestamp", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","creationTimestamp":"2024-02-03T04:05:06Z"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","creationTimestamp":"2024-01-01T00:00:00Z"}}`),
		update("update-creation-timestamp-same-instant", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","creationTimestamp":"2024-01-01T01:00:00+01:00"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","creationTimestamp":"2024-01-01T00:00:00Z"}}`),
		update("update-creation-timestamp-removed", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","creationTimestamp":"2024-01-01T00:00:00Z"}}`),
		update("update-creation-timestamp-offset", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","creationTimestamp":"2024-01-01T05:00:00+03:00"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","creationTimestamp":"2024-01-01T00:00:00Z"}}`),
		update("update-deletion-timestamp-set", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-deletion-timestamp-removed", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","finalizers":["x/y"]}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z"}}`),
		update("update-grace-period", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z","deletionGracePeriodSeconds":10}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z","deletionGracePeriodSeconds":30}}`),
		update("update-grace-period-set", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionGracePeriodSeconds":30}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-grace-period-removed", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionGracePeriodSeconds":0}}`),
		update("update-generation-decrement", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","generation":3}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","generation":5}}`),
		update("update-generation-negative", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","generation":-1}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","generation":0}}`),
		update("update-new-finalizers-while-deleting", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z","finalizers":["a/b","z/z","c/d","a/b"]}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z","finalizers":["a/b"]}}`),
		update("update-removing-finalizers-while-deleting", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z","finalizers":["a/b"]}}`),
		update("update-labels", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-annotations", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","annotations":{"/x":"c"}}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-owner-references", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","ownerReferences":[{"apiVersion":"v1","kind":"Event","name":"e","uid":"u"}]}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-bad-finalizer-not-checked", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","finalizers":["Bad Name"]}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-core-finalizer", "core", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","finalizers":["foo","a/b","kubernetes","bar"]}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-generate-name-changed", "generic", `{"metadata":{"name":"a","generateName":"Bad_","namespace":"default","resourceVersion":"1"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-managed-fields", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1","managedFields":[{"operation":"Nope"}]}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`),
		update("update-everything", "core", `{"metadata":{"name":"b","namespace":"x","uid":"2","generation":1,"labels":{"-":"v"},"finalizers":["f"],"creationTimestamp":"2024-01-01T00:00:00Z"}}`, `{"metadata":{"name":"a","namespace":"default","uid":"1","generation":2,"resourceVersion":"1","deletionTimestamp":"2024-01-01T00:00:00Z","deletionGracePeriodSeconds":5}}`),
	}
	// The big annotation values are added to the objects when the case runs (by this program
	// and by the Rust test), keeping the golden file small.
	big := create("annotations-at-limit", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default"}}`)
	big.BigAnnotation = 262143
	cases = append(cases, big)
	big = create("annotations-over-limit", "DnsSubdomain", "generic", true, `{"metadata":{"name":"a","namespace":"default"}}`)
	big.BigAnnotation = 262144
	cases = append(cases, big)
	bigUpdate := update("update-annotations-over-limit", "generic", `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`, `{"metadata":{"name":"a","namespace":"default","resourceVersion":"1"}}`)
	bigUpdate.BigAnnotation = 262144
	cases = append(cases, bigUpdate)
	return cases
}

func pcreate(name, group, resource string, namespaced bool, object string) pipelineCase {
	return pipelineCase{Name: name, Group: group, Resource: resource, Namespaced: namespaced, Op: "create", Object: raw(object)}
}

func pupdate(name, group, resource string, namespaced bool, newObject, oldObject string) pipelineCase {
	return pipelineCase{Name: name, Group: group, Resource: resource, Namespaced: namespaced, Op: "update", Object: raw(newObject), Old: raw(oldObject)}
}

func pipelineCases() []pipelineCase {
	const cm = `"apiVersion":"v1","kind":"ConfigMap"`
	const ns = `"apiVersion":"v1","kind":"Namespace"`
	const role = `"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role"`
	const crole = `"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole"`
	const lease = `"apiVersion":"coordination.k8s.io/v1","kind":"Lease"`
	const pdb = `"apiVersion":"policy/v1","kind":"PodDisruptionBudget"`
	const pc = `"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","value":1000`
	const rc = `"apiVersion":"node.k8s.io/v1","kind":"RuntimeClass","handler":"runc"`
	const vwc = `"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration"`
	const ip = `"apiVersion":"networking.k8s.io/v1","kind":"IPAddress","spec":{"parentRef":{"group":"","resource":"services","namespace":"default","name":"svc"}}`
	const repl = `"apiVersion":"v1","kind":"ReplicationController","spec":{"replicas":1,"selector":{"a":"b"},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}`
	const secret = `"apiVersion":"v1","kind":"Secret"`
	const sa = `"apiVersion":"v1","kind":"ServiceAccount"`
	const ep = `"apiVersion":"v1","kind":"Endpoints"`
	return []pipelineCase{
		pcreate("configmap-ok", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"cm","namespace":"default"}}`),
		pcreate("configmap-bad-name-and-finalizer", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"Bad_Name","namespace":"default","finalizers":["foo"]}}`),
		pcreate("configmap-bad-labels", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"cm","namespace":"default","labels":{"a b":"c"}}}`),
		pcreate("configmap-no-namespace", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"cm"}}`),
		pcreate("configmap-generate-name", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"Gen-abcde","generateName":"Gen-","namespace":"default"}}`),
		pupdate("configmap-update-labels", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"cm","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+cm+`,"metadata":{"name":"cm","namespace":"default","resourceVersion":"1"}}`),
		pupdate("configmap-update-name", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"cm2","namespace":"default","resourceVersion":"1"}}`, `{`+cm+`,"metadata":{"name":"cm","namespace":"default","resourceVersion":"1"}}`),
		pupdate("configmap-update-no-resource-version", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"cm","namespace":"default"}}`, `{`+cm+`,"metadata":{"name":"cm","namespace":"default","resourceVersion":"1"}}`),
		pupdate("configmap-update-finalizer", "", "configmaps", true, `{`+cm+`,"metadata":{"name":"cm","namespace":"default","resourceVersion":"1","finalizers":["foo"]}}`, `{`+cm+`,"metadata":{"name":"cm","namespace":"default","resourceVersion":"1"}}`),
		pcreate("secret-bad-name", "", "secrets", true, `{`+secret+`,"metadata":{"name":"Bad_Name","namespace":"default"}}`),
		pupdate("secret-update-labels", "", "secrets", true, `{`+secret+`,"metadata":{"name":"s","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+secret+`,"metadata":{"name":"s","namespace":"default","resourceVersion":"1"}}`),
		pupdate("serviceaccount-update-labels", "", "serviceaccounts", true, `{`+sa+`,"metadata":{"name":"s","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+sa+`,"metadata":{"name":"s","namespace":"default","resourceVersion":"1"}}`),
		pcreate("endpoints-bad-name", "", "endpoints", true, `{`+ep+`,"metadata":{"name":"Bad_Name","namespace":"default"}}`),
		pupdate("endpoints-update-labels", "", "endpoints", true, `{`+ep+`,"metadata":{"name":"e","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+ep+`,"metadata":{"name":"e","namespace":"default","resourceVersion":"1"}}`),
		pcreate("namespace-dots", "", "namespaces", false, `{`+ns+`,"metadata":{"name":"a.b"}}`),
		pcreate("namespace-finalizer", "", "namespaces", false, `{`+ns+`,"metadata":{"name":"a","finalizers":["foo"]}}`),
		pupdate("namespace-update-labels", "", "namespaces", false, `{`+ns+`,"metadata":{"name":"a","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+ns+`,"metadata":{"name":"a","resourceVersion":"1"}}`),
		pupdate("namespace-update-name", "", "namespaces", false, `{`+ns+`,"metadata":{"name":"b","resourceVersion":"1"}}`, `{`+ns+`,"metadata":{"name":"a","resourceVersion":"1"}}`),
		pcreate("role-slash", "rbac.authorization.k8s.io", "roles", true, `{`+role+`,"metadata":{"name":"a/b","namespace":"default"}}`),
		pcreate("role-generate-name", "rbac.authorization.k8s.io", "roles", true, `{`+role+`,"metadata":{"name":"a%xyz","generateName":"a%","namespace":"default"}}`),
		pcreate("role-any-name", "rbac.authorization.k8s.io", "roles", true, `{`+role+`,"metadata":{"name":"system:Any Name","namespace":"default"}}`),
		pupdate("role-update-labels", "rbac.authorization.k8s.io", "roles", true, `{`+role+`,"metadata":{"name":"r","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+role+`,"metadata":{"name":"r","namespace":"default","resourceVersion":"1"}}`),
		pcreate("clusterrole-dotdot", "rbac.authorization.k8s.io", "clusterroles", false, `{`+crole+`,"metadata":{"name":".."}}`),
		pupdate("clusterrole-update-labels", "rbac.authorization.k8s.io", "clusterroles", false, `{`+crole+`,"metadata":{"name":"r","resourceVersion":"1","labels":{"a b":"c"},"finalizers":["foo"]}}`, `{`+crole+`,"metadata":{"name":"r","resourceVersion":"1"}}`),
		pcreate("lease-finalizer", "coordination.k8s.io", "leases", true, `{`+lease+`,"metadata":{"name":"l","namespace":"default","finalizers":["foo"]}}`),
		pcreate("lease-bad-name", "coordination.k8s.io", "leases", true, `{`+lease+`,"metadata":{"name":"Bad_Name","namespace":"default"}}`),
		pupdate("lease-update-labels", "coordination.k8s.io", "leases", true, `{`+lease+`,"metadata":{"name":"l","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+lease+`,"metadata":{"name":"l","namespace":"default","resourceVersion":"1"}}`),
		pcreate("pdb-any-name", "policy", "poddisruptionbudgets", true, `{`+pdb+`,"metadata":{"name":"Bad_Name","namespace":"default","finalizers":["foo"]}}`),
		pcreate("pdb-slash", "policy", "poddisruptionbudgets", true, `{`+pdb+`,"metadata":{"name":"a/b","namespace":"default","labels":{"a b":"c"}}}`),
		pcreate("pdb-no-namespace", "policy", "poddisruptionbudgets", true, `{`+pdb+`,"metadata":{"name":"p"}}`),
		pupdate("pdb-update-labels", "policy", "poddisruptionbudgets", true, `{`+pdb+`,"metadata":{"name":"p","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+pdb+`,"metadata":{"name":"p","namespace":"default","resourceVersion":"1"}}`),
		pupdate("pdb-update-name", "policy", "poddisruptionbudgets", true, `{`+pdb+`,"metadata":{"name":"q","namespace":"default","resourceVersion":"1"}}`, `{`+pdb+`,"metadata":{"name":"p","namespace":"default","resourceVersion":"1"}}`),
		pcreate("priorityclass-bad-name", "scheduling.k8s.io", "priorityclasses", false, `{`+pc+`,"metadata":{"name":"Bad_Name"}}`),
		pupdate("priorityclass-update-labels", "scheduling.k8s.io", "priorityclasses", false, `{`+pc+`,"metadata":{"name":"p","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+pc+`,"metadata":{"name":"p","resourceVersion":"1"}}`),
		pcreate("runtimeclass-finalizer", "node.k8s.io", "runtimeclasses", false, `{`+rc+`,"metadata":{"name":"r","finalizers":["foo"]}}`),
		pupdate("runtimeclass-update-labels", "node.k8s.io", "runtimeclasses", false, `{`+rc+`,"metadata":{"name":"r","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+rc+`,"metadata":{"name":"r","resourceVersion":"1"}}`),
		pcreate("webhook-static-suffix", "admissionregistration.k8s.io", "validatingwebhookconfigurations", false, `{`+vwc+`,"metadata":{"name":"x.static.k8s.io"}}`),
		pcreate("webhook-bad-name", "admissionregistration.k8s.io", "validatingwebhookconfigurations", false, `{`+vwc+`,"metadata":{"name":"Bad_Name","finalizers":["foo"]}}`),
		pupdate("webhook-update-labels", "admissionregistration.k8s.io", "validatingwebhookconfigurations", false, `{`+vwc+`,"metadata":{"name":"w","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+vwc+`,"metadata":{"name":"w","resourceVersion":"1"}}`),
		pcreate("ipaddress-ok", "networking.k8s.io", "ipaddresses", false, `{`+ip+`,"metadata":{"name":"10.0.0.1"}}`),
		pcreate("ipaddress-leading-zero", "networking.k8s.io", "ipaddresses", false, `{`+ip+`,"metadata":{"name":"010.0.0.1"}}`),
		pcreate("ipaddress-upper", "networking.k8s.io", "ipaddresses", false, `{`+ip+`,"metadata":{"name":"2001:DB8::1"}}`),
		pcreate("ipaddress-not-ip", "networking.k8s.io", "ipaddresses", false, `{`+ip+`,"metadata":{"name":"not-an-ip"}}`),
		pcreate("rc-ok", "", "replicationcontrollers", true, `{`+repl+`,"metadata":{"name":"rc","namespace":"default"}}`),
		pcreate("rc-bad-name-and-label", "", "replicationcontrollers", true, `{`+repl+`,"metadata":{"name":"Bad_Name","namespace":"default","labels":{"a b":"c"}}}`),
		pcreate("rc-generate-name", "", "replicationcontrollers", true, `{`+repl+`,"metadata":{"name":"Gen-abcde","generateName":"Gen-","namespace":"default","finalizers":["foo"]}}`),
		pupdate("rc-update-labels", "", "replicationcontrollers", true, `{`+repl+`,"metadata":{"name":"rc","namespace":"default","resourceVersion":"1","labels":{"a b":"c"}}}`, `{`+repl+`,"metadata":{"name":"rc","namespace":"default","resourceVersion":"1"}}`),
	}
}

func attrsCases() []attrsCase {
	a := func(group, version, resource string, namespaced bool, object string) attrsCase {
		return attrsCase{Group: group, Version: version, Resource: resource, Namespaced: namespaced, Object: raw(object)}
	}
	return []attrsCase{
		a("", "v1", "pods", true, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n1","restartPolicy":"Never","schedulerName":"s","serviceAccountName":"sa","hostNetwork":true,"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Running","podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"},{"ip":"fd00::1"}],"nominatedNodeName":"n2"}}`),
		a("", "v1", "pods", true, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"restartPolicy":"Always","schedulerName":"default-scheduler","containers":[{"name":"c","image":"i"}]},"status":{"podIP":"10.0.0.2"}}`),
		a("", "v1", "nodes", false, `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{"unschedulable":true}}`),
		a("", "v1", "nodes", false, `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}`),
		a("", "v1", "events", true, `{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"ns"},"involvedObject":{"kind":"Pod","namespace":"ns","name":"p","uid":"u","apiVersion":"v1","resourceVersion":"7","fieldPath":"spec.containers{c}"},"reason":"Started","source":{"component":"kubelet","host":"h"},"type":"Normal","reportingComponent":"kubelet"}`),
		a("", "v1", "events", true, `{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"ns"},"involvedObject":{"kind":"Pod"},"reportingComponent":"ctrl"}`),
		a("events.k8s.io", "v1", "events", true, `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e","namespace":"ns"},"eventTime":"2024-01-01T00:00:00.000000Z","regarding":{"kind":"Pod","namespace":"ns","name":"p","uid":"u","apiVersion":"v1","resourceVersion":"7","fieldPath":"f"},"reason":"Started","reportingController":"ctrl","reportingInstance":"i","action":"a","type":"Warning","deprecatedSource":{"component":"comp"}}`),
		a("events.k8s.io", "v1", "events", true, `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e","namespace":"ns"},"eventTime":"2024-01-01T00:00:00.000000Z","reportingController":"ctrl"}`),
		a("", "v1", "secrets", true, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns"},"type":"kubernetes.io/tls"}`),
		a("", "v1", "secrets", true, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns"},"type":"Opaque"}`),
		a("", "v1", "services", true, `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"ns"},"spec":{"clusterIP":"10.0.0.10","type":"NodePort"}}`),
		a("", "v1", "namespaces", false, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"},"status":{"phase":"Terminating"}}`),
		a("", "v1", "configmaps", true, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"}}`),
		a("", "v1", "replicationcontrollers", true, `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"r","namespace":"ns"},"status":{"replicas":3}}`),
		a("", "v1", "persistentvolumes", false, `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv"}}`),
		a("", "v1", "persistentvolumeclaims", true, `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"pvc","namespace":"ns"}}`),
		a("apps", "v1", "replicasets", true, `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","namespace":"ns"},"status":{"replicas":2}}`),
		a("batch", "v1", "jobs", true, `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"ns"},"status":{"succeeded":4}}`),
		a("batch", "v1", "jobs", true, `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"ns"}}`),
		a("certificates.k8s.io", "v1", "certificatesigningrequests", false, `{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"c"},"spec":{"signerName":"example.com/s","request":""}}`),
		a("resource.k8s.io", "v1", "resourceslices", false, `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceSlice","metadata":{"name":"r"},"spec":{"nodeName":"n","driver":"d.example.com","pool":{"name":"p","resourceSliceCount":1,"generation":1}}}`),
		a("resource.k8s.io", "v1", "resourceslices", false, `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceSlice","metadata":{"name":"r"},"spec":{"allNodes":true,"driver":"d.example.com","pool":{"name":"p","resourceSliceCount":1,"generation":1}}}`),
	}
}
