package chatops

import (
	"strings"
	"testing"
)

// TestLastChangeIsTheNewestOfAnyKind pins /ab_status's "last change": the
// environment's is the newest flag commit of any kind in it, each flag's the
// newest that changed that flag.
func TestLastChangeIsTheNewestOfAnyKind(t *testing.T) {
	tests := []struct {
		name     string
		cmds     []string
		env      string // the environment line's last change
		onboard  string // FF_NEW_ONBOARDING's
		footer   string // FF_NAV_FOOTER's
		stageEnv string // release status line of stage
	}{
		{"canary then toggle then toggle",
			[]string{"/canary 10", "/toggle FF_NAV_FOOTER off", "/toggle FF_NEW_ONBOARDING on"},
			"FF_NEW_ONBOARDING override: none → on (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0003",
			"FF_NEW_ONBOARDING override: none → on (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0003",
			"FF_NAV_FOOTER override: none → off (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0002",
			"none recorded"},
		{"toggle then canary",
			[]string{"/toggle FF_NAV_FOOTER off", "/canary 10"},
			"canary 0% → 10% (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0002",
			"none recorded",
			"FF_NAV_FOOTER override: none → off (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0001",
			"none recorded"},
		{"rollback last",
			[]string{"/canary 10", "/toggle FF_NAV_FOOTER on", "/rollback"},
			"canary 10% → 0% (prod) and 2 more by ann via slack, 2026-11-26 02:00 UTC, 00b0003",
			"FF_NEW_ONBOARDING override: none → off (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0003",
			"FF_NAV_FOOTER override: on → off (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0003",
			"none recorded"},
		{"a later change in another environment is not prod's",
			[]string{"/canary 10", "/toggle FF_NAV_FOOTER off stage"},
			"canary 0% → 10% (prod) by ann via slack, 2026-11-26 02:00 UTC, 00b0001",
			"none recorded",
			"none recorded",
			"FF_NAV_FOOTER override: none → off (stage) by ann via slack, 2026-11-26 02:00 UTC, 00b0002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore(flagsPath, runbookFlags)
			svc := &Service{Store: store, Config: testConfig(t)}
			for _, c := range tt.cmds {
				if r := run(t, svc, c, ""); r.Outcome != Done {
					t.Fatalf("%s: %v %q", c, r.Outcome, r.Text)
				}
			}
			r := run(t, svc, "/ab_status", "")
			lines := strings.Split(r.Text, "\n")
			if want := "; last change: " + tt.env; !strings.HasSuffix(lines[0], want) {
				t.Errorf("environment line %q\nwant suffix %q", lines[0], want)
			}
			for _, fl := range []struct{ name, want string }{{"FF_NEW_ONBOARDING", tt.onboard}, {"FF_NAV_FOOTER", tt.footer}} {
				found := false
				for _, l := range lines {
					if strings.HasPrefix(l, fl.name+" ") {
						found = true
						if !strings.HasSuffix(l, "last change: "+fl.want) {
							t.Errorf("%s line %q\nwant last change %q", fl.name, l, fl.want)
						}
					}
				}
				if !found {
					t.Errorf("no line for %s:\n%s", fl.name, r.Text)
				}
			}
			rs := run(t, svc, "/release status", "")
			stage, _, _ := strings.Cut(rs.Text, "\n")
			if !strings.HasSuffix(stage, "last change: "+tt.stageEnv) {
				t.Errorf("release status stage line %q\nwant last change %q", stage, tt.stageEnv)
			}
			if !strings.Contains(rs.Text, "prod: ") || !strings.Contains(rs.Text, "last change: "+tt.env) {
				t.Errorf("release status:\n%s\nwant prod's last change %q", rs.Text, tt.env)
			}
		})
	}
}
