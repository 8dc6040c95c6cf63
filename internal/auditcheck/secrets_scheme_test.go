package auditcheck

import (
	"context"
	"encoding/base64"
	"fmt"
	"github.com/releasebot/releasebot/audit"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/config"
)

// TestSecretsWhenTheSchemeIsInTheVariable: `Authorization: "${AUTH}"` with
// AUTH="Bearer tok…" (or "Basic …") puts the scheme inside the variable; the
// credential after it, the decoded Basic pair and its password are secrets
// as when the scheme is written in the configuration. A server that echoes
// just the credential shows none of it in any output.
func TestSecretsWhenTheSchemeIsInTheVariable(t *testing.T) {
	t.Parallel()
	const tok = "tok-9f8e7d6c5b4a"
	const pw = "pw-1a2b3c4d5e"
	basic := base64.StdEncoding.EncodeToString([]byte("deploy:" + pw))
	for _, c := range []struct {
		name, value string
		hidden      []string // secrets an echo must not show
	}{
		{"bearer", "Bearer " + tok, []string{tok}},
		{"lower-case scheme", "bearer " + tok, []string{tok}},
		{"two spaces after the scheme", "Bearer  " + tok, []string{tok}},
		// HTTP allows only spaces after the scheme, but a server that splits
		// on any white space takes the token, so the echo must not show it.
		{"tab after the scheme", "Bearer\t" + tok, []string{tok}},
		{"token scheme with spaces", "  Token " + tok + " ", []string{tok}},
		{"basic", "Basic " + basic, []string{basic, "deploy:" + pw, pw}},
		{"BASIC", "BASIC " + basic, []string{basic, "deploy:" + pw, pw}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := Endpoint{Headers: map[string]config.Template{"Authorization": "${AUTH}"}, Getenv: func(k string) string {
				if k == "AUTH" {
					return c.value
				}
				return ""
			}}
			secrets := e.Secrets()
			for _, h := range c.hidden {
				found := false
				for _, s := range secrets {
					found = found || strings.TrimSpace(s) == h
				}
				if !found {
					t.Errorf("Secrets() lacks %q", h)
				}
			}
			for _, h := range c.hidden {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					// Not JSON, so the answer's start is shown as evidence.
					fmt.Fprintf(w, "echo: %s", h)
				}))
				e.URL = srv.URL + "/health"
				rep := audit.Runner{Timeout: 5 * time.Second}.Run(context.Background(), HealthCheck{Env: "stage", Source: "x", Endpoint: e})
				srv.Close()
				for what, text := range map[string]string{"markdown": rep.Markdown(), "json": string(rep.JSON()), "reason": rep.Checks[0].Reason, "observed": rep.Checks[0].Evidence.Observed} {
					if strings.Contains(text, h) || strings.Contains(text, h[:8]) {
						t.Errorf("echo of %q: %s shows it: %s", h, what, text)
					}
				}
			}
		})
	}
}
