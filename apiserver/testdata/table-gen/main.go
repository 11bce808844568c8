// Command table-gen writes ../tables.json: for representative objects of every kind that
// kube-apiserver v1.37 prints, the Table upstream's own code builds (the printers of
// k8s.io/kubernetes/pkg/printers/internalversion, the CRD and APIService convertors and the
// default convertor), plus golden cases for duration.HumanDuration and resource.Quantity.
//
// Run with:
//
//	cd apiserver/testdata/table-gen && go run . > ../tables.json
//
// Ages depend on time.Now inside upstream's printers, so every timestamp is written relative to
// the moment the program starts (recorded as "now") and sits in the middle of its printed
// bucket: the Rust test passes the recorded "now" and gets the same strings.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"time"

	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	crdtable "k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition/tableconvertor"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
	apiregistrationinstall "k8s.io/kube-aggregator/pkg/apis/apiregistration/install"
	apiserviceetcd "k8s.io/kube-aggregator/pkg/registry/apiservice/etcd"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/printers"
	printersinternal "k8s.io/kubernetes/pkg/printers/internalversion"

	_ "k8s.io/kubernetes/pkg/apis/admissionregistration/install"
	_ "k8s.io/kubernetes/pkg/apis/apiserverinternal/install"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	_ "k8s.io/kubernetes/pkg/apis/batch/install"
	_ "k8s.io/kubernetes/pkg/apis/certificates/install"
	_ "k8s.io/kubernetes/pkg/apis/coordination/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/discovery/install"
	_ "k8s.io/kubernetes/pkg/apis/events/install"
	_ "k8s.io/kubernetes/pkg/apis/flowcontrol/install"
	_ "k8s.io/kubernetes/pkg/apis/lifecycle/install"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	_ "k8s.io/kubernetes/pkg/apis/node/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	_ "k8s.io/kubernetes/pkg/apis/rbac/install"
	_ "k8s.io/kubernetes/pkg/apis/resource/install"
	_ "k8s.io/kubernetes/pkg/apis/scheduling/install"
	_ "k8s.io/kubernetes/pkg/apis/storage/install"
	_ "k8s.io/kubernetes/pkg/apis/storagemigration/install"
)

// output is the whole of tables.json.
type output struct {
	Now        string         `json:"now"`
	Cases      []tableCase    `json:"cases"`
	Durations  []durationCase `json:"durations"`
	Quantities []quantityCase `json:"quantities"`
}

// tableCase is one object (or list) and the Table upstream makes of it.
type tableCase struct {
	Name    string                         `json:"name"`
	Group   string                         `json:"group"`
	Version string                         `json:"version"`
	Kind    string                         `json:"kind"`
	Object  json.RawMessage                `json:"object,omitempty"`
	Items   []json.RawMessage              `json:"items,omitempty"`
	Columns []metav1.TableColumnDefinition `json:"columns"`
	Rows    []tableRow                     `json:"rows"`
}

// tableRow is a row without its object.
type tableRow struct {
	Cells      []interface{}              `json:"cells"`
	Conditions []metav1.TableRowCondition `json:"conditions,omitempty"`
}

// durationCase is duration.HumanDuration of a number of nanoseconds.
type durationCase struct {
	Nanos int64  `json:"nanos"`
	Human string `json:"human"`
}

// quantityCase is resource.ParseQuantity(in).String(), or an error.
type quantityCase struct {
	In    string `json:"in"`
	Out   string `json:"out,omitempty"`
	Error bool   `json:"error,omitempty"`
}

var now = time.Now().UTC().Truncate(time.Second)

var placeholder = regexp.MustCompile(`\$\{(ago|in|micro):([0-9hms.]+)\}`)

// expand replaces ${ago:1h2m} with the RFC 3339 time that long before now, ${in:…} with a
// time after now and ${micro:…} with a MicroTime before now.
func expand(text string) string {
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		parts := placeholder.FindStringSubmatch(m)
		d, err := time.ParseDuration(parts[2])
		if err != nil {
			panic(err)
		}
		switch parts[1] {
		case "ago":
			return now.Add(-d).Format(time.RFC3339)
		case "in":
			return now.Add(d).Format(time.RFC3339)
		default:
			return now.Add(-d).Format("2006-01-02T15:04:05.000000Z07:00")
		}
	})
}

var tableGenerator = printers.NewTableGenerator().With(printersinternal.AddHandlers)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// decodeExternal decodes JSON into its external type and applies upstream's defaults, as the
// objects a server stores and returns are.
func decodeExternal(codecs serializer.CodecFactory, scheme *runtime.Scheme, text string) (runtime.Object, schema.GroupVersionKind) {
	obj, gvk, err := codecs.UniversalDeserializer().Decode([]byte(expand(text)), nil, nil)
	must(err)
	scheme.Default(obj)
	obj.GetObjectKind().SetGroupVersionKind(*gvk)
	return obj, *gvk
}

func marshal(obj interface{}) json.RawMessage {
	data, err := json.Marshal(obj)
	must(err)
	return data
}

func rowsOf(table *metav1.Table) []tableRow {
	rows := []tableRow{}
	for _, r := range table.Rows {
		rows = append(rows, tableRow{Cells: r.Cells, Conditions: r.Conditions})
	}
	return rows
}

var cases []tableCase

// printed records an object printed by upstream's internal-version printers.
func printed(name, text string) {
	obj, gvk := decodeExternal(legacyscheme.Codecs, legacyscheme.Scheme, text)
	internal, err := legacyscheme.Scheme.ConvertToVersion(obj.DeepCopyObject(), runtime.InternalGroupVersioner)
	must(err)
	table, err := tableGenerator.GenerateTable(internal, printers.GenerateOptions{Wide: true})
	must(err)
	cases = append(cases, tableCase{
		Name: name, Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
		Object: marshal(obj), Columns: table.ColumnDefinitions, Rows: rowsOf(table),
	})
}

// printedList records a list printed by upstream's printers, for the kinds whose list printer
// does more than print each item (StorageClass marks the default, FlowSchema sorts).
func printedList(name, itemKind, text string) {
	obj, gvk := decodeExternal(legacyscheme.Codecs, legacyscheme.Scheme, text)
	internal, err := legacyscheme.Scheme.ConvertToVersion(obj.DeepCopyObject(), runtime.InternalGroupVersioner)
	must(err)
	table, err := tableGenerator.GenerateTable(internal, printers.GenerateOptions{Wide: true})
	must(err)
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	must(json.Unmarshal(marshal(obj), &list))
	items := []json.RawMessage{}
	for _, item := range list.Items {
		// Items of a typed list carry no apiVersion and kind; add them as a server's would.
		var m map[string]interface{}
		must(json.Unmarshal(item, &m))
		m["apiVersion"] = gvk.GroupVersion().String()
		m["kind"] = itemKind
		items = append(items, marshal(m))
	}
	cases = append(cases, tableCase{
		Name: name, Group: gvk.Group, Version: gvk.Version, Kind: itemKind,
		Items: items, Columns: table.ColumnDefinitions, Rows: rowsOf(table),
	})
}

// defaulted records an object printed by the default table convertor (Name, Created At).
func defaulted(name, resourceName, text string) {
	obj, gvk := decodeExternal(legacyscheme.Codecs, legacyscheme.Scheme, text)
	convertor := rest.NewDefaultTableConvertor(schema.GroupResource{Group: gvk.Group, Resource: resourceName})
	table, err := convertor.ConvertToTable(context.Background(), obj, nil)
	must(err)
	cases = append(cases, tableCase{
		Name: name, Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
		Object: marshal(obj), Columns: table.ColumnDefinitions, Rows: rowsOf(table),
	})
}

var crdScheme = runtime.NewScheme()
var crdCodecs = serializer.NewCodecFactory(crdScheme)
var aggregatorScheme = runtime.NewScheme()
var aggregatorCodecs = serializer.NewCodecFactory(aggregatorScheme)

func init() {
	apiextensionsinstall.Install(crdScheme)
	apiregistrationinstall.Install(aggregatorScheme)
}

// crd records a CustomResourceDefinition printed by the apiextensions server's convertor.
func crd(name, text string) {
	obj, gvk := decodeExternal(crdCodecs, crdScheme, text)
	internal, err := crdScheme.ConvertToVersion(obj.DeepCopyObject(), runtime.InternalGroupVersioner)
	must(err)
	table, err := crdtable.New().ConvertToTable(context.Background(), internal, nil)
	must(err)
	cases = append(cases, tableCase{
		Name: name, Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
		Object: marshal(obj), Columns: table.ColumnDefinitions, Rows: rowsOf(table),
	})
}

// apiService records an APIService printed by the aggregator's convertor.
func apiService(name, text string) {
	obj, gvk := decodeExternal(aggregatorCodecs, aggregatorScheme, text)
	internal, err := aggregatorScheme.ConvertToVersion(obj.DeepCopyObject(), runtime.InternalGroupVersioner)
	must(err)
	table, err := (&apiserviceetcd.REST{}).ConvertToTable(context.Background(), internal, nil)
	must(err)
	cases = append(cases, tableCase{
		Name: name, Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
		Object: marshal(obj), Columns: table.ColumnDefinitions, Rows: rowsOf(table),
	})
}

// status records a metav1.Status printed by upstream's printers.
func status(name, text string) {
	var s metav1.Status
	must(json.Unmarshal([]byte(text), &s))
	table, err := tableGenerator.GenerateTable(&s, printers.GenerateOptions{Wide: true})
	must(err)
	cases = append(cases, tableCase{
		Name: name, Group: "meta.k8s.io", Version: "v1", Kind: "Status",
		Object: json.RawMessage(text), Columns: table.ColumnDefinitions, Rows: rowsOf(table),
	})
}

func durations() []durationCase {
	values := []time.Duration{
		-3 * time.Second, -2 * time.Second, -1500 * time.Millisecond, -time.Second, -time.Millisecond, 0,
		time.Millisecond, time.Second, 59 * time.Second, 119*time.Second + 999*time.Millisecond,
		2 * time.Minute, 2*time.Minute + time.Second, 5*time.Minute + 10*time.Second, 9*time.Minute + 59*time.Second,
		10 * time.Minute, 10*time.Minute + 59*time.Second, 179 * time.Minute, 3 * time.Hour, 3*time.Hour + 59*time.Minute,
		7*time.Hour + 59*time.Minute, 8 * time.Hour, 47 * time.Hour, 48 * time.Hour, 53 * time.Hour,
		7*24*time.Hour + 23*time.Hour, 8 * 24 * time.Hour, 400 * 24 * time.Hour, 2*365*24*time.Hour - time.Hour,
		2 * 365 * 24 * time.Hour, 3*365*24*time.Hour + 10*24*time.Hour, 8*365*24*time.Hour - time.Hour,
		8 * 365 * 24 * time.Hour, 100 * 365 * 24 * time.Hour, time.Duration(1<<63 - 1),
	}
	out := []durationCase{}
	for _, d := range values {
		out = append(out, durationCase{Nanos: int64(d), Human: duration.HumanDuration(d)})
	}
	return out
}

func quantities() []quantityCase {
	inputs := []string{
		"0", "+0", "-0", "00", "0.0", "1", "+1", "01", "-1", "1.5", "0.5", "0.1", "100m", "1000m", "1500m",
		"1.5k", "1k", "1000", "1000000", "12345", "1e3", "1E3", "1e-3", "1.5e3", "1e9", "1e21", "1000E",
		"1Ki", "1024", "1024Ki", "1023Ki", "1.5Gi", "8Gi", "+5Gi", "05Gi", "0.5Ki", "1.999Ki", "1Ei", "+1Ei",
		"16Ei", "1Pi", "2048Mi", "100Mi", "129e6", "123456789012345678", "1234567890123456789", "1n", "0.1n",
		"1.0000000001", "-1.5Gi", "-100m", "1u", "10G", "10T", "1P", "1E", "250M", "1.", ".5", "1.G",
		"abc", "1Z", "", "1e", "-", "+",
	}
	out := []quantityCase{}
	for _, in := range inputs {
		q, err := resource.ParseQuantity(in)
		if err != nil {
			out = append(out, quantityCase{In: in, Error: true})
			continue
		}
		out = append(out, quantityCase{In: in, Out: q.String()})
	}
	return out
}

func main() {
	addCoreCases()
	addWorkloadCases()
	addNetworkingCases()
	addStorageCases()
	addAdmissionCases()
	addAuthCases()
	addClusterCases()
	addResourceCases()
	addDefaultCases()
	out := output{
		Now:        now.Format(time.RFC3339),
		Cases:      cases,
		Durations:  durations(),
		Quantities: quantities(),
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	must(enc.Encode(out))
	fmt.Fprintf(os.Stderr, "%d cases\n", len(cases))
}
