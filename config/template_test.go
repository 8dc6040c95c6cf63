package config

import (
	"strings"
	"testing"
)

// TestTemplateExpansion pins what ${VAR} means: the variable of exactly that
// name (names are case-sensitive), each reference replaced once — a value
// that itself holds ${…} or $VAR is sent as it is, never expanded again —
// and $VAR without braces is literal text. Every unset or empty variable is
// named, in order, and no value appears in the error.
func TestTemplateExpansion(t *testing.T) {
	env := map[string]string{
		"TOKEN":  "tok-1",
		"token":  "lower-1",
		"NESTED": "${TOKEN}",
		"DOLLAR": "$TOKEN",
		"EMPTY":  "",
		"A":      "a",
		"B":      "b",
	}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		tmpl, want, err string
	}{
		{"Bearer ${TOKEN}", "Bearer tok-1", ""},
		{"Bearer ${token}", "Bearer lower-1", ""},
		{"${A}${B}${A}", "aba", ""},
		{"${NESTED}", "${TOKEN}", ""},
		{"${DOLLAR}", "$TOKEN", ""},
		{"$TOKEN", "$TOKEN", ""},
		{"no variables", "no variables", ""},
		{"${Token}", "", "environment variable Token is not set"},
		{"${EMPTY}", "", "environment variable EMPTY is not set"},
		{"${MISSING_1} and ${TOKEN} and ${MISSING_2}", "", "environment variable MISSING_1, MISSING_2 is not set"},
	} {
		got, err := Template(c.tmpl).Expand(getenv)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("Expand(%q) = %q, %v; want %q", c.tmpl, got, err, c.want)
		case c.err != "" && (err == nil || err.Error() != c.err || got != ""):
			t.Errorf("Expand(%q) = %q, %v; want the error %q", c.tmpl, got, err, c.err)
		case err != nil && (strings.Contains(err.Error(), "tok-1") || strings.Contains(err.Error(), "lower-1")):
			t.Errorf("Expand(%q): the error shows a value: %v", c.tmpl, err)
		}
	}
}

// TestTemplateReferencesAreChecked: a reference that is not a variable name
// — empty, with a space, a default or another shell form — is refused when
// the configuration is read, naming the key, rather than sent as text.
func TestTemplateReferencesAreChecked(t *testing.T) {
	for _, ref := range []string{"${}", "${ TOKEN}", "${TOKEN:-x}", "${1X}", "${A-B}", "${A.B}", "${$(id)}"} {
		_, err := Parse("cfg.yml", []byte("environments:\n  stage:\n    headers: {Authorization: \"Bearer "+ref+"\"}\n"))
		if err == nil || !strings.Contains(err.Error(), "environments.stage.headers.Authorization") || !strings.Contains(err.Error(), "is not an environment variable name") {
			t.Errorf("%s: %v", ref, err)
		}
	}
}
