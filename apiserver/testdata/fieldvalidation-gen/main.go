// Command fieldvalidation-gen writes ../fieldvalidation.json: request bodies decoded by
// upstream's strict JSON serializer (the one kube-apiserver decodes with for
// fieldValidation=Strict|Warn), with the strict decoding error each gives.
package main

import (
	"encoding/json"
	"os"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
)

type testCase struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
	Body    string `json:"body"`
	// Error is the strict decoding error ("" when none); Other is any other decoding error.
	Error string `json:"error"`
	Other string `json:"other"`
}

func main() {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, rbacv1.AddToScheme,
		networkingv1.AddToScheme, admissionregistrationv1.AddToScheme, apiextensionsv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	strict := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Strict: true})

	var out []testCase
	for _, c := range cases() {
		gvk := schema.GroupVersionKind{Group: c.Group, Version: c.Version, Kind: c.Kind}
		into, err := scheme.New(gvk)
		if err != nil {
			panic(err)
		}
		_, _, err = strict.Decode([]byte(c.Body), &gvk, into)
		if err != nil {
			if runtime.IsStrictDecodingError(err) {
				c.Error = err.Error()
			} else {
				c.Other = err.Error()
			}
		}
		out = append(out, c)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile("../fieldvalidation.json", append(data, '\n'), 0o644); err != nil {
		panic(err)
	}
}

func pod(body string) testCase {
	return testCase{Version: "v1", Kind: "Pod", Body: `{"apiVersion":"v1","kind":"Pod",` + body + `}`}
}

func gvk(group, version, kind, body string) testCase {
	apiVersion := version
	if group != "" {
		apiVersion = group + "/" + version
	}
	return testCase{Group: group, Version: version, Kind: kind,
		Body: `{"apiVersion":"` + apiVersion + `","kind":"` + kind + `",` + body + `}`}
}

func cases() []testCase {
	return []testCase{
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}`),
		pod(`"metadata":{"name":"a"},"foo":1`),
		pod(`"metadata":{"name":"a","foo":"x"}`),
		pod(`"metadata":{"name":"a"},"spec":{"foo":true}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i","foo":1}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c"},{"name":"d","bar":{"x":1}}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"hostIP2":"x"}]}]}`),
		pod(`"metadata":{"name":"a","name":"b"}`),
		pod(`"metadata":{"name":"a","labels":{"x":"1","x":"2"}}`),
		pod(`"metadata":{"name":"a","annotations":{"a":"1","b":"2","a":"3"}}`),
		pod(`"metadata":{"name":"a"},"metadata":{"name":"b"}`),
		pod(`"kind":"Pod","metadata":{"name":"a"}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","name":"d","image":"i"}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"foo":1,"bar":2,"foo":3}`),
		pod(`"metadata":{"name":"a"},"spec":{"nodeSelector":{"k":"v","k":"w"}}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1","cpu":"2"}}}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1"},"limitz":{}}}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"port":"http","path":"/","portt":1}}}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"port":8080}}}]}`),
		pod(`"metadata":{"name":"a","creationTimestamp":null,"managedFields":[{"manager":"m","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{},"f:spec":{}},"foo":1}]}`),
		pod(`"metadata":{"name":"a","ownerReferences":[{"apiVersion":"v1","kind":"X","name":"n","uid":"u","extra":1}]}`),
		pod(`"metadata":{"name":"a"},"status":{"phase":"Running","bogus":{}}`),
		pod(`"metadata":{"name":"a"},"spec":{"volumes":[{"name":"v","emptyDir":{"medium":"","sizeLimit":"1Gi","x":1}}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"x","y":1}}}]}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"Containers":[]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"Name":"c"}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"na\u006de":"x"}`),
		pod(`"metadata":{"na\u006de":"a","name":"b"}`),
		pod(`"metadata":{"name":"a"},"spec":{"a":1,"b":{"c":1},"c":[1]},"z":1`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":null,"foo":null}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","securityContext":{"capabilities":{"add":["X"],"drop":[],"keep":[]}}}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"k","operator":"In","values":["v"],"x":1}]}]}}}}`),
		gvk("", "v1", "ConfigMap", `"metadata":{"name":"a"},"data":{"a":"1","a":"2"}`),
		gvk("", "v1", "ConfigMap", `"metadata":{"name":"a"},"data":{"a":"1"},"dataa":{}`),
		gvk("", "v1", "ConfigMap", `"metadata":{"name":"a"},"data":{"a":"1"},"data":{"b":"2"}`),
		gvk("", "v1", "Secret", `"metadata":{"name":"a"},"stringData":{"a":"1"},"type":"Opaque","typ":"x"`),
		gvk("", "v1", "Service", `"metadata":{"name":"a"},"spec":{"ports":[{"port":80,"targetPort":"http","foo":1}]}`),
		gvk("", "v1", "Service", `"metadata":{"name":"a"},"spec":{"ports":[{"port":80},{"port":81,"port":82}]}`),
		gvk("", "v1", "Namespace", `"metadata":{"name":"a"},"spec":{"finalizers":["kubernetes"],"x":1}`),
		gvk("", "v1", "Event", `"metadata":{"name":"a"},"involvedObject":{"kind":"Pod","foo":1},"eventTime":null,"series":{"count":1,"x":1}`),
		gvk("apps", "v1", "Deployment", `"metadata":{"name":"a"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i","imagePullPolicyy":"x"}]}}}`),
		gvk("apps", "v1", "Deployment", `"metadata":{"name":"a"},"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1,"x":1}}}`),
		gvk("apps", "v1", "Deployment", `"metadata":{"name":"a"},"spec":{"template":{"spec":{"initContainers":[{"name":"x","foo":1}],"containers":[{"name":"c","bar":1}]}}}`),
		gvk("apps", "v1", "StatefulSet", `"metadata":{"name":"a"},"spec":{"volumeClaimTemplates":[{"metadata":{"name":"d","x":1},"spec":{"resources":{"requests":{"storage":"1Gi"}},"y":1}}]}`),
		gvk("apps", "v1", "ControllerRevision", `"metadata":{"name":"a"},"data":{"anything":{"goes":1},"anything":2},"revision":1`),
		gvk("apps", "v1", "ControllerRevision", `"metadata":{"name":"a"},"data":{"x":1},"revision":1,"revisionn":2`),
		gvk("batch", "v1", "Job", `"metadata":{"name":"a"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}],"restartPolicy":"Never"}},"backoffLimitt":1}`),
		gvk("batch", "v1", "CronJob", `"metadata":{"name":"a"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","x":1}]}}},"y":1}}`),
		gvk("rbac.authorization.k8s.io", "v1", "Role", `"metadata":{"name":"a"},"rules":[{"verbs":["get"],"resources":["pods"],"apiGroups":[""],"verbz":["x"]}]`),
		gvk("rbac.authorization.k8s.io", "v1", "ClusterRole", `"metadata":{"name":"a"},"aggregationRule":{"clusterRoleSelectors":[{"matchLabels":{"a":"b","a":"c"}}]}`),
		gvk("networking.k8s.io", "v1", "Ingress", `"metadata":{"name":"a"},"spec":{"rules":[{"host":"h","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"s","port":{"number":80,"numbr":1}}}}]}}]}`),
		gvk("networking.k8s.io", "v1", "NetworkPolicy", `"metadata":{"name":"a"},"spec":{"podSelector":{},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8","x":1}}],"ports":[{"port":"http","protocoll":"TCP"}]}]}`),
		gvk("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", `"metadata":{"name":"a"},"webhooks":[{"name":"w","clientConfig":{"url":"https://x","caBundle":"","x":1},"rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"y":1}]}]`),
		gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition", `"metadata":{"name":"a"},"spec":{"group":"g","names":{"plural":"p","kind":"K","x":1},"scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true,"bogus":1}}}]}`),
		gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition", `"metadata":{"name":"a"},"spec":{"versions":[{"name":"v1","schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","default":{"a":1,"a":2},"foo":1}}}}}]}`),
		gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition", `"metadata":{"name":"a"},"spec":{"versions":[{"name":"v1","schema":{"openAPIV3Schema":{"items":{"type":"string","x":1}}}}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"overhead":{"cpu":"1"},"overhead2":{}}`),
		pod(`"metadata":{"name":"a","labels":{"x":"1"},"labels":{"y":"2"},"labels":{"z":"3"}}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","foo":1},{"name":"d","foo":1}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","foo":1,"foo":2}]}`),
		pod(`"metadata":{"name":"a"},"spec":{"tolerations":[{"key":"k","effect":"NoSchedule","tolerationSeconds":1,"tolerationSeconds":2}]}`),
		pod(`"metadata":{"name":"a","deletionGracePeriodSeconds":1,"generation":2,"uid":"u","x\"y":1}`),
	}
}
