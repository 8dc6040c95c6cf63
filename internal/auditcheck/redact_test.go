package auditcheck

import (
	"context"
	"encoding/base64"
	"fmt"
	"github.com/releasebot/releasebot/internal/secrettest"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
)

// leaks returns the first piece of secret (8 runes, or all of a shorter one)
// in any spelling the redactor knows that text holds.
func leaks(text, secret string) (string, bool) {
	for _, f := range audit.SecretForms(secret) {
		r := []rune(f)
		n := min(8, len(r))
		for i := 0; i+n <= len(r); i++ {
			if piece := string(r[i : i+n]); strings.Contains(text, piece) {
				return piece, true
			}
		}
	}
	return "", false
}

// End to end: a health answer that quotes the secret, in each spelling,
// where the 80-rune snippet cuts it, or as the status; Markdown, JSON, the
// headline and the reason hold no piece of it.
func TestHealthRedactsEverySpelling(t *testing.T) {
	t.Parallel()
	for _, sec := range secrettest.HardSecrets {
		for _, e := range secrettest.Encodings {
			for _, shape := range []struct{ name, body string }{
				{"whole", `{"echo":"` + e.Enc(sec.Value) + `"`},
				{"cut", `{"echo":"` + strings.Repeat("x", 62) + e.Enc(sec.Value) + `"`},
				{"status", `{"status":"` + e.Enc(sec.Value) + `"}`},
				{"plain", e.Enc(sec.Value)},
			} {
				t.Run(sec.Name+"/"+e.Name+"/"+shape.name, func(t *testing.T) {
					t.Parallel()
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						fmt.Fprint(w, shape.body)
					}))
					defer srv.Close()
					c := HealthCheck{Env: "stage", Source: "x", Endpoint: Endpoint{
						URL:     srv.URL + "/health",
						Headers: map[string]config.Template{"X-Api-Key": "${KEY}"},
						Getenv:  func(string) string { return sec.Value },
					}}
					rep := audit.Runner{Timeout: 5 * time.Second}.Run(context.Background(), c)
					got := rep.Checks[0]
					if got.Status == audit.Pass {
						t.Fatalf("passed on %q", shape.body)
					}
					for what, text := range map[string]string{
						"markdown": rep.Markdown(), "json": string(rep.JSON()), "headline": rep.Headline(),
						"reason": got.Reason, "observed": got.Evidence.Observed,
					} {
						if piece, ok := leaks(text, sec.Value); ok {
							t.Errorf("%s holds %q: %s", what, piece, text)
						}
					}
				})
			}
		}
	}
}

// A Basic credential is redacted decoded, and so is its password.
func TestBasicAuthSecrets(t *testing.T) {
	t.Parallel()
	const pw = "b4sic-p@ss_91"
	e := Endpoint{Headers: map[string]config.Template{"Authorization": "Basic ${CRED}"}, Getenv: func(string) string {
		return base64.StdEncoding.EncodeToString([]byte("deploy:" + pw))
	}}
	red := audit.RedactorFor(context.Background(), e.Secrets()...)
	got := red.Cut("user deploy:"+pw+" or "+pw+" or "+url.QueryEscape(pw), 1000)
	if strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") {
		t.Errorf("got %q", got)
	}
}
