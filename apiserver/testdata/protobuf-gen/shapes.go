package main

import (
	"encoding"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// fieldShape is how Go's encoding/json writes one field of a message's Go struct.
type fieldShape struct {
	// Number is the protobuf field number; 0 for a field that protobuf does not carry.
	Number int32 `json:"n,omitempty"`
	// JSON is the field's JSON name; empty when the field is inlined into its parent.
	JSON string `json:"json,omitempty"`
	// Inline marks an embedded struct whose fields Go writes into the parent object.
	Inline bool `json:"inline,omitempty"`
	// OmitEmpty and OmitZero are the json tag's options.
	OmitEmpty bool `json:"omitempty,omitempty"`
	OmitZero  bool `json:"omitzero,omitempty"`
	// Pointer marks a Go pointer field: absent from protobuf means nil, not the zero value.
	Pointer bool `json:"ptr,omitempty"`
	// Zero is Go's JSON for the field's zero value, for fields protobuf does not carry.
	Zero json.RawMessage `json:"zero,omitempty"`
}

// messageShape is how Go's encoding/json writes one protobuf message's Go type.
type messageShape struct {
	// Kind is "struct" (fields below), "list" (a named Go slice type that protobuf wraps in a
	// message with one repeated `items` field, written by Go as a bare JSON array) or "custom" (a type
	// with its own MarshalJSON, which the Rust side implements by name).
	Kind   string       `json:"kind"`
	Fields []fieldShape `json:"fields,omitempty"`
}

// shapes is the file apiserver/proto/k8s-v1.37.2-shapes.json.
type shapes struct {
	// Kinds maps apiVersion, then kind, to the protobuf message of that kind's Go type.
	Kinds map[string]map[string]string `json:"kinds"`
	// Messages maps a protobuf message's full name to its JSON shape.
	Messages map[string]messageShape `json:"messages"`
}

// customJSON are the Go types reached from the scheme that implement json.Marshaler; the Rust side
// implements each by name, so a new one must fail here rather than be written wrongly there.
var customJSON = map[string]bool{
	"k8s.io.apimachinery.pkg.apis.meta.v1.Time":                                                  true,
	"k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime":                                             true,
	"k8s.io.apimachinery.pkg.apis.meta.v1.Duration":                                              true,
	"k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1":                                              true,
	"k8s.io.apimachinery.pkg.api.resource.Quantity":                                              true,
	"k8s.io.apimachinery.pkg.util.intstr.IntOrString":                                            true,
	"k8s.io.apimachinery.pkg.runtime.RawExtension":                                               true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSON":                              true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray":            true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool":             true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray":      true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSON":                         true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSONSchemaPropsOrArray":       true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSONSchemaPropsOrBool":        true,
	"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1beta1.JSONSchemaPropsOrStringArray": true,
}

var (
	jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// protoName is the protobuf message go-to-protobuf generates for a Go type: the Go package path as
// the proto package (dashes become underscores) and the type name as the message name.
func protoName(t reflect.Type) string {
	return strings.ReplaceAll(strings.ReplaceAll(t.PkgPath(), "/", "."), "-", "_") + "." + t.Name()
}

// isMessage reports whether a Go type has a protobuf message: go-to-protobuf gives it Unmarshal.
func isMessage(t reflect.Type) bool {
	if t.Name() == "" || t.PkgPath() == "" {
		return false
	}
	_, ok := reflect.PointerTo(t).MethodByName("Unmarshal")
	return ok
}

type shapeBuilder struct {
	messages map[string]messageShape
}

func buildShapes(scheme *runtime.Scheme) shapes {
	b := &shapeBuilder{messages: map[string]messageShape{}}
	out := shapes{Kinds: map[string]map[string]string{}, Messages: b.messages}
	for gvk, t := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || !isMessage(t) {
			continue
		}
		apiVersion := gvk.GroupVersion().String()
		if out.Kinds[apiVersion] == nil {
			out.Kinds[apiVersion] = map[string]string{}
		}
		out.Kinds[apiVersion][gvk.Kind] = protoName(t)
		b.walk(t)
	}
	return out
}

// walk records the shape of t's message and of every message its fields reach.
func (b *shapeBuilder) walk(t reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		if t.Kind() == reflect.Slice && isMessage(t) {
			break
		}
		if t.Kind() == reflect.Map {
			b.walk(t.Key())
		}
		t = t.Elem()
	}
	if !isMessage(t) {
		return
	}
	name := protoName(t)
	if _, seen := b.messages[name]; seen {
		return
	}
	if t.Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) {
		if !customJSON[name] {
			panic(fmt.Sprintf("%s has its own MarshalJSON: teach the Rust codec about it", name))
		}
		b.messages[name] = messageShape{Kind: "custom"}
		// Custom types may still hold ordinary messages (JSONSchemaPropsOrArray holds JSONSchemaProps).
		if t.Kind() == reflect.Struct {
			for i := 0; i < t.NumField(); i++ {
				b.walk(t.Field(i).Type)
			}
		}
		return
	}
	// encoding/json prefers MarshalJSON (Time's promoted MarshalText never counts); without it a
	// MarshalText would decide the JSON.
	if t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		panic(fmt.Sprintf("%s implements encoding.TextMarshaler: teach the Rust codec about it", name))
	}
	switch t.Kind() {
	case reflect.Slice:
		b.messages[name] = messageShape{Kind: "list"}
		b.walk(t.Elem())
		return
	case reflect.Struct:
	default:
		panic(fmt.Sprintf("%s is a %s with a protobuf message", name, t.Kind()))
	}
	shape := messageShape{Kind: "struct"}
	b.messages[name] = shape
	shape.Fields = b.structFields(t, true)
	b.messages[name] = shape
}

// structFields lists t's fields the way encoding/json sees them, in its order. carried is false for
// an embedded struct that protobuf does not carry (TypeMeta): its own protobuf tags mean nothing in
// the parent's message.
func (b *shapeBuilder) structFields(t reflect.Type, carried bool) []fieldShape {
	var fields []fieldShape
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		jsonTag := f.Tag.Get("json")
		if jsonTag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		parts := strings.Split(jsonTag, ",")
		field := fieldShape{JSON: parts[0], Pointer: f.Type.Kind() == reflect.Pointer}
		for _, opt := range parts[1:] {
			switch opt {
			case "omitempty":
				field.OmitEmpty = true
			case "omitzero":
				field.OmitZero = true
			case "inline", "":
			default:
				panic(fmt.Sprintf("%s.%s: json option %q", t.Name(), f.Name, opt))
			}
		}
		elem := f.Type
		if elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if field.JSON == "" && f.Anonymous && elem.Kind() == reflect.Struct {
			field.Inline = true
		} else if field.JSON == "" {
			field.JSON = f.Name
		}
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Pointer {
			panic(fmt.Sprintf("%s.%s: slice of pointers", t.Name(), f.Name))
		}
		if f.Type.Kind() == reflect.Map && f.Type.Elem().Kind() == reflect.Pointer {
			panic(fmt.Sprintf("%s.%s: map of pointers", t.Name(), f.Name))
		}
		pbTag := f.Tag.Get("protobuf")
		if !carried || pbTag == "" || pbTag == "-" {
			if field.Inline {
				// An embedded struct protobuf does not carry (TypeMeta): its fields are the parent's.
				if field.Pointer {
					panic(fmt.Sprintf("%s.%s: embedded pointer without protobuf", t.Name(), f.Name))
				}
				fields = append(fields, b.structFields(elem, false)...)
				continue
			}
			zero, err := json.Marshal(reflect.Zero(f.Type).Interface())
			if err != nil {
				panic(err)
			}
			field.Zero = zero
			fields = append(fields, field)
			continue
		}
		pbParts := strings.Split(pbTag, ",")
		number, err := strconv.Atoi(pbParts[1])
		if err != nil {
			panic(fmt.Sprintf("%s.%s: protobuf tag %q", t.Name(), f.Name, pbTag))
		}
		field.Number = int32(number)
		fields = append(fields, field)
		b.walk(f.Type)
	}
	return fields
}

// writeJSON writes v as compact JSON with sorted map keys, so reruns give identical files.
func writeJSON(path string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		panic(err)
	}
}

// writeShapes writes the shapes one apiVersion and one message per line, so a regeneration's diff
// shows which messages changed.
func writeShapes(path string, s shapes) {
	var out strings.Builder
	line := func(key string, v any, last bool) {
		k, _ := json.Marshal(key)
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		out.Write(k)
		out.WriteString(":")
		out.Write(data)
		if !last {
			out.WriteString(",")
		}
		out.WriteString("\n")
	}
	out.WriteString("{\"kinds\":{\n")
	versions := sortedKeys(s.Kinds)
	for i, v := range versions {
		line(v, s.Kinds[v], i == len(versions)-1)
	}
	out.WriteString("},\n\"messages\":{\n")
	names := sortedKeys(s.Messages)
	for i, n := range names {
		line(n, s.Messages[n], i == len(names)-1)
	}
	out.WriteString("}}\n")
	if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
		panic(err)
	}
}

// sortedKeys is a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
