package releasenotes

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
)

// FuzzVersionOf holds tag names to a round trip: a name read as a release
// tag is the name releasebot writes for that version, so a tag it creates
// is the tag it finds again.
func FuzzVersionOf(f *testing.F) {
	for _, s := range [][2]string{
		{"v1.2.3", "v"}, {"release-1.4.0", "release-"}, {"1.0.0", ""}, {"v1.2.3-rc.1+build.5", "v"},
		{"v01.2.3", "v"}, {"v1.2", "v"}, {" v1.2.3\n", "v"}, {"vv1.2.3", "v"}, {"v1.2.3-01", "v"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, prefix string) {
		v, ok := versionOf(name, prefix)
		if !ok {
			return
		}
		tag := prefix + v.String()
		if tag != strings.TrimSpace(name) {
			t.Fatalf("versionOf(%q, %q) = %s, written back as %q", name, prefix, v, tag)
		}
		back, ok := versionOf(tag, prefix)
		if !ok || !back.Equal(v) || back.Metadata() != v.Metadata() {
			t.Fatalf("the tag %q does not read back as %s", tag, v)
		}
	})
}

// FuzzReleaseAs feeds Release-As footers with any value through the commit
// parser and the version decision: a footer sets the next version only to a
// semantic version above the last release, and is otherwise ignored with a
// warning naming it.
func FuzzReleaseAs(f *testing.F) {
	for _, s := range [][2]string{
		{"2.0.0", "1.2.3"}, {"v2.0.0", "1.2.3"}, {"1.0.0", "1.2.3"}, {"banana", "1.2.3"}, {"1.0.0", ""},
		{" 3.0.0-rc.1 ", "2.9.9"}, {"1.2.3", "1.2.3"}, {"01.2.3", ""}, {"1.2.3+meta", "1.2.3"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, value, previous string) {
		if strings.ContainsAny(value, "\r\n") {
			return // a footer value is one line here; continuations are another test
		}
		m := ParseCommit("chore: pin the version\n\nRelease-As: " + value)
		if m.ReleaseAs != strings.TrimSpace(value) {
			t.Fatalf("Release-As %q read as %q", value, m.ReleaseAs)
		}
		var prev *semver.Version
		if previous != "" {
			var err error
			if prev, err = semver.StrictNewVersion(previous); err != nil {
				return
			}
		}
		c := NewChange("0123456789abcdef0123456789abcdef01234567", Person{Name: "a"}, time.Time{}, "chore: pin the version\n\nRelease-As: "+value)
		d := NextVersion(prev, []Change{c})
		want, err := semver.StrictNewVersion(strings.TrimPrefix(m.ReleaseAs, "v"))
		switch {
		case m.ReleaseAs == "":
			if d.Next != nil || len(d.Warnings) != 0 {
				t.Fatalf("an empty footer decided %v, %q", d.Next, d.Warnings)
			}
		case err != nil || prev != nil && !want.GreaterThan(prev):
			if d.Next != nil || len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "Release-As: "+echo(m.ReleaseAs)+" ") || strings.ContainsAny(d.Warnings[0], "\x00\x1b\u2028") {
				t.Fatalf("Release-As %q over %v: next %v, warnings %q", m.ReleaseAs, prev, d.Next, d.Warnings)
			}
		default:
			if d.Next == nil || !d.Next.Equal(want) || d.ReleaseAs != c.Hash || len(d.Warnings) != 0 {
				t.Fatalf("Release-As %q over %v: next %v, warnings %q", m.ReleaseAs, prev, d.Next, d.Warnings)
			}
		}
	})
}

// FuzzRepoURLFromRemote holds the web address derived from a remote to its
// shape — https, host, owner, name, no credentials — and to a fixed point:
// the address read as a remote gives itself.
func FuzzRepoURLFromRemote(f *testing.F) {
	for _, s := range []string{
		"git@github.com:acme/shop.git", "https://x-access-token:ghs_secret0042@github.com/acme/shop",
		"ssh://git@github.com:22/acme/shop.git", "https://github.example.com/acme/shop/", "git://github.com/a/b",
		"https://gitlab.com/acme/shop.git", "https://github.com/acme", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		got := RepoURLFromRemote(remote)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
			!strings.Contains(u.Host, "github") || u.Host != strings.ToLower(u.Host) {
			t.Fatalf("RepoURLFromRemote(%q) = %q, not https://<github host>/owner/name", remote, got)
		}
		if parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/"); len(parts) != 2 || parts[0] == "" || parts[1] == "" {
			t.Fatalf("RepoURLFromRemote(%q) = %q: path %q is not owner/name", remote, got, u.Path)
		}
		// A password in the remote never reaches the address.
		if in, err := url.Parse(strings.TrimSpace(remote)); err == nil && in.User != nil {
			if pw, ok := in.User.Password(); ok && len(pw) >= 4 && !strings.Contains(strings.ToLower(in.Host+in.Path), strings.ToLower(pw)) && strings.Contains(got, pw) {
				t.Fatalf("RepoURLFromRemote(%q) = %q holds the password", remote, got)
			}
		}
		if again := RepoURLFromRemote(got); again != got {
			t.Fatalf("RepoURLFromRemote(%q) = %q, but that address gives %q", remote, got, again)
		}
	})
}

// FuzzNotes builds and renders notes from any commit messages: every change
// is accounted for (listed, hidden by exclude_types, or dropped with its
// revert), and rendering is a function of the input, byte for byte.
func FuzzNotes(f *testing.F) {
	f.Add("feat(nav): footer links (#12)\x00fix: typo\x00docs: spelling\x00Update README", "1.2.3")
	f.Add("feat: a\x00Revert \"feat: a\"\n\nThis reverts commit 0000000000000000000000000000000000000001.", "")
	f.Add("fix(@here): <!channel> <@U123> @octocat <img src=x onerror=alert(1)> <!-- hide\n\nBREAKING CHANGE: <details>\n- x\n@team\x00Revert \"feat: x (#2)\" (#3)\n\nThis reverts commit 0000000000000000000000000000000000000003.\x00feat: x (#2)", "1.0.0")
	f.Add("revert: noodles\n\nRefs: 0000000, 0000000000000000000000000000000000000002\x00feat: b\x00feat: a", "")
	f.Add("chore(deps)!: drop Node 16\x00chore: x\n\nRelease-As: 9.0.0\x00fix: | pipes | and <b>html</b> ~x~ FF_NEW_ONBOARDING", "0.4.1")
	f.Fuzz(func(t *testing.T, messages, previous string) {
		h := &History{To: "HEAD", Head: fmt.Sprintf("%040x", 0)}
		if v, err := semver.StrictNewVersion(previous); err == nil {
			h.Previous, h.From = Tag{Name: "v" + v.String(), Version: v}, "v"+v.String()
		}
		msgs := strings.Split(messages, "\x00")
		// Newest first, as git log gives them; hashes count up from the oldest.
		for i, msg := range msgs {
			hash := fmt.Sprintf("%040x", len(msgs)-i)
			h.Changes = append(h.Changes, NewChange(hash, Person{Name: "Ann", Email: "ann@example.com"}, baseDate, msg))
		}
		h.Commits = len(h.Changes)
		o := Options{RepoURL: testRepoURL, Date: baseDate, Flags: prodFlags, FlagsFile: ".release/flags.yaml"}
		n, err := Build(h, o)
		if err != nil {
			t.Fatal(err) // only a forced version can fail, and none is forced
		}
		if got := n.Count() + n.Hidden + n.Reverted; got != len(h.Changes) {
			t.Fatalf("%d changes, but %d listed, %d hidden, %d reverted", len(h.Changes), n.Count(), n.Hidden, n.Reverted)
		}
		if n.Release != (n.Decision.Next != nil) || n.Release && n.Tag != "v"+n.Decision.Next.String() {
			t.Fatalf("release %v, tag %q, decision %v", n.Release, n.Tag, n.Decision.Next)
		}
		doc := Markdown(n)
		// Whatever the messages hold, the notes hold no HTML and no mention
		// of their making outside code spans.
		text := regexp.MustCompile(`<!-- /?releasebot:[a-z-]+ -->`).ReplaceAllString(stripCode(doc), "")
		if i := strings.IndexByte(text, '<'); i >= 0 {
			t.Fatalf("raw < in the notes: %q", text[max(0, i-40):min(len(text), i+40)])
		}
		if m := mentionRe.FindString(text); m != "" {
			t.Fatalf("a mention %q in the notes", m)
		}
		again, err := Build(h, o)
		if err != nil {
			t.Fatal(err)
		}
		if Markdown(again) != doc {
			t.Fatal("rendering the same history twice differs")
		}
		var notes strings.Builder
		if err := DefaultTemplate().RenderNotes(&notes, n); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(doc, strings.TrimRight(notes.String(), "\n")) {
			t.Fatalf("RELEASE_NOTES.md does not start with the notes block:\n%s\n---\n%s", doc, notes.String())
		}
		if _, err := json.Marshal(n); err != nil {
			t.Fatal(err)
		}
	})
}
