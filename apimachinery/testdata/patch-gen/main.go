// Command patch-gen writes the test data of ironkube's patch module from upstream's own code.
//
//	go run . -meta > ../../src/patch/k8s-v1.37.2-patch-meta.json
//	go run . > ../patch.json
//
// -meta reflects over the Go types of every built-in kind (client-go's scheme, apiextensions,
// kube-aggregator) the way strategicpatch.NewPatchMetaFromStruct does (through forkedjson's
// LookupPatchMetadataForStruct) and writes the type graph the Rust strategic merge patch
// walks. Without -meta it applies the patches listed in cases.go with the functions
// kube-apiserver's PATCH handler uses and writes each result or the Status it fails with.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	forkedjson "k8s.io/apimachinery/third_party/forked/golang/json"
	"k8s.io/client-go/kubernetes/scheme"
	apiregv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
	kjson "sigs.k8s.io/json"
)

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	must(scheme.AddToScheme(s))
	must(apiextv1.AddToScheme(s))
	must(apiextv1beta1.AddToScheme(s))
	must(apiregv1.AddToScheme(s))
	must(apiregv1beta1.AddToScheme(s))
	return s
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// ---------------------------------------------------------------- metadata

type fieldMeta struct {
	Name     string   `json:"n"`
	Type     string   `json:"t"`
	Strategy []string `json:"s,omitempty"`
	MergeKey string   `json:"m,omitempty"`
}

type typeMeta struct {
	Kind   string      `json:"k"`
	Name   string      `json:"n,omitempty"`
	Elem   string      `json:"e,omitempty"`
	Fields []fieldMeta `json:"f,omitempty"`
	// Unmarshaler: the type decodes itself (json.Unmarshaler), so the decoder's type checks
	// do not apply to it.
	Unmarshaler bool `json:"u,omitempty"`
}

type metaFile struct {
	Kinds map[string]string   `json:"kinds"`
	Types map[string]typeMeta `json:"types"`
}

func typeID(t reflect.Type) string {
	if t.Name() != "" {
		if t.PkgPath() == "" {
			return t.Name()
		}
		return t.PkgPath() + "." + t.Name()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeID(t.Elem())
	case reflect.Slice:
		return "[]" + typeID(t.Elem())
	case reflect.Array:
		return fmt.Sprintf("[%d]%s", t.Len(), typeID(t.Elem()))
	case reflect.Map:
		return "map[" + typeID(t.Key()) + "]" + typeID(t.Elem())
	}
	return t.String()
}

// jsonNames lists the JSON names encoding/json would give t's fields, embedded structs
// flattened, in declaration order; forkedjson resolves each to the field it means.
func jsonNames(t reflect.Type, out *[]string, seen map[string]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name := strings.Split(tag, ",")[0]
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				jsonNames(ft, out, seen)
				continue
			}
		}
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !seen[name] {
			seen[name] = true
			*out = append(*out, name)
		}
	}
}

var jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()

func walk(t reflect.Type, types map[string]typeMeta) string {
	id := typeID(t)
	if _, ok := types[id]; ok {
		return id
	}
	tm := typeMeta{Kind: t.Kind().String(), Unmarshaler: reflect.PointerTo(t).Implements(jsonUnmarshaler)}
	types[id] = tm
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		tm.Elem = walk(t.Elem(), types)
	case reflect.Struct:
		tm.Name = t.Name()
		var names []string
		jsonNames(t, &names, map[string]bool{})
		for _, n := range names {
			ft, strategies, mergeKey, err := forkedjson.LookupPatchMetadataForStruct(t, n)
			if err != nil {
				continue
			}
			fm := fieldMeta{Name: n, Type: walk(ft, types), MergeKey: mergeKey}
			if !(len(strategies) == 1 && strategies[0] == "") {
				fm.Strategy = strategies
			}
			tm.Fields = append(tm.Fields, fm)
		}
	}
	types[id] = tm
	return id
}

func writeMeta() {
	s := newScheme()
	mf := metaFile{Kinds: map[string]string{}, Types: map[string]typeMeta{}}
	var gvks []schema.GroupVersionKind
	for gvk := range s.AllKnownTypes() {
		gvks = append(gvks, gvk)
	}
	sort.Slice(gvks, func(i, j int) bool { return gvks[i].String() < gvks[j].String() })
	for _, gvk := range gvks {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		t := s.AllKnownTypes()[gvk]
		f, ok := t.FieldByName("ObjectMeta")
		if !ok || f.Type != reflect.TypeOf(metav1.ObjectMeta{}) {
			continue
		}
		mf.Kinds[gvk.GroupVersion().String()+"/"+gvk.Kind] = walk(t, mf.Types)
	}
	enc := json.NewEncoder(os.Stdout)
	must(enc.Encode(mf))
}

// ---------------------------------------------------------------- golden cases

type patchCase struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Original   json.RawMessage `json:"original"`
	Patch      string          `json:"patch"`
	Result     json.RawMessage `json:"result,omitempty"`
	Status     *metav1.Status  `json:"status,omitempty"`
	// Synth names a large input the Rust test rebuilds itself (see synthCases); the
	// original, patch and result are then left out and Result is only `true` on success.
	Synth string `json:"synth,omitempty"`
}

func toStatus(err error) *metav1.Status {
	if s, ok := err.(apierrors.APIStatus); ok {
		st := s.Status()
		st.Kind = "Status"
		st.APIVersion = "v1"
		if st.Status == "" {
			st.Status = metav1.StatusFailure
		}
		return &st
	}
	return &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Code: http.StatusInternalServerError, Message: err.Error()}
}

func interpretSMPError(err error) error {
	switch err {
	case mergepatch.ErrBadJSONDoc, mergepatch.ErrBadPatchFormatForPrimitiveList, mergepatch.ErrBadPatchFormatForRetainKeys, mergepatch.ErrBadPatchFormatForSetElementOrderList, mergepatch.ErrUnsupportedStrategicMergePatchFormat:
		return apierrors.NewBadRequest(err.Error())
	case mergepatch.ErrNoListOfLists, mergepatch.ErrPatchContentNotMatchRetainKeys:
		return apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
	default:
		return err
	}
}

// apply follows kube-apiserver's PATCH handler (validateAndTranscodePatch, applyJSPatch,
// strategicPatchObject) up to the patched JSON.
func apply(s *runtime.Scheme, c patchCase) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	patch := []byte(c.Patch)
	if !json.Valid(patch) {
		return nil, apierrors.NewBadRequest("invalid JSON patch")
	}
	switch c.Type {
	case "json":
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if len(p) > 10000 {
			return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("The allowed maximum operations in a JSON patch is %d, got %d", 10000, len(p)))
		}
		out, err := p.Apply(c.Original)
		if err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", schema.GroupResource{}, "", err.Error(), 0, false)
		}
		return out, nil
	case "merge":
		out, err := jsonpatch.MergePatch(c.Original, patch)
		if err == jsonpatch.ErrBadJSONPatch {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, err
	default:
		gv, err := schema.ParseGroupVersion(c.APIVersion)
		must(err)
		obj, err := s.New(gv.WithKind(c.Kind))
		if err != nil {
			// The custom resource handler does not list strategic merge patch, so
			// negotiation refuses it (negotiation.NewUnsupportedMediaTypeError).
			return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
				Reason:  metav1.StatusReasonUnsupportedMediaType,
				Message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"}}
		}
		orig := map[string]interface{}{}
		must(kjson.UnmarshalCaseSensitivePreserveInts(c.Original, &orig))
		patchMap := map[string]interface{}{}
		if err := kjson.UnmarshalCaseSensitivePreserveInts(patch, &patchMap); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		res, err := strategicpatch.StrategicMergeMapPatch(orig, patchMap, obj)
		if err != nil {
			return nil, interpretSMPError(err)
		}
		return json.Marshal(res)
	}
}

func main() {
	meta := flag.Bool("meta", false, "write the patch metadata instead of the golden cases")
	flag.Parse()
	if *meta {
		writeMeta()
		return
	}
	jsonpatch.AccumulatedCopySizeLimit = 3 * 1024 * 1024
	s := newScheme()
	var out []patchCase
	for _, c := range cases() {
		res, err := apply(s, c)
		if err != nil {
			c.Status = toStatus(err)
		} else {
			c.Result = res
		}
		if c.Synth != "" {
			c.Original, c.Patch = nil, ""
			if err == nil {
				c.Result = []byte("true")
			}
		}
		out = append(out, c)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	must(enc.Encode(out))
}
