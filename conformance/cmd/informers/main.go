// Command informers drives an API server with client-go's shared informers, as controllers do:
// it starts informers on ConfigMaps and Pods in a namespace of its own, then creates, updates,
// merge-patches and deletes objects of both kinds, and checks that the informers' handlers saw
// every change of every object, in order. It prints one line of JSON (the summary) last on
// standard output and exits 0 when nothing went wrong, 1 otherwise.
//
// With --restart it stops after the creates, prints the line RESTART and reads one line from
// standard input: the caller restarts the API server meanwhile and answers once it is ready.
// Before it stops it writes a Secret, so the store's revision moves past everything the informers
// saw; the restarted server's watch cache starts at that revision, so the informers' re-watch
// from their last resourceVersion is answered with 410 Expired and they re-list. The program
// then waits for each informer to re-list before it writes again, so that no change of an object
// is folded into a re-list.
//
// The feature gate WatchListClient (env KUBE_FEATURE_WatchListClient=true|false) decides
// whether the informers list with LIST requests or with watch-list (a watch with
// sendInitialEvents=true); --content-type decides protobuf or JSON on the wire.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

// The label whose value says which write an object's state comes from.
const stepLabel = "step"

// The steps: what each write sets the step label to, and the event the informer should report.
const (
	stepCreated = 0
	stepUpdated = 1
	stepPatched = 2
	stepDeleted = 3
)

// The resources the program watches.
var resources = []string{"configmaps", "pods"}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	contentType := flag.String("content-type", "protobuf", "wire format of the typed clients: protobuf or json")
	objects := flag.Int("objects", 100, "objects of each kind")
	namespace := flag.String("namespace", "informers", "namespace to create and work in")
	restart := flag.Bool("restart", false, "after the creates, print RESTART and wait for a line on stdin")
	workers := flag.Int("workers", 8, "writes in flight")
	waitTimeout := flag.Duration("wait", 30*time.Second, "how long to wait for the informers after each step")
	logLevel := flag.Int("log-level", 1, "client-go log messages up to this verbosity go to stderr")
	flag.Parse()

	run := newRun(*objects)
	// Contextual: client-go calls the sink for every verbosity, not only for klog's -v.
	klog.SetLoggerWithOptions(logr.New(&logSink{run: run, verbosity: *logLevel}), klog.ContextualLogger(true))
	err := run.main(*kubeconfig, *contentType, *namespace, *restart, *workers, *waitTimeout)
	if err != nil {
		run.fail("fatal: %v", err)
	}
	summary := run.summary(*contentType)
	line, _ := json.Marshal(summary)
	fmt.Println(string(line))
	if !summary.OK {
		os.Exit(1)
	}
}

// observed is one event a handler received for one object.
type observed struct {
	kind string // add, update, delete
	step int
}

// informerState is what one informer's handlers saw.
type informerState struct {
	mu sync.Mutex
	// events per object name, in the order the handler received them.
	perObject map[string][]observed
	// counts per event type: add, update, delete, resync (an update without a change, from a
	// re-list), deleteUnknown (a delete noticed by a re-list, not seen as it happened).
	counts map[string]int
	// the resourceVersion of the last event, to check that events come in the store's order.
	lastRV uint64
	// the watch errors the reflector reported, by kind (expired, other).
	watchErrors map[string]int
	// messages of those errors, for the summary.
	watchErrorMessages []string
}

// requestCounts is what the transport saw of the informers' reads of one resource.
type requestCounts struct {
	List      int `json:"list"`
	Watch     int `json:"watch"`
	WatchList int `json:"watchList"`
	// Successful lists and watch-lists, with the times they were sent.
	listsSent []time.Time
}

// run is the state of one run of the program.
type run struct {
	objects int
	started time.Time

	mu       sync.Mutex
	errors   []string
	requests map[string]*requestCounts
	// response content types of the informers' reads, per "list"/"watch".
	contentTypes map[string]map[string]bool

	informers map[string]*informerState
	writes    int
}

func newRun(objects int) *run {
	r := &run{
		objects:      objects,
		started:      time.Now(),
		requests:     map[string]*requestCounts{},
		contentTypes: map[string]map[string]bool{"list": {}, "watch": {}},
		informers:    map[string]*informerState{},
	}
	for _, resource := range resources {
		r.requests[resource] = &requestCounts{}
		r.informers[resource] = &informerState{
			perObject:   map[string][]observed{},
			counts:      map[string]int{},
			watchErrors: map[string]int{},
		}
	}
	return r
}

// fail records an error (the run fails; the first ones go into the summary).
func (r *run) fail(format string, args ...any) {
	message := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "error:", message)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, message)
}

// logSink is client-go's logger: it writes messages up to a verbosity to stderr, and counts
// the watches the reflectors saw end with 410 Expired. The reflector handles that error itself
// (it re-lists) and only logs it, at verbosity 4: the log is where a program sees it.
type logSink struct {
	run       *run
	verbosity int
	name      string
	values    []any
}

func (s *logSink) Init(logr.RuntimeInfo) {}

func (s *logSink) Enabled(int) bool { return true }

func (s *logSink) Info(level int, msg string, keysAndValues ...any) {
	all := append(append([]any{}, s.values...), keysAndValues...)
	if msg == "Watch closed" {
		var watchErr error
		typeDescription := ""
		for i := 0; i+1 < len(all); i += 2 {
			switch all[i] {
			case "err":
				watchErr, _ = all[i+1].(error)
			case "type":
				typeDescription, _ = all[i+1].(string)
			}
		}
		resource := map[string]string{"*v1.ConfigMap": "configmaps", "*v1.Pod": "pods"}[typeDescription]
		if state := s.run.informers[resource]; state != nil && watchErr != nil {
			state.noteWatchError(watchErr)
		}
	}
	if level <= s.verbosity {
		fmt.Fprintln(os.Stderr, append([]any{time.Now().Format(time.StampMicro), s.name, msg}, all...)...)
	}
}

func (s *logSink) Error(err error, msg string, keysAndValues ...any) {
	all := append(append([]any{}, s.values...), keysAndValues...)
	fmt.Fprintln(os.Stderr, append([]any{time.Now().Format(time.StampMicro), s.name, "ERROR", msg, err}, all...)...)
}

func (s *logSink) WithValues(keysAndValues ...any) logr.LogSink {
	copied := *s
	copied.values = append(append([]any{}, s.values...), keysAndValues...)
	return &copied
}

func (s *logSink) WithName(name string) logr.LogSink {
	copied := *s
	if copied.name != "" {
		name = copied.name + "/" + name
	}
	copied.name = name
	return &copied
}

// noteWatchError counts an error a watch ended with.
func (state *informerState) noteWatchError(err error) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
		state.watchErrors["expired"]++
	} else {
		state.watchErrors["other"]++
	}
	if len(state.watchErrorMessages) < 5 {
		state.watchErrorMessages = append(state.watchErrorMessages, err.Error())
	}
}

// countingTransport records the informers' reads: list, watch or watch-list, and the content
// type of the response.
type countingTransport struct {
	run  *run
	next http.RoundTripper
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	sent := time.Now()
	resp, err := t.next.RoundTrip(req)
	if req.Method != http.MethodGet {
		return resp, err
	}
	resource := ""
	for _, candidate := range resources {
		if strings.HasSuffix(req.URL.Path, "/"+candidate) {
			resource = candidate
		}
	}
	if resource == "" {
		return resp, err
	}
	query := req.URL.Query()
	watching := query.Get("watch") == "true" || query.Get("watch") == "1"
	watchList := watching && query.Get("sendInitialEvents") == "true"
	t.run.mu.Lock()
	defer t.run.mu.Unlock()
	counts := t.run.requests[resource]
	switch {
	case watchList:
		counts.WatchList++
	case watching:
		counts.Watch++
	default:
		counts.List++
	}
	if err == nil && resp.StatusCode == http.StatusOK {
		kind := "list"
		if watching {
			kind = "watch"
		}
		t.run.contentTypes[kind][resp.Header.Get("Content-Type")] = true
		if !watching || watchList {
			counts.listsSent = append(counts.listsSent, sent)
		}
	}
	return resp, err
}

// stepOf reads the step label of an object (-1 when missing).
func stepOf(obj any) int {
	accessor, err := meta.Accessor(obj)
	if err != nil {
		return -1
	}
	step, err := strconv.Atoi(accessor.GetLabels()[stepLabel])
	if err != nil {
		return -1
	}
	return step
}

// record notes one event of an informer: in the object's history and in the store's order.
func (r *run) record(resource string, kind string, obj any) {
	state := r.informers[resource]
	accessor, err := meta.Accessor(obj)
	if err != nil {
		r.fail("%s: %s event with %T: %v", resource, kind, obj, err)
		return
	}
	name := accessor.GetName()
	// The failure is recorded after the informer's lock is released (the summary takes the
	// run's lock first).
	failure := ""
	state.mu.Lock()
	state.counts[kind]++
	state.perObject[name] = append(state.perObject[name], observed{kind: kind, step: stepOf(obj)})
	rv, err := strconv.ParseUint(accessor.GetResourceVersion(), 10, 64)
	switch {
	case err != nil:
		failure = fmt.Sprintf("%s %s: resourceVersion %q is not a number", resource, name, accessor.GetResourceVersion())
	case rv <= state.lastRV:
		failure = fmt.Sprintf("%s %s: %s event at resourceVersion %d after one at %d", resource, name, kind, rv, state.lastRV)
		state.lastRV = rv
	default:
		state.lastRV = rv
	}
	state.mu.Unlock()
	if failure != "" {
		r.fail("%s", failure)
	}
}

// handlers are the informer's event handlers for one resource.
func (r *run) handlers(resource string) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { r.record(resource, "add", obj) },
		UpdateFunc: func(oldObj, newObj any) {
			oldMeta, err1 := meta.Accessor(oldObj)
			newMeta, err2 := meta.Accessor(newObj)
			if err1 == nil && err2 == nil && oldMeta.GetResourceVersion() == newMeta.GetResourceVersion() {
				// A re-list delivers every object again; unchanged ones come as such updates.
				state := r.informers[resource]
				state.mu.Lock()
				state.counts["resync"]++
				state.mu.Unlock()
				return
			}
			if newMeta != nil && newMeta.GetDeletionTimestamp() != nil {
				// Deleting a pod marks it first (upstream writes deletionTimestamp with a
				// grace period of 0 for a pod on no node, then deletes it).
				r.record(resource, "deleting", newObj)
				return
			}
			r.record(resource, "update", newObj)
		},
		DeleteFunc: func(obj any) {
			if unknown, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				state := r.informers[resource]
				state.mu.Lock()
				state.counts["deleteUnknown"]++
				state.mu.Unlock()
				r.fail("%s %s: deletion noticed by a re-list, not by the watch", resource, unknown.Key)
				return
			}
			r.record(resource, "delete", obj)
		},
	}
}

// expected is the history an object of the resource has after the given step.
func expected(resource string, step int) []observed {
	history := []observed{{kind: "add", step: stepCreated}}
	if step >= stepUpdated {
		history = append(history, observed{kind: "update", step: stepUpdated})
	}
	if step >= stepPatched {
		history = append(history, observed{kind: "update", step: stepPatched})
	}
	if step >= stepDeleted {
		if resource == "pods" {
			history = append(history, observed{kind: "deleting", step: stepPatched})
		}
		history = append(history, observed{kind: "delete", step: stepPatched})
	}
	return history
}

// names are the objects' names.
func (r *run) names() []string {
	names := make([]string, r.objects)
	for i := range names {
		names[i] = fmt.Sprintf("obj-%03d", i)
	}
	return names
}

// waitFor waits until every object of both informers has the history of the given step; on
// timeout it records what differs (the first few objects).
func (r *run) waitFor(step int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		var wrong []string
		for _, resource := range resources {
			want := expected(resource, step)
			state := r.informers[resource]
			state.mu.Lock()
			for _, name := range r.names() {
				got := state.perObject[name]
				if !equalHistory(got, want) {
					wrong = append(wrong, fmt.Sprintf("%s %s: saw %v, want %v", resource, name, got, want))
				}
			}
			state.mu.Unlock()
		}
		if len(wrong) == 0 {
			return
		}
		if time.Now().After(deadline) {
			if len(wrong) > 5 {
				wrong = append(wrong[:5], fmt.Sprintf("and %d more", len(wrong)-5))
			}
			r.fail("after step %d the informers did not converge in %v: %s", step, timeout, strings.Join(wrong, "; "))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func equalHistory(got, want []observed) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// forEach runs write for every object name on the given number of workers, and records errors.
func (r *run) forEach(workers int, what string, write func(name string) error) {
	names := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for name := range names {
				if err := write(name); err != nil {
					r.fail("%s %s: %v", what, name, err)
				}
				r.mu.Lock()
				r.writes++
				r.mu.Unlock()
			}
		})
	}
	for _, name := range r.names() {
		names <- name
	}
	close(names)
	wg.Wait()
}

func (r *run) main(kubeconfig, contentType, namespace string, restart bool, workers int, waitTimeout time.Duration) error {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	switch contentType {
	case "protobuf":
		config.ContentType = "application/vnd.kubernetes.protobuf"
		config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	case "json":
		config.ContentType = "application/json"
		config.AcceptContentTypes = "application/json"
	default:
		return fmt.Errorf("--content-type %q: want protobuf or json", contentType)
	}
	// Client-go's default (5 per second) would make the writes take minutes.
	config.QPS = 1000
	config.Burst = 1000
	config.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
		return &countingTransport{run: r, next: next}
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", namespace, err)
	}
	// ServiceAccount admission refuses pods whose account does not exist; the serviceaccount
	// controller makes the default one, perhaps not yet.
	if _, err := client.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account: %w", err)
	}

	// The informers follow this program's objects only: the root CA publisher puts
	// kube-root-ca.crt into every namespace.
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(namespace),
		informers.WithTweakListOptions(func(options *metav1.ListOptions) {
			options.FieldSelector = "metadata.name!=kube-root-ca.crt"
		}))
	sharedInformers := map[string]cache.SharedIndexInformer{
		"configmaps": factory.Core().V1().ConfigMaps().Informer(),
		"pods":       factory.Core().V1().Pods().Informer(),
	}
	for resource, informer := range sharedInformers {
		state := r.informers[resource]
		// Errors that end a list-and-watch (the 410 of a re-watch does not: see logSink).
		if err := informer.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
			state.noteWatchError(err)
		}); err != nil {
			return fmt.Errorf("watch error handler: %w", err)
		}
		if _, err := informer.AddEventHandler(r.handlers(resource)); err != nil {
			return fmt.Errorf("event handler: %w", err)
		}
	}
	factory.Start(ctx.Done())
	// Shutdown waits for the informers, which stop when the context is cancelled.
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	syncCtx, syncCancel := context.WithTimeout(ctx, waitTimeout)
	defer syncCancel()
	for resource, synced := range factory.WaitForCacheSync(syncCtx.Done()) {
		if !synced {
			return fmt.Errorf("informer of %v never synced", resource)
		}
	}

	configMaps := client.CoreV1().ConfigMaps(namespace)
	pods := client.CoreV1().Pods(namespace)
	labels := func(step int) map[string]string {
		return map[string]string{"app": "informers", stepLabel: strconv.Itoa(step)}
	}
	created := struct {
		sync.Mutex
		configMaps map[string]*corev1.ConfigMap
		pods       map[string]*corev1.Pod
	}{configMaps: map[string]*corev1.ConfigMap{}, pods: map[string]*corev1.Pod{}}

	r.forEach(workers, "create", func(name string) error {
		cm, err := configMaps.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels(stepCreated)},
			Data:       map[string]string{"name": name},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("configmap: %w", err)
		}
		pod, err := pods.Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels(stepCreated)},
			Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10"}},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("pod: %w", err)
		}
		created.Lock()
		defer created.Unlock()
		created.configMaps[name] = cm
		created.pods[name] = pod
		return nil
	})
	r.waitFor(stepCreated, waitTimeout)

	if restart {
		if err := r.restart(ctx, client, namespace, waitTimeout); err != nil {
			return err
		}
	}

	r.forEach(workers, "update", func(name string) error {
		created.Lock()
		cm := created.configMaps[name].DeepCopy()
		pod := created.pods[name].DeepCopy()
		created.Unlock()
		cm.Labels = labels(stepUpdated)
		cm.Data["updated"] = "yes"
		if _, err := configMaps.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("configmap: %w", err)
		}
		pod.Labels = labels(stepUpdated)
		if _, err := pods.Update(ctx, pod, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("pod: %w", err)
		}
		return nil
	})
	r.waitFor(stepUpdated, waitTimeout)

	// Merge patch only: strategic merge and JSON patch are not served yet.
	patch := []byte(fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, stepLabel, strconv.Itoa(stepPatched)))
	r.forEach(workers, "patch", func(name string) error {
		if _, err := configMaps.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("configmap: %w", err)
		}
		if _, err := pods.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("pod: %w", err)
		}
		return nil
	})
	r.waitFor(stepPatched, waitTimeout)

	r.forEach(workers, "delete", func(name string) error {
		if err := configMaps.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			return fmt.Errorf("configmap: %w", err)
		}
		// A pod on no node is deleted at once (no kubelet has to confirm it).
		if err := pods.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			return fmt.Errorf("pod: %w", err)
		}
		return nil
	})
	r.waitFor(stepDeleted, waitTimeout)

	for resource, informer := range sharedInformers {
		if left := len(informer.GetStore().List()); left != 0 {
			r.fail("%s: %d objects left in the informer's store after the deletes", resource, left)
		}
	}
	return nil
}

// restart moves the store's revision past what the informers saw, lets the caller restart the
// server, and waits until both informers have re-listed.
func (r *run) restart(ctx context.Context, client kubernetes.Interface, namespace string, waitTimeout time.Duration) error {
	if _, err := client.CoreV1().Secrets(namespace).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "revision-marker"},
		StringData: map[string]string{"why": "moves the revision past the informers' last one"},
	}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create the marker secret: %w", err)
	}
	fmt.Println("RESTART")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("waiting for the restart: %w", err)
	}
	resumed := time.Now()
	deadline := resumed.Add(waitTimeout)
	for {
		pending := []string{}
		r.mu.Lock()
		for _, resource := range resources {
			relisted := false
			for _, sent := range r.requests[resource].listsSent {
				if sent.After(resumed) {
					relisted = true
				}
			}
			if !relisted {
				pending = append(pending, resource)
			}
		}
		r.mu.Unlock()
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			r.fail("no re-list of %v within %v after the restart", pending, waitTimeout)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventCounts are the events one informer's handlers received.
type eventCounts struct {
	Add           int `json:"add"`
	Update        int `json:"update"`
	Deleting      int `json:"deleting"`
	Delete        int `json:"delete"`
	Resync        int `json:"resync"`
	DeleteUnknown int `json:"deleteUnknown"`
}

// resourceSummary is what the summary says of one resource.
type resourceSummary struct {
	Events             eventCounts    `json:"events"`
	Requests           requestCounts  `json:"requests"`
	Relists            int            `json:"relists"`
	WatchErrors        map[string]int `json:"watchErrors"`
	WatchErrorMessages []string       `json:"watchErrorMessages"`
}

// summary is the one line of JSON the program prints last.
type summary struct {
	OK           bool                       `json:"ok"`
	ContentType  string                     `json:"contentType"`
	WatchList    bool                       `json:"watchList"`
	Objects      int                        `json:"objects"`
	Writes       int                        `json:"writes"`
	Resources    map[string]resourceSummary `json:"resources"`
	ContentTypes map[string][]string        `json:"contentTypes"`
	Errors       []string                   `json:"errors"`
	ElapsedMs    int64                      `json:"elapsedMs"`
}

func (r *run) summary(contentType string) summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := summary{
		ContentType:  contentType,
		WatchList:    clientfeatures.FeatureGates().Enabled(clientfeatures.WatchListClient),
		Objects:      r.objects,
		Writes:       r.writes,
		Resources:    map[string]resourceSummary{},
		ContentTypes: map[string][]string{},
		Errors:       append([]string{}, r.errors...),
		ElapsedMs:    time.Since(r.started).Milliseconds(),
	}
	if len(out.Errors) > 20 {
		out.Errors = append(out.Errors[:20], fmt.Sprintf("and %d more", len(r.errors)-20))
	}
	for kind, set := range r.contentTypes {
		types := []string{}
		for contentType := range set {
			types = append(types, contentType)
		}
		sort.Strings(types)
		out.ContentTypes[kind] = types
	}
	for _, resource := range resources {
		state := r.informers[resource]
		state.mu.Lock()
		requests := *r.requests[resource]
		relists := len(requests.listsSent) - 1
		requests.listsSent = nil
		out.Resources[resource] = resourceSummary{
			Events: eventCounts{
				Add:           state.counts["add"],
				Update:        state.counts["update"],
				Deleting:      state.counts["deleting"],
				Delete:        state.counts["delete"],
				Resync:        state.counts["resync"],
				DeleteUnknown: state.counts["deleteUnknown"],
			},
			Requests:           requests,
			Relists:            max(relists, 0),
			WatchErrors:        state.watchErrors,
			WatchErrorMessages: append([]string{}, state.watchErrorMessages...),
		}
		state.mu.Unlock()
	}
	out.OK = len(r.errors) == 0
	return out
}
