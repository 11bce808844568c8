package main

// Cases for the core group: pods (every branch of the status logic), nodes, services, events
// (core and events.k8s.io), and the simpler core kinds.
func addCoreCases() {
	// --- pods ---
	printed("pod running with restarts", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"nodeName":"node-a","containers":[{"name":"app","image":"nginx"},{"name":"log","image":"busybox"}]},
	 "status":{"phase":"Running","podIP":"10.0.0.5","podIPs":[{"ip":"10.0.0.5"},{"ip":"fd00::5"}],
	  "conditions":[{"type":"Ready","status":"False"}],
	  "containerStatuses":[
	   {"name":"app","ready":true,"restartCount":3,"image":"nginx","imageID":"","state":{"running":{"startedAt":"${ago:45m30s}"}},
	    "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"${ago:45m30s}"}}},
	   {"name":"log","ready":false,"restartCount":1,"image":"busybox","imageID":"","state":{"running":{}},
	    "lastState":{"terminated":{"exitCode":1,"finishedAt":"${ago:2h30m30s}"}}}]}}`)
	printed("pod pending without status", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"new","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"containers":[{"name":"app","image":"nginx"}]},"status":{"phase":"Pending"}}`)
	printed("pod without phase", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bare"},
	 "spec":{"containers":[{"name":"app","image":"nginx"}]}}`)
	printed("pod initializing", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"init","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"initContainers":[{"name":"i1","image":"busybox"},{"name":"i2","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Pending","initContainerStatuses":[
	   {"name":"i1","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
	   {"name":"i2","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"waiting":{"reason":"PodInitializing"}}}],
	  "containerStatuses":[{"name":"app","ready":false,"restartCount":0,"image":"nginx","imageID":"","state":{"waiting":{"reason":"PodInitializing"}}}]}}`)
	printed("pod init crashloop", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"init-crash","namespace":"default","creationTimestamp":"${ago:20h30m}"},
	 "spec":{"initContainers":[{"name":"i1","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Pending","initContainerStatuses":[
	   {"name":"i1","ready":false,"restartCount":5,"image":"busybox","imageID":"","state":{"waiting":{"reason":"CrashLoopBackOff"}},
	    "lastState":{"terminated":{"exitCode":1,"finishedAt":"${ago:5h20m30s}"}}}]}}`)
	printed("pod init exit code", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"init-exit","namespace":"default","creationTimestamp":"${ago:20h30m}"},
	 "spec":{"initContainers":[{"name":"i1","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Pending","initContainerStatuses":[
	   {"name":"i1","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":2}}}]}}`)
	printed("pod init signal", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"init-signal","namespace":"default","creationTimestamp":"${ago:20h30m}"},
	 "spec":{"initContainers":[{"name":"i1","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Pending","initContainerStatuses":[
	   {"name":"i1","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":137,"signal":9}}}]}}`)
	printed("pod init reason", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"init-oom","namespace":"default","creationTimestamp":"${ago:20h30m}"},
	 "spec":{"initContainers":[{"name":"i1","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Pending","initContainerStatuses":[
	   {"name":"i1","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}}`)
	printed("pod init failed but initialized", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"init-done","namespace":"default","creationTimestamp":"${ago:20h30m}"},
	 "spec":{"initContainers":[{"name":"i1","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"}],"initContainerStatuses":[
	   {"name":"i1","ready":false,"restartCount":4,"image":"busybox","imageID":"","state":{"waiting":{"reason":"CrashLoopBackOff"}}}],
	  "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"image":"nginx","imageID":"","state":{"running":{}}}]}}`)
	printed("pod with sidecar", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"sidecar","namespace":"default","creationTimestamp":"${ago:53h30m}"},
	 "spec":{"initContainers":[{"name":"proxy","image":"envoy","restartPolicy":"Always"},{"name":"setup","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],"initContainerStatuses":[
	   {"name":"proxy","ready":true,"started":true,"restartCount":2,"image":"envoy","imageID":"","state":{"running":{}},
	    "lastState":{"terminated":{"exitCode":1,"finishedAt":"${ago:20h30m}"}}},
	   {"name":"setup","ready":false,"restartCount":7,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":0,"reason":"Completed"}},
	    "lastState":{"terminated":{"exitCode":1,"finishedAt":"${ago:45m30s}"}}}],
	  "containerStatuses":[{"name":"app","ready":true,"restartCount":1,"image":"nginx","imageID":"","state":{"running":{}},
	    "lastState":{"terminated":{"exitCode":1,"finishedAt":"${ago:5h20m30s}"}}}]}}`)
	printed("pod sidecar starting", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"sidecar-start","namespace":"default","creationTimestamp":"${ago:53h30m}"},
	 "spec":{"initContainers":[{"name":"proxy","image":"envoy","restartPolicy":"Always"},{"name":"setup","image":"busybox"}],"containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Pending","initContainerStatuses":[
	   {"name":"proxy","ready":false,"started":true,"restartCount":1,"image":"envoy","imageID":"","state":{"running":{}}},
	   {"name":"setup","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{}}}]}}`)
	printed("pod crashloop", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"crash","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"nodeName":"node-b","containers":[{"name":"app","image":"nginx"}]},
	 "status":{"phase":"Running","podIPs":[{"ip":"10.0.0.7"}],"containerStatuses":[
	   {"name":"app","ready":false,"restartCount":12,"image":"nginx","imageID":"","state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off"}},
	    "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"${ago:53h30m}"}}}]}}`)
	printed("pod succeeded", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"job-x","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"busybox"}]},
	 "status":{"phase":"Succeeded","containerStatuses":[
	   {"name":"app","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}`)
	printed("pod failed", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"job-y","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"restartPolicy":"Never","containers":[{"name":"app","image":"busybox"}]},
	 "status":{"phase":"Failed","containerStatuses":[
	   {"name":"app","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}}`)
	printed("pod evicted", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"evicted","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"containers":[{"name":"app","image":"busybox"}]},
	 "status":{"phase":"Failed","reason":"Evicted","message":"low on memory"}}`)
	printed("pod completed while another runs ready", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"mixed-ready","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"containers":[{"name":"a","image":"busybox"},{"name":"b","image":"busybox"}]},
	 "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[
	   {"name":"a","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
	   {"name":"b","ready":true,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{}}}]}}`)
	printed("pod completed while another runs not ready", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"mixed-notready","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"containers":[{"name":"b","image":"busybox"},{"name":"a","image":"busybox"}]},
	 "status":{"phase":"Running","containerStatuses":[
	   {"name":"b","ready":true,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{}}},
	   {"name":"a","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}`)
	printed("pod completed with an error elsewhere", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"mixed-error","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"containers":[{"name":"a","image":"busybox"},{"name":"b","image":"busybox"}]},
	 "status":{"phase":"Running","containerStatuses":[
	   {"name":"a","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
	   {"name":"b","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":3,"signal":15}}}]}}`)
	printed("pod container exit code", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"exit","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"containers":[{"name":"a","image":"busybox"}]},
	 "status":{"phase":"Running","containerStatuses":[
	   {"name":"a","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"terminated":{"exitCode":0}}}]}}`)
	printed("pod terminating", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"going","namespace":"default","creationTimestamp":"${ago:9601h}",
	  "deletionTimestamp":"${in:30s}","deletionGracePeriodSeconds":30},
	 "spec":{"containers":[{"name":"a","image":"nginx"}]},
	 "status":{"phase":"Running","containerStatuses":[{"name":"a","ready":true,"restartCount":0,"image":"nginx","imageID":"","state":{"running":{}}}]}}`)
	printed("pod terminating but succeeded", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"done-going","namespace":"default","creationTimestamp":"${ago:9601h}",
	  "deletionTimestamp":"${in:30s}"},
	 "spec":{"containers":[{"name":"a","image":"nginx"}]},"status":{"phase":"Succeeded"}}`)
	printed("pod on lost node", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"lost","namespace":"default","creationTimestamp":"${ago:9601h}",
	  "deletionTimestamp":"${ago:45m30s}"},
	 "spec":{"containers":[{"name":"a","image":"nginx"}]},"status":{"phase":"Running","reason":"NodeLost"}}`)
	printed("pod scheduling gated", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"gated","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"schedulingGates":[{"name":"example.com/gate"}],"containers":[{"name":"a","image":"nginx"}]},
	 "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}}`)
	printed("pod readiness gates", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"gates","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"nodeName":"node-a","readinessGates":[{"conditionType":"example.com/lb"},{"conditionType":"example.com/dns"},{"conditionType":"example.com/other"}],
	  "containers":[{"name":"a","image":"nginx"}]},
	 "status":{"phase":"Running","nominatedNodeName":"node-z","podIPs":[{"ip":"10.0.0.9"}],
	  "conditions":[{"type":"example.com/lb","status":"True"},{"type":"example.com/dns","status":"False"},{"type":"example.com/lb","status":"False"}],
	  "containerStatuses":[{"name":"a","ready":true,"restartCount":0,"image":"nginx","imageID":"","state":{"running":{}}}]}}`)

	// --- nodes ---
	printed("node ready with roles", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-a","creationTimestamp":"${ago:9601h}",
	  "labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/worker":"","node-role.kubernetes.io/":"x","kubernetes.io/role":"master"}},
	 "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
	  "addresses":[{"type":"Hostname","address":"node-a"},{"type":"InternalIP","address":"192.168.1.10"},{"type":"InternalIP","address":"192.168.1.11"},{"type":"ExternalIP","address":"203.0.113.10"}],
	  "nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"6.8.0-45-generic","osImage":"Ubuntu 24.04.1 LTS","containerRuntimeVersion":"containerd://1.7.22",
	   "kubeletVersion":"v1.37.2","kubeProxyVersion":"","operatingSystem":"linux","architecture":"amd64"}}}`)
	printed("node not ready cordoned", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-b","creationTimestamp":"${ago:53h30m}","labels":{"kubernetes.io/role":"worker"}},
	 "spec":{"unschedulable":true},
	 "status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Ready","status":"Unknown"}],
	  "nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"v1.36.0","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}`)
	printed("node without conditions", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-c","labels":{"kubernetes.io/role":""}},
	 "spec":{"unschedulable":true}}`)

	// --- services ---
	printed("service cluster ip", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"type":"ClusterIP","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10","fd00::10"],"selector":{"tier":"front","app":"web"},
	  "ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"},{"name":"dns","port":53,"protocol":"UDP"}]}}`)
	printed("service node port", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"np","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"type":"NodePort","clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11"],"externalIPs":["198.51.100.1","198.51.100.2"],
	  "ports":[{"port":443,"nodePort":30443,"protocol":"TCP"}]}}`)
	printed("service load balancer", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"lb","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"type":"LoadBalancer","clusterIP":"10.96.0.12","clusterIPs":["10.96.0.12"],"externalIPs":["198.51.100.9"],
	  "ports":[{"port":80,"nodePort":31080,"protocol":"TCP"}]},
	 "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"},{"hostname":"lb.example.com"},{"ip":"203.0.113.7"},{"ip":"203.0.113.1"}]}}}`)
	printed("service load balancer pending", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"lb-pending","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"type":"LoadBalancer","clusterIP":"10.96.0.13","clusterIPs":["10.96.0.13"],"ports":[{"port":80,"nodePort":31081,"protocol":"TCP"}]}}`)
	printed("service load balancer hostnames", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"lb-long","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"type":"LoadBalancer","clusterIP":"10.96.0.14","clusterIPs":["10.96.0.14"],"ports":[{"port":80,"nodePort":31082,"protocol":"TCP"}]},
	 "status":{"loadBalancer":{"ingress":[{"hostname":"a-very-long-load-balancer-name.elb.example.com"},{}]}}}`)
	printed("service external name", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"ext","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"type":"ExternalName","externalName":"db.example.com"}}`)
	printed("service headless", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"headless","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"clusterIP":"None","clusterIPs":["None"],"selector":{"app":"db"}}}`)

	// --- events ---
	printed("core event", `{"apiVersion":"v1","kind":"Event","metadata":{"name":"web-1.17a","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "involvedObject":{"kind":"Pod","namespace":"default","name":"web-1","fieldPath":"spec.containers{app}"},
	 "reason":"BackOff","message":"  Back-off restarting failed container\n","type":"Warning","count":42,
	 "source":{"component":"kubelet","host":"node-a"},
	 "firstTimestamp":"${ago:53h30m}","lastTimestamp":"${ago:45m30s}"}`)
	printed("core event with series", `{"apiVersion":"v1","kind":"Event","metadata":{"name":"series.1","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "involvedObject":{"kind":"Node","name":"node-a"},"reason":"Rebooted","message":"rebooted","type":"Normal","count":3,
	 "eventTime":"${micro:5h20m30s}","series":{"count":7,"lastObservedTime":"${micro:45m30s}"},
	 "reportingComponent":"kubelet","reportingInstance":"node-a","action":"Reboot"}`)
	printed("core event singleton", `{"apiVersion":"v1","kind":"Event","metadata":{"name":"single","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "involvedObject":{"kind":"Namespace"},"reason":"Created","type":"Normal",
	 "eventTime":"${micro:20h30m}","reportingComponent":"controller","source":{"host":"node-b"}}`)
	printed("core event without times", `{"apiVersion":"v1","kind":"Event","metadata":{"name":"timeless","namespace":"default"},
	 "involvedObject":{"kind":"ConfigMap","name":"cm"},"reason":"X","type":"Normal","count":2,"lastTimestamp":"${ago:20h30m}"}`)
	printed("events.k8s.io event", `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"web-1.17b","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "eventTime":"${micro:53h30m}","reportingController":"kubelet","reportingInstance":"node-a","action":"Pulling","reason":"Pulling",
	 "regarding":{"kind":"Pod","namespace":"default","name":"web-1","fieldPath":"spec.containers{app}"},"note":"Pulling image \"nginx\"","type":"Normal",
	 "deprecatedSource":{"component":"kubelet"},"deprecatedFirstTimestamp":"${ago:5h20m30s}","deprecatedLastTimestamp":"${ago:45m30s}","deprecatedCount":4}`)
	printed("events.k8s.io event with series", `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"s.2","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "eventTime":"${micro:20h30m}","series":{"count":9,"lastObservedTime":"${micro:45m30s}"},"reportingController":"scheduler","reportingInstance":"sched-1",
	 "action":"Scheduling","reason":"FailedScheduling","regarding":{"kind":"Pod","name":"p"},"note":"0/3 nodes are available","type":"Warning"}`)

	// --- other core kinds ---
	printed("namespace", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a","creationTimestamp":"${ago:9601h}"},"status":{"phase":"Active"}}`)
	printed("namespace terminating", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"old","creationTimestamp":"${ago:9601h}","deletionTimestamp":"${ago:45m30s}"},"status":{"phase":"Terminating"}}`)
	printed("secret", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"tls","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "type":"kubernetes.io/tls","data":{"tls.crt":"YQ==","tls.key":"Yg=="}}`)
	printed("secret with string data", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"opaque","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "data":{"a":"YQ==","b":"Yg=="},"stringData":{"b":"x","c":"y"}}`)
	printed("config map", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "data":{"a":"1","b":"2"},"binaryData":{"c":"YQ=="}}`)
	printed("service account", `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default","namespace":"default","creationTimestamp":"${ago:9601h}"}}`)
	printed("endpoints", `{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"fd00::2"}],"ports":[{"name":"http","port":80},{"name":"https","port":443}]},
	  {"addresses":[{"ip":"10.0.0.3"}],"ports":[{"port":8080}]}]}`)
	printed("endpoints headless", `{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"db","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}]}]}`)
	printed("endpoints empty", `{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"none","namespace":"default","creationTimestamp":"${ago:9601h}"}}`)
	printed("persistent volume", `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv-1","creationTimestamp":"${ago:9601h}"},
	 "spec":{"capacity":{"storage":"10Gi"},"accessModes":["ReadWriteMany","ReadWriteOnce","ReadWriteOnce","ReadOnlyMany","ReadWriteOncePod"],
	  "persistentVolumeReclaimPolicy":"Retain","storageClassName":"fast","volumeAttributesClassName":"gold","hostPath":{"path":"/data"},
	  "claimRef":{"namespace":"default","name":"data"},"volumeMode":"Block"},
	 "status":{"phase":"Bound","reason":"ok"}}`)
	printed("persistent volume beta class terminating", `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv-2","creationTimestamp":"${ago:9601h}",
	  "deletionTimestamp":"${ago:45m30s}","annotations":{"volume.beta.kubernetes.io/storage-class":"legacy"}},
	 "spec":{"capacity":{"storage":"1536Mi"},"storageClassName":"fast","hostPath":{"path":"/data"}},"status":{"phase":"Released"}}`)
	printed("persistent volume claim bound", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}},"volumeName":"pv-1","storageClassName":"fast","volumeAttributesClassName":"gold"},
	 "status":{"phase":"Bound","accessModes":["ReadWriteOnce","ReadOnlyMany"],"capacity":{"storage":"10Gi"}}}`)
	printed("persistent volume claim pending", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"wait","namespace":"default","creationTimestamp":"${ago:45m30s}",
	  "annotations":{"volume.beta.kubernetes.io/storage-class":"legacy"}},
	 "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}}},"status":{"phase":"Pending"}}`)
	printed("persistent volume claim terminating", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"gone","namespace":"default","creationTimestamp":"${ago:45m30s}","deletionTimestamp":"${ago:45m30s}"},
	 "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}}},"status":{"phase":"Bound"}}`)
	printed("replication controller", `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"rc","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"replicas":3,"selector":{"app":"rc"},"template":{"metadata":{"labels":{"app":"rc"}},"spec":{"containers":[{"name":"a","image":"nginx"},{"name":"b","image":"redis"}]}}},
	 "status":{"replicas":3,"readyReplicas":2}}`)
	printed("replication controller without template", `{"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"rc-bare","namespace":"default"},"spec":{"replicas":0}}`)
	printed("pod template", `{"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"tpl","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "template":{"metadata":{"labels":{"b":"2","a":"1"}},"spec":{"containers":[{"name":"a","image":"nginx"},{"name":"b","image":"redis"}]}}}`)
	printed("component status healthy", `{"apiVersion":"v1","kind":"ComponentStatus","metadata":{"name":"etcd-0"},
	 "conditions":[{"type":"Other","status":"False"},{"type":"Healthy","status":"True","message":"ok"}]}`)
	printed("component status unhealthy", `{"apiVersion":"v1","kind":"ComponentStatus","metadata":{"name":"scheduler"},
	 "conditions":[{"type":"Healthy","status":"False","message":"down","error":"connection refused"}]}`)
	printed("component status unknown", `{"apiVersion":"v1","kind":"ComponentStatus","metadata":{"name":"controller-manager"}}`)
	printed("resource quota", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"quota","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"hard":{"pods":"10"}},
	 "status":{"hard":{"pods":"10","requests.cpu":"4","limits.memory":"8Gi","limits.cpu":"8","requests.memory":"4096Mi","count/deployments.apps":"5"},
	  "used":{"pods":"3","requests.cpu":"1500m","limits.memory":"1Gi","requests.memory":"0"}}}`)
}
