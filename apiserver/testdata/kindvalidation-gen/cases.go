package main

import (
	"encoding/json"
	"strconv"
	"strings"
)

// kindCase is one create (Old empty) or update of an object given as external JSON.
type kindCase struct {
	Name   string
	Object string
	Old    string
}

const del = "<delete>"

// with returns base with each (path, JSON value) pair set; a dotted path with numeric list
// indices, the value del removes the field.
func with(base string, edits ...string) string {
	var root any
	must(json.Unmarshal([]byte(base), &root))
	for i := 0; i+1 < len(edits); i += 2 {
		parts := strings.Split(edits[i], ".")
		var value any
		if edits[i+1] != del {
			must(json.Unmarshal([]byte(edits[i+1]), &value))
		}
		cur := root
		for j, part := range parts {
			last := j == len(parts)-1
			switch node := cur.(type) {
			case map[string]any:
				if last {
					if edits[i+1] == del {
						delete(node, part)
					} else {
						node[part] = value
					}
				} else {
					if _, ok := node[part]; !ok {
						node[part] = map[string]any{}
					}
					cur = node[part]
				}
			case []any:
				idx, err := strconv.Atoi(part)
				must(err)
				if last {
					node[idx] = value
				} else {
					cur = node[idx]
				}
			}
		}
	}
	out, err := json.Marshal(root)
	must(err)
	return string(out)
}

const podBase = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"nginx"}]}}`

const deployBase = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default","resourceVersion":"1"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`

const rsBase = `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r","namespace":"default","resourceVersion":"1"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`

const stsBase = `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s","namespace":"default","resourceVersion":"1"},"spec":{"serviceName":"svc","selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`

const dsBase = `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","namespace":"default","resourceVersion":"1"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`

const svcBase = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"default","resourceVersion":"1"},"spec":{"ports":[{"port":80}],"selector":{"app":"a"}}}`

const cmBase = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"default","resourceVersion":"1"},"data":{"a":"1"}}`

const secretBase = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"sec","namespace":"default","resourceVersion":"1"},"data":{"a":"MQ=="}}`

const nsBase = `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns","resourceVersion":"1"}}`

const saBase = `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa","namespace":"default","resourceVersion":"1"}}`

const nodeBase = `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n","resourceVersion":"1"},"spec":{}}`

const pvcBase = `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"pvc","namespace":"default","resourceVersion":"1"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`

const jobBase = `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j","namespace":"default","uid":"u1","resourceVersion":"1"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}`

const cronBase = `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj","namespace":"default","resourceVersion":"1"},"spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}`

func create(name, obj string) kindCase      { return kindCase{Name: name, Object: obj} }
func update(name, obj, old string) kindCase { return kindCase{Name: name, Object: obj, Old: old} }

func cases() []kindCase {
	podOld := with(podBase, "metadata.resourceVersion", `"1"`)
	podUpd := func(edits ...string) string { return with(podOld, edits...) }
	twoContainers := `[{"name":"c","image":"nginx"},{"name":"c","image":"busybox"}]`
	svcOld := with(svcBase, "spec.clusterIP", `"10.0.0.1"`, "spec.clusterIPs", `["10.0.0.1"]`)
	immutableCM := with(cmBase, "immutable", `true`)
	immutableSecret := with(secretBase, "immutable", `true`)
	return []kindCase{
		// Pods.
		create("pod valid", podBase),
		create("pod no containers", with(podBase, "spec.containers", `[]`)),
		create("pod container name empty", with(podBase, "spec.containers.0.name", `""`)),
		create("pod container name invalid", with(podBase, "spec.containers.0.name", `"C_1"`)),
		create("pod duplicate container names", with(podBase, "spec.containers", twoContainers)),
		create("pod image empty", with(podBase, "spec.containers.0.image", `""`)),
		create("pod image padded", with(podBase, "spec.containers.0.image", `" nginx"`)),
		create("pod container port zero", with(podBase, "spec.containers.0.ports", `[{"containerPort":0}]`)),
		create("pod container port too big", with(podBase, "spec.containers.0.ports", `[{"containerPort":70000}]`)),
		create("pod port name invalid", with(podBase, "spec.containers.0.ports", `[{"name":"Http_1","containerPort":80}]`)),
		create("pod port name too long", with(podBase, "spec.containers.0.ports", `[{"name":"abcdefghijklmnop","containerPort":80}]`)),
		create("pod port names duplicate", with(podBase, "spec.containers.0.ports", `[{"name":"http","containerPort":80},{"name":"http","containerPort":81}]`)),
		create("pod port protocol bad", with(podBase, "spec.containers.0.ports", `[{"containerPort":80,"protocol":"FOO"}]`)),
		create("pod host port too big", with(podBase, "spec.containers.0.ports", `[{"containerPort":80,"hostPort":70000}]`)),
		create("pod ports valid", with(podBase, "spec.containers.0.ports", `[{"name":"http","containerPort":80,"hostPort":8080},{"containerPort":53,"protocol":"UDP"}]`)),
		create("pod cpu request over limit", with(podBase, "spec.containers.0.resources", `{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}`)),
		create("pod memory request over limit", with(podBase, "spec.containers.0.resources", `{"requests":{"memory":"2Gi"},"limits":{"memory":"1Gi"}}`)),
		create("pod resources valid", with(podBase, "spec.containers.0.resources", `{"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}`)),
		create("pod resource name unknown", with(podBase, "spec.containers.0.resources", `{"limits":{"foo":"1"}}`)),
		create("pod negative cpu", with(podBase, "spec.containers.0.resources", `{"requests":{"cpu":"-1"}}`)),
		create("pod restart policy bad", with(podBase, "spec.restartPolicy", `"Sometimes"`)),
		create("pod dns policy bad", with(podBase, "spec.dnsPolicy", `"Weird"`)),
		create("pod image pull policy bad", with(podBase, "spec.containers.0.imagePullPolicy", `"Sometimes"`)),
		create("pod termination message policy bad", with(podBase, "spec.containers.0.terminationMessagePolicy", `"Maybe"`)),
		create("pod volumes duplicate", with(podBase, "spec.volumes", `[{"name":"v","emptyDir":{}},{"name":"v","emptyDir":{}}]`)),
		create("pod volume name invalid", with(podBase, "spec.volumes", `[{"name":"V_1","emptyDir":{}}]`)),
		create("pod volume no source", with(podBase, "spec.volumes", `[{"name":"v"}]`)),
		create("pod volume two sources", with(podBase, "spec.volumes", `[{"name":"v","emptyDir":{},"configMap":{"name":"cm"}}]`)),
		create("pod volume mount missing", with(podBase, "spec.containers.0.volumeMounts", `[{"name":"v","mountPath":"/data"}]`)),
		create("pod volume mount valid", with(podBase, "spec.volumes", `[{"name":"v","emptyDir":{}}]`, "spec.containers.0.volumeMounts", `[{"name":"v","mountPath":"/data"}]`)),
		create("pod volume mount no path", with(podBase, "spec.volumes", `[{"name":"v","emptyDir":{}}]`, "spec.containers.0.volumeMounts", `[{"name":"v","mountPath":""}]`)),
		create("pod init container name clash", with(podBase, "spec.initContainers", `[{"name":"c","image":"busybox"}]`)),
		create("pod init container valid", with(podBase, "spec.initContainers", `[{"name":"init","image":"busybox"}]`)),
		create("pod env name with equals", with(podBase, "spec.containers.0.env", `[{"name":"A=B","value":"x"}]`)),
		create("pod env name empty", with(podBase, "spec.containers.0.env", `[{"name":"","value":"x"}]`)),
		create("pod active deadline zero", with(podBase, "spec.activeDeadlineSeconds", `0`)),
		create("pod termination grace negative", with(podBase, "spec.terminationGracePeriodSeconds", `-5`)),
		create("pod node selector bad", with(podBase, "spec.nodeSelector", `{"a b":"c"}`)),
		create("pod host network ports", with(podBase, "spec.hostNetwork", `true`, "spec.containers.0.ports", `[{"containerPort":80,"hostPort":81}]`)),
		create("pod service account bad", with(podBase, "spec.serviceAccountName", `"Bad_Name"`)),
		create("pod hostname bad", with(podBase, "spec.hostname", `"Bad_Name"`)),
		create("pod tolerations bad", with(podBase, "spec.tolerations", `[{"key":"k","operator":"Exists","value":"v"}]`)),
		create("pod toleration effect bad", with(podBase, "spec.tolerations", `[{"key":"k","operator":"Equal","value":"v","effect":"Sometimes"}]`)),
		update("pod update valid", podUpd("metadata.labels", `{"a":"b"}`), podOld),
		update("pod update image", podUpd("spec.containers.0.image", `"nginx:2"`), podOld),
		update("pod update image empty", podUpd("spec.containers.0.image", `""`), podOld),
		update("pod update container name", podUpd("spec.containers.0.name", `"d"`), podOld),
		update("pod update add container", podUpd("spec.containers", `[{"name":"c","image":"nginx"},{"name":"d","image":"nginx"}]`), podOld),
		update("pod update restart policy", podUpd("spec.restartPolicy", `"Never"`), podOld),
		update("pod update add toleration", podUpd("spec.tolerations", `[{"key":"k","operator":"Exists"}]`), podOld),
		update("pod update active deadline set", podUpd("spec.activeDeadlineSeconds", `30`), podOld),

		// Deployments.
		create("deployment valid", deployBase),
		create("deployment no selector", with(deployBase, "spec.selector", del)),
		create("deployment empty selector", with(deployBase, "spec.selector", `{}`)),
		create("deployment selector mismatch", with(deployBase, "spec.selector", `{"matchLabels":{"app":"b"}}`)),
		create("deployment selector bad key and value", with(deployBase, "spec.selector", `{"matchLabels":{"app":"a"},"matchExpressions":[{"key":"a b","operator":"In","values":["bad value!"]}]}`)),
		create("job selector bad value", with(jobBase, "spec.manualSelector", `true`, "spec.selector", `{"matchExpressions":[{"key":"a","operator":"In","values":["x y"]}]}`, "spec.template.metadata", `{"labels":{"a":"x y"}}`)),
		create("deployment selector bad operator", with(deployBase, "spec.selector", `{"matchExpressions":[{"key":"app","operator":"Foo","values":["a"]}]}`)),
		create("deployment replicas negative", with(deployBase, "spec.replicas", `-1`)),
		create("deployment restart policy never", with(deployBase, "spec.template.spec.restartPolicy", `"Never"`)),
		create("deployment strategy type bad", with(deployBase, "spec.strategy", `{"type":"Foo"}`)),
		create("deployment both zero", with(deployBase, "spec.strategy", `{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":0}}`)),
		create("deployment max unavailable over 100", with(deployBase, "spec.strategy", `{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"150%"}}`)),
		create("deployment max surge negative", with(deployBase, "spec.strategy", `{"type":"RollingUpdate","rollingUpdate":{"maxSurge":-1}}`)),
		create("deployment max surge bad string", with(deployBase, "spec.strategy", `{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"abc"}}`)),
		create("deployment recreate with rolling", with(deployBase, "spec.strategy", `{"type":"Recreate","rollingUpdate":{"maxSurge":1}}`)),
		create("deployment recreate valid", with(deployBase, "spec.strategy", `{"type":"Recreate"}`)),
		create("deployment history limit negative", with(deployBase, "spec.revisionHistoryLimit", `-1`)),
		create("deployment min ready negative", with(deployBase, "spec.minReadySeconds", `-1`)),
		create("deployment progress deadline small", with(deployBase, "spec.minReadySeconds", `30`, "spec.progressDeadlineSeconds", `10`)),
		create("deployment no containers", with(deployBase, "spec.template.spec.containers", `[]`)),
		create("deployment container name bad", with(deployBase, "spec.template.spec.containers.0.name", `"C"`)),
		create("deployment template label bad", with(deployBase, "spec.template.metadata.labels", `{"app":"a","b c":"d"}`)),
		update("deployment update replicas", with(deployBase, "spec.replicas", `3`), deployBase),
		update("deployment update image", with(deployBase, "spec.template.spec.containers.0.image", `"nginx:2"`), deployBase),
		update("deployment update selector", with(deployBase, "spec.selector", `{"matchLabels":{"app":"a","x":"y"}}`, "spec.template.metadata.labels", `{"app":"a","x":"y"}`), deployBase),
		update("deployment update replicas negative", with(deployBase, "spec.replicas", `-2`), deployBase),

		// ReplicaSets, StatefulSets, DaemonSets.
		create("replicaset valid", rsBase),
		create("replicaset no selector", with(rsBase, "spec.selector", del)),
		create("replicaset selector mismatch", with(rsBase, "spec.selector", `{"matchLabels":{"app":"b"}}`)),
		create("replicaset replicas negative", with(rsBase, "spec.replicas", `-1`)),
		create("replicaset restart policy never", with(rsBase, "spec.template.spec.restartPolicy", `"Never"`)),
		update("replicaset update selector", with(rsBase, "spec.selector", `{"matchLabels":{"app":"a","x":"y"}}`, "spec.template.metadata.labels", `{"app":"a","x":"y"}`), rsBase),
		update("replicaset update replicas", with(rsBase, "spec.replicas", `5`), rsBase),
		create("statefulset valid", stsBase),
		create("statefulset selector mismatch", with(stsBase, "spec.selector", `{"matchLabels":{"app":"b"}}`)),
		create("statefulset replicas negative", with(stsBase, "spec.replicas", `-1`)),
		create("statefulset pod management bad", with(stsBase, "spec.podManagementPolicy", `"Foo"`)),
		create("statefulset update strategy bad", with(stsBase, "spec.updateStrategy", `{"type":"Foo"}`)),
		update("statefulset update service name", with(stsBase, "spec.serviceName", `"other"`), stsBase),
		update("statefulset update image", with(stsBase, "spec.template.spec.containers.0.image", `"nginx:2"`), stsBase),
		update("statefulset update replicas", with(stsBase, "spec.replicas", `4`), stsBase),
		create("daemonset valid", dsBase),
		create("daemonset selector mismatch", with(dsBase, "spec.selector", `{"matchLabels":{"app":"b"}}`)),
		create("daemonset update strategy bad", with(dsBase, "spec.updateStrategy", `{"type":"Foo"}`)),
		create("daemonset restart policy never", with(dsBase, "spec.template.spec.restartPolicy", `"Never"`)),
		update("daemonset update selector", with(dsBase, "spec.selector", `{"matchLabels":{"app":"a","x":"y"}}`, "spec.template.metadata.labels", `{"app":"a","x":"y"}`), dsBase),
		update("daemonset update image", with(dsBase, "spec.template.spec.containers.0.image", `"nginx:2"`), dsBase),

		// Services.
		create("service valid", svcBase),
		create("service no ports", with(svcBase, "spec.ports", `[]`)),
		create("service port zero", with(svcBase, "spec.ports", `[{"port":0}]`)),
		create("service port too big", with(svcBase, "spec.ports", `[{"port":70000}]`)),
		create("service target port too big", with(svcBase, "spec.ports", `[{"port":80,"targetPort":70000}]`)),
		create("service target port name bad", with(svcBase, "spec.ports", `[{"port":80,"targetPort":"Bad_Name"}]`)),
		create("service two ports unnamed", with(svcBase, "spec.ports", `[{"port":80},{"port":81}]`)),
		create("service port names duplicate", with(svcBase, "spec.ports", `[{"name":"a","port":80},{"name":"a","port":81}]`)),
		create("service ports duplicate", with(svcBase, "spec.ports", `[{"name":"a","port":80},{"name":"b","port":80}]`)),
		create("service port name bad", with(svcBase, "spec.ports", `[{"name":"Bad_Name","port":80}]`)),
		create("service protocol bad", with(svcBase, "spec.ports", `[{"port":80,"protocol":"FOO"}]`)),
		create("service type bad", with(svcBase, "spec.type", `"Foo"`)),
		create("service node port on cluster ip", with(svcBase, "spec.ports", `[{"port":80,"nodePort":30000}]`)),
		create("service node port valid", with(svcBase, "spec.type", `"NodePort"`, "spec.ports", `[{"port":80,"nodePort":30000}]`)),
		create("service load balancer valid", with(svcBase, "spec.type", `"LoadBalancer"`)),
		create("service external name missing", with(svcBase, "spec.type", `"ExternalName"`, "spec.ports", del, "spec.selector", del)),
		create("service external name valid", with(svcBase, "spec.type", `"ExternalName"`, "spec.externalName", `"example.com"`, "spec.selector", del)),
		create("service headless no ports", with(svcBase, "spec.clusterIP", `"None"`, "spec.ports", del)),
		create("service cluster ip bad", with(svcBase, "spec.clusterIP", `"abc"`)),
		create("service session affinity bad", with(svcBase, "spec.sessionAffinity", `"Foo"`)),
		create("service external traffic policy on cluster ip", with(svcBase, "spec.externalTrafficPolicy", `"Local"`)),
		create("service selector bad", with(svcBase, "spec.selector", `{"a b":"c"}`)),
		update("service update valid", with(svcOld, "spec.selector", `{"app":"b"}`), svcOld),
		update("service update cluster ip", with(svcOld, "spec.clusterIP", `"10.0.0.2"`, "spec.clusterIPs", `["10.0.0.2"]`), svcOld),
		update("service update to node port", with(svcOld, "spec.type", `"NodePort"`), svcOld),
		update("service update no ports", with(svcOld, "spec.ports", `[]`), svcOld),

		// ConfigMaps and Secrets.
		create("configmap valid", cmBase),
		create("configmap key bad", with(cmBase, "data", `{"a/b":"1"}`)),
		create("configmap key dots", with(cmBase, "data", `{"..":"1"}`)),
		create("configmap key in both", with(cmBase, "binaryData", `{"a":"MQ=="}`)),
		update("configmap update mutable", with(cmBase, "data", `{"a":"2"}`), cmBase),
		update("configmap update immutable data", with(immutableCM, "data", `{"a":"2"}`), immutableCM),
		update("configmap update immutable binary", with(immutableCM, "binaryData", `{"b":"MQ=="}`), immutableCM),
		update("configmap update immutable unset", with(cmBase, "immutable", `false`), immutableCM),
		update("configmap update make immutable", immutableCM, cmBase),
		update("configmap update key bad", with(cmBase, "data", `{"a b":"1"}`), cmBase),
		create("secret valid", secretBase),
		create("secret key bad", with(secretBase, "data", `{"a/b":"MQ=="}`)),
		create("secret dockerconfigjson missing", with(secretBase, "type", `"kubernetes.io/dockerconfigjson"`)),
		create("secret dockerconfigjson bad json", with(secretBase, "type", `"kubernetes.io/dockerconfigjson"`, "data", `{".dockerconfigjson":"bm90IGpzb24="}`)),
		create("secret dockercfg missing", with(secretBase, "type", `"kubernetes.io/dockercfg"`)),
		create("secret basic auth missing", with(secretBase, "type", `"kubernetes.io/basic-auth"`)),
		create("secret basic auth valid", with(secretBase, "type", `"kubernetes.io/basic-auth"`, "data", `{"username":"dQ=="}`)),
		create("secret ssh auth missing", with(secretBase, "type", `"kubernetes.io/ssh-auth"`)),
		create("secret tls missing", with(secretBase, "type", `"kubernetes.io/tls"`)),
		create("secret tls valid", with(secretBase, "type", `"kubernetes.io/tls"`, "data", `{"tls.crt":"","tls.key":""}`)),
		create("secret custom type", with(secretBase, "type", `"example.com/custom"`)),
		update("secret update mutable", with(secretBase, "data", `{"a":"Mg=="}`), secretBase),
		update("secret update type", with(secretBase, "type", `"example.com/custom"`), secretBase),
		update("secret update immutable data", with(immutableSecret, "data", `{"a":"Mg=="}`), immutableSecret),
		update("secret update immutable unset", with(secretBase, "immutable", `false`), immutableSecret),

		// Service accounts.
		create("serviceaccount valid", saBase),
		update("serviceaccount update valid", with(saBase, "automountServiceAccountToken", `false`), saBase),
	}
}
