// Command conversion-gen writes the golden file the ironkube-apiserver conversion tests compare
// against: each input object is decoded at its own version, converted to the internal version
// and then to the target version with upstream's own schemes (kube-apiserver's legacyscheme
// with the install packages, and the apiextensions scheme for CRDs), exactly as the API server's
// codecs do, and encoded as JSON. Cases marked for a round trip are also converted back to the
// input's version.
//
// Run from this directory: go run . > ../conversion.json
package main

import (
	"encoding/json"
	"fmt"
	"os"

	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/kubernetes/pkg/api/legacyscheme"

	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/certificates/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/events/install"
	_ "k8s.io/kubernetes/pkg/apis/resource/install"
	_ "k8s.io/kubernetes/pkg/apis/storagemigration/install"
)

// input is one conversion to run: an object at its own version and the version to convert to.
type input struct {
	name      string
	group     string
	version   string
	roundTrip bool
	object    string
}

// result is one entry of the golden file.
type result struct {
	Name    string          `json:"name"`
	Group   string          `json:"group"`
	Version string          `json:"version"`
	In      json.RawMessage `json:"in"`
	Out     json.RawMessage `json:"out,omitempty"`
	Err     string          `json:"err,omitempty"`
	// Back is Out converted back to the group and version of In.
	Back json.RawMessage `json:"back,omitempty"`
}

var crdScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	apiextensionsinstall.Install(s)
	return s
}()

func schemeFor(group string) *runtime.Scheme {
	if group == "apiextensions.k8s.io" {
		return crdScheme
	}
	return legacyscheme.Scheme
}

// convert decodes data at its own version (no defaulting), converts it to the internal version
// of its group and then to group/version, and encodes the result.
func convert(data []byte, group, version string) ([]byte, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, err
	}
	sourceGV, err := schema.ParseGroupVersion(meta.APIVersion)
	if err != nil {
		return nil, err
	}
	scheme := schemeFor(sourceGV.Group)
	codecs := serializer.NewCodecFactory(scheme)
	obj, _, err := codecs.UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		return nil, err
	}
	internal, err := scheme.ConvertToVersion(obj, schema.GroupVersion{Group: sourceGV.Group, Version: runtime.APIVersionInternal})
	if err != nil {
		return nil, err
	}
	out, err := scheme.ConvertToVersion(internal, schema.GroupVersion{Group: group, Version: version})
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func main() {
	var results []result
	for _, c := range cases {
		in := json.RawMessage(c.object)
		if !json.Valid(in) {
			fmt.Fprintf(os.Stderr, "case %q: invalid JSON input\n", c.name)
			os.Exit(1)
		}
		r := result{Name: c.name, Group: c.group, Version: c.version, In: in}
		out, err := convert(in, c.group, c.version)
		if err != nil {
			r.Err = err.Error()
		} else {
			r.Out = out
			if c.roundTrip {
				var meta struct {
					APIVersion string `json:"apiVersion"`
				}
				_ = json.Unmarshal(in, &meta)
				gv, _ := schema.ParseGroupVersion(meta.APIVersion)
				back, err := convert(out, gv.Group, gv.Version)
				if err != nil {
					fmt.Fprintf(os.Stderr, "case %q: round trip: %v\n", c.name, err)
					os.Exit(1)
				}
				r.Back = back
			}
		}
		results = append(results, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"cases": results}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
