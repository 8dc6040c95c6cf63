package releasenotes

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The regular expressions the hand-written scanners stand for; the fuzz
// target holds the scanners to them.
var (
	headerOracle   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]*)(?:\(([^()\r\n]*)\))?(!)?:[ \t]+(\S.*)$`)
	footerOracle   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*)(: | #)(.*)$`)
	breakingOracle = regexp.MustCompile(`^BREAKING[ -]CHANGE:(?:[ \t]+(.*)|[ \t]*)$`)
	prOracle       = regexp.MustCompile(`\s*\(#([0-9]{1,9})\)\s*$`)
	flagOracle     = regexp.MustCompile(`\bFF_[A-Z0-9]+(?:_[A-Z0-9]+)*\b`)
)

// checkScanners compares the scanners with their expressions on one line.
func checkScanners(t *testing.T, line string) {
	t.Helper()
	typ, scope, bang, desc, ok := parseHeader(line)
	if g := headerOracle.FindStringSubmatch(line); (g != nil) != ok || ok && (g[1] != typ || g[2] != scope || (g[3] == "!") != bang || g[4] != desc) {
		t.Errorf("parseHeader(%q) = %q %q %v %q %v; the expression says %q", line, typ, scope, bang, desc, ok, g)
	}
	tok, val, ok := footerLine(line)
	wantTok, wantVal, wantOK := "", "", false
	if g := breakingOracle.FindStringSubmatch(line); g != nil {
		wantTok, wantVal, wantOK = line[:15], strings.TrimSpace(g[1]), true
	} else if g := footerOracle.FindStringSubmatch(line); g != nil {
		wantTok, wantVal, wantOK = g[1], g[3], true
		if g[2] == " #" {
			wantVal = "#" + wantVal
		}
		wantVal = strings.TrimSpace(wantVal)
	}
	if tok != wantTok || val != wantVal || ok != wantOK {
		t.Errorf("footerLine(%q) = %q %q %v, want %q %q %v", line, tok, val, ok, wantTok, wantVal, wantOK)
	}
	d, n, ok := cutPRSuffix(line)
	if g := prOracle.FindStringSubmatchIndex(line); (g != nil) != ok {
		t.Errorf("cutPRSuffix(%q) = %v, the expression says %v", line, ok, g != nil)
	} else if ok {
		wn, _ := strconv.Atoi(line[g[2]:g[3]])
		if wn != n || strings.TrimRight(line[:g[0]], " \t\n\f\r") != d {
			t.Errorf("cutPRSuffix(%q) = %q %d, want %q %d", line, d, n, line[:g[0]], wn)
		}
	}
	var want []string
	for _, f := range flagOracle.FindAllString(line, -1) {
		if !slices.Contains(want, f) {
			want = append(want, f)
		}
	}
	if got := FlagNames(line); !reflect.DeepEqual(got, want) {
		t.Errorf("FlagNames(%q) = %q, want %q", line, got, want)
	}
}

func TestScannersMatchTheirExpressions(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"feat: x", "feat(a)!: x", "feat(a(b)): x", "feat(): x", "f-_9: x", "9feat: x", "feat:\tx", "feat: \fx", "feat:  ",
		"BREAKING CHANGE: x", "BREAKING CHANGE:", "BREAKING CHANGE:x", "BREAKING-CHANGE:\t y ", "Refs #12", "Co-authored-by: A <a@b>", "a:b",
		"x (#12)", "x(#12) ", "x (#0123456789)", "x (#)", "x (#1a)", "(#5)",
		"FF_A FF_A_B FF_A__B FF_A_ FF_a xFF_B FF_C_Dx FF_Ж FF_E_9 ЖFF_F",
	} {
		checkScanners(t, line)
	}
}

func TestParseCommit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  string
		want Message
	}{
		{"feat", "feat: add the quiz\n",
			Message{Subject: "feat: add the quiz", Type: "feat", Description: "add the quiz"}},
		{"scoped fix", "fix(api): reject empty bodies",
			Message{Subject: "fix(api): reject empty bodies", Type: "fix", Scope: "api", Description: "reject empty bodies"}},
		{"upper-case type", "Feat(UI): Bigger buttons",
			Message{Subject: "Feat(UI): Bigger buttons", Type: "feat", Scope: "UI", Description: "Bigger buttons"}},
		{"bang", "refactor(core)!: drop the v1 store",
			Message{Subject: "refactor(core)!: drop the v1 store", Type: "refactor", Scope: "core", Description: "drop the v1 store", Breaking: true}},
		{"bang without scope", "feat!: new config format",
			Message{Subject: "feat!: new config format", Type: "feat", Description: "new config format", Breaking: true}},
		{"breaking footer with multi-paragraph body",
			"feat(auth): sessions in redis\n\nFirst paragraph of the body.\n\nSecond paragraph,\nover two lines.\n\nBREAKING CHANGE: sessions from before the release are dropped;\nusers sign in again.\nRefs: #42\n",
			Message{Subject: "feat(auth): sessions in redis", Type: "feat", Scope: "auth", Description: "sessions in redis", Breaking: true,
				BreakingNote: "sessions from before the release are dropped;\nusers sign in again.",
				Body:         "First paragraph of the body.\n\nSecond paragraph,\nover two lines.",
				Footers:      []Footer{{"BREAKING CHANGE", "sessions from before the release are dropped;\nusers sign in again."}, {"Refs", "#42"}}}},
		{"BREAKING-CHANGE synonym", "fix: x\n\nBREAKING-CHANGE: y",
			Message{Subject: "fix: x", Type: "fix", Description: "x", Breaking: true, BreakingNote: "y", Footers: []Footer{{"BREAKING-CHANGE", "y"}}}},
		{"breaking note over paragraphs", "feat: x\n\nBREAKING CHANGE: first\n\nsecond paragraph\n\nReviewed-by: Z",
			Message{Subject: "feat: x", Type: "feat", Description: "x", Breaking: true, BreakingNote: "first\n\nsecond paragraph",
				Footers: []Footer{{"BREAKING CHANGE", "first\n\nsecond paragraph"}, {"Reviewed-by", "Z"}}}},
		{"lower-case breaking change is not a breaking footer", "fix: x\n\nbreaking change: no",
			Message{Subject: "fix: x", Type: "fix", Description: "x", Body: "breaking change: no"}},
		{"breaking change inside the body still counts", "fix: x\n\nSome text.\nBREAKING CHANGE: the API moved\nmore text",
			Message{Subject: "fix: x", Type: "fix", Description: "x", Breaking: true, BreakingNote: "the API moved",
				Body: "Some text.\nBREAKING CHANGE: the API moved\nmore text"}},
		{"a body paragraph after footers makes them body", "fix: x\n\nNote: one\n\njust text",
			Message{Subject: "fix: x", Type: "fix", Description: "x", Body: "Note: one\n\njust text"}},
		{"release-as", "chore: release 2.0.0\n\nRelease-As: 2.0.0",
			Message{Subject: "chore: release 2.0.0", Type: "chore", Description: "release 2.0.0", ReleaseAs: "2.0.0", Footers: []Footer{{"Release-As", "2.0.0"}}}},
		{"release-as lower case", "chore: x\n\nrelease-as: 1.2.3",
			Message{Subject: "chore: x", Type: "chore", Description: "x", ReleaseAs: "1.2.3", Footers: []Footer{{"release-as", "1.2.3"}}}},
		{"hash footer", "fix: x\n\nCloses #12",
			Message{Subject: "fix: x", Type: "fix", Description: "x", Footers: []Footer{{"Closes", "#12"}}}},
		{"squash merge suffix", "feat(nav): footer links (#123)",
			Message{Subject: "feat(nav): footer links (#123)", Type: "feat", Scope: "nav", Description: "footer links", PR: 123}},
		{"merge commit", "Merge pull request #7 from acme/feature\n\nfeat: the feature",
			Message{Subject: "Merge pull request #7 from acme/feature", Description: "Merge pull request #7 from acme/feature", PR: 7,
				Footers: []Footer{{"feat", "the feature"}}}}, // a "token: value" paragraph is a footer by the specification
		{"git revert", "Revert \"feat: add the quiz\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n",
			Message{Subject: `Revert "feat: add the quiz"`, Type: "revert", Description: "feat: add the quiz",
				Body:   "This reverts commit 0123456789abcdef0123456789abcdef01234567.",
				Revert: &Revert{Hashes: []string{"0123456789abcdef0123456789abcdef01234567"}, Subject: "feat: add the quiz"}}},
		{"revert of a revert", "Revert \"Revert \"feat: q\"\"\n\nThis reverts commit abcdef1.",
			Message{Subject: `Revert "Revert "feat: q""`, Type: "revert", Description: `Revert "feat: q"`,
				Body: "This reverts commit abcdef1.", Revert: &Revert{Hashes: []string{"abcdef1"}, Subject: `Revert "feat: q"`}}},
		{"conventional revert with refs", "revert: feat(x): y\n\nRefs: 1a2b3c4d",
			Message{Subject: "revert: feat(x): y", Type: "revert", Description: "feat(x): y",
				Footers: []Footer{{"Refs", "1a2b3c4d"}}, Revert: &Revert{Hashes: []string{"1a2b3c4d"}, Subject: "feat(x): y"}}},
		{"non-conforming", "Update README",
			Message{Subject: "Update README", Description: "Update README"}},
		{"no space after colon", "fix:typo",
			Message{Subject: "fix:typo", Description: "fix:typo"}},
		{"empty description", "feat: ",
			Message{Subject: "feat:", Description: "feat:"}},
		{"crlf", "fix: a\r\n\r\nbody\r\n",
			Message{Subject: "fix: a", Type: "fix", Description: "a", Body: "body"}},
		{"russian and emoji", "feat(онбординг): новый экран 🎉\n\nТело коммита.",
			Message{Subject: "feat(онбординг): новый экран 🎉", Type: "feat", Scope: "онбординг", Description: "новый экран 🎉", Body: "Тело коммита."}},
		{"co-authors", "fix: pair work\n\nCo-authored-by: Bob <bob@example.com>\nCo-authored-by: Carol <carol@example.com>",
			Message{Subject: "fix: pair work", Type: "fix", Description: "pair work",
				Footers: []Footer{{"Co-authored-by", "Bob <bob@example.com>"}, {"Co-authored-by", "Carol <carol@example.com>"}}}},
		{"empty", "", Message{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ParseCommit(tt.msg)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCommit(%q)\n got %#v\nwant %#v", tt.msg, got, tt.want)
			}
		})
	}
}

func TestFlagNames(t *testing.T) {
	t.Parallel()
	got := FlagNames("feat: FF_NEW_ONBOARDING and `FF_NAV_FOOTER`=OFF, again FF_NEW_ONBOARDING; not MY_FF_X nor FF_ or ff_lower")
	want := []string{"FF_NEW_ONBOARDING", "FF_NAV_FOOTER"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FlagNames = %q, want %q", got, want)
	}
}

func FuzzParseCommit(f *testing.F) {
	for _, s := range []string{
		"feat(api)!: x\n\nbody\n\nBREAKING CHANGE: y\n\nz\n\nRefs: #1",
		"Revert \"fix: a\"\n\nThis reverts commit abcdef1234.",
		"chore: r\n\nRelease-As: 1.2.3",
		"Merge pull request #1 from a/b",
		"fix: a (#12)",
		"\n\n\r\n",
		"BREAKING CHANGE: \n\n\nBREAKING CHANGE:",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		for _, line := range strings.Split(msg, "\n") {
			checkScanners(t, line)
		}
		m := ParseCommit(msg)
		if strings.Contains(m.Subject, "\n") {
			t.Errorf("subject %q spans lines", m.Subject)
		}
		if m.Subject != "" && m.Description == "" {
			t.Errorf("empty description for subject %q", m.Subject)
		}
		if m.Revert != nil && m.Type != "revert" {
			t.Errorf("revert with type %q", m.Type)
		}
		if m.BreakingNote != "" && !m.Breaking {
			t.Errorf("a breaking note without Breaking")
		}
		if utf8.ValidString(msg) && !utf8.ValidString(m.Description) {
			t.Errorf("description %q is not valid UTF-8", m.Description)
		}
	})
}

// TestParseRevert covers the revert forms git, GitHub and the Conventional
// Commits FAQ write.
func TestParseRevert(t *testing.T) {
	t.Parallel()
	const a, b, p = "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210fedcba98"
	tests := []struct {
		name, msg string
		desc      string
		pr        int
		want      *Revert
	}{
		{"git revert", "Revert \"feat: b\"\n\nThis reverts commit " + a + ".\n",
			"feat: b", 0, &Revert{Hashes: []string{a}, Subject: "feat: b"}},
		{"git revert of a merge", "Revert \"Merge pull request #12 from acme/b\"\n\nThis reverts commit " + a + ", reversing\nchanges made to " + p + ".\n",
			"Merge pull request #12 from acme/b", 0, &Revert{Hashes: []string{a}, Subject: "Merge pull request #12 from acme/b"}},
		{"git reapply", "Reapply \"feat: b\"\n\nThis reverts commit " + a + ".",
			"feat: b", 0, &Revert{Hashes: []string{a}, Subject: "feat: b"}},
		{"revert of a revert", "Revert \"Revert \"feat: b\"\"\n\nThis reverts commit " + a + ".",
			`Revert "feat: b"`, 0, &Revert{Hashes: []string{a}, Subject: `Revert "feat: b"`}},
		{"GitHub's Revert button, squash-merged", "Revert \"feat: b (#12)\" (#13)\n\nThis reverts commit " + strings.ToUpper(a) + ".",
			"feat: b (#12)", 13, &Revert{Hashes: []string{a}, Subject: "feat: b (#12)"}},
		{"GitHub's Revert button on two commits, squash-merged", "Revert \"two features\" (#14)\n\n* Revert \"feat: a\"\n\nThis reverts commit " + a + ".\n\n* Revert \"feat: b\"\n\nThis reverts commit " + b + ".\n",
			"two features", 14, &Revert{Hashes: []string{a, b}, Subject: "two features"}},
		{"a bulleted reverts line", "Revert \"x\" (#15)\n\n* This reverts commit " + a + ".\n* This reverts commit " + a + ".",
			"x", 15, &Revert{Hashes: []string{a}, Subject: "x"}},
		{"Conventional Commits FAQ", "revert: let us never again speak of the noodle incident\n\nRefs: 676104e, a215868\n",
			"let us never again speak of the noodle incident", 0, &Revert{Hashes: []string{"676104e", "a215868"}, Subject: "let us never again speak of the noodle incident"}},
		{"FAQ form with two Refs footers and an issue", "revert(api): drop v2\n\nRefs: #12\nRefs: 676104E a215868 676104e",
			"drop v2", 0, &Revert{Hashes: []string{"676104e", "a215868"}, Subject: "drop v2"}},
		{"FAQ form with a body line", "revert: feat: b\n\nThis reverts commit " + a + ".",
			"feat: b", 0, &Revert{Hashes: []string{a}, Subject: "feat: b"}},
		{"no hash", "revert: feat: b", "feat: b", 0, &Revert{Subject: "feat: b"}},
		{"too short to be a hash", "revert: x\n\nRefs: abc123", "x", 0, &Revert{Subject: "x"}},
		{"a quoted revert line in prose is not a target", "Revert \"x\"\n\nAs git says, This reverts commit " + a + ".", "x", 0, &Revert{Subject: "x"}},
		{"not a revert: the word alone", "Revert the quiz", "Revert the quiz", 0, nil},
		{"not a revert: empty quotes", `Revert ""`, `Revert ""`, 0, nil},
		{"not a revert: a feat mentioning reverts", "feat: b\n\nThis reverts commit " + a + ".", "b", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := ParseCommit(tt.msg)
			if m.Description != tt.desc || m.PR != tt.pr || !reflect.DeepEqual(m.Revert, tt.want) {
				t.Errorf("ParseCommit(%q) = description %q, PR %d, revert %+v; want %q, %d, %+v", tt.msg, m.Description, m.PR, m.Revert, tt.desc, tt.pr, tt.want)
			}
			if (m.Type == "revert") != (tt.want != nil) {
				t.Errorf("type %q", m.Type)
			}
		})
	}
}
