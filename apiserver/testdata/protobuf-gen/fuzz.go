package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"reflect"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"sigs.k8s.io/randfill"
)

// fuzzFuncs keeps randomly filled objects to values Go can write as JSON: upstream's generic
// meta fuzzers (valid quantities, times, RawExtensions) plus valid embedded JSON for CRD schemas.
func fuzzFuncs(codecs runtimeserializer.CodecFactory) []interface{} {
	embedded := []string{`null`, `1`, `"text"`, `{"a":[1,2.5,"x"]}`, `[true,false]`}
	return append(metafuzzer.Funcs(codecs),
		func(j *apiextensionsv1.JSON, c randfill.Continue) {
			j.Raw = []byte(embedded[c.Intn(len(embedded))])
		},
		func(j *apiextensionsv1beta1.JSON, c randfill.Continue) {
			j.Raw = []byte(embedded[c.Intn(len(embedded))])
		},
		func(f *metav1.FieldsV1, c randfill.Continue) {
			f.Raw = []byte(`{"f:metadata":{"f:name":{}}}`)
		},
	)
}

// buildFuzz fills one random object of every Go type a registered kind uses, several times over
// with different seeds, and records what upstream writes for it. Objects Go itself cannot write as
// JSON (a random fill can make those) are skipped and counted.
func buildFuzz(scheme *runtime.Scheme, path string, rounds int) {
	codecs := serializer.NewCodecFactory(scheme)
	pb := protobuf.NewSerializer(scheme, scheme)
	seen := map[reflect.Type]schema.GroupVersionKind{}
	for gvk, t := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || !isMessage(t) {
			continue
		}
		if previous, ok := seen[t]; !ok || gvk.String() < previous.String() {
			seen[t] = gvk
		}
	}
	var kinds []schema.GroupVersionKind
	for _, gvk := range seen {
		kinds = append(kinds, gvk)
	}
	sort.Slice(kinds, func(a, b int) bool { return kinds[a].String() < kinds[b].String() })

	var cases []goldenCase
	skipped := 0
	for round := 0; round < rounds; round++ {
		for index, gvk := range kinds {
			filler := fuzzer.FuzzerFor(fuzzFuncs, rand.NewSource(int64(round*100000+index)), codecs).MaxDepth(8)
			obj, err := scheme.New(gvk)
			if err != nil {
				panic(err)
			}
			filler.Fill(obj)
			obj.GetObjectKind().SetGroupVersionKind(gvk)
			c, err := goldenFor(scheme, pb, fmt.Sprintf("%s/%d", gvk.String(), round), obj)
			if err != nil {
				skipped++
				continue
			}
			cases = append(cases, c)
		}
	}
	fmt.Fprintf(os.Stderr, "fuzz: %d cases, %d skipped\n", len(cases), skipped)
	writeJSON(path, cases)
}

// goldenFor records an object's protobuf, the JSON of what that decodes to, and the protobuf of
// that JSON read back.
func goldenFor(scheme *runtime.Scheme, pb *protobuf.Serializer, name string, obj runtime.Object) (goldenCase, error) {
	wire, err := encodeErr(pb, obj)
	if err != nil {
		return goldenCase{}, err
	}
	decoded, _, err := pb.Decode(wire, nil, nil)
	if err != nil {
		return goldenCase{}, err
	}
	jsonData, err := json.Marshal(decoded)
	if err != nil {
		return goldenCase{}, err
	}
	fromJSON := reflect.New(reflect.TypeOf(decoded).Elem()).Interface().(runtime.Object)
	if err := json.Unmarshal(jsonData, fromJSON); err != nil {
		return goldenCase{}, err
	}
	fromJSON.GetObjectKind().SetGroupVersionKind(decoded.GetObjectKind().GroupVersionKind())
	again, err := encodeErr(pb, fromJSON)
	if err != nil {
		return goldenCase{}, err
	}
	return goldenCase{
		Name:             name,
		Protobuf:         base64.StdEncoding.EncodeToString(wire),
		JSON:             jsonData,
		ProtobufFromJSON: base64.StdEncoding.EncodeToString(again),
	}, nil
}
