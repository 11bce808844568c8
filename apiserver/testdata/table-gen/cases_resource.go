package main

// Cases for resource.k8s.io and for kinds the default table convertor prints.
func addResourceCases() {
	printed("device class", `{"apiVersion":"resource.k8s.io/v1","kind":"DeviceClass","metadata":{"name":"gpu.example.com","creationTimestamp":"${ago:9601h}"},"spec":{}}`)
	printed("resource claim pending", `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim","metadata":{"name":"gpu","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu.example.com"}}]}}}`)
	printed("resource claim reserved", `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim","metadata":{"name":"gpu2","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu.example.com"}}]}},
	 "status":{"allocation":{"devices":{"results":[{"request":"gpu","driver":"gpu.example.com","pool":"node-a","device":"gpu-0"}]}},
	  "reservedFor":[{"resource":"pods","name":"web-1","uid":"u1"}]}}`)
	printed("resource claim allocated and deleted", `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim","metadata":{"name":"gpu3","namespace":"default","creationTimestamp":"${ago:9601h}","deletionTimestamp":"${ago:45m30s}"},
	 "spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu.example.com"}}]}},
	 "status":{"allocation":{"devices":{"results":[{"request":"gpu","driver":"gpu.example.com","pool":"node-a","device":"gpu-0"}]}}}}`)
	printed("resource claim deleted", `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim","metadata":{"name":"gpu4","namespace":"default","creationTimestamp":"${ago:9601h}","deletionTimestamp":"${ago:45m30s}"},
	 "spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu.example.com"}}]}}}`)
	printed("resource claim template", `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaimTemplate","metadata":{"name":"gpu-tpl","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"spec":{"devices":{"requests":[{"name":"gpu","exactly":{"deviceClassName":"gpu.example.com"}}]}}}}`)
	printed("resource slice", `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceSlice","metadata":{"name":"node-a-gpu","creationTimestamp":"${ago:9601h}"},
	 "spec":{"driver":"gpu.example.com","pool":{"name":"node-a","generation":1,"resourceSliceCount":1},"nodeName":"node-a","devices":[{"name":"gpu-0"}]}}`)
	printed("resource slice all nodes", `{"apiVersion":"resource.k8s.io/v1","kind":"ResourceSlice","metadata":{"name":"net","creationTimestamp":"${ago:9601h}"},
	 "spec":{"driver":"net.example.com","pool":{"name":"fabric","generation":1,"resourceSliceCount":1},"allNodes":true}}`)
	printed("device taint rule", `{"apiVersion":"resource.k8s.io/v1","kind":"DeviceTaintRule","metadata":{"name":"broken-gpu","creationTimestamp":"${ago:9601h}"},
	 "spec":{"deviceSelector":{"driver":"gpu.example.com"},"taint":{"key":"example.com/broken","value":"true","effect":"NoExecute","timeAdded":"${ago:5h20m30s}"}}}`)
	// Defaulting sets a missing timeAdded to the time of decoding, so every stored rule has one.
	printed("device taint rule without value", `{"apiVersion":"resource.k8s.io/v1","kind":"DeviceTaintRule","metadata":{"name":"t2","creationTimestamp":"${ago:9601h}"},
	 "spec":{"taint":{"key":"k","effect":"NoSchedule","timeAdded":"${ago:20h30m}"}}}`)
	printed("resource pool status request complete", `{"apiVersion":"resource.k8s.io/v1alpha3","kind":"ResourcePoolStatusRequest","metadata":{"name":"gpus","creationTimestamp":"${ago:9601h}"},
	 "spec":{"driver":"gpu.example.com"},
	 "status":{"poolCount":3,"conditions":[{"type":"Complete","status":"True","reason":"r","message":"","lastTransitionTime":"${ago:45m30s}"}],
	  "pools":[{"driver":"gpu.example.com","poolName":"a","generation":1,"totalDevices":8,"allocatedDevices":3,"availableDevices":4,"unavailableDevices":1},
	   {"driver":"gpu.example.com","poolName":"b","generation":1,"totalDevices":2,"validationError":"bad"}]}}`)
	printed("resource pool status request failed", `{"apiVersion":"resource.k8s.io/v1alpha3","kind":"ResourcePoolStatusRequest","metadata":{"name":"gpus2","creationTimestamp":"${ago:9601h}"},
	 "spec":{"driver":"gpu.example.com"},
	 "status":{"conditions":[{"type":"Failed","status":"True","reason":"r","message":"","lastTransitionTime":"${ago:45m30s}"}],
	  "pools":[{"driver":"gpu.example.com","poolName":"a","generation":1,"totalDevices":8}]}}`)
	printed("resource pool status request in progress", `{"apiVersion":"resource.k8s.io/v1alpha3","kind":"ResourcePoolStatusRequest","metadata":{"name":"gpus3","creationTimestamp":"${ago:9601h}"},
	 "spec":{"driver":"gpu.example.com"},"status":{"pools":[{"driver":"gpu.example.com","poolName":"a","generation":1,"totalDevices":1}]}}`)
	printed("resource pool status request new", `{"apiVersion":"resource.k8s.io/v1alpha3","kind":"ResourcePoolStatusRequest","metadata":{"name":"gpus4","creationTimestamp":"${ago:9601h}"},
	 "spec":{"driver":"gpu.example.com"}}`)
}

func addDefaultCases() {
	defaulted("limit range", "limitranges", `{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"limits","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"limits":[{"type":"Container","max":{"cpu":"2"}}]}}`)
	defaulted("role", "roles", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"reader","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}`)
	defaulted("cluster role without timestamp", "clusterroles", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"view"}}`)
	defaulted("csi storage capacity", "csistoragecapacities", `{"apiVersion":"storage.k8s.io/v1","kind":"CSIStorageCapacity","metadata":{"name":"cap","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "storageClassName":"fast","capacity":"100Gi"}`)
}
