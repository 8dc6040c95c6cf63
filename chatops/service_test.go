package chatops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/golden"
)

const flagsPath = ".release/flags.yaml"

const runbookFlags = `# Flags of release 1.3.1
environments:
  stage:
    canary_percent: 0
    flags:
      FF_NEW_ONBOARDING: {default: on}
      FF_NAV_FOOTER: {default: on}
  prod:
    canary_percent: 0
    cohort: "1.3.1"
    flags:
      FF_NEW_ONBOARDING: {default: off, canary: true}
      FF_NAV_FOOTER: {default: off, canary: true}
`

func testConfig(t testing.TB) *config.Config {
	c, err := config.Parse("releasebot.yml", []byte("render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: prod, format: flagd, path: deploy/prod.flagd.json}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fakeGate records calls and fails while err is set.
type fakeGate struct {
	calls atomic.Int32
	err   error
}

func (g *fakeGate) Check(ctx context.Context, r GateRequest) error {
	g.calls.Add(1)
	return g.err
}

var ann = Actor{Name: "ann", ID: "U1", Via: "slack"}

func run(t *testing.T, svc *Service, text, id string) Reply {
	t.Helper()
	return svc.Run(context.Background(), Request{Text: text, Actor: ann, ID: id})
}

func TestRunbookSequence(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	steps := []struct {
		cmd     string
		changes []string
	}{
		{"/canary 10", []string{"canary 0% → 10% (prod)"}},
		{"/canary 50", []string{"canary 10% → 50% (prod)"}},
		{"/canary 100", []string{"canary 50% → 100% (prod)"}},
		{"/toggle FF_NEW_ONBOARDING on", []string{"FF_NEW_ONBOARDING override: none → on (prod)"}},
		{"/toggle FF_NAV_FOOTER on", []string{"FF_NAV_FOOTER override: none → on (prod)"}},
		{"/rollback", []string{"canary 100% → 0% (prod)", "FF_NEW_ONBOARDING override: on → off (prod)", "FF_NAV_FOOTER override: on → off (prod)"}},
		{"/toggle FF_NEW_ONBOARDING default", []string{"FF_NEW_ONBOARDING override: off → none (prod)"}},
	}
	for i, st := range steps {
		before := store.count()
		r := run(t, svc, st.cmd, "")
		if r.Outcome != Done || store.count() != before+1 {
			t.Fatalf("%s: %v %q, %d commits", st.cmd, r.Outcome, r.Text, store.count()-before)
		}
		var got []string
		for _, c := range r.Changes {
			got = append(got, c.String())
		}
		if strings.Join(got, "|") != strings.Join(st.changes, "|") {
			t.Errorf("step %d %s: changes %v, want %v", i, st.cmd, got, st.changes)
		}
		msg := store.lastMessage()
		if !contains(msg, "chore(flags): ", "Requested-by: ann via slack\n", "Releasebot-Request: slack:") {
			t.Errorf("%s: message %q", st.cmd, msg)
		}
		// The renders are in the same commit as the flag file.
		if !strings.Contains(store.file("deploy/prod.env"), "CANARY_PERCENT=") || store.file("deploy/prod.flagd.json") == "" {
			t.Errorf("%s: renders missing", st.cmd)
		}
	}
	if got := store.file("deploy/prod.env"); !contains(got, "CANARY_PERCENT=0\n", "FF_NEW_ONBOARDING=off\n", "FF_NEW_ONBOARDING_CANARY=true\n", "FF_NAV_FOOTER=off\n", "FF_NAV_FOOTER_CANARY=false\n") {
		t.Errorf("final dotenv:\n%s", got)
	}
}

func TestCommitMessageGolden(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	run(t, svc, "/canary 10", "T123")
	r := run(t, svc, "/rollback", "T124")
	if r.Outcome != Done {
		t.Fatal(r.Text)
	}
	golden.Assert(t, "rollback.commit.txt", []byte(store.lastMessage()))
	first := store.commits[1].info.Message
	if firstLine(first) != "chore(flags): canary 0% → 10% (prod)" {
		t.Errorf("subject %q", firstLine(first))
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func TestNoChangeCommitsNothing(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	for _, c := range []string{"/canary 0", "/toggle FF_NAV_FOOTER default", "/canary 0 stage"} {
		r := run(t, svc, c, "")
		if r.Outcome != NoChange || !strings.HasPrefix(r.Text, "nothing to do") {
			t.Errorf("%s: %v %q", c, r.Outcome, r.Text)
		}
	}
	run(t, svc, "/rollback", "")
	if r := run(t, svc, "/rollback", ""); r.Outcome != NoChange || !strings.Contains(r.Text, "already rolled back") {
		t.Errorf("second rollback: %v %q", r.Outcome, r.Text)
	}
	if store.count() != 2 {
		t.Errorf("%d commits, want 2 (initial + one rollback)", store.count())
	}
}

func TestRequestIDIsIdempotent(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	first := run(t, svc, "/canary 10", "1234.5678")
	// A redelivery commits nothing (another command under the id is
	// TestRequestIDOfAnotherCommand).
	second := run(t, svc, "/canary 10", "1234.5678")
	if first.Outcome != Done || second.Outcome != Done || !second.Replayed || second.Commit != first.Commit {
		t.Fatalf("first %+v\nsecond %+v", first, second)
	}
	if len(second.Changes) != 1 || second.Changes[0].String() != "canary 0% → 10% (prod)" || !strings.HasPrefix(second.Text, "already done") {
		t.Errorf("replayed reply: %+v", second)
	}
	if store.count() != 2 {
		t.Errorf("%d commits, want 2", store.count())
	}
}

func TestLostRaceReapplies(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	// Between our read and our commit, someone else sets the canary to 10.
	store.beforeCommit = func(s *memStore) {
		s.outside(flagsPath, strings.Replace(runbookFlags, "canary_percent: 0\n    cohort", "canary_percent: 10\n    cohort", 1))
	}
	r := run(t, svc, "/toggle FF_NAV_FOOTER off", "")
	if r.Outcome != Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	got := store.file(flagsPath)
	if !contains(got, "canary_percent: 10", "FF_NAV_FOOTER: {default: off, canary: true, override: off}") {
		t.Errorf("lost an update:\n%s", got)
	}
	if store.count() != 3 || store.reads != 2 {
		t.Errorf("commits %d (want 3), reads %d (want 2)", store.count(), store.reads)
	}
}

func TestLostRaceToTheSameValueCommitsNothing(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	store.beforeCommit = func(s *memStore) {
		s.outside(flagsPath, strings.Replace(runbookFlags, "canary_percent: 0\n    cohort", "canary_percent: 10\n    cohort", 1))
	}
	if r := run(t, svc, "/canary 10", ""); r.Outcome != NoChange {
		t.Errorf("%v %q", r.Outcome, r.Text)
	}
}

func TestRacesAreBounded(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	store.alwaysMove = true
	store.beforeCommit = func(s *memStore) { s.outside("other.txt", "x") }
	svc := &Service{Store: store, Config: testConfig(t), MaxAttempts: 3}
	r := run(t, svc, "/canary 10", "")
	if r.Outcome != Failed || !strings.Contains(r.Text, "kept moving under 3 attempts") {
		t.Errorf("%v %q", r.Outcome, r.Text)
	}
	if strings.Contains(store.file(flagsPath), "canary_percent: 10") {
		t.Error("committed anyway")
	}
}

func TestGatesAndSteps(t *testing.T) {
	tests := []struct {
		name    string
		setup   []string // run first, gate passing
		cmd     string
		gateErr error
		want    Outcome
		calls   int32
		text    string
	}{
		{"raise to next step runs the gate", nil, "/canary 10", nil, Done, 1, ""},
		{"failing gate refuses", nil, "/canary 10", &GateError{Check: "health", Reason: "https://stage/health answered 503"}, Refused, 1,
			"gate health failed: https://stage/health answered 503; fix it and retry, or /canary 10 prod --force"},
		{"force skips a failing gate", nil, "/canary 10 --force", &GateError{Check: "health", Reason: "503"}, Done, 0, ""},
		{"skipping a step needs force", nil, "/canary 50", nil, Refused, 0, "canary 0% → 50% skips 10%; run /canary 10 prod first, or /canary 50 prod --force"},
		{"a value off the steps needs force", []string{"/canary 10"}, "/canary 30", nil, Refused, 1, "30% is not a configured canary step (10%, 50%, 100%); use a step, or /canary 30 prod --force"},
		{"skip with force", nil, "/canary 100 --force", nil, Done, 0, ""},
		{"lowering is never gated", []string{"/canary 10", "/canary 50"}, "/canary 10", errors.New("sentry down"), Done, 2, ""},
		{"rollback is never gated", []string{"/canary 10"}, "/rollback", &GateError{Check: "health", Reason: "down"}, Done, 1, ""},
		{"rollback of a flag is never gated", []string{"/canary 10"}, "/rollback FF_NAV_FOOTER", &GateError{Check: "sentry", Reason: "down"}, Done, 1, ""},
		{"gate that cannot run", nil, "/canary 10", errors.New("dial tcp: refused"), Failed, 1, "could not run the gates: dial tcp: refused; retry, or /canary 10 prod --force"},
		{"other environment", nil, "/canary 10 stage", &GateError{Check: "health", Reason: "down"}, Refused, 1, "or /canary 10 stage --force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newMemStore(flagsPath, runbookFlags)
			gate := &fakeGate{}
			svc := &Service{Store: store, Config: testConfig(t), Gate: gate}
			for _, c := range tt.setup {
				if r := run(t, svc, c, ""); r.Outcome != Done {
					t.Fatalf("setup %s: %q", c, r.Text)
				}
			}
			gate.err = tt.gateErr
			before := store.count()
			r := run(t, svc, tt.cmd, "")
			if r.Outcome != tt.want {
				t.Errorf("outcome %v, want %v (%q)", r.Outcome, tt.want, r.Text)
			}
			if gate.calls.Load() != tt.calls {
				t.Errorf("gate called %d times, want %d", gate.calls.Load(), tt.calls)
			}
			if tt.text != "" && !strings.Contains(r.Text, tt.text) {
				t.Errorf("text %q\nwant %q", r.Text, tt.text)
			}
			committed := store.count() - before
			if (tt.want == Done) != (committed == 1) {
				t.Errorf("%d commits for outcome %v", committed, r.Outcome)
			}
			if strings.Contains(tt.cmd, "--force") && tt.want == Done && !strings.Contains(store.lastMessage(), "Forced: steps and gates skipped") {
				t.Error("a forced raise is not marked in the commit")
			}
		})
	}
}

type denyAll struct{ calls int }

func (d *denyAll) Authorize(ctx context.Context, who Actor, cmd Command) error {
	d.calls++
	return errors.New("not in the release-managers group")
}

func TestAuthorization(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	auth := &denyAll{}
	svc := &Service{Store: store, Config: testConfig(t), Authorizer: auth}
	r := run(t, svc, "/rollback", "")
	if r.Outcome != Refused || r.Text != "ann may not run rollback: not in the release-managers group" || store.count() != 1 {
		t.Errorf("%v %q, %d commits", r.Outcome, r.Text, store.count())
	}
	// Read commands need no authorization.
	if r := run(t, svc, "/ab_status", ""); r.Outcome != Done || auth.calls != 1 {
		t.Errorf("ab_status: %v %q, authorizer called %d", r.Outcome, r.Text, auth.calls)
	}
}

func TestBrokenFlagFileIsNeverOverwritten(t *testing.T) {
	broken := strings.Replace(runbookFlags, "canary_percent: 0\n    cohort", "canary_percent: ten\n    cohort", 1)
	store := newMemStore(flagsPath, broken)
	svc := &Service{Store: store, Config: testConfig(t)}
	for _, c := range []string{"/rollback", "/rollback FF_NAV_FOOTER", "/canary 10 --force", "/toggle FF_NAV_FOOTER off", "/ab_status", "/release status"} {
		r := run(t, svc, c, "")
		want := `.release/flags.yaml:9:21: environments.prod.canary_percent: expected a whole number, got "ten"`
		if r.Outcome != BadInput || !contains(r.Text, "does not parse", want, "fix that line") {
			t.Errorf("%s: %v %q", c, r.Outcome, r.Text)
		}
	}
	if store.count() != 1 || store.file(flagsPath) != broken {
		t.Error("the broken file was touched")
	}
}

func TestMissingFlagFile(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	delete(store.commits[0].files, flagsPath)
	svc := &Service{Store: store, Config: testConfig(t)}
	r := run(t, svc, "/rollback", "")
	if r.Outcome != BadInput || !strings.Contains(r.Text, "there is no flag file .release/flags.yaml") {
		t.Errorf("%v %q", r.Outcome, r.Text)
	}
}

func TestResolveNames(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	tests := []struct {
		cmd     string
		outcome Outcome
		text    string
	}{
		{"/toggle FF_NEW_ONBORDING on", BadInput, "unknown flag FF_NEW_ONBORDING in prod; did you mean FF_NEW_ONBOARDING?"},
		{"/toggle ff_nav_footer off", Done, "FF_NAV_FOOTER override: none → off (prod)"},
		{"/canary 10 prd", BadInput, `unknown environment "prd"; did you mean prod?; the flag file has stage, prod`},
		{"/rollback stage", NoChange, "nothing to do: stage is already rolled back"},
		{"/ab_status PROD", Done, "prod: canary"},
	}
	for _, tt := range tests {
		r := run(t, svc, tt.cmd, "")
		if r.Outcome != tt.outcome || !strings.Contains(r.Text, tt.text) {
			t.Errorf("%s: %v %q\nwant %v %q", tt.cmd, r.Outcome, r.Text, tt.outcome, tt.text)
		}
	}
}

func TestABStatus(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t)}
	run(t, svc, "/canary 10", "T1")
	run(t, svc, "/toggle FF_NAV_FOOTER off", "T2")
	r := run(t, svc, "/ab_status", "")
	golden.Assert(t, "ab_status.txt", []byte(r.Text))
	if !strings.Contains(r.Text, "FF_NEW_ONBOARDING  OFF  canary 10%") {
		t.Errorf("the runbook's line is missing:\n%s", r.Text)
	}
	r = run(t, svc, "/ab_status prod user 7", "")
	golden.Assert(t, "ab_status.user.txt", []byte(r.Text))
	r = run(t, svc, "/release status", "")
	golden.Assert(t, "release_status.txt", []byte(r.Text))
}

func TestHelpAndBadInput(t *testing.T) {
	svc := &Service{Store: newMemStore(flagsPath, runbookFlags), Config: testConfig(t)}
	if r := run(t, svc, "/help", ""); r.Outcome != Done || !strings.Contains(r.Text, "/toggle <FLAG> on|off|default [env]") {
		t.Errorf("help: %q", r.Text)
	}
	if r := run(t, svc, "canary 50", ""); r.Outcome != BadInput || !strings.Contains(r.Text, "commands start with /") {
		t.Errorf("no slash: %q", r.Text)
	}
	if r := run(t, svc, "/canary 50 %%", ""); r.Outcome != BadInput {
		t.Errorf("junk: %v %q", r.Outcome, r.Text)
	}
}

func TestRenderTargetNeedsItsEnvironment(t *testing.T) {
	cfg, err := config.Parse("releasebot.yml", []byte("environments:\n  prod: {health_url: https://example.com/health}\nrender:\n  - {environment: qa, format: json, path: qa.json}\n"))
	if err != nil {
		t.Fatal(err)
	}
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: cfg}
	want := `releasebot.yml: render[0] renders environment "qa", which .release/flags.yaml does not have (it has stage, prod)`
	for _, c := range []string{"/rollback", "/ab_status stage"} {
		r := run(t, svc, c, "")
		if r.Outcome != BadInput || !strings.Contains(r.Text, want) {
			t.Errorf("%s: %v %q\nwant %q", c, r.Outcome, r.Text, want)
		}
	}
	if store.count() != 1 {
		t.Error("committed")
	}
	// Environments the configuration does not list are fine: it lists probes.
	cfg.Render = nil
	if r := run(t, svc, "/rollback stage", ""); r.Outcome != NoChange {
		t.Errorf("stage without probes: %v %q", r.Outcome, r.Text)
	}
}

func TestOversizedFlagFileSaysSoNotFixThatLine(t *testing.T) {
	huge := runbookFlags + "# " + strings.Repeat("x", 5<<20) + "\n"
	store := newMemStore(flagsPath, huge)
	svc := &Service{Store: store, Config: testConfig(t)}
	for _, c := range []string{"/rollback", "/canary 10", "/ab_status"} {
		r := run(t, svc, c, "")
		if r.Outcome != BadInput || !contains(r.Text, "the flag file .release/flags.yaml is 5.0 MiB, over releasebot's limit of 4 MiB", "make it smaller") ||
			strings.Contains(r.Text, "fix that line") || strings.Contains(r.Text, "xxxx") {
			t.Errorf("%s: %v %q", c, r.Outcome, r.Text)
		}
	}
	if store.count() != 1 {
		t.Error("an oversized flag file was committed over")
	}
}

func TestReplyListsAFewChangesAndCountsTheRest(t *testing.T) {
	var b strings.Builder
	b.WriteString("environments:\n  prod:\n    canary_percent: 50\n    flags:\n")
	for i := range 25 {
		fmt.Fprintf(&b, "      FF_F%02d: {default: off, canary: true}\n", i)
	}
	store := newMemStore(flagsPath, b.String())
	svc := &Service{Store: store, Config: testConfig(t)}
	r := run(t, svc, "/rollback", "rb-1")
	if r.Outcome != Done || len(r.Changes) != 26 {
		t.Fatalf("%v, %d changes: %q", r.Outcome, len(r.Changes), r.Text)
	}
	if got := strings.Count(r.Text, ";"); got != maxListedChanges {
		t.Errorf("reply lists %d parts, want %d then a count: %q", got, maxListedChanges, r.Text)
	}
	if !strings.Contains(r.Text, "and 16 more (listed in the commit)") {
		t.Errorf("reply does not count the rest: %q", r.Text)
	}
	if msg := store.tip().info.Message; strings.Count(msg, "\n- ") != 26 {
		t.Errorf("the commit lists %d changes, want all 26", strings.Count(msg, "\n- "))
	}
}

// TestReleaseStatusReadsTheReleasePage: /release status shows the
// release's page above the environments — the version, its publication
// and page, the PROD section — with GitHub's text inert; a page that
// cannot be read is said, and the rest is still shown.
func TestReleaseStatusReadsTheReleasePage(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		page  *ReleasePage
		err   error
		wants []string
	}{
		{"not started", &ReleasePage{Tag: "v1.3.0", URL: "https://github.com/acme/web/releases/tag/v1.3.0", Published: t0}, nil,
			[]string{"Release v1.3.0, published 2026-12-02 14:00 UTC: https://github.com/acme/web/releases/tag/v1.3.0", "PROD: not started"}},
		{"rolling out", &ReleasePage{Tag: "v1.3.0", Published: t0, Started: t0.Add(2 * time.Minute), Canary: 50}, nil,
			[]string{"PROD: started 2026-12-02 14:02 UTC, canary 50%"}},
		{"rolled back", &ReleasePage{Tag: "v1.3.0", Started: t0, Canary: 0, Notes: []string{"Rolled back from 50% to 0% by carol via slack at 2026-12-02 14:04 UTC (abc1234)"}}, nil,
			[]string{"- Rolled back from 50% to 0% by carol via slack"}},
		{"finished", &ReleasePage{Tag: "v1.3.0", Started: t0, Finished: t0.Add(time.Hour), Canary: 100}, nil,
			[]string{"PROD: started 2026-12-02 14:00 UTC, finished 2026-12-02 15:00 UTC at 100%"}},
		{"none yet", nil, nil, []string{"Release: none published yet"}},
		{"unreadable", nil, failure.New(failure.Remote, "GitHub answered 502"), []string{"Release: could not read it (GitHub answered 502)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := &Service{Store: newMemStore(flagsPath, runbookFlags), Config: testConfig(t),
				Release: func(context.Context) (*ReleasePage, error) { return tc.page, tc.err }}
			r := run(t, svc, "/release status", "")
			if r.Outcome != Done || !contains(r.Text, append(tc.wants, "prod: canary")...) {
				t.Errorf("%v %q", r.Outcome, r.Text)
			}
		})
	}
	// A hostile tag stays text in Slack.
	svc := &Service{Store: newMemStore(flagsPath, runbookFlags), Config: testConfig(t),
		Release: func(context.Context) (*ReleasePage, error) { return &ReleasePage{Tag: "<!channel> *v9*"}, nil }}
	if got := run(t, svc, "/release status", "").Render(Slack); strings.Contains(got, "<!channel>") {
		t.Errorf("the tag acts in Slack: %q", got)
	}
}
