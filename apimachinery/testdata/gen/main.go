// Command gen prints the golden file the ironkube-apimachinery tests compare against:
// upstream's own label and field selector parser, LabelSelectorAsSelector, label validation,
// continue tokens and resource version parsing, run on the inputs listed below.
//
// Run from this directory: go run . > ../upstream.json
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/storage"
)

type parseCase struct {
	In    string `json:"in"`
	Out   string `json:"out,omitempty"`
	Err   string `json:"err,omitempty"`
	Empty bool   `json:"empty"`
}

type matchCase struct {
	Selector string            `json:"selector"`
	Set      map[string]string `json:"set"`
	Matches  bool              `json:"matches"`
}

type exactCase struct {
	Selector string `json:"selector"`
	Key      string `json:"key"`
	Value    string `json:"value"`
	Found    bool   `json:"found"`
}

type metaCase struct {
	In      json.RawMessage `json:"in"`
	Out     string          `json:"out,omitempty"`
	Err     string          `json:"err,omitempty"`
	Empty   bool            `json:"empty"`
	Nothing bool            `json:"nothing"`
}

type validationCase struct {
	In   string   `json:"in"`
	Errs []string `json:"errs"`
}

type encodeCase struct {
	Key    string `json:"key"`
	Prefix string `json:"prefix"`
	RV     int64  `json:"rv"`
	Token  string `json:"token,omitempty"`
	Err    string `json:"err,omitempty"`
}

type decodeCase struct {
	Token  string `json:"token"`
	Prefix string `json:"prefix"`
	Key    string `json:"key,omitempty"`
	RV     int64  `json:"rv,omitempty"`
	Err    string `json:"err,omitempty"`
}

type rvCase struct {
	In  string `json:"in"`
	RV  uint64 `json:"rv,omitempty"`
	Err string `json:"err,omitempty"`
}

type golden struct {
	LabelParse  []parseCase      `json:"label_parse"`
	LabelMatch  []matchCase      `json:"label_match"`
	LabelExact  []exactCase      `json:"label_exact"`
	LabelMeta   []metaCase       `json:"label_metav1"`
	LabelKey    []validationCase `json:"label_key"`
	LabelValue  []validationCase `json:"label_value"`
	FieldParse  []parseCase      `json:"field_parse"`
	FieldMatch  []matchCase      `json:"field_match"`
	FieldExact  []exactCase      `json:"field_exact"`
	Encode      []encodeCase     `json:"continue_encode"`
	Decode      []decodeCase     `json:"continue_decode"`
	ParseRV     []rvCase         `json:"parse_resource_version"`
}

func main() {
	var g golden

	long := strings.Repeat("x", 64)
	labelInputs := []string{
		"", " ", "a", "a=b", "a==b", "a!=b", "a=", "a==", "a!=", "!a", "! a", " !a ", "a,b", "a=b,c=d",
		"c=d,a=b", "b=2,a=1,b=1", "x in (foo,,baz),y,z notin ()", "a in (b)", "a in (c,b,a)", "a in ()",
		"a in (,)", "a in (,b)", "a in (b,)", "a in (b,,)", "a notin (a,a,b)", "a in(b)", "a in b", "a in (b",
		"a in (b c)", "a in (b))", "a>1", "a<1", "a>-1", "a>b", "a> 1", "a >1", "a>01", "a>+1", "a=b c",
		" a = b , c ", "a=b\tc", "a\n=b", "a=(b)", "a=b)", "a b", "a,", ",a", "a,,b", "!", "!=", "=a",
		"a=b=c", "a!=b!=c", "a=!b", "!a=b", "!a,b", "!!a", "a in (in)", "in in (in)", "notin=in", "in",
		"a=in", "a in (notin,in)", "example.com/a=b", "example.com/=b", "/a=b", "a/b/c=d",
		"Example.com/a=b", "a.b/c=d", "-a=b", "a-=b", "a_b=c", "a=-b", "a=b-", "a=" + long,
		strings.Repeat("a", 64) + "=b", strings.Repeat("a", 63) + "=b", "a=b_c.d-e", "a=é", "é=b",
		"a<=1", "a=>1", "a>=1", "a===b", "a!==b", "a in (b),", "a in (b)c", "a in (b),,c",
		"a=b\x00c=d", "a\x00b", "\x00", "a in (b,c)d", "a notin", "a notin (", "a=b,!c,d in (e),f notin (g),h>1,i<2",
		"z,y,x,w,v,u,t,s,r,q,p,o,n", "a=1,a=2,a!=3", "k==v,k=v", "a>1x", "a>99999999999999999999",
		"a in (" + long + ")", "a  in  (  b  ,  c  )", "a=b,", "a=b, c=d", "(", ")", "a(", "a)",
		"a<1,a>5", "a in (b,b)",
	}
	for _, in := range labelInputs {
		c := parseCase{In: in}
		s, err := labels.Parse(in)
		if err != nil {
			c.Err = err.Error()
		} else {
			c.Out = s.String()
			c.Empty = s.Empty()
		}
		g.LabelParse = append(g.LabelParse, c)
	}

	selectors := []string{"", "a", "!a", "a=1", "a==1", "a!=1", "a in (1,2)", "a notin (1,2)", "a>1", "a<1",
		"a=1,b=2", "a=", "a!=", "a<10,a>2", "a in (,1)", "a notin ()"}
	sets := []map[string]string{{}, {"a": "1"}, {"a": "2"}, {"a": "3"}, {"a": ""}, {"a": "x"}, {"a": "1", "b": "2"},
		{"b": "2"}, {"a": "-3"}, {"a": "+5"}, {"a": "05"}, {"a": "11"}, {"a": " 5"}}
	for _, sel := range selectors {
		s, err := labels.Parse(sel)
		if err != nil {
			panic(err)
		}
		for _, set := range sets {
			g.LabelMatch = append(g.LabelMatch, matchCase{Selector: sel, Set: set, Matches: s.Matches(labels.Set(set))})
		}
	}
	for _, c := range [][2]string{{"a=1", "a"}, {"a in (1)", "a"}, {"a in (1,2)", "a"}, {"a!=1", "a"}, {"a==1", "a"},
		{"b=1,a=2", "a"}, {"a", "a"}, {"a=1", "b"}, {"a!=1,a=2", "a"}, {"a notin (1)", "a"}, {"", "a"}, {"a=", "a"}} {
		s, err := labels.Parse(c[0])
		if err != nil {
			panic(err)
		}
		v, found := s.RequiresExactMatch(c[1])
		g.LabelExact = append(g.LabelExact, exactCase{Selector: c[0], Key: c[1], Value: v, Found: found})
	}

	metaInputs := []string{
		`null`, `{}`, `{"matchLabels":{"a":"b"}}`,
		`{"matchLabels":{"b":"2","a":"1"},"matchExpressions":[{"key":"c","operator":"In","values":["z","y","y"]}]}`,
		`{"matchExpressions":[{"key":"a","operator":"Exists"}]}`,
		`{"matchExpressions":[{"key":"a","operator":"DoesNotExist"}]}`,
		`{"matchExpressions":[{"key":"a","operator":"NotIn","values":["x"]}]}`,
		`{"matchExpressions":[{"key":"a","operator":"Foo"}]}`,
		`{"matchExpressions":[{"key":"a","operator":"in","values":["x"]}]}`,
		`{"matchExpressions":[{"key":"a","operator":"In"}]}`,
		`{"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]}`,
		`{"matchExpressions":[{"key":"a b","operator":"Exists"}]}`,
		`{"matchLabels":{"a":"-x"}}`,
		`{"matchLabels":{"a b":"-x"}}`,
		`{"matchExpressions":[{"key":"a","operator":"In","values":["-x","ok","y-"]}]}`,
		`{"matchExpressions":[{"key":"","operator":"NotIn","values":[]}]}`,
		`{"matchLabels":{"z":"1"},"matchExpressions":[{"key":"a","operator":"Exists"},{"key":"m","operator":"NotIn","values":["b","a"]}]}`,
		`{"matchLabels":{},"matchExpressions":[]}`,
	}
	for _, in := range metaInputs {
		var ps *metav1.LabelSelector
		if err := json.Unmarshal([]byte(in), &ps); err != nil {
			panic(err)
		}
		c := metaCase{In: json.RawMessage(in)}
		s, err := metav1.LabelSelectorAsSelector(ps)
		if err != nil {
			c.Err = err.Error()
		} else {
			c.Out = s.String()
			c.Empty = s.Empty()
			c.Nothing = labels.MatchesNothing(s)
		}
		g.LabelMeta = append(g.LabelMeta, c)
	}

	for _, in := range []string{"a", "A", "a.b", "a_b", "-a", "a-", "", "/", "a/", "/a", "a/b/c", "Example.com/a",
		"example.com/a", strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("a", 254) + "/a",
		"a..b/c", "ex_ample.com/a", "a b", "é", "kubernetes.io/hostname", "-/-"} {
		g.LabelKey = append(g.LabelKey, validationCase{In: in, Errs: nonNil(content.IsLabelKey(in))})
	}
	for _, in := range []string{"", "a", "-a", "a-", "a b", strings.Repeat("x", 63), long, "a_b.c-d", "é", "_", "1"} {
		g.LabelValue = append(g.LabelValue, validationCase{In: in, Errs: nonNil(content.IsLabelValue(in))})
	}

	fieldInputs := []string{"", "a=b", "a==b", "a!=b", "a", "a=b,c=d", "c=d,a=b", `a=b\,c`, `a=b\=c`, `a=b\\c`,
		`a=b\c`, `a=b\`, "a=b=c", "a==b=c", "a!=b=c", "=b", "=", "a=", ",", "a=b,", ",a=b", "a!b",
		"metadata.name=x,status.phase!=Running", "spec.nodeName=", "a=é", "a=b,,c=d", `a=b\,`, `x\,y=z`,
		"a=!b", "a!==b", "a==", "!=", "==", "=,=", "b=1,a=2,a=1", `a=\\`, `a=b\é`, " a = b "}
	for _, in := range fieldInputs {
		c := parseCase{In: in}
		s, err := fields.ParseSelector(in)
		if err != nil {
			c.Err = err.Error()
		} else {
			c.Out = s.String()
			c.Empty = s.Empty()
		}
		g.FieldParse = append(g.FieldParse, c)
	}
	fieldSelectors := []string{"", "a=b", "a!=b", "a=", "a!=", "a=b,c=d", "a=b,a!=c"}
	fieldSets := []map[string]string{{}, {"a": "b"}, {"a": "c"}, {"a": ""}, {"a": "b", "c": "d"}, {"c": "d"}}
	for _, sel := range fieldSelectors {
		s, err := fields.ParseSelector(sel)
		if err != nil {
			panic(err)
		}
		for _, set := range fieldSets {
			g.FieldMatch = append(g.FieldMatch, matchCase{Selector: sel, Set: set, Matches: s.Matches(fields.Set(set))})
		}
	}
	for _, c := range [][2]string{{"a=b,a=c", "a"}, {"a!=b,a=c", "a"}, {"b=1", "a"}, {"a==b", "a"}, {"a!=b", "a"},
		{"", "a"}, {"a=", "a"}, {"b=1,a=2", "a"}} {
		s, err := fields.ParseSelector(c[0])
		if err != nil {
			panic(err)
		}
		v, found := s.RequiresExactMatch(c[1])
		g.FieldExact = append(g.FieldExact, exactCase{Selector: c[0], Key: c[1], Value: v, Found: found})
	}

	const prefix = "/registry/pods/"
	for _, c := range []encodeCase{
		{Key: "/registry/pods/default/web-1\x00", Prefix: prefix, RV: 42},
		{Key: "/registry/pods/a<b>&c", Prefix: prefix, RV: -1},
		{Key: "/registry/services/x", Prefix: prefix, RV: 1},
		{Key: "/registry/pods/x", Prefix: "", RV: 1},
		{Key: "/registry/pods/ns/é😀\x00", Prefix: prefix, RV: 9000000000},
		{Key: "/registry/pods/\u2028\"\\\t\x01", Prefix: prefix, RV: 5},
		{Key: "/registry/pods/", Prefix: prefix, RV: 5},
	} {
		tok, err := storage.EncodeContinue(c.Key, c.Prefix, c.RV)
		if err != nil {
			c.Err = err.Error()
		} else {
			c.Token = tok
		}
		g.Encode = append(g.Encode, c)
	}

	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	valid := raw(`{"v":"meta.k8s.io/v1","rv":7,"start":"a/b"}`)
	tokens := []string{
		"a", "abc=", "ab+c", "ab/c", "abcde", "", "YQ==", "Y\r\nWJj", valid, valid[:10] + "\n" + valid[10:],
		valid + "\n", valid + "=", "é",
		raw("nope"), raw("[]"), raw("3"), raw(`"s"`), raw("true"), raw("null"), raw("{}"), raw("{} x"),
		raw(`{"v":"meta.k8s.io/v2","rv":1,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1.5,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":"1","start":"a"}`),
		raw(`{"v":1,"rv":1,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":{}}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":["a"]}`),
		raw(`{"v":"meta.k8s.io/v1","rv":true,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"../secrets/x"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"/a/../../b"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a//b"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a/"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"./a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a/."}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a/.."}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a/..b"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":3,"start":"/"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":3,"start":"//"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":3,"start":"/a/b"}`),
		raw(`{"V":"meta.k8s.io/v1","RV":7,"Start":"x","other":[1,{"a":null}]}`),
		raw(`{"v":"meta.k8s.io/v1","rv":7,"ſtart":"x"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":"x","rv":1,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"rv":"x","start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1e3,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":-5,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":-0,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":99999999999999999999,"start":"a"}`),
		raw(`{"v":null,"rv":1,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":null,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":2,"start":"x\ud800y\u00e9\ud83d\ude00"}`),
		raw("{\"v\":\"meta.k8s.io/v1\",\"rv\":2,\"start\":\"x\xff\xf0\x9f\x98y\"}"),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a"}   `),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a\u0000"}`),
		raw(`{"start":"a","v":"meta.k8s.io/v1","rv":12}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a","start":""}`),
		raw(`{"v":"meta.k8s.io/v1","rv":[1],"v":2,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a"`),
		raw(`{"v":"meta.k8s.io/v1","rv":01,"start":"a"}`),
		raw(`{"v":"meta.k8s.io/v1",,"rv":1}`),
		raw(`{"v":"meta.k8s.io/v1","rv":1,"start":"a\x"}`),
		raw("{\"v\":\"meta.k8s.io/v1\",\"rv\":1,\"start\":\"a\tb\"}"),
	}
	for _, tok := range tokens {
		c := decodeCase{Token: tok, Prefix: prefix}
		key, rv, err := storage.DecodeContinue(tok, prefix)
		if err != nil {
			c.Err = err.Error()
		} else {
			c.Key, c.RV = key, rv
		}
		g.Decode = append(g.Decode, c)
	}

	for _, in := range []string{"", "0", "1", "007", "9223372036854775807", "18446744073709551616", "abc", "-1",
		"+1", " 1", "1_0", "1.0", "é", "0x10", "00"} {
		c := rvCase{In: in}
		rv, err := storage.APIObjectVersioner{}.ParseResourceVersion(in)
		if err != nil {
			c.Err = err.Error()
		} else {
			c.RV = rv
		}
		g.ParseRV = append(g.ParseRV, c)
	}

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(g); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
