// Command podtemplatehash-gen writes what the deployment controller's pod-template-hash needs
// from upstream (run from this directory):
//
//   - go run . -types > ../../src/deployment/podtemplate-types.json: every Go type reachable
//     from core/v1.PodTemplateSpec, as reflect sees it (kind, reflect's type string, Go field
//     names in declaration order with their JSON names), which the controller walks to print a
//     template as go-spew prints the Go struct;
//   - go run . > ../podtemplatehash.json: the golden cases, pod templates defaulted by upstream's scheme, with the hash upstream's
//     controller.ComputeHash gives them after the protobuf round trip kube-controller-manager's
//     informers put them through, for several collision counts.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	"k8s.io/kubernetes/pkg/controller"
)

type field struct {
	Go     string `json:"go"`
	JSON   string `json:"json"`
	Type   string `json:"t"`
	Inline bool   `json:"inline,omitempty"`
}

type typeInfo struct {
	Kind   string  `json:"k"`
	String string  `json:"s"`
	Elem   string  `json:"e,omitempty"`
	Key    string  `json:"key,omitempty"`
	Fields []field `json:"f,omitempty"`
}

// Types printed from their own fields by the controller (their Go internals are not JSON).
var special = map[reflect.Type]string{
	reflect.TypeOf(resource.Quantity{}):   "quantity",
	reflect.TypeOf(metav1.Time{}):         "time",
	reflect.TypeOf(intstr.IntOrString{}): "intorstring",
}

func typeID(t reflect.Type) string {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name()
		}
		return t.PkgPath() + "." + t.Name()
	}
	switch t.Kind() {
	case reflect.Ptr:
		return "*" + typeID(t.Elem())
	case reflect.Slice:
		return "[]" + typeID(t.Elem())
	case reflect.Map:
		return "map[" + typeID(t.Key()) + "]" + typeID(t.Elem())
	}
	panic(fmt.Sprintf("unnamed type %v", t))
}

func walk(t reflect.Type, types map[string]typeInfo) string {
	id := typeID(t)
	if _, ok := types[id]; ok {
		return id
	}
	info := typeInfo{Kind: t.Kind().String(), String: t.String()}
	if k, ok := special[t]; ok {
		info.Kind = k
		types[id] = info
		return id
	}
	types[id] = info
	switch t.Kind() {
	case reflect.Ptr, reflect.Slice:
		info.Elem = walk(t.Elem(), types)
	case reflect.Map:
		info.Key = walk(t.Key(), types)
		info.Elem = walk(t.Elem(), types)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			inline := f.Anonymous && name == "" || strings.Contains(opts, "inline")
			if name == "" && !inline {
				name = f.Name
			}
			if name == "-" || !f.IsExported() {
				name = ""
			}
			info.Fields = append(info.Fields, field{Go: f.Name, JSON: name, Type: walk(f.Type, types), Inline: inline})
		}
	}
	types[id] = info
	return id
}

type goldenCase struct {
	Name           string          `json:"name"`
	Template       json.RawMessage `json:"template"`
	CollisionCount *int32          `json:"collisionCount"`
	Hash           string          `json:"hash"`
}

func main() {
	types := map[string]typeInfo{}
	root := walk(reflect.TypeOf(v1.PodTemplateSpec{}), types)
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if len(os.Args) > 1 && os.Args[1] == "-types" {
		if err := enc.Encode(map[string]any{"root": root, "types": types}); err != nil {
			panic(err)
		}
		return
	}
	var out []goldenCase
	for _, c := range cases {
		var d appsv1.Deployment
		doc := fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":%s}}`, c.template)
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			panic(fmt.Sprintf("%s: %v", c.name, err))
		}
		legacyscheme.Scheme.Default(&d)
		template, err := json.Marshal(d.Spec.Template)
		if err != nil {
			panic(err)
		}
		// What kube-controller-manager's informer holds: the object through protobuf.
		wire, err := d.Spec.Template.Marshal()
		if err != nil {
			panic(err)
		}
		var seen v1.PodTemplateSpec
		if err := seen.Unmarshal(wire); err != nil {
			panic(err)
		}
		counts := []*int32{nil}
		for _, n := range []int32{0, 1, 7, 300, -1} {
			n := n
			counts = append(counts, &n)
		}
		for _, count := range counts {
			out = append(out, goldenCase{Name: c.name, Template: template, CollisionCount: count, Hash: controller.ComputeHash(&seen, count)})
		}
	}
	if err := enc.Encode(map[string]any{"cases": out}); err != nil {
		panic(err)
	}
}
