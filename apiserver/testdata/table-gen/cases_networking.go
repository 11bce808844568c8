package main

// Cases for networking.k8s.io and discovery.k8s.io.
func addNetworkingCases() {
	printed("ingress", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"web","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"ingressClassName":"nginx","tls":[{"hosts":["a.example.com"]}],
	  "rules":[{"host":"a.example.com"},{"host":""},{"host":"b.example.com"},{"host":"c.example.com"},{"host":"d.example.com"},{"host":"e.example.com"}]},
	 "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.9"},{"hostname":"ingress.example.com"},{"ip":"203.0.113.2"}]}}}`)
	printed("ingress default backend", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"plain","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"defaultBackend":{"service":{"name":"web","port":{"number":80}}}}}`)
	printed("ingress three hosts", `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"three","namespace":"default","creationTimestamp":"${ago:45m30s}"},
	 "spec":{"rules":[{"host":"a.example.com"},{"host":"b.example.com"},{"host":"c.example.com"}]}}`)
	printed("ingress class default", `{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"nginx","creationTimestamp":"${ago:9601h}",
	  "annotations":{"ingressclass.kubernetes.io/is-default-class":"true"}},
	 "spec":{"controller":"k8s.io/ingress-nginx","parameters":{"apiGroup":"k8s.example.com","kind":"IngressParameters","name":"external-lb","scope":"Cluster"}}}`)
	printed("ingress class core parameters", `{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"other","creationTimestamp":"${ago:9601h}",
	  "annotations":{"ingressclass.kubernetes.io/is-default-class":"True"}},
	 "spec":{"controller":"example.com/ingress","parameters":{"kind":"ConfigMap","name":"params","scope":"Namespace","namespace":"default"}}}`)
	printed("ingress class bare", `{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"bare","creationTimestamp":"${ago:9601h}"},"spec":{"controller":"example.com/x"}}`)
	printed("network policy", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"deny","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "spec":{"podSelector":{"matchLabels":{"role":"db"},"matchExpressions":[{"key":"env","operator":"NotIn","values":["dev","test"]},{"key":"tier","operator":"Exists"}]},"policyTypes":["Ingress"]}}`)
	printed("network policy all pods", `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"all","namespace":"default","creationTimestamp":"${ago:9601h}"},"spec":{"podSelector":{}}}`)
	printed("service cidr", `{"apiVersion":"networking.k8s.io/v1","kind":"ServiceCIDR","metadata":{"name":"kubernetes","creationTimestamp":"${ago:9601h}"},
	 "spec":{"cidrs":["10.96.0.0/12","fd00:10:96::/108"]}}`)
	printed("ip address", `{"apiVersion":"networking.k8s.io/v1","kind":"IPAddress","metadata":{"name":"10.96.0.1","creationTimestamp":"${ago:9601h}"},
	 "spec":{"parentRef":{"group":"","resource":"services","namespace":"default","name":"kubernetes"}}}`)
	printed("ip address grouped parent", `{"apiVersion":"networking.k8s.io/v1","kind":"IPAddress","metadata":{"name":"10.96.0.2","creationTimestamp":"${ago:9601h}"},
	 "spec":{"parentRef":{"group":"Gateway.Networking.k8s.io","resource":"Gateways","name":"gw"}}}`)
	printed("ip address without parent", `{"apiVersion":"networking.k8s.io/v1","kind":"IPAddress","metadata":{"name":"10.96.0.3","creationTimestamp":"${ago:9601h}"},"spec":{}}`)
	printed("endpoint slice", `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-x","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "addressType":"IPv4","ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"named","protocol":"TCP"},{"protocol":"TCP"},{"port":9090,"protocol":"TCP"}],
	 "endpoints":[{"addresses":["10.0.0.1","10.0.0.2"]},{"addresses":["10.0.0.3"]},{"addresses":["10.0.0.4","10.0.0.5"]}]}`)
	printed("endpoint slice empty", `{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"empty","namespace":"default","creationTimestamp":"${ago:9601h}"},
	 "addressType":"IPv6","endpoints":[]}`)
}
