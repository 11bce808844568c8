// Command protobuf-gen writes the data ironkube's protobuf codec (apiserver/src/protobuf) is built
// from and tested against, by asking upstream's own Go code:
//
//	go run . -shapes ../../proto/k8s-v1.37.2-shapes.json   (run by apiserver/proto/generate.sh)
//	go run . -golden ../protobuf.json
//	go run . -fuzz ../protobuf-fuzz.json
//
// The shapes file says, for every protobuf message that a kind registered in the scheme reaches, how
// Go's encoding/json writes the Go struct behind it (JSON names, omitempty/omitzero, pointers, inlined
// fields), which the .proto files alone do not say. The golden file holds objects encoded by upstream's
// protobuf serializer next to the JSON that Go gives for the decoded object.
package main

import (
	"flag"
	"fmt"
	"os"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregistrationv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
)

// newScheme is every built-in kind kube-apiserver serves: client-go's scheme (which also registers
// metav1's Status, WatchEvent and the options kinds under each group version), the CRD and APIService
// groups, and meta.k8s.io's Table and PartialObjectMetadata.
func newScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme,
		apiextensionsv1.AddToScheme,
		apiextensionsv1beta1.AddToScheme,
		apiregistrationv1.AddToScheme,
		apiregistrationv1beta1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	metaGV := schema.GroupVersion{Group: "meta.k8s.io", Version: "v1"}
	scheme.AddKnownTypes(metaGV, &metav1.Table{}, &metav1.TableOptions{}, &metav1.PartialObjectMetadata{},
		&metav1.PartialObjectMetadataList{})
	metav1.AddToGroupVersion(scheme, metaGV)
	return scheme
}

func main() {
	shapesPath := flag.String("shapes", "", "write the JSON shapes of every protobuf message to this file")
	goldenPath := flag.String("golden", "", "write the golden protobuf/JSON cases to this file")
	fuzzPath := flag.String("fuzz", "", "write randomly filled objects of every kind to this file")
	fuzzRounds := flag.Int("fuzz-rounds", 2, "random objects per Go type for -fuzz")
	flag.Parse()
	if *shapesPath == "" && *goldenPath == "" && *fuzzPath == "" {
		fmt.Fprintln(os.Stderr, "usage: protobuf-gen [-shapes FILE] [-golden FILE] [-fuzz FILE]")
		os.Exit(2)
	}
	scheme := newScheme()
	if *shapesPath != "" {
		writeShapes(*shapesPath, buildShapes(scheme))
	}
	if *goldenPath != "" {
		writeJSON(*goldenPath, buildGolden(scheme))
	}
	if *fuzzPath != "" {
		buildFuzz(scheme, *fuzzPath, *fuzzRounds)
	}
}
