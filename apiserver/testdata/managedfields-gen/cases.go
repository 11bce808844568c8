package main

import (
	"fmt"
	"strings"
)

func create(manager, object string) step {
	return step{op: "create", manager: manager, object: object}
}

func update(manager, object string) step {
	return step{op: "update", manager: manager, object: object}
}

func status(manager, object string) step {
	return step{op: "update", manager: manager, subresource: "status", object: object}
}

func scaleTo(manager string, replicas int32) step {
	return step{op: "scale", manager: manager, replicas: replicas}
}

func apply(manager, object string) step {
	return step{op: "apply", manager: manager, object: object}
}

func forceApply(manager, object string) step {
	return step{op: "apply", manager: manager, object: object, force: true}
}

func same(s step) step {
	s.sameSecond = true
	return s
}

func cm(data string, extraMeta string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"%s},"data":{%s}}`, extraMeta, data)
}

const podSpec = `"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80},{"containerPort":443,"protocol":"TCP"}],"env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]`

func podObj(spec, extraMeta string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"%s},"spec":{%s}}`, extraMeta, spec)
}

func podWithStatus(spec, status string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{%s},"status":%s}`, spec, status)
}

func deploy(replicas string, extra string) string {
	r := ""
	if replicas != "" {
		r = `"replicas":` + replicas + `,`
	}
	return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":{"app":"d"}},"spec":{%s"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx%s"}]}}}}`, r, extra)
}

func svc(ports string, extra string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},"spec":{"selector":{"app":"s"},"ports":[%s]%s}}`, ports, extra)
}

func nodeObj(spec, status string) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}},"spec":{%s},"status":%s}`, spec, status)
}

func cases() []caseDef {
	var out []caseDef
	add := func(name, group, kind string, steps ...step) {
		out = append(out, caseDef{name: name, group: group, kind: kind, steps: steps})
	}

	// ConfigMaps: plain maps of strings.
	add("configmap create", "", "ConfigMap",
		create("kubectl-create", cm(`"a":"1","b":"2"`, `,"labels":{"x":"y"},"annotations":{"note":"n"}`)))
	add("configmap update by another manager", "", "ConfigMap",
		create("kubectl-create", cm(`"a":"1","b":"2"`, "")),
		update("kubectl-edit", cm(`"a":"changed","b":"2","c":"3"`, "")))
	add("configmap field removed by another manager", "", "ConfigMap",
		create("kubectl-create", cm(`"a":"1","b":"2"`, "")),
		update("editor", cm(`"a":"1"`, "")))
	add("configmap same manager merges", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, "")),
		update("m1", cm(`"a":"1","b":"2"`, "")))
	add("configmap update without changes", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, "")),
		update("m2", cm(`"a":"1"`, "")))
	add("configmap empty manager is unknown", "", "ConfigMap",
		create("", cm(`"a":"1"`, "")),
		update("", cm(`"a":"2"`, "")))
	add("configmap all data removed", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, `,"labels":{"l":"v"}`)),
		update("m2", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","labels":{"l":"v"}}}`))
	add("configmap managedFields reset with an empty list", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, "")),
		update("m2", cm(`"a":"1","b":"2"`, `,"managedFields":[]`)),
		update("m3", cm(`"a":"1","b":"3"`, "")))
	add("configmap managedFields reset with one empty entry", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, "")),
		update("m2", cm(`"a":"1","b":"2"`, `,"managedFields":[{}]`)))
	add("configmap invalid managedFields are ignored", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, "")),
		update("m2", cm(`"a":"1","b":"2"`, `,"managedFields":[{"manager":"x","operation":"Bogus","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{}}}]`)))
	add("configmap client-supplied managedFields are kept", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, "")),
		update("m2", cm(`"a":"1","b":"2"`, `,"managedFields":[{"manager":"other","operation":"Update","apiVersion":"v1","time":"2023-06-01T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:a":{}}}},{"manager":"applier","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:z":{}}}}}]`)))
	add("configmap client-supplied managedFields without fieldsType are ignored", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, "")),
		update("m2", cm(`"a":"2"`, `,"managedFields":[{"manager":"other","operation":"Update","apiVersion":"v1","fieldsV1":{"f:data":{}}}]`)))
	add("configmap same second sorts by manager", "", "ConfigMap",
		create("zeta", cm(`"a":"1"`, "")),
		same(update("alpha", cm(`"a":"1","b":"2"`, ""))),
		same(update("mid", cm(`"a":"1","b":"2","c":"3"`, ""))))
	add("configmap labels and annotations", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, `,"labels":{"app":"x","tier":"web"}`)),
		update("kubectl-label", cm(`"a":"1"`, `,"labels":{"app":"x","tier":"db","new":"1"},"annotations":{"k":"v"}`)),
		update("kubectl-annotate", cm(`"a":"1"`, `,"labels":{"app":"x","tier":"db","new":"1"}`)))
	add("configmap finalizers are a set", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, `,"finalizers":["example.com/a","example.com/b"]`)),
		update("m2", cm(`"a":"1"`, `,"finalizers":["example.com/b","example.com/c"]`)))
	add("configmap owner references keyed by uid", "", "ConfigMap",
		create("m1", cm(`"a":"1"`, `,"ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p","uid":"u1"}]`)),
		update("gc", cm(`"a":"1"`, `,"ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"p","uid":"u1","blockOwnerDeletion":true},{"apiVersion":"v1","kind":"Pod","name":"q","uid":"u2"}]`)))
	add("configmap binaryData and immutable", "", "ConfigMap",
		create("m1", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"},"binaryData":{"bin":"AAEC"},"immutable":false}`),
		update("m2", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"},"binaryData":{"bin":"AAEC"},"immutable":true}`))
	var capSteps []step
	data := []string{`"k0":"v"`}
	capSteps = append(capSteps, create("creator", cm(strings.Join(data, ","), "")))
	for i := 1; i <= 12; i++ {
		data = append(data, fmt.Sprintf(`"k%d":"v"`, i))
		capSteps = append(capSteps, update(fmt.Sprintf("manager-%02d", i), cm(strings.Join(data, ","), "")))
	}
	add("configmap more than ten update managers", "", "ConfigMap", capSteps...)

	// Secrets: stringData folds into data in the internal version.
	add("secret create with stringData", "", "Secret",
		create("kubectl-create", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default"},"type":"Opaque","data":{"a":"YQ=="},"stringData":{"b":"bee"}}`),
		update("m2", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default"},"type":"Opaque","data":{"a":"YQ==","b":"YmVl"},"stringData":{"c":"sea"}}`))

	// Pods: associative lists (containers by name, ports by containerPort and protocol, env by
	// name), atomic tolerations, status reset on the main resource and spec on status.
	add("pod create", "", "Pod",
		create("kubectl-run", podObj(podSpec, `,"labels":{"run":"p"}`)))
	add("pod container image change", "", "Pod",
		create("kubectl-run", podObj(podSpec, "")),
		update("kubectl-set", podObj(strings.Replace(podSpec, `"image":"nginx"`, `"image":"nginx:2"`, 1), "")))
	add("pod env item added and removed", "", "Pod",
		create("kubectl-run", podObj(podSpec, "")),
		update("editor", podObj(strings.Replace(podSpec, `{"name":"B","value":"2"}`, `{"name":"C","value":"3"}`, 1), "")))
	add("pod port removed", "", "Pod",
		create("kubectl-run", podObj(podSpec, "")),
		update("editor", podObj(strings.Replace(podSpec, `,{"containerPort":443,"protocol":"TCP"}`, "", 1), "")))
	add("pod tolerations are atomic", "", "Pod",
		create("m1", podObj(podSpec+`,"tolerations":[{"key":"a","operator":"Exists"}]`, "")),
		update("m2", podObj(podSpec+`,"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists","effect":"NoSchedule"}]`, "")))
	add("pod status on main resource is not owned", "", "Pod",
		create("m1", podWithStatus(podSpec, `{"phase":"Pending"}`)),
		update("m2", podWithStatus(podSpec, `{"phase":"Running","podIP":"10.0.0.1"}`)))
	add("pod status subresource", "", "Pod",
		create("kubectl-run", podObj(podSpec, "")),
		status("kubelet", podWithStatus(podSpec, `{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"}]}`)),
		status("kubelet", podWithStatus(podSpec, `{"phase":"Running","conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}],"podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"}]}`)),
		status("other", podWithStatus(podSpec, `{"phase":"Succeeded","podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.1"}]}`)))
	add("pod status subresource ignores spec and client managedFields", "", "Pod",
		create("kubectl-run", podObj(podSpec, "")),
		status("kubelet", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"added":"by-status"},"managedFields":[]},"spec":{"containers":[{"name":"other","image":"x"}]},"status":{"phase":"Running"}}`))
	add("pod init containers and volumes", "", "Pod",
		create("m1", podObj(`"initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"]}],`+podSpec+`,"volumes":[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"c"}}]`, "")),
		update("m2", podObj(`"initContainers":[{"name":"init","image":"busybox","command":["sh","-c","false"]}],`+podSpec+`,"volumes":[{"name":"cfg","configMap":{"name":"c","optional":true}}]`, "")))
	add("pod resources and node selector", "", "Pod",
		create("m1", podObj(`"containers":[{"name":"web","image":"nginx","resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}}}],"nodeSelector":{"disk":"ssd"}`, "")),
		update("m2", podObj(`"containers":[{"name":"web","image":"nginx","resources":{"limits":{"cpu":"2","memory":"1Gi"}}}],"nodeSelector":{"disk":"ssd","zone":"a"}`, "")))

	// Deployments: defaulted fields owned by the creator, status reset, scale.
	add("deployment create", "apps", "Deployment",
		create("kubectl-create", deploy("", "")))
	add("deployment update image and replicas", "apps", "Deployment",
		create("kubectl-create", deploy("2", "")),
		update("kubectl-edit", deploy("3", ":1.2")))
	add("deployment status subresource", "apps", "Deployment",
		create("kubectl-create", deploy("2", "")),
		status("kube-controller-manager", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":{"app":"changed"}},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}},"status":{"replicas":2,"readyReplicas":1,"conditions":[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"}]}}`))
	add("deployment scale", "apps", "Deployment",
		create("kubectl-create", deploy("2", "")),
		scaleTo("kubectl", 5),
		scaleTo("hpa", 7),
		update("kubectl-edit", deploy("7", ":2")))
	add("deployment scale to the same replicas", "apps", "Deployment",
		create("kubectl-create", deploy("2", "")),
		scaleTo("kubectl", 2))
	add("deployment scale with nobody owning replicas", "apps", "Deployment",
		create("kubectl-create", deploy("2", "")),
		update("m2", strings.Replace(deploy("2", ""), `"labels":{"app":"d"}},"spec"`, `"labels":{"app":"d"},"managedFields":[]},"spec"`, 1)),
		scaleTo("kubectl", 4))
	add("deployment selector is atomic", "apps", "Deployment",
		create("m1", deploy("1", "")),
		update("m2", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":{"app":"d"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"d","x":"y"}},"template":{"metadata":{"labels":{"app":"d","x":"y"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}`))
	add("replicaset scale", "apps", "ReplicaSet",
		create("m1", `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","namespace":"default"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`),
		scaleTo("scaler", 3))
	add("replicationcontroller scale", "", "ReplicationController",
		create("m1", `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"rc","namespace":"default"},"spec":{"replicas":1,"selector":{"a":"b"},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`),
		scaleTo("scaler", 2))

	// Services: ports keyed by port and protocol.
	add("service create", "", "Service",
		create("kubectl-expose", svc(`{"name":"http","port":80,"targetPort":8080},{"name":"dns","port":53,"protocol":"UDP"}`, `,"type":"ClusterIP"`)))
	add("service ports changed", "", "Service",
		create("m1", svc(`{"name":"http","port":80,"targetPort":8080},{"name":"dns","port":53,"protocol":"UDP"}`, "")),
		update("m2", svc(`{"name":"http","port":80,"targetPort":9090},{"name":"dns","port":53,"protocol":"TCP"},{"name":"x","port":9,"protocol":"UDP"},{"name":"y","port":10,"protocol":"UDP"}`, "")))
	add("service status subresource", "", "Service",
		create("m1", svc(`{"port":80}`, `,"type":"LoadBalancer"`)),
		status("cloud", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default"},"spec":{"ports":[{"port":80}]},"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}}`))

	// Nodes.
	add("node create and status", "", "Node",
		create("kubelet", nodeObj(`"podCIDR":"10.0.0.0/24","podCIDRs":["10.0.0.0/24"]`, `{}`)),
		status("kubelet", nodeObj(`"podCIDR":"10.0.0.0/24","podCIDRs":["10.0.0.0/24"]`, `{"capacity":{"cpu":"4","memory":"8Gi"},"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"10.1.1.1"},{"type":"Hostname","address":"n1"}]}`)),
		update("kubectl-taint", nodeObj(`"podCIDR":"10.0.0.0/24","podCIDRs":["10.0.0.0/24"],"taints":[{"key":"k","value":"v","effect":"NoSchedule"}]`, `{}`)),
		update("kubectl-cordon", nodeObj(`"podCIDR":"10.0.0.0/24","podCIDRs":["10.0.0.0/24"],"unschedulable":true,"taints":[{"key":"k","value":"v","effect":"NoSchedule"}]`, `{}`)))

	// Jobs, namespaces, claims.
	add("job create and status", "batch", "Job",
		create("m1", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"default"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}}}`),
		status("job-controller", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"default"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"i"}]}}},"status":{"active":1,"startTime":"2024-01-01T00:00:00Z"}}`))
	add("namespace create", "", "Namespace",
		create("kubectl-create", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns1"}}`),
		update("m2", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns1","labels":{"team":"a"}},"spec":{"finalizers":["kubernetes"]}}`))
	add("persistentvolumeclaim create", "", "PersistentVolumeClaim",
		create("m1", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c","namespace":"default"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`),
		update("m2", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c","namespace":"default"},"spec":{"accessModes":["ReadWriteOnce","ReadOnlyMany"],"resources":{"requests":{"storage":"2Gi"}}}}`))
	applyCases(add)
	return out
}

// applyCases are server-side apply sequences (FieldManager.Apply, as the apply patch
// handler calls it).
func applyCases(add func(name, group, kind string, steps ...step)) {
	add("apply configmap create and re-apply without a key", "", "ConfigMap",
		apply("kubectl", cm(`"a":"1","b":"2"`, `,"labels":{"x":"y"}`)),
		apply("kubectl", cm(`"a":"1"`, `,"labels":{"x":"y"}`)),
		apply("kubectl", cm(`"a":"1"`, `,"labels":{"x":"y"}`)))
	add("apply configmap conflict and force", "", "ConfigMap",
		apply("m1", cm(`"a":"1","b":"2"`, "")),
		apply("m2", cm(`"a":"x"`, "")),
		apply("m2", cm(`"a":"x","b":"y"`, "")),
		forceApply("m2", cm(`"a":"x"`, "")),
		apply("m1", cm(`"b":"2"`, "")))
	add("apply configmap shared ownership of an equal value", "", "ConfigMap",
		apply("m1", cm(`"a":"1","b":"2"`, "")),
		apply("m2", cm(`"a":"1"`, "")),
		apply("m1", cm(`"b":"2"`, "")),
		apply("m2", cm(``, "")))
	add("apply configmap after an update by another manager", "", "ConfigMap",
		create("kubectl-create", cm(`"a":"1","b":"2"`, "")),
		apply("applier", cm(`"a":"changed"`, "")),
		apply("applier", cm(`"a":"1","c":"3"`, "")),
		update("editor", cm(`"a":"2","b":"2","c":"3"`, "")),
		apply("applier", cm(`"a":"1","c":"4"`, "")),
		forceApply("applier", cm(`"a":"1","c":"4"`, "")))
	add("apply configmap labels and annotations", "", "ConfigMap",
		apply("m1", cm(`"a":"1"`, `,"labels":{"app":"x","tier":"web"},"annotations":{"k":"v"}`)),
		apply("m2", cm(``, `,"labels":{"app":"y","tier":"db"},"annotations":{"k":"w"}`)),
		apply("m1", cm(`"a":"1"`, `,"labels":{"app":"x"}`)),
		forceApply("m2", cm(``, `,"labels":{"app":"y","new":"1"}`)))
	add("apply configmap by an unnamed manager and no-op re-apply", "", "ConfigMap",
		apply("", cm(`"a":"1"`, "")),
		same(apply("", cm(`"a":"1"`, ""))),
		apply("other", cm(`"a":"1"`, "")))
	add("apply deployment containers by name", "apps", "Deployment",
		apply("kubectl", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}]},{"name":"sidecar","image":"busybox","env":[{"name":"A","value":"1"}]}]}}}}`),
		apply("kubectl", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx:2","ports":[{"containerPort":80}]}]}}}}`),
		apply("other", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:3"},{"name":"extra","image":"x"}]}}}}`),
		apply("other", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"template":{"spec":{"containers":[{"name":"extra","image":"x"}]}}}}`))
	add("apply deployment replicas conflict with the scaler", "apps", "Deployment",
		apply("kubectl", deploy("2", "")),
		scaleTo("kube-controller-manager", 5),
		apply("kubectl", deploy("3", "")),
		apply("kubectl", deploy("5", ":2")),
		forceApply("kubectl", deploy("3", "")),
		update("kube-controller-manager", deploy("4", "")),
		apply("kubectl", deploy("", "")))
	add("apply service ports by port and protocol", "", "Service",
		apply("kubectl", svc(`{"name":"http","port":80,"targetPort":8080},{"name":"dns","port":53,"protocol":"UDP"}`, "")),
		apply("other", svc(`{"name":"dns-tcp","port":53,"protocol":"TCP"}`, "")),
		apply("other", svc(`{"name":"http","port":80,"targetPort":9090}`, "")),
		apply("kubectl", svc(`{"name":"http","port":80,"targetPort":8080}`, "")))
	add("apply pod tolerations are atomic", "", "Pod",
		apply("m1", podObj(podSpec+`,"tolerations":[{"key":"a","operator":"Exists"}]`, "")),
		apply("m2", podObj(`"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists","effect":"NoSchedule"}]`, "")),
		apply("m2", podObj(`"tolerations":[{"key":"a","operator":"Exists"}]`, "")),
		forceApply("m2", podObj(`"tolerations":[{"key":"b","operator":"Exists"}]`, "")))
	add("apply pod status through the status subresource", "", "Pod",
		apply("kubectl", podObj(podSpec, "")),
		step{op: "apply", manager: "kubelet", subresource: "status", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}`})
	add("apply secret stringData", "", "Secret",
		apply("kubectl", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default"},"type":"Opaque","data":{"a":"YQ=="},"stringData":{"b":"bee"}}`),
		apply("kubectl", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default"},"type":"Opaque","stringData":{"b":"bee"}}`))
	add("apply deployment container removed while another manager owns part of it", "apps", "Deployment",
		apply("kubectl", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx"},{"name":"sidecar","image":"busybox"}]}}}}`),
		update("injector", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx"},{"name":"sidecar","image":"busybox","env":[{"name":"INJECTED","value":"1"}]}]}}}}`),
		apply("kubectl", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}}}`))
	add("apply configmap conflicts with several managers", "", "ConfigMap",
		create("creator", cm(`"a":"1"`, "")),
		apply("m1", cm(`"b":"1"`, `,"labels":{"l":"1"}`)),
		update("m2", cm(`"a":"1","b":"1","c":"1"`, `,"labels":{"l":"1"}`)),
		apply("m3", cm(`"a":"2","b":"2","c":"2"`, `,"labels":{"l":"2"}`)),
		forceApply("m3", cm(`"a":"2","b":"2","c":"2"`, `,"labels":{"l":"2"}`)))
	add("apply pod status on the main resource is not owned", "", "Pod",
		apply("kubectl", podWithStatus(podSpec, `{"phase":"Pending"}`)),
		apply("kubectl", podObj(podSpec, `,"labels":{"a":"b"}`)))
	add("apply finalizers are a set shared between managers", "", "ConfigMap",
		apply("m1", cm(`"a":"1"`, `,"finalizers":["example.com/a","example.com/b"]`)),
		apply("m2", cm(``, `,"finalizers":["example.com/b","example.com/c"]`)),
		apply("m1", cm(`"a":"1"`, `,"finalizers":["example.com/a"]`)),
		apply("m2", cm(``, "")))
	add("apply configmap null value and empty config", "", "ConfigMap",
		apply("m1", cm(`"a":"1","b":"2"`, "")),
		apply("m1", cm(`"a":"1","b":null`, "")),
		apply("m1", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default"}}`))
	add("apply duplicate list keys are refused", "", "Pod",
		apply("m1", podObj(`"containers":[{"name":"a","image":"x"},{"name":"a","image":"y"}]`, "")),
		apply("m1", podObj(`"containers":[{"name":"a","image":"x"}]`, "")),
		apply("m1", podObj(`"containers":[{"name":"a","image":"x"}],"volumes":[{"name":"v","emptyDir":{}},{"name":"v","emptyDir":{}}]`, "")))
	add("apply deployment status subresource", "apps", "Deployment",
		apply("kubectl", deploy("2", "")),
		step{op: "apply", manager: "kube-controller-manager", subresource: "status", object: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","labels":{"app":"changed"}},"status":{"replicas":2,"conditions":[{"type":"Available","status":"True"}]}}`})
	add("apply pod containers reordered between managers", "", "Pod",
		apply("m1", podObj(`"containers":[{"name":"a","image":"a"},{"name":"b","image":"b"},{"name":"c","image":"c"}]`, "")),
		apply("m2", podObj(`"containers":[{"name":"d","image":"d"},{"name":"b","image":"b"}]`, "")),
		apply("m1", podObj(`"containers":[{"name":"c","image":"c"},{"name":"a","image":"a"},{"name":"b","image":"b"}]`, "")),
		apply("m1", podObj(`"containers":[{"name":"e","image":"e"}]`, "")))
	add("apply empty maps and nulls", "", "ConfigMap",
		apply("m1", cm(`"a":"1"`, `,"labels":{},"annotations":null`)),
		apply("m1", cm(``, `,"labels":{"x":"y"}`)),
		apply("m2", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","labels":null},"data":null}`),
		forceApply("m2", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","labels":null},"data":null}`),
		apply("m3", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","annotations":null}}`))
	add("apply service targetPort int or string and nulls in structs", "", "Service",
		apply("m1", svc(`{"name":"http","port":80,"targetPort":"http"}`, `,"sessionAffinity":null`)),
		apply("m1", svc(`{"name":"http","port":80,"targetPort":8080}`, "")))
	add("apply wrong kind and managedFields", "", "ConfigMap",
		apply("m1", cm(`"a":"1"`, "")),
		apply("m1", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"cm","namespace":"default"}}`),
		apply("m1", cm(`"a":"1"`, `,"managedFields":[]`)))
}
