package main

// clusterCases are the namespaces', nodes' and persistent volume claims' cases.
func clusterCases() []kindCase {
	return []kindCase{
		create("namespace valid", nsBase),
		create("namespace finalizer bad", with(nsBase, "spec.finalizers", `["a/b/c"]`)),
		create("namespace finalizer unqualified", with(nsBase, "spec.finalizers", `["foo"]`)),
		update("namespace update valid", with(nsBase, "metadata.labels", `{"a":"b"}`), nsBase),
		create("node valid", nodeBase),
		create("node pod cidr bad", with(nodeBase, "spec.podCIDR", `"abc"`)),
		create("node taint effect bad", with(nodeBase, "spec.taints", `[{"key":"k","effect":"Sometimes"}]`)),
		create("node taint key bad", with(nodeBase, "spec.taints", `[{"key":"a b","effect":"NoSchedule"}]`)),
		create("node taints duplicate", with(nodeBase, "spec.taints", `[{"key":"k","effect":"NoSchedule"},{"key":"k","effect":"NoSchedule"}]`)),
		update("node update pod cidr", with(nodeBase, "spec.podCIDR", `"10.0.1.0/24"`, "spec.podCIDRs", `["10.0.1.0/24"]`), with(nodeBase, "spec.podCIDR", `"10.0.0.0/24"`, "spec.podCIDRs", `["10.0.0.0/24"]`)),
		update("node update provider id", with(nodeBase, "spec.providerID", `"b"`), with(nodeBase, "spec.providerID", `"a"`)),
		update("node update unschedulable", with(nodeBase, "spec.unschedulable", `true`), nodeBase),
		create("pvc valid", pvcBase),
		create("pvc no access modes", with(pvcBase, "spec.accessModes", `[]`)),
		create("pvc access mode bad", with(pvcBase, "spec.accessModes", `["ReadSometimes"]`)),
		create("pvc no storage", with(pvcBase, "spec.resources", `{}`)),
		create("pvc storage zero", with(pvcBase, "spec.resources", `{"requests":{"storage":"0"}}`)),
		create("pvc volume mode bad", with(pvcBase, "spec.volumeMode", `"Foo"`)),
		update("pvc update access modes", with(pvcBase, "spec.accessModes", `["ReadWriteMany"]`), pvcBase),
		update("pvc update labels", with(pvcBase, "metadata.labels", `{"a":"b"}`), pvcBase),
	}
}
