package main

// testCase is one object to default: its external JSON (apiVersion and kind included).
type testCase struct {
	name   string
	crd    bool
	object string
}

const podSpecSparse = `{"containers":[{"name":"c","image":"nginx"}]}`

const podSpecRich = `{
  "hostNetwork": true,
  "serviceAccount": "legacy",
  "initContainers":[{"name":"init","image":"busybox:1.36","ports":[{"containerPort":53,"protocol":"UDP"}],
     "resources":{"limits":{"cpu":"100m"}}}],
  "containers":[
    {"name":"a","image":"nginx:latest","ports":[{"containerPort":80},{"containerPort":443,"hostPort":8443,"name":"https"}],
     "env":[{"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
            {"name":"F","valueFrom":{"fileKeyRef":{"volumeName":"v","path":"p","key":"k"}}}],
     "resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}},
     "livenessProbe":{"httpGet":{"port":8080}},
     "readinessProbe":{"tcpSocket":{"port":80},"timeoutSeconds":5},
     "startupProbe":{"grpc":{"port":9000}},
     "lifecycle":{"preStop":{"httpGet":{"port":80,"path":"/stop"}},"postStart":{"exec":{"command":["true"]}}}},
    {"name":"b","image":"registry.example.com:5000/team/app@sha256:0123456789012345678901234567890123456789012345678901234567890123"},
    {"name":"c","image":"localhost:5000/app"},
    {"name":"d","image":"app:v1","imagePullPolicy":"Never","terminationMessagePath":"/x","terminationMessagePolicy":"FallbackToLogsOnError"}
  ],
  "volumes":[
    {"name":"empty"},
    {"name":"cm","configMap":{"name":"x"}},
    {"name":"sec","secret":{"secretName":"x","defaultMode":256}},
    {"name":"sec2","secret":{"secretName":"y"}},
    {"name":"da","downwardAPI":{"items":[{"path":"l","fieldRef":{"fieldPath":"metadata.labels"}}]}},
    {"name":"proj","projected":{"sources":[{"serviceAccountToken":{"path":"token"}},{"downwardAPI":{"items":[{"path":"n","fieldRef":{"fieldPath":"metadata.name"}}]}},{"configMap":{"name":"z"}}]}},
    {"name":"hp","hostPath":{"path":"/data"}},
    {"name":"rbd","rbd":{"monitors":["m"],"image":"i"}},
    {"name":"iscsi","iscsi":{"targetPortal":"t","iqn":"q","lun":0}},
    {"name":"az","azureDisk":{"diskName":"d","diskURI":"u"}},
    {"name":"sio","scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"s"}}},
    {"name":"eph","ephemeral":{"volumeClaimTemplate":{"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}}},
    {"name":"img","image":{"reference":"repo/img:latest"}},
    {"name":"img2","image":{"reference":"repo/img:1.0"}},
    {"name":"pvc","persistentVolumeClaim":{"claimName":"c"}}
  ]
}`

const podSpecFull = `{
  "restartPolicy":"OnFailure","dnsPolicy":"Default","schedulerName":"other","terminationGracePeriodSeconds":5,
  "securityContext":{"runAsUser":1000},"serviceAccountName":"sa","enableServiceLinks":false,
  "containers":[{"name":"c","image":"nginx","imagePullPolicy":"Always",
    "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",
    "livenessProbe":{"httpGet":{"port":80,"path":"/h","scheme":"HTTPS"},"timeoutSeconds":2,"periodSeconds":3,"successThreshold":1,"failureThreshold":4}}]
}`

var cases = []testCase{
	// core/v1 Pod
	{name: "pod-sparse", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":` + podSpecSparse + `}`},
	{name: "pod-rich", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":` + podSpecRich + `}`},
	{name: "pod-full", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":` + podSpecFull + `}`},
	{name: "pod-negative-grace", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"terminationGracePeriodSeconds":-5,"containers":[{"name":"c","image":"nginx:1.0"}]}}`},
	{name: "pod-status-ips", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]},"status":{"podIP":"10.0.0.1"}}`},
	{name: "pod-status-ips-list", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]},"status":{"podIPs":[{"ip":"10.0.0.2"},{"ip":"fd00::2"}],"hostIP":"1.2.3.4"}}`},
	{name: "pod-status-mismatch", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]},"status":{"podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.2"}]}}`},
	{name: "pod-ephemeral", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}],"ephemeralContainers":[{"name":"dbg","image":"busybox","targetContainerName":"c","ports":[{"containerPort":1}]}]}}`},
	{name: "pod-overhead-resources", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"overhead":{"cpu":"0.0001"},"resources":{"limits":{"cpu":"2","memory":"1Gi"}},"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":"1.5"}}}]}}`},
	{name: "pod-resource-rounding", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":"0.0001","memory":"1.5Ki"},"requests":{"memory":"100"}}}]}}`},
	{name: "pod-empty-spec", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}}`},
	{name: "pod-no-spec", object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}`},
	{name: "podtemplate", object: `{"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"t"},"template":{"metadata":{"labels":{"a":"b"}},"spec":` + podSpecRich + `}}`},
	{name: "rc-sparse", object: `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"r"},"spec":{"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecSparse + `}}}`},
	{name: "rc-full", object: `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"r","labels":{"own":"l"}},"spec":{"replicas":3,"minReadySeconds":2,"selector":{"app":"x"},"template":{"metadata":{"labels":{"app":"x","v":"1"}},"spec":` + podSpecFull + `}}}`},

	// core/v1 Service
	{name: "service-sparse", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80},{"port":53,"protocol":"UDP","targetPort":5353},{"port":8080,"targetPort":"http"}]}}`},
	{name: "service-empty", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}`},
	{name: "service-nodeport", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}}`},
	{name: "service-loadbalancer", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer","sessionAffinity":"ClientIP","ports":[{"port":80}]},"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"},{"hostname":"lb.example.com"}]}}}`},
	{name: "service-externalips", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"externalIPs":["1.2.3.4"],"sessionAffinity":"None","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":5}},"ports":[{"port":80}]}}`},
	{name: "service-clientip-config", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}},"ports":[{"port":80}]}}`},
	{name: "service-externalname", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"ExternalName","externalName":"example.com"}}`},
	{name: "service-full", object: `{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"type":"LoadBalancer","sessionAffinity":"None","externalTrafficPolicy":"Local","internalTrafficPolicy":"Local","allocateLoadBalancerNodePorts":false,"clusterIP":"None","ports":[{"name":"h","port":80,"protocol":"SCTP","targetPort":81}]}}`},

	// other core/v1
	{name: "configmap-empty", object: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`},
	{name: "configmap-data", object: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"},"binaryData":{"x":"AQI="}}`},
	{name: "secret-sparse", object: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"Yg=="}}`},
	{name: "secret-typed", object: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"kubernetes.io/tls","stringData":{"tls.crt":"x","tls.key":"y"}}`},
	{name: "namespace", object: `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"}}`},
	{name: "namespace-labels", object: `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns","labels":{"a":"b","kubernetes.io/metadata.name":"wrong"}},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Terminating"}}`},
	{name: "namespace-generatename", object: `{"apiVersion":"v1","kind":"Namespace","metadata":{"generateName":"ns-"}}`},
	{name: "serviceaccount", object: `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"}}`},
	{name: "node-sparse", object: `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}`},
	{name: "node-capacity", object: `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"}}}`},
	{name: "node-allocatable", object: `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{"podCIDR":"10.0.0.0/24"},"status":{"capacity":{"cpu":"4"},"allocatable":{"cpu":"3500m"},"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}`},
	{name: "pvc-sparse", object: `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}`},
	{name: "pvc-full", object: `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"volumeMode":"Block","accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}},"status":{"phase":"Bound"}}`},
	{name: "pv-sparse", object: `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp"}}}`},
	{name: "pv-full", object: `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{"capacity":{"storage":"1Gi"},"persistentVolumeReclaimPolicy":"Delete","volumeMode":"Block","rbd":{"monitors":["m"],"image":"i"},"azureDisk":{"diskName":"d","diskURI":"u"}},"status":{"phase":"Available"}}`},
	{name: "pv-iscsi", object: `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"v"},"spec":{"iscsi":{"targetPortal":"t","iqn":"q","lun":0},"scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"s"}}}}`},
	{name: "endpoints", object: `{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"e"},"subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"port":80},{"port":53,"protocol":"UDP"}]}]}`},
	{name: "limitrange", object: `{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","max":{"cpu":"2","memory":"1Gi"},"min":{"cpu":"100m","memory":"10Mi"},"default":{"memory":"512Mi"}},{"type":"Pod","max":{"cpu":"4"}}]}}`},
	{name: "limitrange-min-only", object: `{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","min":{"cpu":"0.0001"}}]}}`},
	{name: "resourcequota", object: `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"spec":{"hard":{"pods":"10","cpu":"1.0001"}}}`},
	{name: "event-core", object: `{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"involvedObject":{"kind":"Pod","name":"p"},"reason":"R"}`},

	// apps/v1
	{name: "deployment-sparse", object: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecSparse + `}}}`},
	{name: "deployment-rich", object: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"x"}},"strategy":{"rollingUpdate":{"maxSurge":3}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecRich + `}}}`},
	{name: "deployment-recreate", object: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":0,"revisionHistoryLimit":2,"progressDeadlineSeconds":30,"strategy":{"type":"Recreate"},"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecFull + `}}}`},
	{name: "deployment-rolling-partial", object: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"50%"}},"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecSparse + `}}}`},
	{name: "deployment-empty", object: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"}}`},
	{name: "replicaset-sparse", object: `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecSparse + `}}}`},
	{name: "replicaset-full", object: `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r"},"spec":{"replicas":5,"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecFull + `}}}`},
	{name: "statefulset-sparse", object: `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"serviceName":"s","selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecSparse + `},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}`},
	{name: "statefulset-full", object: `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"replicas":2,"revisionHistoryLimit":3,"podManagementPolicy":"Parallel","updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":1,"maxUnavailable":2}},"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"},"serviceName":"s","selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecFull + `}}}`},
	{name: "statefulset-ondelete", object: `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"s"},"spec":{"updateStrategy":{"type":"OnDelete"},"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecSparse + `}}}`},
	{name: "daemonset-sparse", object: `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecRich + `}}}`},
	{name: "daemonset-full", object: `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"d"},"spec":{"revisionHistoryLimit":1,"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":2}},"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecFull + `}}}`},
	{name: "daemonset-ondelete", object: `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"d"},"spec":{"updateStrategy":{"type":"OnDelete"},"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},"spec":` + podSpecSparse + `}}}`},
	{name: "controllerrevision", object: `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r"},"revision":1}`},

	// batch/v1
	{name: "job-sparse", object: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}`},
	{name: "job-indexed", object: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"completions":5,"completionMode":"Indexed","backoffLimitPerIndex":1,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}`},
	{name: "job-full", object: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":2,"completions":4,"backoffLimit":1,"completionMode":"NonIndexed","suspend":true,"manualSelector":false,"podReplacementPolicy":"Failed","podFailurePolicy":{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]},"template":{"spec":` + podSpecFull + `}}}`},
	{name: "job-failure-policy", object: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"podFailurePolicy":{"rules":[{"action":"FailJob","onPodConditions":[{"type":"DisruptionTarget"}]},{"action":"Ignore","onExitCodes":{"operator":"In","values":[1]}}]},"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}`},
	{name: "job-parallelism-only", object: `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"parallelism":3,"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}`},
	{name: "cronjob-sparse", object: `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"c","image":"busybox"}]}}}}}}`},
	{name: "cronjob-full", object: `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"* * * * *","concurrencyPolicy":"Forbid","suspend":true,"successfulJobsHistoryLimit":1,"failedJobsHistoryLimit":0,"jobTemplate":{"spec":{"backoffLimit":0,"template":{"spec":` + podSpecFull + `}}}}}`},

	// autoscaling
	{name: "hpa-v1", object: `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"maxReplicas":5}}`},
	{name: "hpa-v2-sparse", object: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"maxReplicas":5}}`},
	{name: "hpa-v2-behavior", object: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"minReplicas":2,"maxReplicas":5,"metrics":[{"type":"Resource","resource":{"name":"memory","target":{"type":"Utilization","averageUtilization":50}}}],"behavior":{"scaleUp":{"stabilizationWindowSeconds":10},"scaleDown":{"policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}}}`},
	{name: "hpa-v2-scaledown-only", object: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"maxReplicas":5,"behavior":{"scaleDown":{"selectPolicy":"Min"}}}}`},

	// policy, networking
	{name: "pdb", object: `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"p"},"spec":{"minAvailable":1}}`},
	{name: "networkpolicy-sparse", object: `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"n"},"spec":{"podSelector":{},"ingress":[{"ports":[{"port":80},{"protocol":"UDP","port":53}]}],"egress":[{"ports":[{"port":443}]}]}}`},
	{name: "networkpolicy-types", object: `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"n"},"spec":{"podSelector":{}}}`},
	{name: "networkpolicy-egress-only", object: `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"n"},"spec":{"podSelector":{},"egress":[{}]}}`},
	{name: "networkpolicy-explicit", object: `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"n"},"spec":{"podSelector":{},"policyTypes":["Egress"]}}`},
	{name: "ingress", object: `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},"spec":{"rules":[{"host":"a.example","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"s","port":{"number":80}}}}]}}]}}`},
	{name: "ingressclass", object: `{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"i"},"spec":{"controller":"example.com/c","parameters":{"kind":"K","name":"n"}}}`},
	{name: "ingressclass-ns-params", object: `{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"i"},"spec":{"controller":"example.com/c","parameters":{"kind":"K","name":"n","scope":"Namespace","namespace":"x"}}}`},
	{name: "servicecidr", object: `{"apiVersion":"networking.k8s.io/v1","kind":"ServiceCIDR","metadata":{"name":"s"},"spec":{"cidrs":["10.0.0.0/24"]}}`},
	{name: "ipaddress", object: `{"apiVersion":"networking.k8s.io/v1","kind":"IPAddress","metadata":{"name":"10.0.0.1"},"spec":{"parentRef":{"resource":"services","name":"s","namespace":"d"}}}`},

	// rbac
	{name: "rolebinding", object: `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"r"},"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"u"},{"kind":"Group","name":"g"},{"kind":"ServiceAccount","name":"s","namespace":"n"},{"kind":"User","name":"u2","apiGroup":"x"}]}`},
	{name: "clusterrolebinding", object: `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"r"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"r"},"subjects":[{"kind":"Group","name":"g"}]}`},
	{name: "clusterrole", object: `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}`},
	{name: "role", object: `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},"rules":[{"verbs":["get"],"nonResourceURLs":["/x"]}]}`},

	// storage
	{name: "storageclass-sparse", object: `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"s"},"provisioner":"p"}`},
	{name: "storageclass-full", object: `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"s"},"provisioner":"p","reclaimPolicy":"Retain","volumeBindingMode":"WaitForFirstConsumer"}`},
	{name: "csidriver-sparse", object: `{"apiVersion":"storage.k8s.io/v1","kind":"CSIDriver","metadata":{"name":"c"},"spec":{}}`},
	{name: "csidriver-full", object: `{"apiVersion":"storage.k8s.io/v1","kind":"CSIDriver","metadata":{"name":"c"},"spec":{"attachRequired":false,"podInfoOnMount":true,"volumeLifecycleModes":["Ephemeral"],"storageCapacity":true,"fsGroupPolicy":"File","requiresRepublish":true,"seLinuxMount":true}}`},
	{name: "volumeattachment", object: `{"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttachment","metadata":{"name":"v"},"spec":{"attacher":"a","nodeName":"n","source":{"persistentVolumeName":"p"}}}`},
	{name: "volumeattachment-inline", object: `{"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttachment","metadata":{"name":"v"},"spec":{"attacher":"a","nodeName":"n","source":{"inlineVolumeSpec":{"capacity":{"storage":"1Gi"},"rbd":{"monitors":["m"],"image":"i"}}}}}`},
	{name: "csinode", object: `{"apiVersion":"storage.k8s.io/v1","kind":"CSINode","metadata":{"name":"n"},"spec":{"drivers":[{"name":"d","nodeID":"x"}]}}`},

	// coordination, scheduling, node
	{name: "lease", object: `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"},"spec":{"holderIdentity":"h"}}`},
	{name: "priorityclass-sparse", object: `{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"p"},"value":100}`},
	{name: "priorityclass-full", object: `{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"p"},"value":100,"preemptionPolicy":"Never","globalDefault":true}`},
	{name: "runtimeclass", object: `{"apiVersion":"node.k8s.io/v1","kind":"RuntimeClass","metadata":{"name":"r"},"handler":"runc","overhead":{"podFixed":{"cpu":"100u"}}}`},

	// admissionregistration
	{name: "validatingwebhook-sparse", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"v"},"webhooks":[{"name":"a.example.com","clientConfig":{"service":{"namespace":"n","name":"s"}},"rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"]}],"sideEffects":"None","admissionReviewVersions":["v1"]}]}`},
	{name: "validatingwebhook-full", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"v"},"webhooks":[{"name":"a.example.com","clientConfig":{"url":"https://x"},"rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"scope":"Namespaced"}],"failurePolicy":"Ignore","matchPolicy":"Exact","namespaceSelector":{"matchLabels":{"a":"b"}},"objectSelector":{"matchLabels":{"c":"d"}},"timeoutSeconds":3,"sideEffects":"None","admissionReviewVersions":["v1"]}]}`},
	{name: "mutatingwebhook-sparse", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"m"},"webhooks":[{"name":"a.example.com","clientConfig":{"service":{"namespace":"n","name":"s","port":8443}},"sideEffects":"None","admissionReviewVersions":["v1"],"rules":[{"operations":["*"],"apiGroups":["*"],"apiVersions":["*"],"resources":["*"]}]}]}`},
	{name: "validatingadmissionpolicy", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicy","metadata":{"name":"v"},"spec":{"matchConstraints":{"resourceRules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"]}]},"validations":[{"expression":"true"}]}}`},
	{name: "validatingadmissionpolicy-empty", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicy","metadata":{"name":"v"},"spec":{}}`},
	{name: "validatingadmissionpolicybinding", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding","metadata":{"name":"v"},"spec":{"policyName":"p","validationActions":["Deny"],"matchResources":{}}}`},
	{name: "validatingadmissionpolicybinding-nomatch", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding","metadata":{"name":"v"},"spec":{"policyName":"p","validationActions":["Deny"],"paramRef":{"name":"x"}}}`},
	{name: "mutatingadmissionpolicy", object: `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingAdmissionPolicy","metadata":{"name":"m"},"spec":{"matchConstraints":{"resourceRules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"]}]},"mutations":[{"patchType":"ApplyConfiguration","applyConfiguration":{"expression":"Object{}"}}],"reinvocationPolicy":"Never"}}`},

	// flowcontrol
	{name: "flowschema-sparse", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":"f"},"spec":{"priorityLevelConfiguration":{"name":"p"}}}`},
	{name: "flowschema-full", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":"f"},"spec":{"priorityLevelConfiguration":{"name":"p"},"matchingPrecedence":500,"distinguisherMethod":{"type":"ByUser"}}}`},
	{name: "plc-limited-sparse", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"p"},"spec":{"type":"Limited","limited":{"limitResponse":{"type":"Queue"}}}}`},
	{name: "plc-limited-reject", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"p"},"spec":{"type":"Limited","limited":{"nominalConcurrencyShares":0,"lendablePercent":10,"limitResponse":{"type":"Reject"}}}}`},
	{name: "plc-limited-full", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"p"},"spec":{"type":"Limited","limited":{"nominalConcurrencyShares":5,"limitResponse":{"type":"Queue","queuing":{"queues":16,"handSize":4,"queueLengthLimit":10}}}}}`},
	{name: "plc-exempt", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"p"},"spec":{"type":"Exempt","exempt":{}}}`},
	{name: "plc-exempt-nil", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"PriorityLevelConfiguration","metadata":{"name":"p"},"spec":{"type":"Exempt"}}`},
	{name: "plc-v1beta3", object: `{"apiVersion":"flowcontrol.apiserver.k8s.io/v1beta3","kind":"PriorityLevelConfiguration","metadata":{"name":"p"},"spec":{"type":"Limited","limited":{"limitResponse":{"type":"Queue","queuing":{}}}}}`},

	// certificates, discovery, events, resource, misc
	{name: "csr", object: `{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"c"},"spec":{"request":"eA==","signerName":"example.com/x"}}`},
	{name: "endpointslice", object: `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"e"},"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]}],"ports":[{"port":80},{"name":"dns","protocol":"UDP","port":53}]}`},
	{name: "endpointslice-noport", object: `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"e"},"addressType":"IPv4","endpoints":[],"ports":[{}]}`},
	{name: "event-events", object: `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e"},"eventTime":"2024-01-01T00:00:00.000000Z","reportingController":"c","reportingInstance":"i","action":"a","reason":"r","type":"Normal"}`},
	{name: "resourceclaim", object: `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim","metadata":{"name":"r"},"spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu"}},{"name":"any","firstAvailable":[{"name":"a","deviceClassName":"x"}]}]}}}`},
	{name: "resourceclaim-all", object: `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim","metadata":{"name":"r"},"spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu","allocationMode":"All"}}]}}}`},
	{name: "resourceclaimtemplate", object: `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaimTemplate","metadata":{"name":"r"},"spec":{"spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu"}}]}}}}`},
	{name: "resourceslice", object: `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceSlice","metadata":{"name":"r"},"spec":{"driver":"d","pool":{"name":"p","generation":1,"resourceSliceCount":1},"nodeName":"n","devices":[{"name":"d0","taints":[{"key":"k","effect":"NoSchedule"}]}]}}`},
	{name: "deviceclass", object: `{"apiVersion":"resource.k8s.io/v1","kind":"DeviceClass","metadata":{"name":"d"},"spec":{}}`},
	{name: "storageversionmigration", object: `{"apiVersion":"storagemigration.k8s.io/v1beta1","kind":"StorageVersionMigration","metadata":{"name":"s"},"spec":{"resource":{"group":"apps","resource":"deployments"}}}`},
	{name: "csistoragecapacity", object: `{"apiVersion":"storage.k8s.io/v1","kind":"CSIStorageCapacity","metadata":{"name":"c"},"storageClassName":"s"}`},

	// apiextensions
	{name: "crd-sparse", crd: true, object: `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"foos.example.com"},"spec":{"group":"example.com","names":{"plural":"foos","kind":"Foo"},"scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}}]}}`},
	{name: "crd-full", crd: true, object: `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"foos.example.com"},"spec":{"group":"example.com","names":{"plural":"foos","singular":"foo","kind":"Foo","listKind":"FooItems"},"scope":"Cluster","conversion":{"strategy":"Webhook","webhook":{"conversionReviewVersions":["v1"],"clientConfig":{"service":{"namespace":"n","name":"s"}}}},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}},"subresources":{"status":{}}}]}}`},
	{name: "crd-webhook-url", crd: true, object: `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"foos.example.com"},"spec":{"group":"example.com","names":{"plural":"foos","kind":"Foo"},"scope":"Namespaced","conversion":{"strategy":"Webhook","webhook":{"conversionReviewVersions":["v1"],"clientConfig":{"url":"https://x"}}},"versions":[{"name":"v1","served":true,"storage":true}]}}`},
}
