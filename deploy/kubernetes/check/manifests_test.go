// Package check validates deploy/kubernetes/ by decoding each manifest
// strictly into the Kubernetes API types (an unknown or misspelt field is
// an error, as kubectl apply --validate=strict makes it) and checking what
// the server needs of them. It is a module of its own so that the
// Kubernetes API packages stay out of releasebot's own dependencies.
package check

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// strict decodes as the API server does with strict field validation:
// YAML (no duplicate keys) to JSON, then sigs.k8s.io/json's decoder, which
// matches field names case-sensitively (encoding/json would take
// "readOnlyRootFileSystem" for readOnlyRootFilesystem) and reports unknown
// ones.
func strict(t *testing.T, name string, v any) {
	t.Helper()
	j, err := yaml.YAMLToJSONStrict(read(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	strictErrs, err := kjson.UnmarshalStrict(j, v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, e := range strictErrs {
		t.Errorf("%s: %v", name, e)
	}
}

// TestEveryManifestDecodesStrictly: every file of deploy/kubernetes is one
// object of a known kind whose every field the API knows.
func TestEveryManifestDecodesStrictly(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(read(t, name), &meta); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bytes.Contains(read(t, name), []byte("\n---")) {
			t.Errorf("%s: one object per file", name)
		}
		var v any
		switch meta.Kind {
		case "Deployment":
			v = &appsv1.Deployment{}
		case "Service":
			v = &corev1.Service{}
		case "ConfigMap":
			v = &corev1.ConfigMap{}
		case "Secret":
			v = &corev1.Secret{}
		default:
			t.Errorf("%s: kind %q is not checked here", name, meta.Kind)
			continue
		}
		strict(t, name, v)
	}
}

func TestDeployment(t *testing.T) {
	var d appsv1.Deployment
	strict(t, "deployment.yaml", &d)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", d.Spec.Replicas)
	}
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	for what, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/health" {
			t.Errorf("%s probe %+v, want GET /health", what, p)
		}
	}
	psc, csc := pod.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("pod security context %+v: not non-root", psc)
	}
	if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem ||
		csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation ||
		csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") {
		t.Errorf("container security context %+v", csc)
	}
	// Every secret the server reads comes from the Secret, none inline.
	secrets := map[string]bool{"GITHUB_WEBHOOK_SECRET": false, "SLACK_SIGNING_SECRET": false, "SLACK_BOT_TOKEN": false, "SENTRY_AUTH_TOKEN": false, "SENTRY_DSN": false}
	for _, e := range c.Env {
		if _, ok := secrets[e.Name]; ok {
			if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				t.Errorf("%s is not read from a Secret", e.Name)
			}
			secrets[e.Name] = true
		}
		if strings.Contains(strings.ToLower(e.Name), "key") && e.Name != "GITHUB_APP_PRIVATE_KEY_FILE" {
			t.Errorf("%s: the App's key is mounted as a file, not put in the environment", e.Name)
		}
	}
	for name, seen := range secrets {
		if !seen {
			t.Errorf("%s is not set", name)
		}
	}
	if d.Spec.Selector == nil || d.Spec.Selector.MatchLabels["app.kubernetes.io/name"] != d.Spec.Template.Labels["app.kubernetes.io/name"] {
		t.Error("the selector does not select the pods")
	}
}

func TestService(t *testing.T) {
	var s corev1.Service
	strict(t, "service.yaml", &s)
	var d appsv1.Deployment
	strict(t, "deployment.yaml", &d)
	for k, v := range s.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, which the pods lack", k, v)
		}
	}
	if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("ports %+v", s.Spec.Ports)
	}
}
