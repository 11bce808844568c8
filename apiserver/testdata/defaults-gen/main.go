// Command defaults-gen writes the golden file the ironkube defaulting tests compare against:
// each case's external JSON is decoded with upstream's own scheme (kube-apiserver's legacyscheme
// with every install package, and the apiextensions scheme for CRDs), defaulted with
// Scheme.Default exactly as the API server does after decoding, and marshalled back to JSON.
//
// Run from this directory: go run . > ../defaults.json
package main

import (
	"encoding/json"
	"fmt"
	"os"

	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/kubernetes/pkg/api/legacyscheme"

	_ "k8s.io/kubernetes/pkg/apis/admissionregistration/install"
	_ "k8s.io/kubernetes/pkg/apis/apiserverinternal/install"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/authentication/install"
	_ "k8s.io/kubernetes/pkg/apis/authorization/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/certificates/install"
	_ "k8s.io/kubernetes/pkg/apis/coordination/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/discovery/install"
	_ "k8s.io/kubernetes/pkg/apis/events/install"
	_ "k8s.io/kubernetes/pkg/apis/flowcontrol/install"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	_ "k8s.io/kubernetes/pkg/apis/node/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	_ "k8s.io/kubernetes/pkg/apis/rbac/install"
	_ "k8s.io/kubernetes/pkg/apis/resource/install"
	_ "k8s.io/kubernetes/pkg/apis/scheduling/install"
	_ "k8s.io/kubernetes/pkg/apis/storage/install"
	_ "k8s.io/kubernetes/pkg/apis/storagemigration/install"
)

// result is one entry of the golden file.
type result struct {
	Name string          `json:"name"`
	In   json.RawMessage `json:"in"`
	Out  json.RawMessage `json:"out,omitempty"`
	Err  string          `json:"err,omitempty"`
}

func main() {
	extScheme := runtime.NewScheme()
	apiextensionsinstall.Install(extScheme)
	extCodecs := serializer.NewCodecFactory(extScheme)

	var results []result
	for _, c := range cases {
		r := result{Name: c.name, In: json.RawMessage(c.object)}
		scheme, codecs := legacyscheme.Scheme, legacyscheme.Codecs
		if c.crd {
			scheme, codecs = extScheme, extCodecs
		}
		obj, _, err := codecs.UniversalDeserializer().Decode([]byte(c.object), nil, nil)
		if err != nil {
			r.Err = err.Error()
		} else {
			scheme.Default(obj)
			out, err := json.Marshal(obj)
			if err != nil {
				r.Err = err.Error()
			} else {
				r.Out = out
			}
		}
		results = append(results, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
