package main

import (
	"encoding/json"
	"fmt"
)

// withAnnotations returns the JSON object raw with metadata.annotations set to the key/value
// pairs kv (annotation values that hold JSON are easier to write this way than escaped).
func withAnnotations(raw string, kv ...string) string {
	var obj map[string]any
	if err := json.Unmarshal([]byte(raw), &obj); err != nil {
		panic(fmt.Sprintf("withAnnotations: %v in %s", err, raw))
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	annotations := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		annotations[kv[i]] = kv[i+1]
	}
	meta["annotations"] = annotations
	out, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return string(out)
}

const (
	metricsAnnotation        = "autoscaling.alpha.kubernetes.io/metrics"
	currentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	conditionsAnnotation     = "autoscaling.alpha.kubernetes.io/conditions"
	behaviorAnnotation       = "autoscaling.alpha.kubernetes.io/behavior"
	scaleUpTolerance         = "autoscaling.alpha.kubernetes.io/scale-up-tolerance"
	scaleDownTolerance       = "autoscaling.alpha.kubernetes.io/scale-down-tolerance"
)

const hpaV1Annotated = `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler",
 "metadata":{"name":"web","namespace":"default","uid":"0b9d7e39-3f1c-4c55-9c59-5d0c1b1e0a11","resourceVersion":"42","generation":3,"creationTimestamp":"2024-03-01T08:00:00Z","labels":{"app":"web"}},
 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":10,"targetCPUUtilizationPercentage":60},
 "status":{"observedGeneration":3,"lastScaleTime":"2024-03-01T10:00:00Z","currentReplicas":3,"desiredReplicas":3,"currentCPUUtilizationPercentage":55}}`

const hpaV2Full = `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
 "metadata":{"name":"web","namespace":"default","uid":"0b9d7e39-3f1c-4c55-9c59-5d0c1b1e0a11","resourceVersion":"42","generation":2,"creationTimestamp":"2024-03-01T08:00:00Z"},
 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":20,
  "metrics":[
   {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}},
   {"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"1Gi"}}},
   {"type":"Pods","pods":{"metric":{"name":"qps","selector":{"matchLabels":{"verb":"GET"}}},"target":{"type":"AverageValue","averageValue":"100"}}},
   {"type":"Object","object":{"describedObject":{"apiVersion":"v1","kind":"Service","name":"front"},"metric":{"name":"hits"},"target":{"type":"Value","value":"2k"}}},
   {"type":"Object","object":{"describedObject":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","name":"main"},"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"500m"}}},
   {"type":"External","external":{"metric":{"name":"queue","selector":{"matchExpressions":[{"key":"queue","operator":"In","values":["a","b"]}]}},"target":{"type":"AverageValue","averageValue":"30"}}},
   {"type":"External","external":{"metric":{"name":"lag"},"target":{"type":"Value","value":"7"}}},
   {"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","target":{"type":"Utilization","averageUtilization":70}}},
   {"type":"ContainerResource","containerResource":{"name":"memory","container":"sidecar","target":{"type":"AverageValue","averageValue":"64Mi"}}}
  ],
  "behavior":{"scaleUp":{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}],"tolerance":"50m"},
   "scaleDown":{"stabilizationWindowSeconds":300,"policies":[{"type":"Percent","value":10,"periodSeconds":60}]}}},
 "status":{"observedGeneration":2,"lastScaleTime":"2024-03-01T10:00:00Z","currentReplicas":3,"desiredReplicas":4,
  "currentMetrics":[
   {"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":55,"averageValue":"220m"}}},
   {"type":"Resource","resource":{"name":"memory","current":{"averageValue":"700Mi"}}},
   {"type":"Pods","pods":{"metric":{"name":"qps"},"current":{"averageValue":"80"}}},
   {"type":"Object","object":{"metric":{"name":"hits"},"current":{"value":"1500"},"describedObject":{"apiVersion":"v1","kind":"Service","name":"front"}}},
   {"type":"Object","object":{"metric":{"name":"rps"},"current":{"averageValue":"450m"},"describedObject":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","name":"main"}}},
   {"type":"External","external":{"metric":{"name":"queue"},"current":{"averageValue":"25"}}},
   {"type":"External","external":{"metric":{"name":"lag"},"current":{"value":"9"}}},
   {"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","current":{"averageUtilization":40,"averageValue":"100m"}}}
  ],
  "conditions":[
   {"type":"AbleToScale","status":"True","lastTransitionTime":"2024-03-01T09:00:00Z","reason":"ReadyForNewScale","message":"recommended size matches current size"},
   {"type":"ScalingActive","status":"True","lastTransitionTime":"2024-03-01T09:30:00Z","reason":"ValidMetricFound","message":"the HPA was able to <compute> & scale","observedGeneration":2},
   {"type":"ScalingLimited","status":"False","lastTransitionTime":"2024-03-01T09:31:00Z"}
  ]}}`

const coreEvent = `{"apiVersion":"v1","kind":"Event",
 "metadata":{"name":"web-1.17b","namespace":"default","uid":"6c1b1c1e-0000-4000-8000-000000000001","resourceVersion":"77","creationTimestamp":"2024-03-01T10:00:00Z"},
 "involvedObject":{"kind":"Pod","namespace":"default","name":"web-1","uid":"6c1b1c1e-0000-4000-8000-000000000002","apiVersion":"v1","resourceVersion":"55","fieldPath":"spec.containers{app}"},
 "reason":"BackOff","message":"Back-off restarting failed container",
 "source":{"component":"kubelet","host":"node-1"},
 "firstTimestamp":"2024-03-01T10:00:00Z","lastTimestamp":"2024-03-01T10:05:00Z","count":7,"type":"Warning",
 "eventTime":"2024-03-01T10:00:00.123456Z",
 "series":{"count":6,"lastObservedTime":"2024-03-01T10:05:00.000001Z"},
 "action":"Restarting",
 "related":{"kind":"Node","name":"node-1","apiVersion":"v1"},
 "reportingComponent":"kubelet","reportingInstance":"node-1"}`

const eventsEvent = `{"apiVersion":"events.k8s.io/v1","kind":"Event",
 "metadata":{"name":"sched.17c","namespace":"default","uid":"6c1b1c1e-0000-4000-8000-000000000003","resourceVersion":"78","creationTimestamp":"2024-03-01T11:00:00Z"},
 "eventTime":"2024-03-01T11:00:00.654321Z",
 "series":{"count":2,"lastObservedTime":"2024-03-01T11:01:00.000000Z"},
 "reportingController":"default-scheduler","reportingInstance":"default-scheduler-control-plane",
 "action":"Scheduling","reason":"FailedScheduling",
 "regarding":{"kind":"Pod","namespace":"default","name":"big","uid":"6c1b1c1e-0000-4000-8000-000000000004","apiVersion":"v1","resourceVersion":"99"},
 "related":{"kind":"Node","name":"node-2"},
 "note":"0/3 nodes are available: 3 Insufficient cpu.","type":"Warning",
 "deprecatedSource":{"component":"default-scheduler"},
 "deprecatedFirstTimestamp":"2024-03-01T11:00:00Z","deprecatedLastTimestamp":"2024-03-01T11:01:00Z","deprecatedCount":2}`

const crdV1 = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"widgets.example.com","uid":"6c1b1c1e-0000-4000-8000-000000000010","resourceVersion":"5","generation":1,"creationTimestamp":"2024-03-01T08:00:00Z"},
 "spec":{"group":"example.com","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList","shortNames":["wd"],"categories":["all"]},"scope":"Namespaced",
  "versions":[
   {"name":"v1","served":true,"storage":true,
    "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer","minimum":1,"maximum":10},"color":{"type":"string","enum":["red","blue"]}}}}}},
    "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}},
    "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"},{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp","priority":1,"description":"age","format":""}],
    "selectableFields":[{"jsonPath":".spec.color"}]},
   {"name":"v1beta1","served":true,"storage":false,"deprecated":true,"deprecationWarning":"use v1",
    "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer","minimum":1,"maximum":10},"color":{"type":"string","enum":["red","blue"]}}}}}},
    "subresources":{"status":{},"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas","labelSelectorPath":".status.selector"}},
    "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"},{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp","priority":1,"description":"age","format":""}],
    "selectableFields":[{"jsonPath":".spec.color"}]}
  ],
  "conversion":{"strategy":"None"}},
 "status":{"conditions":[{"type":"Established","status":"True","lastTransitionTime":"2024-03-01T08:00:01Z","reason":"InitialNamesAccepted","message":"the initial names have been accepted"}],
  "acceptedNames":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList","shortNames":["wd"],"categories":["all"]},"storedVersions":["v1"]}}`

const crdV1Differing = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"gadgets.example.com"},
 "spec":{"group":"example.com","names":{"plural":"gadgets","kind":"Gadget"},"scope":"Cluster",
  "versions":[
   {"name":"v2","served":true,"storage":true,
    "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},
    "subresources":{"status":{}},
    "additionalPrinterColumns":[{"name":"Phase","type":"string","jsonPath":".status.phase"}]},
   {"name":"v1","served":true,"storage":false,
    "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}},
    "subresources":{"status":{}},
    "additionalPrinterColumns":[{"name":"State","type":"string","jsonPath":".status.state"}]},
   {"name":"v0","served":false,"storage":false,
    "schema":{"openAPIV3Schema":{"type":"object"}},
    "subresources":{"status":{}}}
  ]}}`

const crdV1Webhook = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"things.example.com"},
 "spec":{"group":"example.com","names":{"plural":"things","kind":"Thing"},"scope":"Namespaced","preserveUnknownFields":true,
  "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object"}}},{"name":"v2","served":true,"storage":false}],
  "conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"namespace":"system","name":"conv","path":"/convert","port":8443},"caBundle":"Q0FCVU5ETEU="},"conversionReviewVersions":["v1","v1beta1"]}}}}`

const crdV1Values = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
 "metadata":{"name":"values.example.com"},
 "spec":{"group":"example.com","names":{"plural":"values","kind":"Value"},"scope":"Namespaced",
  "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{
    "ratio":{"type":"number","default":1.0,"enum":[1.0,2.5,1e3,null],"example":1e2,"multipleOf":0.5},
    "count":{"type":"integer","default":3,"format":"int32","maxLength":5,"x-kubernetes-int-or-string":false},
    "nothing":{"type":"string","default":null,"nullable":true},
    "config":{"type":"object","default":{"b":[1,{"z":true,"a":"x"}],"a":1},"additionalProperties":{"type":"string"},"x-kubernetes-map-type":"granular"},
    "open":{"type":"object","additionalProperties":true},
    "closed":{"type":"object","additionalProperties":false},
    "list":{"type":"array","items":{"type":"string"},"x-kubernetes-list-type":"set","maxItems":3},
    "tuple":{"type":"array","items":[{"type":"string"},{"type":"integer"}]},
    "ref":{"anyOf":[{"type":"integer"},{"type":"string"}],"x-kubernetes-int-or-string":true},
    "rules":{"type":"object","x-kubernetes-validations":[{"rule":"self.a > 0","message":"a must be positive","reason":"FieldValueInvalid","fieldPath":".a","optionalOldSelf":true,"messageExpression":"'bad'"}],"properties":{"a":{"type":"integer"}},"required":["a"]},
    "deps":{"type":"object","dependencies":{"a":["b"],"c":{"required":["d"]}}}
  }}}}]}}`

const crdV1beta1Legacy = `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition",
 "metadata":{"name":"olds.example.com","creationTimestamp":"2019-01-01T00:00:00Z"},
 "spec":{"group":"example.com","version":"v1alpha1","names":{"plural":"olds","kind":"Old"},"scope":"Namespaced",
  "validation":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object"}}}},
  "subresources":{"status":{}},
  "additionalPrinterColumns":[{"name":"Ready","type":"boolean","JSONPath":".status.ready"}],
  "selectableFields":[{"jsonPath":".spec.kind"}]},
 "status":{"acceptedNames":{"plural":"olds","kind":"Old"},"storedVersions":["v1alpha1"]}}`

const crdV1beta1TopLevel = `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition",
 "metadata":{"name":"mixed.example.com"},
 "spec":{"group":"example.com","version":"v1","names":{"plural":"mixed","kind":"Mixed"},"scope":"Namespaced","preserveUnknownFields":false,
  "versions":[{"name":"v1","served":true,"storage":true},{"name":"v2","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"string"}},"additionalPrinterColumns":[{"name":"X","type":"string","JSONPath":".x"}]}],
  "validation":{"openAPIV3Schema":{"type":"object"}},
  "additionalPrinterColumns":[{"name":"Y","type":"string","JSONPath":".y","priority":2}],
  "conversion":{"strategy":"Webhook","webhookClientConfig":{"url":"https://conv.example.com/convert"}}}}`

const crdV1beta1Webhook = `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition",
 "metadata":{"name":"hooks.example.com"},
 "spec":{"group":"example.com","names":{"plural":"hooks","kind":"Hook"},"scope":"Cluster","preserveUnknownFields":true,
  "versions":[{"name":"v1","served":true,"storage":true}],
  "conversion":{"strategy":"Webhook","conversionReviewVersions":["v1beta1"]}}}`

var cases = []input{
	// autoscaling: v1 keeps what it cannot express in annotations.
	{name: "hpa v1 minimal to v2 gets the implicit cpu target", group: "autoscaling", version: "v2", object: `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5}}`},
	{name: "hpa v1 cpu target to v2", group: "autoscaling", version: "v2", roundTrip: true, object: hpaV1Annotated},
	{name: "hpa v1 annotations to v2", group: "autoscaling", version: "v2", roundTrip: true, object: withAnnotations(hpaV1Annotated,
		"example.com/keep", "yes",
		metricsAnnotation, `[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"100"}},{"type":"Object","object":{"target":{"kind":"Service","name":"front","apiVersion":"v1"},"metricName":"hits","targetValue":"2k"}},{"type":"Object","object":{"target":{"kind":"Ingress","name":"main"},"metricName":"rps","targetValue":"0","averageValue":"500m","selector":{"matchLabels":{"tier":"web"}}}},{"type":"Object","object":{"target":{"kind":"Ingress","name":"side"},"metricName":"rps2","targetValue":"3","averageValue":"1"}},{"type":"External","external":{"metricName":"queue","metricSelector":{"matchExpressions":[{"key":"q","operator":"In","values":["a","b"]}]},"targetAverageValue":"30"}},{"type":"External","external":{"metricName":"lag","targetValue":"7"}},{"type":"Resource","resource":{"name":"memory","targetAverageValue":"512Mi"}},{"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","targetAverageUtilization":70}},{"type":"ContainerResource","containerResource":{"name":"memory","container":"app","targetAverageValue":"1Gi"}}]`,
		behaviorAnnotation, `{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":"50m"},"ScaleDown":{"StabilizationWindowSeconds":300,"SelectPolicy":null,"Policies":[{"Type":"Percent","Value":10,"PeriodSeconds":60}],"Tolerance":null}}`,
		currentMetricsAnnotation, `[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":55,"currentAverageValue":"220m"}},{"type":"Resource","resource":{"name":"memory","currentAverageValue":"700Mi"}},{"type":"Pods","pods":{"metricName":"qps","currentAverageValue":"80"}},{"type":"Object","object":{"target":{"kind":"Service","name":"front","apiVersion":"v1"},"metricName":"hits","currentValue":"1500"}},{"type":"Object","object":{"target":{"kind":"Ingress","name":"main"},"metricName":"rps","currentValue":"0","averageValue":"450m"}},{"type":"External","external":{"metricName":"queue","currentValue":"0","currentAverageValue":"25"}},{"type":"External","external":{"metricName":"lag","currentValue":"9"}},{"type":"ContainerResource","containerResource":{"name":"cpu","container":"app","currentAverageUtilization":40,"currentAverageValue":"100m"}}]`,
		conditionsAnnotation, `[{"type":"AbleToScale","status":"True","lastTransitionTime":"2024-03-01T09:00:00Z","reason":"ReadyForNewScale","message":"recommended size matches current size"},{"type":"ScalingActive","status":"True","lastTransitionTime":"2024-03-01T12:00:00+02:00","reason":"ValidMetricFound","observedGeneration":3},{"type":"ScalingLimited","status":"False"}]`,
	)},
	{name: "hpa v1 annotations to v1 are written again", group: "autoscaling", version: "v1", object: withAnnotations(hpaV1Annotated,
		metricsAnnotation, `[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"100","selector":{"matchLabels":{"b":"2","a":"1"}}}},{"type":"Resource","resource":{"name":"cpu","targetAverageUtilization":90}}]`,
		behaviorAnnotation, `{"scaleDown":{"selectPolicy":"Disabled"}}`,
		conditionsAnnotation, `[{"type":"AbleToScale","status":"True","lastTransitionTime":"2024-03-01T12:00:00.5+02:00","message":"a <b> & c"}]`,
	)},
	{name: "hpa v1 broken annotations are ignored", group: "autoscaling", version: "v2", object: withAnnotations(`{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3},"status":{"currentReplicas":1,"desiredReplicas":1,"currentCPUUtilizationPercentage":20}}`,
		metricsAnnotation, `not json`,
		behaviorAnnotation, `{}`,
		currentMetricsAnnotation, `[{"type":"Pods","pods":{"metricName":5}}]`,
		conditionsAnnotation, `[]`,
		scaleUpTolerance, "0.1",
		scaleDownTolerance, "0.2",
		"other", "kept",
	)},
	{name: "hpa v1 annotations are read case-insensitively", group: "autoscaling", version: "v2", object: withAnnotations(`{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3}}`,
		metricsAnnotation, `[{"TYPE":"Resource","Resource":{"NAME":"cpu","targetaverageutilization":65}}]`,
		behaviorAnnotation, `{"scaleDown":{"selectPolicy":"Disabled","policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}`,
	)},
	{name: "hpa v1 annotation metrics come before the cpu target", group: "autoscaling", version: "v2", object: withAnnotations(`{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3,"targetCPUUtilizationPercentage":75}}`,
		metricsAnnotation, `[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}}]`,
		currentMetricsAnnotation, `null`,
	)},
	{name: "hpa v1 empty metrics annotation still defaults cpu", group: "autoscaling", version: "v2", object: withAnnotations(`{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3}}`,
		metricsAnnotation, `[]`,
	)},
	{name: "hpa v2 full to v1", group: "autoscaling", version: "v1", roundTrip: true, object: withAnnotations(hpaV2Full,
		metricsAnnotation, `stale`,
		"example.com/keep", "yes",
	)},
	{name: "hpa v2 cpu only to v1", group: "autoscaling", version: "v1", roundTrip: true, object: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":4,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}]},"status":{"currentReplicas":2,"desiredReplicas":2,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":65,"averageValue":"130m"}}}]}}`},
	{name: "hpa v2 without metrics to v1", group: "autoscaling", version: "v1", roundTrip: true, object: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":4},"status":{"desiredReplicas":0,"currentMetrics":[]}}`},
	{name: "hpa v2 several cpu utilization targets to v1", group: "autoscaling", version: "v1", roundTrip: true, object: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":90}}},{"type":"Resource","resource":{"name":"memory","target":{"type":"Utilization","averageUtilization":60}}},{"type":"Resource","resource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"500m"}}}]},"status":{"currentReplicas":1,"desiredReplicas":1,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":10}}},{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":30}}},{"type":"Resource","resource":{"name":"cpu","current":{"averageValue":"1"}}}]}}`},
	{name: "hpa v2 to v2 drops the round-trip annotations", group: "autoscaling", version: "v2", object: withAnnotations(`{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":4}}`,
		metricsAnnotation, `[]`, behaviorAnnotation, `{}`, currentMetricsAnnotation, `[]`, conditionsAnnotation, `[]`, scaleUpTolerance, "1", scaleDownTolerance, "2", "keep", "me",
	)},
	{name: "hpa v2 list to v1", group: "autoscaling", version: "v1", object: `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscalerList","metadata":{"resourceVersion":"100"},"items":[
		{"metadata":{"name":"a","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"a"},"maxReplicas":2,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":40}}}]}},
		{"metadata":{"name":"b","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"b"},"maxReplicas":3,"metrics":[{"type":"Pods","pods":{"metric":{"name":"qps"},"target":{"type":"AverageValue","averageValue":"5"}}}]}}]}`},

	// events: core/v1 and events.k8s.io/v1 share one storage.
	{name: "core event to events.k8s.io", group: "events.k8s.io", version: "v1", roundTrip: true, object: coreEvent},
	{name: "events.k8s.io event to core", group: "", version: "v1", roundTrip: true, object: eventsEvent},
	{name: "minimal core event to events.k8s.io", group: "events.k8s.io", version: "v1", object: `{"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"ns"},"involvedObject":{"kind":"ConfigMap","name":"cm"},"message":"hello","reason":"Test"}`},
	{name: "core event list to events.k8s.io", group: "events.k8s.io", version: "v1", object: `{"apiVersion":"v1","kind":"EventList","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"e","namespace":"ns"},"involvedObject":{"kind":"ConfigMap","name":"cm"},"message":"hello","count":2}]}`},

	// served at v1, stored at an older version.
	{name: "cluster trust bundle v1 to v1beta1", group: "certificates.k8s.io", version: "v1beta1", roundTrip: true, object: `{"apiVersion":"certificates.k8s.io/v1","kind":"ClusterTrustBundle","metadata":{"name":"example.com:signer:abc","labels":{"a":"b"}},"spec":{"signerName":"example.com/signer","trustBundle":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}}`},
	{name: "pod certificate request v1beta1 to v1", group: "certificates.k8s.io", version: "v1", roundTrip: true, object: `{"apiVersion":"certificates.k8s.io/v1beta1","kind":"PodCertificateRequest","metadata":{"name":"req","namespace":"default"},"spec":{"signerName":"example.com/signer","podName":"p","podUID":"u1","serviceAccountName":"sa","serviceAccountUID":"u2","nodeName":"n","nodeUID":"u3","maxExpirationSeconds":86400,"pkixPublicKey":"AQID","proofOfPossession":"BAUG","stubPKCS10Request":"BwgJ","unverifiedUserAnnotations":{"x":"y"}},"status":{"conditions":[{"type":"Issued","status":"True","reason":"Signed","message":"ok","lastTransitionTime":"2024-03-01T10:00:00Z","observedGeneration":1}],"certificateChain":"chain","notBefore":"2024-03-01T10:00:00Z","beginRefreshAt":"2024-03-01T20:00:00Z","notAfter":"2024-03-02T10:00:00Z"}}`},
	{name: "pod certificate request v1 to v1beta1", group: "certificates.k8s.io", version: "v1beta1", object: `{"apiVersion":"certificates.k8s.io/v1","kind":"PodCertificateRequest","metadata":{"name":"req","namespace":"default"},"spec":{"signerName":"example.com/signer","podName":"p","podUID":"u1","serviceAccountName":"sa","serviceAccountUID":"u2","nodeName":"n","nodeUID":"u3","stubPKCS10Request":"BwgJ"}}`},
	{name: "storage version migration v1 to v1beta1", group: "storagemigration.k8s.io", version: "v1beta1", roundTrip: true, object: `{"apiVersion":"storagemigration.k8s.io/v1","kind":"StorageVersionMigration","metadata":{"name":"m"},"spec":{"resource":{"group":"apps","resource":"deployments"}},"status":{"resourceVersion":"12","conditions":[{"type":"Succeeded","status":"True","lastTransitionTime":"2024-03-01T10:00:00Z","reason":"Done","message":"done"}]}}`},
	{name: "device taint rule v1 to v1beta2", group: "resource.k8s.io", version: "v1beta2", roundTrip: true, object: `{"apiVersion":"resource.k8s.io/v1","kind":"DeviceTaintRule","metadata":{"name":"r"},"spec":{"deviceSelector":{"driver":"gpu.example.com","pool":"p","device":"d"},"taint":{"key":"k","value":"v","effect":"NoExecute","timeAdded":"2024-03-01T10:00:00Z"}},"status":{"conditions":[{"type":"EvictionInProgress","status":"False","lastTransitionTime":"2024-03-01T10:00:00Z","reason":"Done","message":"","observedGeneration":1}]}}`},

	// apiextensions: CRDs are stored at v1beta1.
	{name: "crd v1 identical versions to v1beta1", group: "apiextensions.k8s.io", version: "v1beta1", roundTrip: true, object: crdV1},
	{name: "crd v1 differing versions to v1beta1", group: "apiextensions.k8s.io", version: "v1beta1", roundTrip: true, object: crdV1Differing},
	{name: "crd v1 webhook conversion to v1beta1", group: "apiextensions.k8s.io", version: "v1beta1", roundTrip: true, object: crdV1Webhook},
	{name: "crd v1 schema values to v1beta1", group: "apiextensions.k8s.io", version: "v1beta1", roundTrip: true, object: crdV1Values},
	{name: "crd v1beta1 single version to v1", group: "apiextensions.k8s.io", version: "v1", roundTrip: true, object: crdV1beta1Legacy},
	{name: "crd v1beta1 top-level fields override versions", group: "apiextensions.k8s.io", version: "v1", roundTrip: true, object: crdV1beta1TopLevel},
	{name: "crd v1beta1 webhook without client config to v1", group: "apiextensions.k8s.io", version: "v1", roundTrip: true, object: crdV1beta1Webhook},
	{name: "crd v1 to v1", group: "apiextensions.k8s.io", version: "v1", object: crdV1Differing},

	// same-version round trips through the internal version that change objects.
	{name: "secret stringData merges into data", group: "", version: "v1", object: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default"},"type":"Opaque","data":{"a":"YWFh","b":"YmJi"},"stringData":{"b":"new","c":"see <&>"}}`},
	{name: "secret stringData without data", group: "", version: "v1", object: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default"},"stringData":{"token":"t0k3n"},"immutable":true}`},
	{name: "node podCIDR wins over podCIDRs", group: "", version: "v1", object: `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}},"spec":{"podCIDR":"10.0.1.0/24","podCIDRs":["10.0.2.0/24","fd00::/64"],"providerID":"p"}}`},
	{name: "node podCIDR fills podCIDRs", group: "", version: "v1", object: `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}},"spec":{"podCIDR":"10.0.1.0/24"}}`},
	{name: "node podCIDRs fill podCIDR", group: "", version: "v1", object: `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}},"spec":{"podCIDRs":["10.0.3.0/24","fd00::/64"]}}`},
	{name: "deployment rollback annotation is normalized", group: "apps", version: "v1", object: withAnnotations(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`, "deprecated.deployment.rollback.to", "+007", "x", "y")},
	{name: "deployment empty rollback annotation is dropped", group: "apps", version: "v1", object: withAnnotations(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`, "deprecated.deployment.rollback.to", "")},
	{name: "deployment bad rollback annotation", group: "apps", version: "v1", object: withAnnotations(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`, "deprecated.deployment.rollback.to", "abc")},
	{name: "deployment huge rollback annotation", group: "apps", version: "v1", object: withAnnotations(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`, "deprecated.deployment.rollback.to", "99999999999999999999")},
	{name: "daemonset gets a template generation annotation", group: "apps", version: "v1", object: `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","namespace":"default"},"status":{"currentNumberScheduled":1,"numberMisscheduled":0,"desiredNumberScheduled":1,"numberReady":1},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`},
	{name: "daemonset template generation annotation is normalized", group: "apps", version: "v1", object: withAnnotations(`{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","namespace":"default"},"status":{"currentNumberScheduled":1,"numberMisscheduled":0,"desiredNumberScheduled":1,"numberReady":1},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`, "deprecated.daemonset.template.generation", "-05")},
	{name: "daemonset bad template generation annotation", group: "apps", version: "v1", object: withAnnotations(`{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds","namespace":"default"},"status":{"currentNumberScheduled":1,"numberMisscheduled":0,"desiredNumberScheduled":1,"numberReady":1},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`, "deprecated.daemonset.template.generation", "")},
	{name: "statefulset claim templates get apiVersion and kind", group: "apps", version: "v1", object: `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"ss","namespace":"default"},"status":{"replicas":1,"availableReplicas":1},"spec":{"replicas":1,"serviceName":"s","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}},{"apiVersion":"v9","kind":"Other","metadata":{"name":"logs"}}]}}`},
	{name: "configmap is unchanged", group: "", version: "v1", object: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"},"data":{"k":"v"},"binaryData":{"b":"AAE="}}`},
}
