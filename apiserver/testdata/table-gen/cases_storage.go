package main

// Cases for storage.k8s.io.
func addStorageCases() {
	printed("storage class", `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fast","creationTimestamp":"${ago:9601h}",
	  "annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
	 "provisioner":"ebs.csi.aws.com","reclaimPolicy":"Retain","volumeBindingMode":"WaitForFirstConsumer","allowVolumeExpansion":true}`)
	printed("storage class defaulted", `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"plain","creationTimestamp":"${ago:9601h}"},
	 "provisioner":"kubernetes.io/no-provisioner"}`)
	printedList("storage class list", "StorageClass", `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClassList","metadata":{"resourceVersion":"7"},"items":[
	  {"metadata":{"name":"old-default","creationTimestamp":"${ago:9601h}","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"a"},
	  {"metadata":{"name":"zz-default","creationTimestamp":"${ago:45m30s}","annotations":{"storageclass.beta.kubernetes.io/is-default-class":"true"}},"provisioner":"b"},
	  {"metadata":{"name":"aa-default","creationTimestamp":"${ago:45m30s}","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"c"},
	  {"metadata":{"name":"not-default","creationTimestamp":"${ago:45m30s}","annotations":{"storageclass.kubernetes.io/is-default-class":"false"}},"provisioner":"d"}]}`)
	printedList("storage class list without default", "StorageClass", `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClassList","metadata":{},"items":[
	  {"metadata":{"name":"one","creationTimestamp":"${ago:9601h}"},"provisioner":"a"}]}`)
	printed("csi driver", `{"apiVersion":"storage.k8s.io/v1","kind":"CSIDriver","metadata":{"name":"ebs.csi.aws.com","creationTimestamp":"${ago:9601h}"},
	 "spec":{"attachRequired":false,"podInfoOnMount":true,"storageCapacity":true,"requiresRepublish":true,
	  "tokenRequests":[{"audience":"sts.amazonaws.com"},{"audience":"vault"}],"volumeLifecycleModes":["Persistent","Ephemeral"]}}`)
	printed("csi driver defaulted", `{"apiVersion":"storage.k8s.io/v1","kind":"CSIDriver","metadata":{"name":"plain.csi","creationTimestamp":"${ago:9601h}"},"spec":{}}`)
	printed("csi node", `{"apiVersion":"storage.k8s.io/v1","kind":"CSINode","metadata":{"name":"node-a","creationTimestamp":"${ago:9601h}"},
	 "spec":{"drivers":[{"name":"a","nodeID":"1"},{"name":"b","nodeID":"2"}]}}`)
	printed("volume attachment", `{"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttachment","metadata":{"name":"csi-123","creationTimestamp":"${ago:9601h}"},
	 "spec":{"attacher":"ebs.csi.aws.com","nodeName":"node-a","source":{"persistentVolumeName":"pv-1"}},"status":{"attached":true}}`)
	printed("volume attachment inline", `{"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttachment","metadata":{"name":"csi-456","creationTimestamp":"${ago:9601h}"},
	 "spec":{"attacher":"x","nodeName":"node-b","source":{"inlineVolumeSpec":{"csi":{"driver":"x","volumeHandle":"h"}}}}}`)
	printed("volume attributes class", `{"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttributesClass","metadata":{"name":"gold","creationTimestamp":"${ago:9601h}"},
	 "driverName":"ebs.csi.aws.com","parameters":{"iops":"3000"}}`)
}
