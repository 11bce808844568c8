// Command validation-gen prints the golden file ironkube-apiserver's validation and field
// selector tests compare against: upstream's own object metadata validation (the generic
// k8s.io/apimachinery functions and the k8s.io/kubernetes core wrappers), the name rules
// resources use, the create/update validation of real registry strategies, field label
// conversion and the selectable fields of objects, run on the inputs listed below.
//
// Run from this directory: go run . > ../validation.json
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/api/operation"
	"k8s.io/apimachinery/pkg/api/validate"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	apiregistration "k8s.io/kube-aggregator/pkg/apis/apiregistration"
	apiregistrationvalidation "k8s.io/kube-aggregator/pkg/apis/apiregistration/validation"

	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/admissionregistration/install"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	appsvalidation "k8s.io/kubernetes/pkg/apis/apps/validation"
	_ "k8s.io/kubernetes/pkg/apis/authentication/install"
	_ "k8s.io/kubernetes/pkg/apis/authorization/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/certificates/install"
	certvalidation "k8s.io/kubernetes/pkg/apis/certificates/validation"
	_ "k8s.io/kubernetes/pkg/apis/coordination/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	corevalidation "k8s.io/kubernetes/pkg/apis/core/validation"
	_ "k8s.io/kubernetes/pkg/apis/discovery/install"
	_ "k8s.io/kubernetes/pkg/apis/events/install"
	_ "k8s.io/kubernetes/pkg/apis/flowcontrol/install"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	networkingvalidation "k8s.io/kubernetes/pkg/apis/networking/validation"
	_ "k8s.io/kubernetes/pkg/apis/node/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	_ "k8s.io/kubernetes/pkg/apis/rbac/install"
	rbacvalidation "k8s.io/kubernetes/pkg/apis/rbac/validation"
	_ "k8s.io/kubernetes/pkg/apis/resource/install"
	_ "k8s.io/kubernetes/pkg/apis/scheduling/install"
	_ "k8s.io/kubernetes/pkg/apis/storage/install"
	_ "k8s.io/kubernetes/pkg/apis/storagemigration/install"
	"k8s.io/kubernetes/pkg/registry/admissionregistration/validatingwebhookconfiguration"
	"k8s.io/kubernetes/pkg/registry/apps/replicaset"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/certificates/certificates"
	"k8s.io/kubernetes/pkg/registry/coordination/lease"
	"k8s.io/kubernetes/pkg/registry/core/configmap"
	"k8s.io/kubernetes/pkg/registry/core/endpoint"
	"k8s.io/kubernetes/pkg/registry/core/event"
	"k8s.io/kubernetes/pkg/registry/core/namespace"
	"k8s.io/kubernetes/pkg/registry/core/node"
	"k8s.io/kubernetes/pkg/registry/core/persistentvolume"
	"k8s.io/kubernetes/pkg/registry/core/persistentvolumeclaim"
	"k8s.io/kubernetes/pkg/registry/core/pod"
	"k8s.io/kubernetes/pkg/registry/core/replicationcontroller"
	"k8s.io/kubernetes/pkg/registry/core/secret"
	"k8s.io/kubernetes/pkg/registry/core/service"
	"k8s.io/kubernetes/pkg/registry/core/serviceaccount"
	"k8s.io/kubernetes/pkg/registry/networking/ipaddress"
	"k8s.io/kubernetes/pkg/registry/node/runtimeclass"
	"k8s.io/kubernetes/pkg/registry/policy/poddisruptionbudget"
	"k8s.io/kubernetes/pkg/registry/rbac/clusterrole"
	"k8s.io/kubernetes/pkg/registry/rbac/role"
	"k8s.io/kubernetes/pkg/registry/resource/resourceslice"
	"k8s.io/kubernetes/pkg/registry/scheduling/priorityclass"
)

// fieldError is one upstream field.Error as the Rust side compares it.
type fieldError struct {
	Type   string `json:"type"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
	Body   string `json:"body"`
}

func toErrors(errs field.ErrorList) []fieldError {
	out := []fieldError{}
	for _, e := range errs {
		out = append(out, fieldError{Type: string(e.Type), Field: e.Field, Detail: e.Detail, Body: e.ErrorBody()})
	}
	return out
}

func aggregate(errs field.ErrorList) *string {
	agg := errs.ToAggregate()
	if agg == nil {
		return nil
	}
	s := agg.Error()
	return &s
}

// nameCase is one call of a name validation function.
type nameCase struct {
	Rule   string   `json:"rule"`
	Signer string   `json:"signer,omitempty"`
	Value  string   `json:"value"`
	Prefix bool     `json:"prefix"`
	Errs   []string `json:"errs"`
}

// metaCase is one call of ValidateObjectMeta / ValidateObjectMetaUpdate.
type metaCase struct {
	Name       string          `json:"name"`
	Rule       string          `json:"rule"`
	Flavor     string          `json:"flavor"`
	Namespaced bool            `json:"namespaced"`
	Op         string          `json:"op"`
	Object     json.RawMessage `json:"object"`
	Old        json.RawMessage `json:"old,omitempty"`
	// BigAnnotation, when set, is the length of a value of annotation "a" added to the object
	// before it is validated.
	BigAnnotation int          `json:"bigAnnotation,omitempty"`
	Errors        []fieldError `json:"errors"`
	Aggregate     *string      `json:"aggregate"`
}

// pipelineCase is one create or update validated by a real registry strategy, as
// rest.ValidateCreate / rest.ValidateUpdate run it (metadata errors only).
type pipelineCase struct {
	Name       string          `json:"name"`
	Group      string          `json:"group"`
	Resource   string          `json:"resource"`
	Namespaced bool            `json:"namespaced"`
	Op         string          `json:"op"`
	Object     json.RawMessage `json:"object"`
	Old        json.RawMessage `json:"old,omitempty"`
	Errors     []fieldError    `json:"errors"`
	Aggregate  *string         `json:"aggregate"`
}

// labelCase is the field label conversions (the check behind field selectors) of one kind.
type labelCase struct {
	Group    string        `json:"group"`
	Version  string        `json:"version"`
	Resource string        `json:"resource"`
	Kind     string        `json:"kind"`
	Results  []labelResult `json:"results"`
}

type labelResult struct {
	Label    string `json:"label"`
	OutLabel string `json:"outLabel,omitempty"`
	Err      string `json:"err,omitempty"`
}

// attrsCase is the selectable field set upstream computes for an object.
type attrsCase struct {
	Group      string            `json:"group"`
	Version    string            `json:"version"`
	Resource   string            `json:"resource"`
	Namespaced bool              `json:"namespaced"`
	Object     json.RawMessage   `json:"object"`
	Fields     map[string]string `json:"fields"`
}

type pathSegmentCase struct {
	Name string   `json:"name"`
	Errs []string `json:"errs"`
}

type output struct {
	Names        []nameCase        `json:"names"`
	Meta         []metaCase        `json:"meta"`
	Pipeline     []pipelineCase    `json:"pipeline"`
	FieldLabels  []labelCase       `json:"fieldLabels"`
	Attrs        []attrsCase       `json:"attrs"`
	PathSegments []pathSegmentCase `json:"pathSegments"`
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// restPathSegment is rest.validatePathSegment (unexported upstream): the name rule the generic
// create and update paths apply to every resource.
func restPathSegment(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

func nameFunc(rule, signer string) apimachineryvalidation.ValidateNameFunc {
	switch rule {
	case "DnsSubdomain":
		return apimachineryvalidation.NameIsDNSSubdomain
	case "DnsLabel":
		return apimachineryvalidation.NameIsDNSLabel
	case "StatefulSet":
		return appsvalidation.ValidateStatefulSetName
	case "PathSegment":
		return rbacvalidation.ValidateRBACName
	case "RestPathSegment":
		return restPathSegment
	case "IpAddress":
		return networkingvalidation.ValidateIPAddressName
	case "Any":
		return certvalidation.ValidateCertificateRequestName
	case "ClusterTrustBundle":
		return corevalidation.ValidateClusterTrustBundleName(signer)
	}
	panic("unknown rule " + rule)
}

func longName(fldPath *field.Path, name string) field.ErrorList {
	return validate.LongName(context.Background(), operation.Operation{}, fldPath, &name, nil)
}

type objectJSON struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
	Spec     struct {
		SignerName string `json:"signerName"`
		Group      string `json:"group"`
		Version    string `json:"version"`
		Names      struct {
			Plural string `json:"plural"`
		} `json:"names"`
	} `json:"spec"`
}

func metadataErrors(errs field.ErrorList) field.ErrorList {
	var out field.ErrorList
	for _, e := range errs {
		if strings.HasPrefix(e.Field, "metadata") {
			out = append(out, e)
		}
	}
	return out
}

func runMeta(c *metaCase) {
	var obj, old objectJSON
	must(json.Unmarshal(c.Object, &obj))
	if c.Op == "update" {
		must(json.Unmarshal(c.Old, &old))
	}
	if c.BigAnnotation > 0 {
		obj.Metadata.Annotations = map[string]string{"a": strings.Repeat("x", c.BigAnnotation)}
	}
	path := field.NewPath("metadata")
	var errs field.ErrorList
	switch {
	case c.Op == "create" && c.Rule == "CustomResourceDefinition":
		crd := &apiextensions.CustomResourceDefinition{ObjectMeta: obj.Metadata}
		crd.Spec.Group = obj.Spec.Group
		crd.Spec.Names.Plural = obj.Spec.Names.Plural
		errs = metadataErrors(apiextensionsvalidation.ValidateCustomResourceDefinition(context.Background(), crd))
	case c.Op == "create" && c.Rule == "ApiService":
		svc := &apiregistration.APIService{ObjectMeta: obj.Metadata}
		svc.Spec.Group = obj.Spec.Group
		svc.Spec.Version = obj.Spec.Version
		errs = metadataErrors(apiregistrationvalidation.ValidateAPIService(context.Background(), svc))
	case c.Op == "create" && c.Flavor == "generic":
		errs = apimachineryvalidation.ValidateObjectMeta(&obj.Metadata, c.Namespaced, nameFunc(c.Rule, obj.Spec.SignerName), path)
	case c.Op == "create" && c.Flavor == "core":
		errs = corevalidation.ValidateObjectMeta(&obj.Metadata, c.Namespaced, corevalidation.ValidateNameFunc(nameFunc(c.Rule, obj.Spec.SignerName)), path)
	case c.Op == "create" && c.Flavor == "opts":
		errs = corevalidation.ValidateObjectMetaWithOpts(&obj.Metadata, c.Namespaced, longName, path)
	case c.Op == "update" && c.Flavor == "generic":
		errs = apimachineryvalidation.ValidateObjectMetaUpdate(&obj.Metadata, &old.Metadata, path)
	case c.Op == "update" && c.Flavor == "core":
		errs = corevalidation.ValidateObjectMetaUpdate(&obj.Metadata, &old.Metadata, path)
	default:
		panic("unknown meta case " + c.Name)
	}
	c.Errors = toErrors(errs)
	c.Aggregate = aggregate(errs)
}

type strategy interface {
	rest.RESTCreateStrategy
	rest.RESTUpdateStrategy
}

var strategies = map[string]strategy{
	"/configmaps":                            configmap.Strategy,
	"/secrets":                               secret.Strategy,
	"/serviceaccounts":                       serviceaccount.Strategy,
	"/namespaces":                            namespace.Strategy,
	"/endpoints":                             endpoint.Strategy,
	"/replicationcontrollers":                replicationcontroller.Strategy,
	"rbac.authorization.k8s.io/roles":        role.Strategy,
	"rbac.authorization.k8s.io/clusterroles": clusterrole.Strategy,
	"coordination.k8s.io/leases":             lease.Strategy,
	"policy/poddisruptionbudgets":            poddisruptionbudget.Strategy,
	"scheduling.k8s.io/priorityclasses":      priorityclass.Strategy,
	"node.k8s.io/runtimeclasses":             runtimeclass.Strategy,
	"admissionregistration.k8s.io/validatingwebhookconfigurations": validatingwebhookconfiguration.Strategy,
	"networking.k8s.io/ipaddresses":                                ipaddress.Strategy,
}

func decode(data []byte) runtime.Object {
	obj, _, err := legacyscheme.Codecs.UniversalDecoder().Decode(data, nil, nil)
	must(err)
	return obj
}

func runPipeline(c *pipelineCase) {
	s, ok := strategies[c.Group+"/"+c.Resource]
	if !ok {
		panic("no strategy for " + c.Group + "/" + c.Resource)
	}
	var typeMeta struct {
		APIVersion string `json:"apiVersion"`
	}
	must(json.Unmarshal(c.Object, &typeMeta))
	gv, err := schema.ParseGroupVersion(typeMeta.APIVersion)
	must(err)
	verb := "create"
	if c.Op == "update" {
		verb = "update"
	}
	ctx := genericapirequest.WithNamespace(context.Background(), "")
	// Declarative validation runs at the request's version, which it reads from the request info.
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true, Verb: verb, APIGroup: gv.Group, APIVersion: gv.Version, Resource: c.Resource,
	})
	var errs field.ErrorList
	obj := decode(c.Object)
	if c.Op == "create" {
		s.PrepareForCreate(ctx, obj)
		errs = rest.ValidateCreate(ctx, obj, s)
	} else {
		old := decode(c.Old)
		s.PrepareForUpdate(ctx, obj, old)
		errs = rest.ValidateUpdate(ctx, obj, old, s)
	}
	for _, e := range errs {
		if e.Type == field.ErrorTypeInternal {
			must(fmt.Errorf("case %s: internal error: %v", c.Name, e))
		}
	}
	errs = metadataErrors(errs)
	c.Errors = toErrors(errs)
	c.Aggregate = aggregate(errs)
}

type attrFunc func(runtime.Object) (map[string]string, error)

func wrap[L ~map[string]string, F ~map[string]string](fn func(runtime.Object) (L, F, error)) attrFunc {
	return func(obj runtime.Object) (map[string]string, error) {
		_, fields, err := fn(obj)
		return map[string]string(fields), err
	}
}

var attrFuncs = map[string]attrFunc{
	"/pods":                   wrap(pod.GetAttrs),
	"/nodes":                  wrap(node.GetAttrs),
	"/events":                 wrap(event.GetAttrs),
	"events.k8s.io/events":    wrap(event.GetAttrs),
	"/secrets":                wrap(secret.GetAttrs),
	"/services":               wrap(service.GetAttrs),
	"/namespaces":             wrap(namespace.GetAttrs),
	"/configmaps":             wrap(configmap.GetAttrs),
	"/replicationcontrollers": wrap(replicationcontroller.GetAttrs),
	"/persistentvolumes":      wrap(persistentvolume.GetAttrs),
	"/persistentvolumeclaims": wrap(persistentvolumeclaim.GetAttrs),
	"apps/replicasets":        wrap(replicaset.GetAttrs),
	"batch/jobs":              wrap(job.GetAttrs),
	"certificates.k8s.io/certificatesigningrequests": wrap(certificates.GetAttrs),
	"resource.k8s.io/resourceslices":                 wrap(resourceslice.GetAttrs),
}

func runAttrs(c *attrsCase) {
	fn, ok := attrFuncs[c.Group+"/"+c.Resource]
	if !ok {
		panic("no attrs for " + c.Group + "/" + c.Resource)
	}
	fields, err := fn(decode(c.Object))
	must(err)
	c.Fields = fields
}

// kinds maps the served group/version/resources whose field labels are checked to their kinds.
var kinds = []labelCase{
	{Group: "", Version: "v1", Resource: "pods", Kind: "Pod"},
	{Group: "", Version: "v1", Resource: "nodes", Kind: "Node"},
	{Group: "", Version: "v1", Resource: "replicationcontrollers", Kind: "ReplicationController"},
	{Group: "", Version: "v1", Resource: "events", Kind: "Event"},
	{Group: "", Version: "v1", Resource: "namespaces", Kind: "Namespace"},
	{Group: "", Version: "v1", Resource: "secrets", Kind: "Secret"},
	{Group: "", Version: "v1", Resource: "services", Kind: "Service"},
	{Group: "", Version: "v1", Resource: "configmaps", Kind: "ConfigMap"},
	{Group: "", Version: "v1", Resource: "persistentvolumes", Kind: "PersistentVolume"},
	{Group: "", Version: "v1", Resource: "persistentvolumeclaims", Kind: "PersistentVolumeClaim"},
	{Group: "events.k8s.io", Version: "v1", Resource: "events", Kind: "Event"},
	{Group: "apps", Version: "v1", Resource: "replicasets", Kind: "ReplicaSet"},
	{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment"},
	{Group: "batch", Version: "v1", Resource: "jobs", Kind: "Job"},
	{Group: "certificates.k8s.io", Version: "v1", Resource: "certificatesigningrequests", Kind: "CertificateSigningRequest"},
	{Group: "certificates.k8s.io", Version: "v1", Resource: "clustertrustbundles", Kind: "ClusterTrustBundle"},
	{Group: "certificates.k8s.io", Version: "v1", Resource: "podcertificaterequests", Kind: "PodCertificateRequest"},
	{Group: "resource.k8s.io", Version: "v1", Resource: "resourceslices", Kind: "ResourceSlice"},
	{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers", Kind: "HorizontalPodAutoscaler"},
	{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions", Kind: "CustomResourceDefinition"},
	{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices", Kind: "APIService"},
}

var labels = []string{
	"metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels", "name",
	"spec.nodeName", "spec.host", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
	"spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName",
	"spec.unschedulable", "status.replicas", "involvedObject.kind", "involvedObject.name",
	"involvedObject.fieldPath", "reason", "reportingComponent", "reportingController", "source", "type",
	"regarding.name", "regarding.kind", "regarding.uid", "spec.clusterIP", "spec.type",
	"status.successful", "spec.signerName", "spec.podName", "spec.driver", "spec.pool.name", "spec.foo", "",
}

func main() {
	var out output

	// === name rules ===
	values := []string{
		"", "a", "abc", "my-name", "My-Name", "a.b", "a..b", "-a", "a-", "a_b", "123", "1abc", "a/b", "a%b",
		".", "..", "...", "a.", ".a", "abc-", "ab-", "-", "--", "x-", "é-", "é", "ab\n", "a b",
		strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 253), strings.Repeat("a", 254),
		strings.Repeat("a", 63) + "." + strings.Repeat("b", 63), strings.Repeat("a", 252) + "-",
		strings.Repeat("a", 62) + "-", strings.Repeat("a", 64) + "-", "a.b-", "A-", "10.1.2.3", "::1",
	}
	ipValues := []string{
		"", "abc", "a/b", "10.1.2.3", "010.1.2.3", "10.1.2", "256.1.1.1", "1.2.3.4.5", "::1", "::", "2001:db8::1", "2001:DB8::1",
		"2001:db8:0:0:0:0:0:1", "2001:0db8::1", "::ffff:1.2.3.4", "::1.2.3.4", "fe80::1%eth0", "1::2::3",
		"00001::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1:0:0:2::3", "1:0:0:2:0:0:0:3", "0:0:0:0:0:0:0:0",
		"::ffff:010.1.2.3", "::ffff:a.b.c.d", "1.2.3.04", " 1.2.3.4", "1.2.3.4 ", ":1", "1:", "a:b:c:d:e:f:0:1",
		"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "::1.2.3.4.5", "[::1]",
	}
	for _, rule := range []string{"DnsSubdomain", "DnsLabel", "PathSegment", "RestPathSegment", "IpAddress"} {
		vs := values
		if rule == "IpAddress" {
			vs = ipValues
		}
		for _, v := range vs {
			for _, prefix := range []bool{false, true} {
				errs := nameFunc(rule, "")(v, prefix)
				out.Names = append(out.Names, nameCase{Rule: rule, Value: v, Prefix: prefix, Errs: nonNil(errs)})
			}
		}
	}
	for _, signer := range []string{"", "example.com/signer", "k8s.io/a/b"} {
		for _, v := range []string{"abc", "a:b", "example.com:signer:abc", "example.com:signer:", "example.com:signer:Bad",
			"k8s.io:a:b:x", "k8s.io:a/b:x", "abc-", "example.com:signer:a-"} {
			for _, prefix := range []bool{false, true} {
				errs := corevalidation.ValidateClusterTrustBundleName(signer)(v, prefix)
				out.Names = append(out.Names, nameCase{Rule: "ClusterTrustBundle", Signer: signer, Value: v, Prefix: prefix, Errs: nonNil(errs)})
			}
		}
	}

	// === object metadata ===
	out.Meta = metaCases()
	for i := range out.Meta {
		runMeta(&out.Meta[i])
	}

	// === strategies ===
	out.Pipeline = pipelineCases()
	for i := range out.Pipeline {
		runPipeline(&out.Pipeline[i])
	}

	// === field labels ===
	for _, k := range kinds {
		c := k
		for _, l := range labels {
			r := labelResult{Label: l}
			gvk := schema.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind}
			outLabel, _, err := legacyscheme.Scheme.ConvertFieldLabel(gvk, l, "x")
			if err != nil {
				r.Err = err.Error()
			} else {
				r.OutLabel = outLabel
			}
			c.Results = append(c.Results, r)
		}
		out.FieldLabels = append(out.FieldLabels, c)
	}

	// === selectable fields ===
	out.Attrs = attrsCases()
	for i := range out.Attrs {
		runAttrs(&out.Attrs[i])
	}

	for _, n := range []string{"a", ".", "..", "...", "a/b", "a%b", "a%2F", "/", "%", "a/b%c", "", "é"} {
		out.PathSegments = append(out.PathSegments, pathSegmentCase{Name: n, Errs: nonNil(content.IsPathSegmentName(n))})
	}

	writeOutput(out)
}

// writeOutput prints the output with one case per line, which keeps the file small and its
// diffs readable.
func writeOutput(out output) {
	sections := []struct {
		name  string
		items any
	}{
		{"names", out.Names}, {"meta", out.Meta}, {"pipeline", out.Pipeline},
		{"fieldLabels", out.FieldLabels}, {"attrs", out.Attrs}, {"pathSegments", out.PathSegments},
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i, section := range sections {
		data, err := json.Marshal(section.items)
		must(err)
		var items []json.RawMessage
		must(json.Unmarshal(data, &items))
		fmt.Fprintf(&b, "%q: [\n", section.name)
		for j, item := range items {
			b.Write(item)
			if j < len(items)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString("]")
		if i < len(sections)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	_, err := os.Stdout.WriteString(b.String())
	must(err)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
