package main

import (
	"fmt"
	"strings"
)

const pod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web","tier":"fe"},"annotations":{"a":"1"},"finalizers":["x/a","x/b"]},"spec":{"containers":[{"name":"c1","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["--a","--b"]},{"name":"c2","image":"busybox"}],"volumes":[{"name":"v1","emptyDir":{}},{"name":"v2","hostPath":{"path":"/tmp"}}],"tolerations":[{"key":"k","operator":"Exists"}],"nodeSelector":{"disk":"ssd"}}}`

const deploy = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}},"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"app","image":"a:1","env":[{"name":"X","value":"x"}]},{"name":"side","image":"s:1"}]}}}}`

const cm = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"b"}},"data":{"k1":"v1","k2":"v2"},"arr":[1,2,{"x":null}],"n":1.5,"nested":{"a":{"b":[1,2]}}}`

const svc = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"https","port":443,"protocol":"TCP"}],"selector":{"app":"s"}}}`

func j(name, orig, patch string) patchCase {
	return patchCase{Name: name, Type: "json", APIVersion: "v1", Kind: "ConfigMap", Original: []byte(orig), Patch: patch}
}
func m(name, orig, patch string) patchCase {
	return patchCase{Name: name, Type: "merge", APIVersion: "v1", Kind: "ConfigMap", Original: []byte(orig), Patch: patch}
}
func smp(name, av, kind, orig, patch string) patchCase {
	return patchCase{Name: name, Type: "strategic", APIVersion: av, Kind: kind, Original: []byte(orig), Patch: patch}
}

func cases() []patchCase {
	var cs []patchCase
	// JSON patch
	jp := [][2]string{
		{"add key", `[{"op":"add","path":"/data/k3","value":"v3"}]`},
		{"add replaces key", `[{"op":"add","path":"/data/k1","value":"z"}]`},
		{"add array end", `[{"op":"add","path":"/arr/-","value":3}]`},
		{"add array index", `[{"op":"add","path":"/arr/0","value":0}]`},
		{"add array len", `[{"op":"add","path":"/arr/3","value":9}]`},
		{"add array past end", `[{"op":"add","path":"/arr/4","value":9}]`},
		{"add array negative", `[{"op":"add","path":"/arr/-1","value":9}]`},
		{"add array too negative", `[{"op":"add","path":"/arr/-5","value":9}]`},
		{"add array bad index", `[{"op":"add","path":"/arr/x","value":9}]`},
		{"add missing parent", `[{"op":"add","path":"/nope/x","value":1}]`},
		{"add no value", `[{"op":"add","path":"/data/z"}]`},
		{"add null value", `[{"op":"add","path":"/data/z","value":null}]`},
		{"add no path", `[{"op":"add","value":1}]`},
		{"add empty path", `[{"op":"add","path":"","value":{}}]`},
		{"add escaped", `[{"op":"add","path":"/metadata/labels/a~1b~0c","value":"x"}]`},
		{"add through scalar", `[{"op":"add","path":"/n/x","value":1}]`},
		{"add through null", `[{"op":"add","path":"/arr/2/x/y","value":1}]`},
		{"remove key", `[{"op":"remove","path":"/data/k1"}]`},
		{"remove missing key", `[{"op":"remove","path":"/data/zz"}]`},
		{"remove array", `[{"op":"remove","path":"/arr/1"}]`},
		{"remove array out", `[{"op":"remove","path":"/arr/3"}]`},
		{"remove array negative", `[{"op":"remove","path":"/arr/-1"}]`},
		{"remove array bad", `[{"op":"remove","path":"/arr/a"}]`},
		{"remove missing parent", `[{"op":"remove","path":"/a/b"}]`},
		{"replace key", `[{"op":"replace","path":"/data/k1","value":"r"}]`},
		{"replace missing key sets", `[{"op":"replace","path":"/data/new","value":"r"}]`},
		{"replace array", `[{"op":"replace","path":"/arr/0","value":"r"}]`},
		{"replace array out", `[{"op":"replace","path":"/arr/5","value":"r"}]`},
		{"replace array negative", `[{"op":"replace","path":"/arr/-1","value":"r"}]`},
		{"replace root", `[{"op":"replace","path":"","value":{"apiVersion":"v1","kind":"ConfigMap"}}]`},
		{"replace root scalar", `[{"op":"replace","path":"","value":1}]`},
		{"replace path not string", `[{"op":"replace","path":1,"value":1}]`},
		{"replace no path", `[{"op":"replace","value":1}]`},
		{"move", `[{"op":"move","from":"/data/k1","path":"/data/k9"}]`},
		{"move missing", `[{"op":"move","from":"/data/zz","path":"/data/k9"}]`},
		{"move no from", `[{"op":"move","path":"/data/k9"}]`},
		{"move bad dest", `[{"op":"move","from":"/data/k1","path":"/q/r"}]`},
		{"move array", `[{"op":"move","from":"/arr/0","path":"/arr/-"}]`},
		{"copy", `[{"op":"copy","from":"/data","path":"/data2"}]`},
		{"copy missing key", `[{"op":"copy","from":"/data/zz","path":"/data/k9"}]`},
		{"copy missing from", `[{"op":"copy","from":"/q/zz","path":"/data/k9"}]`},
		{"copy array", `[{"op":"copy","from":"/arr/1","path":"/arr/0"}]`},
		{"test ok", `[{"op":"test","path":"/data/k1","value":"v1"}]`},
		{"test fail", `[{"op":"test","path":"/data/k1","value":"v2"}]`},
		{"test object ok", `[{"op":"test","path":"/data","value":{"k2":"v2","k1":"v1"}}]`},
		{"test object fail", `[{"op":"test","path":"/data","value":{"k1":"v1"}}]`},
		{"test array ok", `[{"op":"test","path":"/nested/a/b","value":[1,2]}]`},
		{"test missing null", `[{"op":"test","path":"/data/zz","value":null}]`},
		{"test missing", `[{"op":"test","path":"/data/zz","value":1}]`},
		{"test missing parent", `[{"op":"test","path":"/q/zz","value":1}]`},
		{"test number", `[{"op":"test","path":"/n","value":1.5}]`},
		{"test root", `[{"op":"test","path":"","value":{}}]`},
		{"test then change", `[{"op":"test","path":"/data/k1","value":"v1"},{"op":"remove","path":"/data/k1"}]`},
		{"failed test aborts", `[{"op":"remove","path":"/data/k1"},{"op":"test","path":"/data/k1","value":"v1"}]`},
		{"unknown op", `[{"op":"frob","path":"/a"}]`},
		{"op not string", `[{"op":1,"path":"/a"}]`},
		{"op missing", `[{"path":"/a"}]`},
		{"null op", `[null]`},
		{"empty", `[]`},
		{"null patch", `null`},
		{"object patch", `{"op":"add"}`},
		{"number element", `[1]`},
		{"string patch", `"x"`},
		{"invalid json", `[{"op":"add",}]`},
		{"trailing garbage", `[] x`},
		{"several ops", `[{"op":"add","path":"/metadata/labels/x","value":"y"},{"op":"remove","path":"/metadata/labels/a"},{"op":"replace","path":"/n","value":2}]`},
	}
	for _, c := range jp {
		cs = append(cs, j(c[0], cm, c[1]))
	}
	cs = append(cs, synthCases()...)
	cs = append(cs, j("pod add container", pod, `[{"op":"add","path":"/spec/containers/-","value":{"name":"c3","image":"x"}}]`))

	// merge patch
	mp := [][2]string{
		{"set", `{"data":{"k3":"v3"}}`},
		{"delete", `{"data":{"k1":null}}`},
		{"delete missing", `{"data":{"zz":null}}`},
		{"replace array", `{"arr":[9]}`},
		{"array with nulls", `{"arr":[null,{"a":null,"b":1}]}`},
		{"new object prunes nulls", `{"obj":{"a":null,"b":{"c":null,"d":1}}}`},
		{"scalar over object", `{"data":"x"}`},
		{"object over scalar", `{"n":{"a":1,"b":null}}`},
		{"object over array", `{"arr":{"a":null}}`},
		{"nested", `{"nested":{"a":{"c":1}}}`},
		{"empty", `{}`},
		{"null patch", `null`},
		{"array patch", `[1,{"a":null}]`},
		{"scalar patch", `1`},
		{"string patch", `"x"`},
		{"invalid", `{"a":`},
		{"delete metadata", `{"metadata":null}`},
		{"numbers", `{"n":10,"f":1.25,"big":12345678901234567}`},
		{"unicode", `{"data":{"k":"\u00e9\u2028<>&"}}`},
	}
	for _, c := range mp {
		cs = append(cs, m(c[0], cm, c[1]))
	}

	// strategic merge patch
	add := func(name, av, kind, orig, patch string) { cs = append(cs, smp(name, av, kind, orig, patch)) }
	add("labels", "v1", "Pod", pod, `{"metadata":{"labels":{"new":"x","tier":null}}}`)
	add("container image by name", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c2","image":"busybox:2"}]}}`)
	add("add container", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c0","image":"z"}]}}`)
	add("delete container", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c1","$patch":"delete"}]}}`)
	add("replace containers", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"only","image":"z"},{"$patch":"replace"}]}}`)
	add("merge directive in list", "v1", "Pod", pod, `{"spec":{"containers":[{"$patch":"merge"}]}}`)
	add("unknown directive in list", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c1","$patch":"frob"}]}}`)
	add("delete without merge key", "v1", "Pod", pod, `{"spec":{"containers":[{"$patch":"delete"}]}}`)
	add("missing merge key", "v1", "Pod", pod, `{"spec":{"containers":[{"image":"q"}]}}`)
	add("env by name", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c1","env":[{"name":"B","value":"22"},{"name":"C","value":"3"}]}]}}`)
	add("env delete", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c1","env":[{"name":"A","$patch":"delete"}]}]}}`)
	add("ports by containerPort", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c1","ports":[{"containerPort":80,"name":"http"},{"containerPort":8080}]}]}}`)
	add("args replaced", "v1", "Pod", pod, `{"spec":{"containers":[{"name":"c1","args":["--z"]}]}}`)
	add("volumes retainKeys", "v1", "Pod", pod, `{"spec":{"volumes":[{"name":"v2","$retainKeys":["name","emptyDir"],"emptyDir":{}}]}}`)
	add("retainKeys mismatch", "v1", "Pod", pod, `{"spec":{"volumes":[{"name":"v2","$retainKeys":["name"],"emptyDir":{}}]}}`)
	add("retainKeys not list", "v1", "Pod", pod, `{"spec":{"volumes":[{"name":"v2","$retainKeys":"name"}]}}`)
	add("tolerations replaced", "v1", "Pod", pod, `{"spec":{"tolerations":[{"key":"z","operator":"Exists"}]}}`)
	add("finalizers merge", "v1", "Pod", pod, `{"metadata":{"finalizers":["x/c","x/a"]}}`)
	add("finalizers delete", "v1", "Pod", pod, `{"metadata":{"$deleteFromPrimitiveList/finalizers":["x/a"]}}`)
	add("finalizers setElementOrder", "v1", "Pod", pod, `{"metadata":{"$setElementOrder/finalizers":["x/b","x/c","x/a"],"finalizers":["x/c"]}}`)
	add("containers setElementOrder", "v1", "Pod", pod, `{"spec":{"$setElementOrder/containers":[{"name":"c2"},{"name":"c1"}]}}`)
	add("containers setElementOrder with patch", "v1", "Pod", pod, `{"spec":{"$setElementOrder/containers":[{"name":"c2"},{"name":"new"},{"name":"c1"}],"containers":[{"name":"new","image":"n"}]}}`)
	add("setElementOrder mismatch", "v1", "Pod", pod, `{"spec":{"$setElementOrder/containers":[{"name":"c2"}],"containers":[{"name":"new","image":"n"}]}}`)
	add("setElementOrder not list", "v1", "Pod", pod, `{"spec":{"$setElementOrder/containers":"x"}}`)
	add("bad deleteFromPrimitiveList", "v1", "Pod", pod, `{"metadata":{"$deleteFromPrimitiveList":["x/a"]}}`)
	add("patch replace map", "v1", "Pod", pod, `{"metadata":{"labels":{"$patch":"replace","only":"1"}}}`)
	add("patch delete map", "v1", "Pod", pod, `{"spec":{"nodeSelector":{"$patch":"delete"}}}`)
	add("patch bad map directive", "v1", "Pod", pod, `{"spec":{"nodeSelector":{"$patch":"frob"}}}`)
	add("new field with directive", "v1", "Pod", pod, `{"spec":{"affinity":{"nodeAffinity":{"$patch":"delete"},"podAffinity":{"x":null}}}}`)
	add("null deletes", "v1", "Pod", pod, `{"spec":{"nodeSelector":null,"volumes":null}}`)
	add("unknown field map", "v1", "Pod", pod, `{"spec":{"frob":{"a":1}}}`)
	add("unknown field both maps", "v1", "Pod", `{"spec":{"frob":{"a":1}}}`, `{"spec":{"frob":{"b":1}}}`)
	add("type change", "v1", "Pod", pod, `{"spec":{"containers":{"a":1}}}`)
	add("list of lists", "v1", "Pod", `{"spec":{"containers":[["a"]]}}`, `{"spec":{"containers":[["b"]]}}`)
	add("mixed element types", "v1", "Pod", pod, `{"metadata":{"finalizers":[1]}}`)
	add("deployment nested container", "apps/v1", "Deployment", deploy, `{"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"app","image":"a:2","env":[{"name":"Y","value":"y"}]}]}}}}`)
	add("deployment strategy retainKeys", "apps/v1", "Deployment", deploy, `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`)
	add("deployment strategy plain", "apps/v1", "Deployment", deploy, `{"spec":{"strategy":{"type":"Recreate"}}}`)
	add("service ports", "v1", "Service", svc, `{"spec":{"ports":[{"port":443,"name":"tls"},{"port":8080,"name":"alt"}]}}`)
	add("custom resource", "example.com/v1", "Widget", `{"spec":{}}`, `{"spec":{"a":1}}`)
	add("patch array", "v1", "Pod", pod, `[1]`)
	add("patch null", "v1", "Pod", pod, `null`)
	add("patch invalid", "v1", "Pod", pod, `{"a"`)
	add("patch string", "v1", "Pod", pod, `"x"`)
	add("top level replace", "v1", "Pod", pod, `{"$patch":"replace","metadata":{"name":"z"}}`)
	add("top level delete", "v1", "Pod", pod, `{"$patch":"delete"}`)
	add("configmap data", "v1", "ConfigMap", cm, `{"data":{"k1":null,"k3":"x"}}`)
	add("case-insensitive field", "v1", "Pod", pod, `{"Spec":{"containers":[{"name":"c1","image":"q"}]}}`)
	add("nested unknown in labels map", "v1", "Pod", `{"metadata":{"labels":{"a":{"b":1}}}}`, `{"metadata":{"labels":{"a":{"c":1}}}}`)
	add("merge list without merge key", "v1", "Pod", `{"metadata":{"finalizers":[{"a":1}]}}`, `{"metadata":{"finalizers":[{"b":1}]}}`)
	add("empty lists", "v1", "Pod", `{"spec":{"containers":[]}}`, `{"spec":{"containers":[]}}`)
	add("ints and floats", "v1", "Pod", `{"metadata":{"finalizers":["a"]},"spec":{"activeDeadlineSeconds":5}}`, `{"spec":{"activeDeadlineSeconds":5.5}}`)
	add("deletion list nonexistent", "v1", "Pod", `{"metadata":{}}`, `{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}`)
	add("apiservice", "apiregistration.k8s.io/v1", "APIService", `{"spec":{"group":"g","versionPriority":1}}`, `{"spec":{"versionPriority":2}}`)
	add("crd versions replaced", "apiextensions.k8s.io/v1", "CustomResourceDefinition", `{"spec":{"versions":[{"name":"v1","served":true}]}}`, `{"spec":{"versions":[{"name":"v2","served":true}]}}`)
	add("pod conditions by type", "v1", "Pod", `{"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Init","status":"True"}]}}`, `{"status":{"conditions":[{"type":"Ready","status":"True"}]}}`)
	add("node taints", "v1", "Node", `{"spec":{"taints":[{"key":"a","effect":"NoSchedule"}]}}`, `{"spec":{"taints":[{"key":"b","effect":"NoSchedule"}]}}`)
	add("duplicate scalars", "v1", "Pod", `{"metadata":{"finalizers":["a","b","a"]}}`, `{"metadata":{"finalizers":["b","c","c"]}}`)
	add("ownerReferences by uid", "v1", "Pod", `{"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}}`, `{"metadata":{"ownerReferences":[{"uid":"1","name":"b"},{"uid":"2","name":"c"}]}}`)
	return cs
}

// synthCases are too large to store; the Rust test builds the same inputs from the name.
func synthCases() []patchCase {
	ops := func(n int) string {
		var many []string
		for i := 0; i < n; i++ {
			many = append(many, `{"op":"test","path":"/n","value":1.5}`)
		}
		return "[" + strings.Join(many, ",") + "]"
	}
	big := `{"a":"` + strings.Repeat("x", 1024*1024) + `"}`
	copies := func(n int) string {
		var many []string
		for i := 0; i < n; i++ {
			many = append(many, fmt.Sprintf(`{"op":"copy","from":"/a","path":"/c%d"}`, i))
		}
		return "[" + strings.Join(many, ",") + "]"
	}
	mk := func(name, orig, patch string) patchCase {
		c := j(name, orig, patch)
		c.Synth = name
		return c
	}
	return []patchCase{
		mk("ops:10001", cm, ops(10001)),
		mk("ops:10000", cm, ops(10000)),
		mk("copies:2", big, copies(2)),
		mk("copies:3", big, copies(3)),
	}
}
