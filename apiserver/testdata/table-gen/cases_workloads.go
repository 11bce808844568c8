package main

// Cases for apps, batch, autoscaling and policy.
func addWorkloadCases() {
	const template = `"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:1.27"},{"name":"sidecar","image":"envoy"}]}}`

	// --- apps ---
	printed("deployment", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["b","a"]},{"key":"canary","operator":"DoesNotExist"}]},`+template+`},
	 "status":{"replicas":3,"updatedReplicas":2,"readyReplicas":1,"availableReplicas":1}}`)
	printed("deployment defaulted", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"one","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"selector":{"matchLabels":{"app":"web"}},`+template+`}}`)
	printed("deployment empty selector", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"all","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"replicas":0,"selector":{},`+template+`}}`)
	printed("deployment invalid selector", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"replicas":1,"selector":{"matchExpressions":[{"key":"a","operator":"In"}]},`+template+`}}`)
	printed("replica set", `{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-abc","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","pod-template-hash":"abc"}},`+template+`},
	 "status":{"replicas":2,"readyReplicas":1}}`)
	printed("stateful set", `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"replicas":3,"serviceName":"db","selector":{"matchLabels":{"app":"web"}},`+template+`},
	 "status":{"replicas":3,"readyReplicas":2}}`)
	printed("daemon set", `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"kube-system","creationTimestamp":"${ago:9601h}"},
	 "spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"nodeSelector":{"kubernetes.io/os":"linux","disk":"ssd"},
	  "containers":[{"name":"agent","image":"agent:1"}]}}},
	 "status":{"desiredNumberScheduled":5,"currentNumberScheduled":4,"numberReady":3,"updatedNumberScheduled":2,"numberAvailable":1,"numberMisscheduled":0}}`)
	printed("daemon set without node selector", `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent2","namespace":"kube-system","creationTimestamp":"${ago:9601h}"},
	 "spec":{"selector":{"matchLabels":{"app":"web"}},`+template+`}}`)
	printed("controller revision", `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"db-5d8f","namespace":"default","creationTimestamp":"${ago:9601h}",
	  "ownerReferences":[{"apiVersion":"v1","kind":"Pod","name":"other","uid":"1"},{"apiVersion":"apps/v1","kind":"StatefulSet","name":"db","uid":"2","controller":true}]},"revision":4}`)
	printed("controller revision core owner", `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"rc-1","namespace":"default","creationTimestamp":"${ago:9601h}",
	  "ownerReferences":[{"apiVersion":"v1","kind":"ReplicationController","name":"rc","uid":"3","controller":true}]},"revision":1}`)
	printed("controller revision without owner", `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"orphan","namespace":"default","creationTimestamp":"${ago:9601h}"},"revision":2}`)

	// --- batch ---
	const jobTemplate = `"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"work","image":"busybox"}]}}`
	printed("job complete", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"completions":3,"parallelism":2,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u1"}},"manualSelector":true,`+jobTemplate+`},
	 "status":{"succeeded":3,"startTime":"${ago:53h30m}","completionTime":"${ago:52h25m}",
	  "conditions":[{"type":"SuccessCriteriaMet","status":"True"},{"type":"Complete","status":"True"}]}}`)
	printed("job running", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"run","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"parallelism":4,"completions":null,`+jobTemplate+`},"status":{"succeeded":1,"active":3,"startTime":"${ago:45m30s}"}}`)
	printed("job failed", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"fail","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"parallelism":1,"completions":null,`+jobTemplate+`},
	 "status":{"failed":6,"conditions":[{"type":"Complete","status":"False"},{"type":"FailureTarget","status":"True"},{"type":"Failed","status":"True"}]}}`)
	printed("job suspended", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"sus","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{"suspend":true,`+jobTemplate+`},"status":{"conditions":[{"type":"Suspended","status":"True"}]}}`)
	printed("job failure target", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"ft","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{`+jobTemplate+`},"status":{"conditions":[{"type":"FailureTarget","status":"True"}]}}`)
	printed("job success criteria met", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"scm","namespace":"default","creationTimestamp":"${ago:5h20m30s}"},
	 "spec":{`+jobTemplate+`},"status":{"conditions":[{"type":"SuccessCriteriaMet","status":"True"}]}}`)
	printed("job terminating", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"term","namespace":"default","creationTimestamp":"${ago:5h20m30s}","deletionTimestamp":"${ago:45m30s}"},
	 "spec":{`+jobTemplate+`},"status":{"conditions":[{"type":"Suspended","status":"True"}]}}`)
	printed("cron job", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"schedule":"0 3 * * *","timeZone":"Europe/Berlin","jobTemplate":{"spec":{"selector":{"matchLabels":{"a":"b"}},`+jobTemplate+`}}},
	 "status":{"active":[{"name":"nightly-1"},{"name":"nightly-2"}],"lastScheduleTime":"${ago:20h30m}"}}`)
	printed("cron job suspended", `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"off","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"schedule":"@hourly","suspend":true,"jobTemplate":{"spec":{`+jobTemplate+`}}}}`)

	// --- autoscaling ---
	printed("hpa v2", `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":10,
	  "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}},
	   {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"512Mi"}}}]},
	 "status":{"currentReplicas":3,"desiredReplicas":3,
	  "currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":45,"averageValue":"120m"}}}]}}`)
	printed("hpa v2 every metric type", `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"all","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"scaleTargetRef":{"kind":"StatefulSet","name":"db"},"maxReplicas":5,
	  "metrics":[
	   {"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"AverageValue","averageValue":"30"}}},
	   {"type":"External","external":{"metric":{"name":"queue"},"target":{"type":"Value","value":"100"}}},
	   {"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"1k"}}},
	   {"type":"Object","object":{"describedObject":{"kind":"Service","name":"s"},"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"50"}}},
	   {"type":"Object","object":{"describedObject":{"kind":"Service","name":"s"},"metric":{"name":"rps"},"target":{"type":"Value","value":"2k"}}},
	   {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization"}}},
	   {"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","target":{"type":"Utilization","averageUtilization":70}}},
	   {"type":"ContainerResource","containerResource":{"name":"memory","container":"app","target":{"type":"AverageValue","averageValue":"1Gi"}}}]},
	 "status":{"currentReplicas":1,"desiredReplicas":1,"currentMetrics":[
	   {"type":"External","external":{"metric":{"name":"queue"},"current":{"averageValue":"12"}}},
	   {"type":"External","external":{"metric":{"name":"queue"},"current":{"value":"70"}}}]}}`)
	for i, metrics := range []string{
		`{"type":"External","external":{"metric":{"name":"q"},"target":{"type":"AverageValue","averageValue":"30"}}}`,
		`{"type":"External","external":{"metric":{"name":"q"},"target":{"type":"Value","value":"100"}}}`,
		`{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"1k"}}}`,
		`{"type":"Object","object":{"describedObject":{"kind":"Service","name":"s"},"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"50"}}}`,
		`{"type":"Object","object":{"describedObject":{"kind":"Service","name":"s"},"metric":{"name":"rps"},"target":{"type":"Value","value":"2k"}}}`,
		`{"type":"Resource","resource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"250m"}}}`,
		`{"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","target":{"type":"Utilization","averageUtilization":70}}}`,
		`{"type":"ContainerResource","containerResource":{"name":"memory","container":"app","target":{"type":"AverageValue","averageValue":"1Gi"}}}`,
	} {
		statuses := []string{
			`{"type":"External","external":{"metric":{"name":"q"},"current":{"averageValue":"12"}}}`,
			`{"type":"External","external":{"metric":{"name":"q"},"current":{"value":"70"}}}`,
			`{"type":"Pods","pods":{"metric":{"name":"qps"},"current":{"averageValue":"900"}}}`,
			`{"type":"Object","object":{"describedObject":{"kind":"Service","name":"s"},"metric":{"name":"rps"},"current":{"averageValue":"40"}}}`,
			`{"type":"Object","object":{"describedObject":{"kind":"Service","name":"s"},"metric":{"name":"rps"},"current":{"value":"1500"}}}`,
			`{"type":"Resource","resource":{"name":"cpu","current":{"averageValue":"100m"}}}`,
			`{"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","current":{"averageUtilization":35}}}`,
			`{"type":"ContainerResource","containerResource":{"name":"memory","container":"app","current":{"averageValue":"700Mi"}}}`,
		}
		printed("hpa v2 metric with current "+string(rune('a'+i)), `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"m","namespace":"default","creationTimestamp":"${ago:9601h}"},
		 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":3,"metrics":[`+metrics+`]},
		 "status":{"currentReplicas":1,"desiredReplicas":1,"currentMetrics":[`+statuses[i]+`]}}`)
	}
	printed("hpa v2 without metrics", `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"none","namespace":"default"},
	 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3,"metrics":[]}}`)
	printed("hpa v1", `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":10,"targetCPUUtilizationPercentage":60},
	 "status":{"currentReplicas":3,"desiredReplicas":3,"currentCPUUtilizationPercentage":45}}`)
	printed("hpa v1 default target", `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"dflt","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4},"status":{"currentReplicas":0,"desiredReplicas":0}}`)
	printed("hpa v1 with metric annotations", `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"annotated","namespace":"default","creationTimestamp":"${ago:9601h}",
	  "annotations":{
	   "autoscaling.alpha.kubernetes.io/metrics":"[{\"type\":\"Pods\",\"pods\":{\"metricName\":\"qps\",\"targetAverageValue\":\"1k\"}},{\"type\":\"External\",\"external\":{\"metricName\":\"q\",\"targetValue\":\"100\"}},{\"type\":\"Object\",\"object\":{\"target\":{\"kind\":\"Service\",\"name\":\"s\"},\"metricName\":\"rps\",\"targetValue\":\"2k\"}},{\"type\":\"Object\",\"object\":{\"target\":{\"kind\":\"Service\",\"name\":\"s\"},\"metricName\":\"rps\",\"targetValue\":\"0\",\"averageValue\":\"50\"}},{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"targetAverageValue\":\"1Gi\"}},{\"type\":\"External\",\"external\":{\"metricName\":\"q\",\"targetAverageValue\":\"30\"}},{\"type\":\"ContainerResource\",\"containerResource\":{\"name\":\"cpu\",\"container\":\"app\",\"targetAverageUtilization\":70}}]",
	   "autoscaling.alpha.kubernetes.io/current-metrics":"[{\"type\":\"Pods\",\"pods\":{\"metricName\":\"qps\",\"currentAverageValue\":\"900\"}},{\"type\":\"External\",\"external\":{\"metricName\":\"q\",\"currentValue\":\"70\"}},{\"type\":\"Object\",\"object\":{\"target\":{\"kind\":\"Service\",\"name\":\"s\"},\"metricName\":\"rps\",\"currentValue\":\"1500\"}},{\"type\":\"Object\",\"object\":{\"target\":{\"kind\":\"Service\",\"name\":\"s\"},\"metricName\":\"rps\",\"currentValue\":\"0\",\"averageValue\":\"40\"}},{\"type\":\"Resource\",\"resource\":{\"name\":\"memory\",\"currentAverageValue\":\"700Mi\"}}]"}},
	 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":4,"targetCPUUtilizationPercentage":80},
	 "status":{"currentReplicas":2,"desiredReplicas":2,"currentCPUUtilizationPercentage":10}}`)
	printed("hpa v1 with broken annotations", `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"broken","namespace":"default","creationTimestamp":"${ago:9601h}",
	  "annotations":{"autoscaling.alpha.kubernetes.io/metrics":"not json","autoscaling.alpha.kubernetes.io/current-metrics":"[]"}},
	 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4},"status":{"currentReplicas":2,"desiredReplicas":2,"currentCPUUtilizationPercentage":10}}`)
	printed("scale", `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"replicas":5},"status":{"replicas":4,"selector":"app=web"}}`)

	// --- policy ---
	printed("pod disruption budget", `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"pdb","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"minAvailable":2,"selector":{"matchLabels":{"app":"web"}}},"status":{"disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3}}`)
	printed("pod disruption budget percent", `{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"pdb2","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"maxUnavailable":"25%"},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}`)
}
