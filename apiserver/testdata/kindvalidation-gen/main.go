// Command kindvalidation-gen prints the golden file ironkube-apiserver's kind validation test
// compares against: for each case, the object decoded and defaulted by upstream's scheme,
// prepared by the registry strategy, then validated by rest.ValidateCreate / ValidateUpdate
// with that strategy; only the errors outside metadata are kept.
//
// Run from this directory: go run . > ../kindvalidation.json
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"

	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	"k8s.io/kubernetes/pkg/registry/apps/daemonset"
	"k8s.io/kubernetes/pkg/registry/apps/deployment"
	"k8s.io/kubernetes/pkg/registry/apps/replicaset"
	"k8s.io/kubernetes/pkg/registry/apps/statefulset"
	"k8s.io/kubernetes/pkg/registry/batch/cronjob"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/core/configmap"
	"k8s.io/kubernetes/pkg/registry/core/namespace"
	"k8s.io/kubernetes/pkg/registry/core/node"
	"k8s.io/kubernetes/pkg/registry/core/persistentvolumeclaim"
	"k8s.io/kubernetes/pkg/registry/core/pod"
	"k8s.io/kubernetes/pkg/registry/core/secret"
	"k8s.io/kubernetes/pkg/registry/core/service"
	"k8s.io/kubernetes/pkg/registry/core/serviceaccount"
)

type strategy interface {
	rest.RESTCreateStrategy
	rest.RESTUpdateStrategy
}

var strategies = map[string]strategy{
	"Pod":                   pod.Strategy,
	"Service":               service.Strategy,
	"ConfigMap":             configmap.Strategy,
	"Secret":                secret.Strategy,
	"Namespace":             namespace.Strategy,
	"ServiceAccount":        serviceaccount.Strategy,
	"Node":                  node.Strategy,
	"PersistentVolumeClaim": persistentvolumeclaim.Strategy,
	"Deployment":            deployment.Strategy,
	"ReplicaSet":            replicaset.Strategy,
	"StatefulSet":           statefulset.Strategy,
	"DaemonSet":             daemonset.Strategy,
	"Job":                   job.Strategy,
	"CronJob":               cronjob.Strategy,
}

type fieldError struct {
	Type   string `json:"type"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
	Body   string `json:"body"`
}

type output struct {
	Name    string          `json:"name"`
	Group   string          `json:"group"`
	Version string          `json:"version"`
	Kind    string          `json:"kind"`
	Op      string          `json:"op"`
	Object  json.RawMessage `json:"object"`
	Old     json.RawMessage `json:"old,omitempty"`
	Errors  []fieldError    `json:"errors"`
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func decode(data []byte) runtime.Object {
	obj, _, err := legacyscheme.Codecs.UniversalDecoder().Decode(data, nil, nil)
	must(err)
	return obj
}

func encode(obj runtime.Object, gv schema.GroupVersion) json.RawMessage {
	data, err := runtime.Encode(legacyscheme.Codecs.LegacyCodec(gv), obj)
	must(err)
	return json.RawMessage(strings.TrimSpace(string(data)))
}

func run(c kindCase) output {
	var typeMeta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	must(json.Unmarshal([]byte(c.Object), &typeMeta))
	gv, err := schema.ParseGroupVersion(typeMeta.APIVersion)
	must(err)
	s, ok := strategies[typeMeta.Kind]
	if !ok {
		panic("no strategy for " + typeMeta.Kind)
	}
	ns := ""
	if s.NamespaceScoped() {
		ns = "default"
	}
	verb := "create"
	if c.Old != "" {
		verb = "update"
	}
	ctx := genericapirequest.WithNamespace(context.Background(), ns)
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true, Verb: verb, APIGroup: gv.Group, APIVersion: gv.Version,
		Resource: strings.ToLower(typeMeta.Kind) + "s",
	})
	out := output{Name: c.Name, Group: gv.Group, Version: gv.Version, Kind: typeMeta.Kind, Op: verb}
	obj := decode([]byte(c.Object))
	var errs field.ErrorList
	if c.Old == "" {
		s.PrepareForCreate(ctx, obj)
		out.Object = encode(obj, gv)
		errs = rest.ValidateCreate(ctx, obj, s)
	} else {
		old := decode([]byte(c.Old))
		// The old object comes from storage, where it went through the create preparation.
		s.PrepareForCreate(ctx, old)
		out.Old = encode(old, gv)
		s.PrepareForUpdate(ctx, obj, old)
		out.Object = encode(obj, gv)
		errs = rest.ValidateUpdate(ctx, obj, old, s)
	}
	out.Errors = []fieldError{}
	for _, e := range errs {
		if e.Type == field.ErrorTypeInternal {
			must(fmt.Errorf("case %s: internal error: %v", c.Name, e))
		}
		if e.Field == "metadata" || strings.HasPrefix(e.Field, "metadata.") {
			continue
		}
		out.Errors = append(out.Errors, fieldError{Type: string(e.Type), Field: e.Field, Detail: e.Detail, Body: e.ErrorBody()})
	}
	return out
}

func main() {
	seen := map[string]bool{}
	var outs []output
	all := append(append(cases(), batchCases()...), clusterCases()...)
	for _, c := range all {
		if seen[c.Name] {
			panic("duplicate case " + c.Name)
		}
		seen[c.Name] = true
		outs = append(outs, run(c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	must(enc.Encode(map[string]any{"cases": outs}))
}
