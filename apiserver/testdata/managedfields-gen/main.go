// Command managedfields-gen prints the golden file ironkube-apiserver's managedFields test
// compares against (apiserver/testdata/managedfields.json).
//
// Each case is a sequence of writes to one object. Every step runs upstream's real field
// manager (k8s.io/apimachinery/pkg/util/managedfields.NewDefaultFieldManager, as
// k8s.io/apiserver's installer builds it for the endpoint, with the registry strategy's reset
// fields) through UpdateNoErrors, exactly where upstream's create, update and patch handlers
// call it; the type converter is built from the OpenAPI v3 documents ironkube embeds
// (apiserver/openapi/specs.bin), which are the ones kube-apiserver v1.37.2 publishes. Scale
// steps go through the Scale endpoint's field manager and upstream's ScaleHandler, as the
// registries' scaleUpdatedObjectInfo does.
//
// Each step records the object the field manager compared (the request body decoded,
// defaulted and round-tripped through the internal version, as Go marshals it) and the
// managedFields that came out. Times: the entry the step stamps with time.Now() gets the
// step's synthetic time instead (2024-01-01T00:00:00Z plus one second per step, unless the
// step shares its predecessor's second), and the entries are put back in upstream's order
// by one no-op update through the same field manager.
//
// Run from this directory: go run . > ../managedfields.json
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/apps"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	"k8s.io/kubernetes/pkg/apis/autoscaling"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	api "k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	"k8s.io/kubernetes/pkg/registry/apps/daemonset"
	"k8s.io/kubernetes/pkg/registry/apps/deployment"
	deploymentstore "k8s.io/kubernetes/pkg/registry/apps/deployment/storage"
	"k8s.io/kubernetes/pkg/registry/apps/replicaset"
	replicasetstore "k8s.io/kubernetes/pkg/registry/apps/replicaset/storage"
	"k8s.io/kubernetes/pkg/registry/apps/statefulset"
	"k8s.io/kubernetes/pkg/registry/batch/cronjob"
	"k8s.io/kubernetes/pkg/registry/batch/job"
	"k8s.io/kubernetes/pkg/registry/core/configmap"
	"k8s.io/kubernetes/pkg/registry/core/namespace"
	"k8s.io/kubernetes/pkg/registry/core/node"
	"k8s.io/kubernetes/pkg/registry/core/persistentvolume"
	"k8s.io/kubernetes/pkg/registry/core/persistentvolumeclaim"
	"k8s.io/kubernetes/pkg/registry/core/pod"
	"k8s.io/kubernetes/pkg/registry/core/replicationcontroller"
	rcstore "k8s.io/kubernetes/pkg/registry/core/replicationcontroller/storage"
	"k8s.io/kubernetes/pkg/registry/core/resourcequota"
	"k8s.io/kubernetes/pkg/registry/core/secret"
	"k8s.io/kubernetes/pkg/registry/core/service"
)

// The documents whose schemas make the type converter.
var documents = []string{"api/v1", "apis/apps/v1", "apis/autoscaling/v1", "apis/batch/v1"}

// kindInfo is what a case's kind needs: its strategies' reset fields and, for kinds with a
// scale subresource, the replicas path mappings.
type kindInfo struct {
	group, version, kind string
	main, status         any
	scaleMappings        managedfields.ResourcePathMappings
}

var kinds = []kindInfo{
	{"", "v1", "ConfigMap", configmap.Strategy, nil, nil},
	{"", "v1", "Secret", secret.Strategy, nil, nil},
	{"", "v1", "Pod", pod.Strategy, pod.StatusStrategy, nil},
	{"", "v1", "Service", service.Strategy, service.StatusStrategy, nil},
	{"", "v1", "Node", node.Strategy, node.StatusStrategy, nil},
	{"", "v1", "Namespace", namespace.Strategy, namespace.StatusStrategy, nil},
	{"", "v1", "PersistentVolume", persistentvolume.Strategy, persistentvolume.StatusStrategy, nil},
	{"", "v1", "PersistentVolumeClaim", persistentvolumeclaim.Strategy, persistentvolumeclaim.StatusStrategy, nil},
	{"", "v1", "ResourceQuota", resourcequota.Strategy, resourcequota.StatusStrategy, nil},
	{"", "v1", "ReplicationController", replicationcontroller.Strategy, replicationcontroller.StatusStrategy, rcstore.ReplicasPathMappings()},
	{"apps", "v1", "Deployment", deployment.Strategy, deployment.StatusStrategy, deploymentstore.ReplicasPathMappings()},
	{"apps", "v1", "ReplicaSet", replicaset.Strategy, replicaset.StatusStrategy, replicasetstore.ReplicasPathMappings()},
	{"apps", "v1", "StatefulSet", statefulset.Strategy, statefulset.StatusStrategy, nil},
	{"apps", "v1", "DaemonSet", daemonset.Strategy, daemonset.StatusStrategy, nil},
	{"batch", "v1", "Job", job.Strategy, job.StatusStrategy, nil},
	{"batch", "v1", "CronJob", cronjob.Strategy, cronjob.StatusStrategy, nil},
}

func kindOf(group, kind string) kindInfo {
	for _, k := range kinds {
		if k.group == group && k.kind == kind {
			return k
		}
	}
	panic("unknown kind " + kind)
}

func gvk(k kindInfo) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: k.group, Version: k.version, Kind: k.kind}
}

func resetFilter(strategy any) map[fieldpath.APIVersion]fieldpath.Filter {
	if s, ok := strategy.(rest.ResetFieldsStrategy); ok {
		return fieldpath.NewExcludeFilterSetMap(s.GetResetFields())
	}
	return nil
}

// resetPaths lists a strategy's reset fields for the kind's version, as dotted paths.
func resetPaths(strategy any, apiVersion string) []string {
	out := []string{}
	s, ok := strategy.(rest.ResetFieldsStrategy)
	if !ok {
		return out
	}
	set, ok := s.GetResetFields()[fieldpath.APIVersion(apiVersion)]
	if !ok {
		return out
	}
	set.Iterate(func(p fieldpath.Path) {
		parts := []string{}
		for _, pe := range p {
			parts = append(parts, *pe.FieldName)
		}
		out = append(out, strings.Join(parts, "."))
	})
	sort.Strings(out)
	return out
}

func loadSchemas() map[string]*spec.Schema {
	blob, err := os.ReadFile("../../openapi/specs.bin")
	must(err)
	wanted := map[string]bool{}
	for _, d := range documents {
		wanted[d] = true
	}
	schemas := map[string]*spec.Schema{}
	for len(blob) > 0 {
		n := binary.BigEndian.Uint32(blob)
		name := string(blob[4 : 4+n])
		blob = blob[4+n:]
		m := binary.BigEndian.Uint32(blob)
		payload := blob[4 : 4+m]
		blob = blob[4+m:]
		if !wanted[name] {
			continue
		}
		r, err := gzip.NewReader(bytes.NewReader(payload))
		must(err)
		raw, err := io.ReadAll(r)
		must(err)
		var doc spec3.OpenAPI
		must(json.Unmarshal(raw, &doc))
		for k, v := range doc.Components.Schemas {
			schemas[k] = v
		}
	}
	return schemas
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

type step struct {
	op          string // create, update, scale, apply
	manager     string
	force       bool // apply
	subresource string
	object      string // the request body (create, update)
	replicas    int32  // scale
	sameSecond  bool
}

type caseDef struct {
	name  string
	group string
	kind  string
	steps []step
}

type entryOut struct {
	Manager     string  `json:"manager"`
	Operation   string  `json:"operation"`
	APIVersion  string  `json:"apiVersion"`
	Time        *string `json:"time"`
	FieldsType  string  `json:"fieldsType"`
	FieldsV1    *string `json:"fieldsV1"`
	Subresource string  `json:"subresource"`
}

// errorOut is the status of a failed apply.
type errorOut struct {
	Code    int32      `json:"code"`
	Reason  string     `json:"reason"`
	Message string     `json:"message"`
	Causes  []causeOut `json:"causes"`
}

type causeOut struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

type stepOut struct {
	Op          string          `json:"op"`
	Manager     string          `json:"manager"`
	Subresource string          `json:"subresource,omitempty"`
	Force       bool            `json:"force,omitempty"`
	Now         string          `json:"now"`
	Replicas    int32           `json:"replicas,omitempty"`
	Object      json.RawMessage `json:"object,omitempty"`
	// Result is the object an apply step produced (before the registry's defaulting), as Go
	// marshals it at the served version, without its managedFields.
	Result   json.RawMessage `json:"result,omitempty"`
	Error    *errorOut       `json:"error,omitempty"`
	Expected []entryOut      `json:"expected"`
}

type caseOut struct {
	Name    string    `json:"name"`
	Group   string    `json:"group"`
	Version string    `json:"version"`
	Kind    string    `json:"kind"`
	Steps   []stepOut `json:"steps"`
}

type resetOut struct {
	Group  string   `json:"group"`
	Kind   string   `json:"kind"`
	Main   []string `json:"main"`
	Status []string `json:"status"`
}

type output struct {
	ResetFields []resetOut `json:"resetFields"`
	Cases       []caseOut  `json:"cases"`
}

var base = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const createdUID = "00000000-0000-0000-0000-000000000001"

func apiVersionOf(k kindInfo) string {
	return schema.GroupVersion{Group: k.group, Version: k.version}.String()
}

// decode reads a request body as the handlers do: decoded at the served version, defaulted,
// converted to the internal version.
func decode(k kindInfo, body string) runtime.Object {
	external, _, err := legacyscheme.Codecs.UniversalDeserializer().Decode([]byte(body), nil, nil)
	must(err)
	legacyscheme.Scheme.Default(external)
	internal, err := legacyscheme.Scheme.ConvertToVersion(external, schema.GroupVersion{Group: k.group, Version: runtime.APIVersionInternal})
	must(err)
	return internal
}

// versioned is the object as the field manager compares it: the internal object at the
// served version, as Go marshals it.
func versioned(k kindInfo, internal runtime.Object) json.RawMessage {
	out, err := legacyscheme.Scheme.ConvertToVersion(internal.DeepCopyObject(), schema.GroupVersion{Group: k.group, Version: k.version})
	must(err)
	raw, err := json.Marshal(out)
	must(err)
	return raw
}

// withSentManagedFields puts the managedFields of the request body into the recorded object
// as sent: Go's encoding drops an empty list, which asks for a reset.
func withSentManagedFields(object json.RawMessage, body string) json.RawMessage {
	var request struct {
		Metadata struct {
			ManagedFields json.RawMessage `json:"managedFields"`
		} `json:"metadata"`
	}
	must(json.Unmarshal([]byte(body), &request))
	if request.Metadata.ManagedFields == nil {
		return object
	}
	var out map[string]any
	must(json.Unmarshal(object, &out))
	metadata, _ := out["metadata"].(map[string]any)
	metadata["managedFields"] = request.Metadata.ManagedFields
	raw, err := json.Marshal(out)
	must(err)
	return raw
}

// withoutManagedFields drops metadata.managedFields (compared on their own).
func withoutManagedFields(object json.RawMessage) json.RawMessage {
	var out map[string]any
	must(json.Unmarshal(object, &out))
	if metadata, ok := out["metadata"].(map[string]any); ok {
		delete(metadata, "managedFields")
	}
	raw, err := json.Marshal(out)
	must(err)
	return raw
}

func fieldManager(tc managedfields.TypeConverter, kind schema.GroupVersionKind, subresource string, reset map[fieldpath.APIVersion]fieldpath.Filter) *managedfields.FieldManager {
	fm, err := managedfields.NewDefaultFieldManager(tc, legacyscheme.Scheme, legacyscheme.Scheme, legacyscheme.Scheme,
		kind, schema.GroupVersion{Group: kind.Group, Version: runtime.APIVersionInternal}, subresource, reset)
	must(err)
	return fm
}

// stamp gives the entries time.Now() put there the step's time, then lets the field manager
// sort them again with a no-op update.
func stamp(fm *managedfields.FieldManager, obj runtime.Object, now time.Time) runtime.Object {
	accessor, err := meta.Accessor(obj)
	must(err)
	entries := accessor.GetManagedFields()
	changed := false
	for i := range entries {
		if entries[i].Time != nil && time.Since(entries[i].Time.Time).Abs() < time.Hour {
			entries[i].Time = &metav1.Time{Time: now}
			changed = true
		}
	}
	if !changed {
		return obj
	}
	accessor.SetManagedFields(entries)
	return fm.UpdateNoErrors(obj, obj.DeepCopyObject(), "no-op")
}

func entries(obj runtime.Object) []entryOut {
	accessor, err := meta.Accessor(obj)
	must(err)
	out := []entryOut{}
	for _, e := range accessor.GetManagedFields() {
		entry := entryOut{
			Manager:     e.Manager,
			Operation:   string(e.Operation),
			APIVersion:  e.APIVersion,
			FieldsType:  e.FieldsType,
			Subresource: e.Subresource,
		}
		if e.Time != nil {
			t := e.Time.UTC().Format(time.RFC3339)
			entry.Time = &t
		}
		if e.FieldsV1 != nil {
			raw := string(e.FieldsV1.Raw)
			entry.FieldsV1 = &raw
		}
		out = append(out, entry)
	}
	return out
}

// scale runs a scale step: the parent's managedFields to the Scale, the Scale endpoint's
// field manager, and back.
func scale(tc managedfields.TypeConverter, k kindInfo, live runtime.Object, replicas int32, manager string) runtime.Object {
	parent := live.DeepCopyObject()
	accessor, err := meta.Accessor(parent)
	must(err)
	old := &autoscaling.Scale{ObjectMeta: metav1.ObjectMeta{
		Name: accessor.GetName(), Namespace: accessor.GetNamespace(), UID: accessor.GetUID(),
		ResourceVersion: accessor.GetResourceVersion(), CreationTimestamp: accessor.GetCreationTimestamp(),
	}}
	switch p := parent.(type) {
	case *apps.Deployment:
		old.Spec.Replicas = p.Spec.Replicas
		old.Status.Replicas = p.Status.Replicas
		p.Spec.Replicas = replicas
	case *apps.ReplicaSet:
		old.Spec.Replicas = p.Spec.Replicas
		old.Status.Replicas = p.Status.Replicas
		p.Spec.Replicas = replicas
	case *api.ReplicationController:
		if p.Spec.Replicas != nil {
			old.Spec.Replicas = *p.Spec.Replicas
		}
		old.Status.Replicas = p.Status.Replicas
		p.Spec.Replicas = &replicas
	default:
		panic("no scale for this kind")
	}
	handler := managedfields.NewScaleHandler(accessor.GetManagedFields(), schema.GroupVersion{Group: k.group, Version: k.version}, k.scaleMappings)
	scaleEntries, err := handler.ToSubresource()
	must(err)
	old.ManagedFields = scaleEntries
	updated := old.DeepCopy()
	updated.Spec.Replicas = replicas
	scaleFM := fieldManager(tc, schema.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}, "scale", nil)
	result := scaleFM.UpdateNoErrors(old, updated, manager)
	resultAccessor, err := meta.Accessor(result)
	must(err)
	parentEntries, err := handler.ToParent(resultAccessor.GetManagedFields())
	must(err)
	accessor.SetManagedFields(parentEntries)
	return parent
}

func run(tc managedfields.TypeConverter, c caseDef) caseOut {
	k := kindOf(c.group, c.kind)
	out := caseOut{Name: c.name, Group: k.group, Version: k.version, Kind: k.kind}
	var live runtime.Object
	now := base
	for i, s := range c.steps {
		if i > 0 && !s.sameSecond {
			now = now.Add(time.Second)
		}
		reset := resetFilter(k.main)
		if s.subresource == "status" {
			reset = resetFilter(k.status)
		}
		fm := fieldManager(tc, gvk(k), s.subresource, reset)
		so := stepOut{Op: s.op, Manager: s.manager, Subresource: s.subresource, Now: now.Format(time.RFC3339)}
		var result runtime.Object
		switch s.op {
		case "create", "update":
			obj := decode(k, s.object)
			so.Object = withSentManagedFields(versioned(k, obj), s.object)
			liveObj := live
			if s.op == "create" {
				liveObj, _ = legacyscheme.Scheme.New(gvk(k))
			}
			result = fm.UpdateNoErrors(liveObj, obj, s.manager)
			accessor, err := meta.Accessor(result)
			must(err)
			if s.op == "create" {
				// What the registry's BeforeCreate fills in.
				accessor.SetUID(types.UID(createdUID))
				accessor.SetCreationTimestamp(metav1.Time{Time: now})
			} else {
				// What BeforeUpdate keeps from the stored object.
				liveAccessor, err := meta.Accessor(live)
				must(err)
				accessor.SetUID(liveAccessor.GetUID())
				accessor.SetCreationTimestamp(liveAccessor.GetCreationTimestamp())
			}
		case "apply":
			so.Force = s.force
			so.Object = json.RawMessage(s.object)
			applied := &unstructured.Unstructured{Object: map[string]any{}}
			must(json.Unmarshal([]byte(s.object), &applied.Object))
			liveObj := live
			if liveObj == nil {
				// The apply handler's createNewObject: a new object of the served version.
				liveObj, _ = legacyscheme.Scheme.New(gvk(k))
			}
			applyResult, err := fm.Apply(liveObj, applied, s.manager, s.force)
			if err != nil {
				// The status the handler writes (errors that are no status are 500s).
				st := responsewriters.ErrorToAPIStatus(err)
				eo := &errorOut{Code: st.Code, Reason: string(st.Reason), Message: st.Message, Causes: []causeOut{}}
				if st.Details != nil {
					for _, c := range st.Details.Causes {
						eo.Causes = append(eo.Causes, causeOut{Type: string(c.Type), Message: c.Message, Field: c.Field})
					}
				}
				// Upstream lists the causes of several managers in Go's map order, which
				// varies from run to run: keep each manager's in order, managers sorted.
				sort.SliceStable(eo.Causes, func(i, j int) bool { return eo.Causes[i].Message < eo.Causes[j].Message })
				so.Error = eo
				so.Expected = []entryOut{}
				if live != nil {
					so.Expected = entries(live)
				}
				out.Steps = append(out.Steps, so)
				continue
			}
			result = applyResult
			accessor, err := meta.Accessor(result)
			must(err)
			if live == nil {
				accessor.SetUID(types.UID(createdUID))
				accessor.SetCreationTimestamp(metav1.Time{Time: now})
			}
			// The internal object, as Go marshals it at the served version.
			internal, err := legacyscheme.Scheme.ConvertToVersion(result, schema.GroupVersion{Group: k.group, Version: runtime.APIVersionInternal})
			must(err)
			result = internal
			so.Result = withoutManagedFields(versioned(k, result))
		case "scale":
			so.Replicas = s.replicas
			result = scale(tc, k, live, s.replicas, s.manager)
			fm = fieldManager(tc, gvk(k), "", resetFilter(k.main))
		}
		result = stamp(fm, result, now)
		so.Expected = entries(result)
		out.Steps = append(out.Steps, so)
		live = result
	}
	return out
}

func main() {
	tc, err := managedfields.NewTypeConverter(loadSchemas(), false)
	must(err)
	out := output{}
	for _, k := range kinds {
		out.ResetFields = append(out.ResetFields, resetOut{
			Group: k.group, Kind: k.kind,
			Main:   resetPaths(k.main, apiVersionOf(k)),
			Status: resetPaths(k.status, apiVersionOf(k)),
		})
	}
	for _, c := range cases() {
		out.Cases = append(out.Cases, run(tc, c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	must(enc.Encode(out))
	fmt.Fprintf(os.Stderr, "%d cases\n", len(out.Cases))
}
